"""Each stage's filter on hand-made evidence: who passes, and for the others the exact reason."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from catalyst.environment import read
from catalyst.scanner.config import FunnelThresholds, ScannerSettings, ScoreWeights
from catalyst.scanner.filters import (
    CatalystFilter,
    PatternFilter,
    RankingFilter,
    TechnicalFilter,
    UniverseFilter,
    build_filters,
    capped,
    require,
)
from catalyst.scanner.stages import (
    Evidence,
    NewsFacts,
    PatternFacts,
    ScanContext,
    Stage,
    TechnicalFacts,
    Unavailable,
)

NOW = datetime(2024, 8, 8, 14, 0, tzinfo=UTC)
T = FunnelThresholds()
CTX = ScanContext(as_of=NOW, universe_cap=100)
NEWS = NewsFacts(strength=0.8, sentiment=0.6, published_at=NOW - timedelta(hours=2), events=1,
                 catalyst_type="fda", headline="FDA approves")
TECH = TechnicalFacts(sma_20=20.0, rsi_14=60.0, volume_ratio=2.0)
FLAG = PatternFacts(pattern="bull_flag", confidence=0.8, entry=22.0, stop=21.0, target=25.0)
GOOD = Evidence(symbol="GOOD", liquidity_rank=1, price=22.0, avg_volume=2e6, news=NEWS, technical=TECH,
                pattern=FLAG)


def vary(symbol: str, **changes: object) -> Evidence:
    return dataclasses.replace(GOOD, symbol=symbol, **changes)  # type: ignore[arg-type]


def reasons(outcome: object) -> dict[str, tuple[str, object, object, str]]:
    return {s: (r.metric, r.value, r.threshold, r.comparison) for s, r in outcome.dropped.items()}  # type: ignore[attr-defined]


def test_require_names_the_value_the_threshold_and_the_comparison() -> None:
    assert require("price", 6.0, ">", 5.0) is None
    reason = require("price", 5.0, ">", 5.0)  # the spec's "> $5" is strict
    assert reason is not None
    assert (reason.metric, reason.value, reason.threshold, reason.comparison) == ("price", 5.0, 5.0, ">")
    assert reason.message == "price 5 is not > 5"
    assert require("avg_volume", 999_999.0, ">", 1e6).message == "avg_volume 999,999 is not > 1,000,000"  # type: ignore[union-attr]
    assert require("rsi_14", None, ">=", 40).message == "rsi_14 missing is not >= 40"  # type: ignore[union-attr]


def test_universe_price_volume_recent_news_and_the_liquidity_cap() -> None:
    survivors = [  # most liquid first: the cap counts only the symbols that pass the other checks
        GOOD,
        vary("PENNY", price=5.0),
        vary("THIN", avg_volume=1_000_000.0),
        vary("QUIET", news=None),
        vary("STALE", news=dataclasses.replace(NEWS, published_at=NOW - timedelta(hours=25))),
        vary("AHEAD", news=dataclasses.replace(NEWS, published_at=NOW + timedelta(minutes=30))),
        vary("DOWN", news=Unavailable("news", "UPSTREAM_UNREACHABLE", "refused")),
        vary("KEPT", liquidity_rank=8),
        vary("CUT", liquidity_rank=9),
    ]
    outcome = UniverseFilter(T).apply(survivors, ScanContext(as_of=NOW, universe_cap=2))
    assert [e.symbol for e in outcome.passed] == ["GOOD", "KEPT"]
    assert reasons(outcome) == {
        "PENNY": ("price", 5.0, 5.0, ">"),
        "THIN": ("avg_volume", 1e6, 1e6, ">"),
        "QUIET": ("news_events", 0, 1, ">="),
        "STALE": ("news_age_hours", 25.0, 24.0, "<="),
        "AHEAD": ("news_age_hours", -0.5, 0, ">="),
        "DOWN": ("source", "news", None, "available"),
    }
    assert outcome.cut == ["CUT"]  # the third with news: its reason is capped(3, 2)
    cut = capped(3, 2)
    assert (cut.metric, cut.value, cut.threshold, cut.comparison) == ("liquidity_rank", 3, 2, "<=")
    assert cut.message == "ranked 3 by liquidity of the symbols with news; the universe keeps the 2 most liquid"
    assert outcome.dropped["DOWN"].message == "source unavailable: news (UPSTREAM_UNREACHABLE: refused)"


def test_catalyst_strength_then_sentiment() -> None:
    survivors = [GOOD, vary("WEAK", news=dataclasses.replace(NEWS, strength=0.7)),
                 vary("SOUR", news=dataclasses.replace(NEWS, sentiment=0.5)),
                 vary("BOTH", news=dataclasses.replace(NEWS, strength=0.1, sentiment=-1.0))]
    outcome = CatalystFilter(T).apply(survivors, CTX)
    assert [e.symbol for e in outcome.passed] == ["GOOD"]
    assert reasons(outcome) == {"WEAK": ("catalyst_strength", 0.7, 0.7, ">"),
                                "SOUR": ("sentiment_score", 0.5, 0.5, ">"),
                                "BOTH": ("catalyst_strength", 0.1, 0.7, ">")}  # the first failing check


def test_technical_sma_rsi_band_and_volume() -> None:
    survivors = [
        GOOD,
        vary("UNDER", price=20.0),
        vary("COLD", technical=dataclasses.replace(TECH, rsi_14=39.9)),
        vary("EDGE", technical=dataclasses.replace(TECH, rsi_14=70.0)),  # the band is inclusive
        vary("HOT", technical=dataclasses.replace(TECH, rsi_14=70.1)),
        vary("LIGHT", technical=dataclasses.replace(TECH, volume_ratio=1.5)),
        vary("NOVOL", technical=dataclasses.replace(TECH, volume_ratio=None)),
        vary("SHORT", technical=Unavailable("technical", "INSUFFICIENT_DATA", "needs 21 bars", whole_source=False)),
    ]
    outcome = TechnicalFilter(T).apply(survivors, CTX)
    assert [e.symbol for e in outcome.passed] == ["GOOD", "EDGE"]
    assert reasons(outcome) == {
        "UNDER": ("price", 20.0, 20.0, ">"),
        "COLD": ("rsi_14", 39.9, 40.0, ">="),
        "HOT": ("rsi_14", 70.1, 70.0, "<="),
        "LIGHT": ("volume_ratio", 1.5, 1.5, ">"),
        "NOVOL": ("volume_ratio", None, 1.5, ">"),
        "SHORT": ("technical_data", "INSUFFICIENT_DATA", None, "available"),
    }


def test_pattern_confidence_or_no_pattern() -> None:
    survivors = [GOOD, vary("SOFT", pattern=dataclasses.replace(FLAG, confidence=0.7)),
                 vary("NONE", pattern=PatternFacts(pattern=None, confidence=0.0)),
                 vary("DOWN", pattern=Unavailable("pattern", "CIRCUIT_OPEN", "open"))]
    outcome = PatternFilter(T).apply(survivors, CTX)
    assert [e.symbol for e in outcome.passed] == ["GOOD"]
    assert reasons(outcome) == {"SOFT": ("pattern_confidence", 0.7, 0.7, ">"),
                                "NONE": ("pattern_confidence", None, 0.7, ">"),
                                "DOWN": ("source", "pattern", None, "available")}
    assert outcome.dropped["NONE"].message == "no chart pattern recognised"


def test_ranking_keeps_the_top_n_by_composite_score() -> None:
    better = vary("BEST", pattern=dataclasses.replace(FLAG, confidence=0.95))
    worse = vary("LAST", news=dataclasses.replace(NEWS, strength=0.71, sentiment=0.51))
    tie = vary("TIE", liquidity_rank=2)  # same score as GOOD, less liquid: after it
    outcome = RankingFilter(FunnelThresholds(SCANNER_FINAL_COUNT=2), ScoreWeights()).apply(
        [worse, tie, GOOD, better], CTX)
    assert [e.symbol for e in outcome.passed] == ["BEST", "GOOD"]
    assert outcome.ranks == {"BEST": 1, "GOOD": 2, "TIE": 3, "LAST": 4}
    assert reasons(outcome) == {"TIE": ("rank", 3, 2, "<="), "LAST": ("rank", 4, 2, "<=")}
    assert outcome.scores["BEST"].composite > outcome.scores["GOOD"].composite == outcome.scores["TIE"].composite


def test_the_stage_order_is_configured_and_checked() -> None:
    settings = read(ScannerSettings, {"SCANNER_STAGES": "universe, pattern, technical, final"})
    assert settings.stages == [Stage.UNIVERSE, Stage.PATTERN, Stage.TECHNICAL, Stage.FINAL]
    assert set(build_filters(settings)) == set(Stage)
    for bad in ("catalyst,universe,final", "universe,technical", "universe,technical,technical,final",
                "universe,sideways,final"):
        with pytest.raises(ValueError, match=r"SCANNER_STAGES|Input should be"):
            read(ScannerSettings, {"SCANNER_STAGES": bad})
    with pytest.raises(ValueError, match="RSI_LOW"):
        read(ScannerSettings, {"SCANNER_RSI_LOW": "80"})
    assert read(ScannerSettings, {"SCANNER_MIN_PRICE": "2.5"}).thresholds.min_price == 2.5
