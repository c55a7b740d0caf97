"""The final stage's composite score: a weighted mean of four parts, each in 0..1 (pure).

- catalyst: the mean of the catalyst's strength and its (positive) sentiment;
- technical: the mean of where RSI sits in its band (1 at the middle, 0 at either edge), the
  volume ratio against twice its threshold, and how far the close is above SMA 20 against
  ``full_trend_pct``;
- pattern: the pattern's confidence;
- risk/reward: ``(target - entry) / (entry - stop)`` against ``full_risk_reward`` (0 when the
  pattern's levels give no positive reward for a positive risk).

Every part is clamped to 0..1 so that no one of them can outweigh its weight.
"""

from __future__ import annotations

from catalyst.scanner.config import FunnelThresholds, ScoreWeights
from catalyst.scanner.stages import CompositeScore, NewsFacts, PatternFacts, TechnicalFacts

DIGITS = 4


def clamp01(x: float) -> float:
    return min(1.0, max(0.0, x))


def catalyst_score(news: NewsFacts) -> float:
    return clamp01((news.strength + clamp01(news.sentiment)) / 2)


def technical_score(price: float, facts: TechnicalFacts, thresholds: FunnelThresholds,
                    weights: ScoreWeights) -> float:
    """Mean of the RSI, volume and trend parts; a missing value scores 0 for its part."""
    low, high = thresholds.rsi_low, thresholds.rsi_high
    mid, half = (low + high) / 2, (high - low) / 2
    rsi = 0.0 if facts.rsi_14 is None else (1.0 if half == 0 else clamp01(1 - abs(facts.rsi_14 - mid) / half))
    volume = 0.0 if facts.volume_ratio is None or thresholds.min_volume_ratio <= 0 else clamp01(
        facts.volume_ratio / (2 * thresholds.min_volume_ratio))
    trend = 0.0 if not facts.sma_20 else clamp01((price / facts.sma_20 - 1) * 100 / weights.full_trend_pct)
    return (rsi + volume + trend) / 3


def risk_reward(pattern: PatternFacts) -> float | None:
    """Reward over risk from the pattern's entry, stop and target; None when they do not make one."""
    if pattern.entry is None or pattern.stop is None or pattern.target is None:
        return None
    risk, reward = pattern.entry - pattern.stop, pattern.target - pattern.entry
    if risk <= 0 or reward <= 0:
        return None
    return reward / risk


def composite_score(price: float, news: NewsFacts, technical: TechnicalFacts, pattern: PatternFacts,
                    thresholds: FunnelThresholds, weights: ScoreWeights) -> CompositeScore:
    cat = catalyst_score(news)
    tech = technical_score(price, technical, thresholds, weights)
    pat = clamp01(pattern.confidence)
    rr = risk_reward(pattern)
    rr_part = 0.0 if rr is None else clamp01(rr / weights.full_risk_reward)
    total = weights.catalyst + weights.technical + weights.pattern + weights.risk_reward
    composite = (weights.catalyst * cat + weights.technical * tech + weights.pattern * pat
                 + weights.risk_reward * rr_part) / total
    return CompositeScore(composite=round(composite, DIGITS), catalyst=round(cat, DIGITS),
                          technical=round(tech, DIGITS), pattern=round(pat, DIGITS),
                          risk_reward=None if rr is None else round(rr, DIGITS))
