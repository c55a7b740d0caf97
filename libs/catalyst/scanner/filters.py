"""The funnel's five filters, one per stage, behind one interface (pure: no I/O).

Like a chain of pairlist filters, each takes the surviving symbols and answers the ones that pass
and, for every one it drops, the reason: the metric, its value, the threshold and the comparison
the value failed. The first failing check of a symbol is its reason. The service runs them in the
configured order (``ScannerSettings.stages``), gathering each stage's facts before its filter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

import operator
from catalyst.contracts.scanner import DropReason
from catalyst.scanner.config import FunnelThresholds, ScannerSettings, ScoreWeights
from catalyst.scanner.scoring import composite_score
from catalyst.scanner.stages import (
    Evidence,
    NewsFacts,
    PatternFacts,
    ScanContext,
    Stage,
    StageOutcome,
    TechnicalFacts,
    Unavailable,
)

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
}


def shown(x: float) -> str:
    """A number as a message shows it: whole thousands with separators, else six significant digits."""
    return f"{x:,.0f}" if abs(x) >= 10_000 else f"{x:.6g}"


def require(metric: str, value: float | None, comparison: str, threshold: float) -> DropReason | None:
    """None when ``value comparison threshold`` holds, else the reason it does not (a missing value fails)."""
    if value is not None and _COMPARE[comparison](value, threshold):
        return None
    text = "missing" if value is None else shown(value)
    return DropReason(metric=metric, value=value, threshold=threshold, comparison=comparison,
                      message=f"{metric} {text} is not {comparison} {shown(threshold)}")


def unavailable(facts: Unavailable) -> DropReason:
    """The reason of a symbol whose stage could not get its facts."""
    if facts.whole_source:
        return DropReason(metric="source", value=facts.source, threshold=None, comparison="available",
                          message=f"source unavailable: {facts.source} ({facts.code}: {facts.message})")
    return DropReason(metric=f"{facts.source}_data", value=facts.code, threshold=None, comparison="available",
                      message=f"{facts.source} has no answer for the symbol ({facts.code}: {facts.message})")


def first_failure(*checks: Callable[[], DropReason | None]) -> DropReason | None:
    for check in checks:
        reason = check()
        if reason is not None:
            return reason
    return None


class StageFilter(Protocol):
    """One stage of the funnel."""

    @property
    def stage(self) -> Stage: ...

    def apply(self, survivors: Sequence[Evidence], context: ScanContext) -> StageOutcome: ...


class CheckFilter:
    """A filter that keeps each symbol its ``check`` finds no fault with, in the order given."""

    stage: Stage

    def check(self, evidence: Evidence, context: ScanContext) -> DropReason | None:
        raise NotImplementedError

    def apply(self, survivors: Sequence[Evidence], context: ScanContext) -> StageOutcome:
        passed: list[Evidence] = []
        dropped: dict[str, DropReason] = {}
        for evidence in survivors:
            reason = self.check(evidence, context)
            if reason is None:
                passed.append(evidence)
            else:
                dropped[evidence.symbol] = reason
        return StageOutcome(passed=passed, dropped=dropped)


class Liquidity(Protocol):
    """A symbol's last close and mean daily volume (its ``Evidence``, or its row of the universe read)."""

    @property
    def price(self) -> float: ...

    @property
    def avg_volume(self) -> float: ...


def illiquid(symbol: Liquidity, thresholds: FunnelThresholds) -> DropReason | None:
    """Price and volume: the universe's checks that need no news (the scan asks News only about
    the symbols that pass them)."""
    return first_failure(
        lambda: require("price", symbol.price, ">", thresholds.min_price),
        lambda: require("avg_volume", symbol.avg_volume, ">", thresholds.min_avg_volume),
    )


CAP_METRIC = "liquidity_rank"


def capped(rank: int, cap: int) -> DropReason:
    """The reason of a symbol that had everything the universe asks but ranked ``rank`` by liquidity
    of the symbols with news, past the ``cap`` kept (the repository rebuilds it from the two)."""
    return DropReason(metric=CAP_METRIC, value=rank, threshold=cap, comparison="<=",
                      message=f"ranked {rank} by liquidity of the symbols with news; the universe keeps the {cap} "
                              "most liquid")


class UniverseFilter(CheckFilter):
    """The universe is news-first (spec 2.3, stage 1): of the listed securities (most liquid first),
    those with price > $5, volume > 1M a day and news in the last 24 h, the ``universe_cap`` most
    liquid of them kept. The cap is the scan's last check, so a symbol it cuts had all the rest: it
    is in the outcome's ``cut``, its reason ``capped`` by its place there (on a day when the whole
    market has news they are thousands, and the scan stores them as that list)."""

    stage = Stage.UNIVERSE

    def __init__(self, thresholds: FunnelThresholds):
        self._t = thresholds

    def check(self, evidence: Evidence, context: ScanContext) -> DropReason | None:
        return first_failure(
            lambda: illiquid(evidence, self._t),
            lambda: self._recent_news(evidence.news, context),
        )

    def apply(self, survivors: Sequence[Evidence], context: ScanContext) -> StageOutcome:
        """The checks, then the cap over what passed them, in the order given (most liquid first)."""
        checked = super().apply(survivors, context)
        cap = context.universe_cap
        return StageOutcome(passed=checked.passed[:cap], dropped=checked.dropped,
                            cut=[e.symbol for e in checked.passed[cap:]])

    def _recent_news(self, news: NewsFacts | Unavailable | None, context: ScanContext) -> DropReason | None:
        if isinstance(news, Unavailable):
            return unavailable(news)
        if news is None:
            return DropReason(metric="news_events", value=0, threshold=1, comparison=">=",
                              message=f"no news in the last {self._t.news_window_hours:g} h")
        age_h = (context.as_of - news.published_at) / timedelta(hours=1)
        if age_h < 0:  # a cached answer from later than this scan's market time: never look ahead
            return DropReason(metric="news_age_hours", value=round(age_h, 4), threshold=0, comparison=">=",
                              message="the news was published after the scan's market time")
        return require("news_age_hours", round(age_h, 4), "<=", self._t.news_window_hours)


class CatalystFilter(CheckFilter):
    """catalyst_strength > 0.7 and sentiment > 0.5 (News' strength-weighted mean over the window)."""

    stage = Stage.CATALYST

    def __init__(self, thresholds: FunnelThresholds):
        self._t = thresholds

    def check(self, evidence: Evidence, context: ScanContext) -> DropReason | None:
        news = evidence.news
        if not isinstance(news, NewsFacts):
            return unavailable(news) if isinstance(news, Unavailable) else require("news_events", 0, ">=", 1)
        return first_failure(
            lambda: require("catalyst_strength", news.strength, ">", self._t.min_catalyst_strength),
            lambda: require("sentiment_score", news.sentiment, ">", self._t.min_sentiment),
        )


class TechnicalFilter(CheckFilter):
    """Price above SMA 20, RSI 14 within 40..70, last volume > 1.5x the 20 bars' average."""

    stage = Stage.TECHNICAL

    def __init__(self, thresholds: FunnelThresholds):
        self._t = thresholds

    @staticmethod
    def _above_sma(price: float, sma_20: float | None) -> DropReason | None:
        """The threshold is the SMA itself: the reason names the price against it."""
        if sma_20 is None:
            return require("sma_20", None, ">", 0)
        return require("price", price, ">", sma_20)

    def check(self, evidence: Evidence, context: ScanContext) -> DropReason | None:
        facts = evidence.technical
        if not isinstance(facts, TechnicalFacts):
            return unavailable(facts or Unavailable("technical", "NOT_GATHERED", "no indicators were asked for"))
        t = self._t
        return first_failure(
            lambda: self._above_sma(evidence.price, facts.sma_20),
            lambda: require("rsi_14", facts.rsi_14, ">=", t.rsi_low),
            lambda: require("rsi_14", facts.rsi_14, "<=", t.rsi_high),
            lambda: require("volume_ratio", facts.volume_ratio, ">", t.min_volume_ratio),
        )


class PatternFilter(CheckFilter):
    """A recognised pattern with confidence > 0.7."""

    stage = Stage.PATTERN

    def __init__(self, thresholds: FunnelThresholds):
        self._t = thresholds

    def check(self, evidence: Evidence, context: ScanContext) -> DropReason | None:
        facts = evidence.pattern
        if not isinstance(facts, PatternFacts):
            return unavailable(facts or Unavailable("pattern", "NOT_GATHERED", "no patterns were asked for"))
        threshold = self._t.min_pattern_confidence
        if facts.pattern is None:
            return DropReason(metric="pattern_confidence", value=None, threshold=threshold, comparison=">",
                              message="no chart pattern recognised")
        return require("pattern_confidence", facts.confidence, ">", threshold)


class RankingFilter:
    """The final stage: the composite score of each survivor, best first, the top ``final_count`` kept.

    A symbol reaching it without the facts of a stage that was left out of the order scores 0 on
    that part (the missing stage's neutral facts below)."""

    stage = Stage.FINAL

    def __init__(self, thresholds: FunnelThresholds, weights: ScoreWeights):
        self._t = thresholds
        self._w = weights

    def apply(self, survivors: Sequence[Evidence], context: ScanContext) -> StageOutcome:
        scores = {e.symbol: composite_score(
            e.price,
            e.news if isinstance(e.news, NewsFacts) else _NO_NEWS,
            e.technical if isinstance(e.technical, TechnicalFacts) else _NO_TECHNICAL,
            e.pattern if isinstance(e.pattern, PatternFacts) else _NO_PATTERN,
            self._t, self._w) for e in survivors}
        ranked = sorted(survivors, key=lambda e: (-scores[e.symbol].composite, e.liquidity_rank))
        keep = self._t.final_count
        dropped = {
            e.symbol: DropReason(metric="rank", value=rank, threshold=keep, comparison="<=",
                                 message=f"ranked {rank} by composite score {shown(scores[e.symbol].composite)}; "
                                         f"the top {keep} are kept")
            for rank, e in enumerate(ranked, start=1) if rank > keep}
        ranks = {e.symbol: rank for rank, e in enumerate(ranked, start=1)}
        return StageOutcome(passed=ranked[:keep], dropped=dropped, scores=scores, ranks=ranks)


_NO_NEWS = NewsFacts(strength=0.0, sentiment=0.0, published_at=datetime.min.replace(tzinfo=UTC),
                     events=0, catalyst_type="")
_NO_TECHNICAL = TechnicalFacts(sma_20=None, rsi_14=None, volume_ratio=None)
_NO_PATTERN = PatternFacts(pattern=None, confidence=0.0)


def build_filters(settings: ScannerSettings) -> dict[Stage, StageFilter]:
    """Every stage's filter from the settings' thresholds and weights."""
    t = settings.thresholds
    return {
        Stage.UNIVERSE: UniverseFilter(t), Stage.CATALYST: CatalystFilter(t), Stage.TECHNICAL: TechnicalFilter(t),
        Stage.PATTERN: PatternFilter(t), Stage.FINAL: RankingFilter(t, settings.weights),
    }
