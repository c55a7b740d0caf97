"""The composite score, worked by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from catalyst.scanner.config import FunnelThresholds, ScoreWeights
from catalyst.scanner.scoring import catalyst_score, composite_score, risk_reward, technical_score
from catalyst.scanner.stages import NewsFacts, PatternFacts, TechnicalFacts

T, W = FunnelThresholds(), ScoreWeights()
NEWS = NewsFacts(strength=0.8, sentiment=0.6, published_at=datetime(2024, 1, 2, tzinfo=UTC), events=1,
                 catalyst_type="fda", headline="h")
TECH = TechnicalFacts(sma_20=20.0, rsi_14=60.0, volume_ratio=2.25)
FLAG = PatternFacts(pattern="bull_flag", confidence=0.8, entry=10.0, stop=9.0, target=12.0)


def test_catalyst_score_is_the_mean_of_strength_and_positive_sentiment() -> None:
    assert catalyst_score(NEWS) == pytest.approx(0.7)
    negative = NewsFacts(**{**NEWS.__dict__, "sentiment": -0.4})
    assert catalyst_score(negative) == pytest.approx(0.4)  # negative sentiment counts as 0


def test_technical_score_worked_by_hand() -> None:
    # RSI 60 in 40..70: 1 - |60 - 55| / 15 = 0.6667; volume 2.25 / (2 x 1.5) = 0.75;
    # close 22 is 10% above SMA 20 = 1.0 (the full trend is 10%)
    assert technical_score(22.0, TECH, T, W) == pytest.approx((2 / 3 + 0.75 + 1.0) / 3)
    # at the band's edge, no volume ratio, 5% above: 0, 0, 0.5
    edge = TechnicalFacts(sma_20=20.0, rsi_14=70.0, volume_ratio=None)
    assert technical_score(21.0, edge, T, W) == pytest.approx(0.5 / 3)
    # parts are clamped: far above the SMA and 10x volume still score 1 each
    hot = TechnicalFacts(sma_20=10.0, rsi_14=55.0, volume_ratio=10.0)
    assert technical_score(50.0, hot, T, W) == pytest.approx(1.0)


def test_risk_reward_from_entry_stop_and_target() -> None:
    assert risk_reward(FLAG) == pytest.approx(2.0)  # (12 - 10) / (10 - 9)
    assert risk_reward(PatternFacts(pattern="x", confidence=1, entry=10, stop=10, target=12)) is None  # no risk
    assert risk_reward(PatternFacts(pattern="x", confidence=1, entry=10, stop=9, target=9.5)) is None  # no reward
    assert risk_reward(PatternFacts(pattern=None, confidence=0)) is None


def test_composite_score_worked_by_hand() -> None:
    score = composite_score(22.0, NEWS, TECH, FLAG, T, W)
    # 0.3 x 0.7 + 0.2 x 0.80556 + 0.3 x 0.8 + 0.2 x (2 / 3) = 0.74444
    assert score.composite == 0.7444
    assert (score.catalyst, score.technical, score.pattern, score.risk_reward) == (0.7, 0.8056, 0.8, 2.0)


def test_weights_are_normalised_and_a_risk_reward_past_full_scores_one() -> None:
    only_rr = ScoreWeights(SCANNER_WEIGHT_CATALYST=0, SCANNER_WEIGHT_TECHNICAL=0, SCANNER_WEIGHT_PATTERN=0,
                           SCANNER_WEIGHT_RISK_REWARD=2)
    wide = PatternFacts(pattern="bull_flag", confidence=0.8, entry=10.0, stop=9.0, target=15.0)  # 5:1
    assert composite_score(22.0, NEWS, TECH, wide, T, only_rr).composite == 1.0
    assert composite_score(22.0, NEWS, TECH, FLAG, T, only_rr).composite == pytest.approx(0.6667)


def test_at_least_one_weight_must_count() -> None:
    with pytest.raises(ValueError, match="at least one score weight"):
        ScoreWeights(SCANNER_WEIGHT_CATALYST=0, SCANNER_WEIGHT_TECHNICAL=0, SCANNER_WEIGHT_PATTERN=0,
                     SCANNER_WEIGHT_RISK_REWARD=0)
