"""Support/resistance from clustered pivots, by hand and across a panel."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from catalyst.indicators.levels import Level, pivot_mask, support_resistance, support_resistance_batch
from catalyst.indicators.ohlcv import OHLCV

HIGHS = np.array([10, 11, 12, 11, 10, 9, 10, 11, 12.05, 11, 10, 9, 10, 11, 11.5, 11, 10.5, 10, 11.0, 11.2, 11.3,
                  11.1, 11.2])


def test_pivots_need_k_bars_each_side() -> None:
    assert np.flatnonzero(pivot_mask(HIGHS, 2)).tolist() == [2, 8, 14, 20]
    assert np.flatnonzero(pivot_mask(HIGHS - 0.5, 2, lows=True)).tolist() == [5, 11, 17]


def test_a_flat_double_top_is_one_pivot_not_two() -> None:
    highs = np.array([1.0, 2.0, 3.0, 5.0, 5.0, 3.0, 2.0, 1.0, 1.0])
    assert np.flatnonzero(pivot_mask(highs, 2)).tolist() == [3]


def test_levels_by_hand() -> None:
    low, close = HIGHS - 0.5, HIGHS - 0.2
    # pivot prices 12, 12.05, 11.5, 11.3 (highs) and 8.5, 8.5, 9.5 (lows); tolerance 0.5 x mean
    # range (0.5) = 0.25 → clusters {8.5, 8.5} {9.5} {11.3, 11.5} {12, 12.05}; last close 11.0
    levels = support_resistance(HIGHS, low, close, half_window=2)
    assert levels.support == [Level(9.5, 1), Level(8.5, 2)]
    assert levels.resistance[0].touches == 2
    assert levels.resistance[0].price == 11.4
    assert levels.resistance[1].price == 12.025


def test_no_pivots_no_levels() -> None:
    rising = np.linspace(10.0, 20.0, 40)
    levels = support_resistance(rising + 0.1, rising - 0.1, rising)
    assert levels.support == []
    assert levels.resistance == []


def test_too_few_bars_for_a_pivot() -> None:
    x = np.array([1.0, 2.0, 1.0])
    assert support_resistance(x, x - 0.1, x).support == []


def test_panel_equals_symbol_by_symbol(make_bars: Callable[..., OHLCV]) -> None:
    bars = make_bars(200, 30, seed=21)
    panel = support_resistance_batch(bars.high, bars.low, bars.close)
    for s in range(30):
        one = support_resistance(bars.high[:, s], bars.low[:, s], bars.close[:, s])
        assert panel.for_symbol(s) == one
        assert all(lv.price <= bars.close[-1, s] for lv in one.support)
        assert all(lv.price > bars.close[-1, s] for lv in one.resistance)
        assert [lv.price for lv in one.support] == sorted((lv.price for lv in one.support), reverse=True)
        assert [lv.price for lv in one.resistance] == sorted(lv.price for lv in one.resistance)
