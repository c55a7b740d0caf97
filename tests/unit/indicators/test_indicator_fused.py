"""The one-pass panel (``catalyst.indicators.fused`` via ``compute_indicators``): every subset of
indicators, every short length, its helper thread and odd input layouts give the same numbers."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

import numpy as np
import pytest

from catalyst.indicators import ALL_INDICATORS, Indicator, batch, compute_indicators
from catalyst.indicators import vectorized as vz
from catalyst.indicators.fused import POPULATE_MIN_BYTES, populate, populate_in_background
from catalyst.indicators.ohlcv import OHLCV
from catalyst.indicators.reference import talib_indicators

SERIES = [i for i in ALL_INDICATORS if i is not Indicator.LEVELS]


def assert_identical(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert list(a) == list(b)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)  # NaN == NaN here, bit for bit


@pytest.mark.parametrize("indicator", SERIES)
def test_each_indicator_alone_equals_the_full_set(make_bars: Callable[..., OHLCV], indicator: Indicator) -> None:
    bars = make_bars(230, 6, seed=21)
    full = compute_indicators(bars, SERIES).series
    alone = compute_indicators(bars, [indicator]).series
    assert_identical(alone, {f: full[f] for f in alone})


@pytest.mark.parametrize("subset", [
    [Indicator.BBANDS],  # the middle band's SMA without sma_20 asked for
    [Indicator.RSI_14, Indicator.ATR_14],
    [Indicator.ATR_14, Indicator.OBV],
    [Indicator.EMA_21, Indicator.MACD],
    [Indicator.SMA_200, Indicator.VOLUME_RATIO, Indicator.BBANDS],
])
def test_subsets_equal_talib(make_bars: Callable[..., OHLCV], subset: list[Indicator]) -> None:
    bars = make_bars(240, 4, seed=22, price=37.0)
    ours = compute_indicators(bars, subset)
    for s in range(bars.n_symbols):
        ref = talib_indicators(bars.column(s), subset)
        assert list(ours.series) == list(ref.series)
        for name, values in ref.series.items():
            np.testing.assert_allclose(ours.series[name][:, s], values, rtol=1e-9, atol=1e-9, equal_nan=True,
                                       err_msg=name)


@pytest.mark.parametrize("n_bars", [1, 2, 3, 13, 14, 15, 16, 19, 20, 21, 25, 26, 27, 33, 34, 35, 50])
def test_every_short_length_matches_talib_nan_for_nan(make_bars: Callable[..., OHLCV], n_bars: int) -> None:
    bars = make_bars(n_bars, 3, seed=n_bars)
    ours = compute_indicators(bars, SERIES)
    for s in range(bars.n_symbols):
        ref = talib_indicators(bars.column(s), SERIES)
        for name, values in ref.series.items():
            got = ours.series[name][:, s]
            np.testing.assert_array_equal(np.isnan(got), np.isnan(values), err_msg=f"{name} at {n_bars} bars")
            np.testing.assert_allclose(got, values, rtol=1e-9, atol=1e-9, equal_nan=True, err_msg=name)


def test_no_bars_give_empty_series(make_bars: Callable[..., OHLCV]) -> None:
    bars = OHLCV(*(a[:0] for a in make_bars(5, 3).arrays()))
    result = compute_indicators(bars, SERIES)
    assert all(values.shape == (0, 3) for values in result.series.values())


def test_the_pass_equals_the_whole_array_functions_bit_for_bit(make_bars: Callable[..., OHLCV]) -> None:
    bars = make_bars(300, 8, seed=23, price=640.0, vol=0.004)
    got = compute_indicators(bars, SERIES).series
    c, v = bars.close, bars.volume
    upper, middle, lower = vz.bbands(c)
    macd, signal, hist = vz.macd(c)
    expected = {
        "sma_20": vz.sma(c, 20), "sma_50": vz.sma(c, 50), "sma_200": vz.sma(c, 200),
        "ema_9": vz.ema(c, 9), "ema_21": vz.ema(c, 21), "rsi_14": vz.rsi(c),
        "macd": macd, "macd_signal": signal, "macd_hist": hist, "atr_14": vz.atr(bars.high, bars.low, c),
        "bb_upper": upper, "bb_middle": middle, "bb_lower": lower,
        "obv": vz.obv(c, v), "volume_ratio": vz.volume_ratio(v),
    }
    assert_identical(got, expected)


def test_a_second_thread_changes_nothing(make_bars: Callable[..., OHLCV], monkeypatch: pytest.MonkeyPatch) -> None:
    bars = make_bars(260, 300, seed=24)  # outputs 260 x 14 x 300 floats: above the helper's minimum
    started: list[threading.Thread | None] = []

    def recording(buffer: np.ndarray) -> threading.Thread | None:
        started.append(populate_in_background(buffer))
        return started[-1]

    monkeypatch.setattr(batch, "populate_in_background", recording)
    one = compute_indicators(bars, SERIES, threads=1).series
    assert started == []
    two = compute_indicators(bars, SERIES, threads=2).series
    assert len(started) == 1
    if sys.platform.startswith("linux"):
        assert started[0] is not None
    assert_identical(one, two)


def test_threads_below_one_are_refused(make_bars: Callable[..., OHLCV]) -> None:
    with pytest.raises(ValueError, match="threads"):
        compute_indicators(make_bars(30, 2), threads=0)


def test_populating_memory_changes_no_data() -> None:
    buffer = np.arange(3 * (POPULATE_MIN_BYTES // 8), dtype=np.float64).reshape(3, -1)
    before = buffer.copy()
    populate(buffer)
    populate(buffer[1, 5:1000])  # a view that starts mid-page
    np.testing.assert_array_equal(buffer, before)
    helper = populate_in_background(buffer)
    if helper is not None:  # Linux: the thread runs; elsewhere there is nothing to populate with
        helper.join()
    np.testing.assert_array_equal(buffer, before)
    assert populate_in_background(np.empty(16)) is None  # too small to be worth a thread


def test_strided_and_single_precision_bars_give_the_same_values(make_bars: Callable[..., OHLCV]) -> None:
    bars = make_bars(120, 5, seed=25)
    expected = compute_indicators(bars, SERIES).series
    fortran = OHLCV(*(np.asfortranarray(a) for a in bars.arrays()))
    assert_identical(compute_indicators(fortran, SERIES).series, expected)
    as32 = OHLCV(*(a.astype(np.float32) for a in bars.arrays()))
    widened = OHLCV(*(a.astype(np.float32).astype(np.float64) for a in bars.arrays()))
    assert_identical(compute_indicators(as32, SERIES).series, compute_indicators(widened, SERIES).series)
