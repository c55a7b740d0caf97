"""Request parsing shared by the Technical and Pattern services."""

from __future__ import annotations

import pytest

from catalyst.domain.market import Timeframe
from catalyst.errors import InvalidInput
from catalyst.indicators.catalog import ALL_INDICATORS, Indicator
from catalyst.indicators.recent_bars import parse_symbols, parse_timeframe
from catalyst.indicators.service import parse_indicators
from catalyst.patterns import PatternSettings, PatternType
from catalyst.patterns.service import parse_patterns


def test_timeframes_by_alpaca_spelling_and_a_400_naming_the_allowed_ones() -> None:
    assert parse_timeframe("5Min", Timeframe) is Timeframe.MIN_5
    with pytest.raises(InvalidInput) as err:
        parse_timeframe("5min", [Timeframe.MIN_1, Timeframe.DAY_1])
    assert err.value.code == "UNSUPPORTED_TIMEFRAME"
    assert err.value.details == {"timeframe": "5min", "allowed": ["1Min", "1Day"]}


def test_symbols_are_normalised_and_deduplicated() -> None:
    assert parse_symbols([" aapl", "MSFT", "AAPL", "brk.b"]) == ["AAPL", "MSFT", "BRK.B"]
    with pytest.raises(InvalidInput):
        parse_symbols(["AAPL", "no such"])


def test_indicators_come_back_in_catalogue_order() -> None:
    assert parse_indicators(None) == ALL_INDICATORS
    assert parse_indicators(["rsi_14", "sma_20"]) == (Indicator.SMA_20, Indicator.RSI_14)
    with pytest.raises(InvalidInput) as err:
        parse_indicators(["rsi_14", "rsi_7"])
    assert err.value.details["unknown"] == ["rsi_7"]
    assert "levels" in err.value.details["allowed"]


def test_patterns_follow_the_timeframe() -> None:
    daily = PatternSettings.for_timeframe(Timeframe.DAY_1)
    assert PatternType.OPENING_RANGE_BREAKOUT not in parse_patterns(None, daily, Timeframe.DAY_1)
    minute = PatternSettings.for_timeframe(Timeframe.MIN_1)
    assert len(parse_patterns(None, minute, Timeframe.MIN_1)) == 5
    with pytest.raises(InvalidInput) as err:
        parse_patterns(["opening_range_breakout"], daily, Timeframe.DAY_1)
    assert err.value.details["allowed"] == ["1Min", "5Min", "15Min"]
