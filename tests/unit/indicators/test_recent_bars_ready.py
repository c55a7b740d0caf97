"""The bar checks and panel grouping the Technical and Pattern services share."""

from __future__ import annotations

import numpy as np
import pytest

from catalyst.domain.market import Timeframe
from catalyst.errors import InsufficientData, InvalidInput, NotFound
from catalyst.indicators.catalog import Indicator, check_enough_bars
from catalyst.indicators.ohlcv import OHLCV
from catalyst.indicators.recent_bars import RecentBars, panels_by_count, ready_bars


def _recent(symbol: str, closes: list[float]) -> RecentBars:
    c = np.asarray(closes, dtype=float)
    ts = (np.datetime64("2024-07-01T13:30", "ns") + np.arange(c.shape[0]) * np.timedelta64(60, "s")).view(np.int64)
    return RecentBars(symbol, Timeframe.MIN_1, ts, OHLCV(c, c + 0.5, c - 0.5, c, np.full(c.shape, 100.0)))


def _sma20(count: int) -> None:
    check_enough_bars([Indicator.SMA_20], count)


def test_ready_bars_raises_the_stored_error_the_shortfall_or_bad_bars() -> None:
    ok = _recent("AAA", [10.0] * 20)
    assert ready_bars(ok, _sma20) is ok
    with pytest.raises(NotFound):
        ready_bars(NotFound("unknown symbol(s): ZZZ", code="UNKNOWN_SYMBOL"), _sma20)
    with pytest.raises(InsufficientData) as err:
        ready_bars(_recent("AAA", [10.0] * 19), _sma20)
    assert (err.value.details["required"], err.value.details["available"]) == (20, 19)
    with pytest.raises(InvalidInput):
        ready_bars(_recent("AAA", [10.0] * 19 + [float("nan")]), _sma20)


def test_panels_group_symbols_of_equal_bar_count_in_first_seen_order() -> None:
    ready = [_recent("A", [1.0, 2.0]), _recent("B", [3.0, 4.0, 5.0]), _recent("C", [6.0, 7.0])]
    panels = panels_by_count(ready)
    assert [[r.symbol for r in group] for group, _ in panels] == [["A", "C"], ["B"]]
    np.testing.assert_array_equal(panels[0][1].close, [[1.0, 6.0], [2.0, 7.0]])  # time x symbol
    assert panels[1][1].close.shape == (3, 1)
    assert panels_by_count([]) == []
