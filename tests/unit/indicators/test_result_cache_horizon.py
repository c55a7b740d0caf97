"""The analysis cache key names the bar horizon: the same key exactly while the same bars are complete."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from catalyst.domain.market import Timeframe
from catalyst.indicators.catalog import Indicator
from catalyst.indicators.result_cache import bar_horizon, result_key

T = datetime(2013, 3, 1, 14, 35, tzinfo=UTC)  # 09:35 New York
US = timedelta(microseconds=1)


def test_one_minute_horizon_moves_when_a_bar_completes() -> None:
    assert bar_horizon(T, Timeframe.MIN_1) == "20130301T1434"  # the 14:34 bar completed at 14:35:00
    assert bar_horizon(T - US, Timeframe.MIN_1) == "20130301T1433"
    assert bar_horizon(T + timedelta(seconds=59), Timeframe.MIN_1) == "20130301T1434"


@pytest.mark.parametrize(("tf", "at", "expected"), [
    (Timeframe.MIN_5, T, "20130301T1430"),
    (Timeframe.MIN_5, T - US, "20130301T1425"),
    (Timeframe.MIN_15, T, "20130301T1415"),
    (Timeframe.HOUR_1, T, "20130301T1300"),
])
def test_intraday_horizons_follow_their_grid(tf: Timeframe, at: datetime, expected: str) -> None:
    assert bar_horizon(at, tf) == expected


def test_daily_horizon_is_the_last_complete_new_york_day() -> None:
    assert bar_horizon(T, Timeframe.DAY_1) == "2013-02-28"  # 2013-03-01's own bar is still forming
    midnight = datetime(2013, 3, 2, 5, 0, tzinfo=UTC)  # midnight New York (EST) after 2013-03-01
    assert bar_horizon(midnight, Timeframe.DAY_1) == "2013-03-01"
    assert bar_horizon(midnight - US, Timeframe.DAY_1) == "2013-02-28"


def test_key_without_a_horizon_is_unchanged() -> None:
    wanted = (Indicator("sma_20"), Indicator("rsi_14"))
    assert result_key("AAPL", Timeframe.DAY_1, 240, wanted) == "AAPL:1Day:240:sma_20+rsi_14"
    assert result_key("AAPL", Timeframe.DAY_1, 240, wanted, "2013-02-28") == "AAPL:1Day:240:sma_20+rsi_14@2013-02-28"
