"""The numpy indicators against TA-Lib (the reference) and against hand-computed values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import talib

from catalyst.indicators import vectorized as vz
from catalyst.indicators.ohlcv import OHLCV

TOL = 1e-9


def per_column(fn: Callable[..., Any], *arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """Apply a TA-Lib function to each column and stack the outputs back time-major."""
    outs = [fn(*(np.ascontiguousarray(a[:, s]) for a in arrays)) for s in range(arrays[0].shape[1])]
    if isinstance(outs[0], tuple):
        return tuple(np.stack([o[j] for o in outs], axis=1) for j in range(len(outs[0])))
    return (np.stack(outs, axis=1),)


def assert_same(ours: np.ndarray, ref: np.ndarray) -> None:
    assert ours.shape == ref.shape
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
    np.testing.assert_allclose(ours, ref, rtol=TOL, atol=TOL, equal_nan=True)


# Panels at several price levels and volatilities: penny stocks, ordinary, very high priced.
PANELS = [(0.8, 0.01, 1), (100.0, 0.002, 2), (4_000.0, 0.0005, 3), (35.0, 0.03, 4)]


@pytest.fixture(params=PANELS, ids=lambda p: f"price{p[0]}-vol{p[1]}")
def panel(request: pytest.FixtureRequest, make_bars: Callable[..., OHLCV]) -> OHLCV:
    price, vol, seed = request.param
    return make_bars(300, 12, seed=seed, price=price, vol=vol)


@pytest.mark.parametrize("period", [20, 50, 200])
def test_sma_equals_talib(panel: OHLCV, period: int) -> None:
    assert_same(vz.sma(panel.close, period), per_column(lambda c: talib.SMA(c, period), panel.close)[0])


@pytest.mark.parametrize("period", [9, 21])
def test_ema_equals_talib(panel: OHLCV, period: int) -> None:
    assert_same(vz.ema(panel.close, period), per_column(lambda c: talib.EMA(c, period), panel.close)[0])


def test_rsi_equals_talib(panel: OHLCV) -> None:
    assert_same(vz.rsi(panel.close, 14), per_column(lambda c: talib.RSI(c, 14), panel.close)[0])


def test_macd_equals_talib_including_its_late_fast_seed(panel: OHLCV) -> None:
    ours = vz.macd(panel.close, 12, 26, 9)
    ref = per_column(lambda c: talib.MACD(c, 12, 26, 9), panel.close)
    for o, r in zip(ours, ref, strict=True):
        assert_same(o, r)


def test_atr_equals_talib(panel: OHLCV) -> None:
    ref = per_column(lambda h, lo, c: talib.ATR(h, lo, c, 14), panel.high, panel.low, panel.close)[0]
    assert_same(vz.atr(panel.high, panel.low, panel.close, 14), ref)


def test_true_range_equals_talib(panel: OHLCV) -> None:
    ref = per_column(talib.TRANGE, panel.high, panel.low, panel.close)[0]
    assert_same(vz.true_range(panel.high, panel.low, panel.close), ref)


def test_bbands_equals_talib(panel: OHLCV) -> None:
    ours = vz.bbands(panel.close, 20, 2.0)
    ref = per_column(lambda c: talib.BBANDS(c, 20, 2.0, 2.0), panel.close)  # default matype: SMA
    for o, r in zip(ours, ref, strict=True):
        assert_same(o, r)


def test_obv_equals_talib(panel: OHLCV) -> None:
    assert_same(vz.obv(panel.close, panel.volume), per_column(talib.OBV, panel.close, panel.volume)[0])


def test_volume_ratio_is_volume_over_the_prior_twenty_bar_talib_sma(panel: OHLCV) -> None:
    def ref(v: np.ndarray) -> np.ndarray:
        prior = np.concatenate([[np.nan], talib.SMA(v, 20)[:-1]])
        return np.asarray(v / prior)

    assert_same(vz.volume_ratio(panel.volume, 20), per_column(ref, panel.volume)[0])


def test_one_dimensional_series_give_one_dimensional_results(make_bars: Callable[..., OHLCV]) -> None:
    bars = make_bars(120, 1).column(0)
    assert vz.rsi(bars.close).shape == (120,)
    assert_same(vz.rsi(bars.close), talib.RSI(bars.close, 14))
    assert_same(vz.macd(bars.close)[2], talib.MACD(bars.close)[2])
    assert_same(vz.bbands(bars.close)[0], talib.BBANDS(bars.close)[0])


# ------------------------------------------------------------------ hand-computed values

def test_sma_by_hand() -> None:
    out = vz.sma(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), 3)
    np.testing.assert_array_equal(out, [np.nan, np.nan, 2.0, 3.0, 4.0])


def test_ema_by_hand_seeds_with_the_sma() -> None:
    # period 3: k = 0.5; seed = mean(1, 2, 3) = 2; then 2 + (4-2)/2 = 3; 3 + (8-3)/2 = 5.5
    out = vz.ema(np.array([1.0, 2.0, 3.0, 4.0, 8.0]), 3)
    np.testing.assert_array_equal(out, [np.nan, np.nan, 2.0, 3.0, 5.5])


def test_rsi_by_hand() -> None:
    # period 2: changes +2, -1 → avg gain 1, avg loss 0.5 → 66.67; then change +3:
    # gain (1*1 + 3)/2 = 2, loss (0.5*1 + 0)/2 = 0.25 → 100 * 2 / 2.25 = 88.89
    out = vz.rsi(np.array([10.0, 12.0, 11.0, 14.0]), 2)
    np.testing.assert_allclose(out, [np.nan, np.nan, 200 / 3, 800 / 9], equal_nan=True)


def test_rsi_of_a_flat_series_is_zero_as_in_talib() -> None:
    flat = np.full(30, 50.0)
    out = vz.rsi(flat, 14)
    assert out[14] == 0.0
    assert talib.RSI(flat, 14)[14] == 0.0


def test_atr_by_hand() -> None:
    high = np.array([11.0, 12.0, 13.0, 12.5])
    low = np.array([9.0, 10.0, 11.5, 10.0])
    close = np.array([10.0, 11.0, 12.0, 11.0])
    # true ranges from bar 1: max(12,10)-min(10,10)=2; max(13,11)-min(11.5,11)=2; max(12.5,12)-min(10,12)=2.5
    # period 2: seed (2 + 2)/2 = 2 at bar 2; bar 3: (2*1 + 2.5)/2 = 2.25
    np.testing.assert_array_equal(vz.atr(high, low, close, 2), [np.nan, np.nan, 2.0, 2.25])


def test_bbands_by_hand_use_the_population_deviation() -> None:
    upper, middle, lower = vz.bbands(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), 5, 2.0)
    assert middle[-1] == 3.0
    assert upper[-1] == pytest.approx(3.0 + 2.0 * np.sqrt(2.0), abs=1e-12)
    assert lower[-1] == pytest.approx(3.0 - 2.0 * np.sqrt(2.0), abs=1e-12)
    assert np.isnan(upper[3])


def test_bbands_of_a_flat_series_have_no_width() -> None:
    upper, middle, lower = vz.bbands(np.full(25, 7.25), 20, 2.0)
    assert upper[-1] == middle[-1] == lower[-1] == 7.25


def test_obv_by_hand() -> None:
    close = np.array([10.0, 11.0, 11.0, 10.5, 12.0])
    volume = np.array([100.0, 200.0, 300.0, 400.0, 500.0])
    # starts at 100; up +200; flat; down -400; up +500
    np.testing.assert_array_equal(vz.obv(close, volume), [100.0, 300.0, 300.0, -100.0, 400.0])


def test_volume_ratio_by_hand_and_zero_volume_gives_nan() -> None:
    volume = np.array([10.0, 20.0, 30.0, 80.0])
    # period 3: bar 3 over mean(10, 20, 30) = 20 → 4
    np.testing.assert_array_equal(vz.volume_ratio(volume, 3), [np.nan, np.nan, np.nan, 4.0])
    assert np.isnan(vz.volume_ratio(np.array([0.0, 0.0, 0.0, 5.0]), 3)[-1])


def test_too_short_series_are_all_nan() -> None:
    close = np.linspace(10.0, 11.0, 19)
    assert np.isnan(vz.sma(close, 20)).all()
    assert np.isnan(vz.bbands(close, 20)[0]).all()
    assert np.isnan(vz.macd(close)[0]).all()
    assert np.isnan(vz.rsi(close[:14], 14)).all()
