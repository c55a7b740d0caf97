"""The fused panel computation against TA-Lib symbol by symbol, and the bars each indicator needs."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from catalyst.errors import InsufficientData
from catalyst.indicators import (
    ALL_INDICATORS,
    OUTPUTS,
    REQUIRED_BARS,
    Indicator,
    check_enough_bars,
    compute_indicators,
)
from catalyst.indicators.ohlcv import OHLCV
from catalyst.indicators.reference import talib_indicators


@pytest.mark.parametrize(("n_bars", "price", "seed"), [(390, 100.0, 11), (260, 2.5, 12), (233, 900.0, 13)])
def test_panel_equals_talib_for_every_symbol(make_bars: Callable[..., OHLCV], n_bars: int, price: float,
                                             seed: int) -> None:
    bars = make_bars(n_bars, 25, seed=seed, price=price)
    panel = compute_indicators(bars)
    assert panel.levels is not None
    for s in range(bars.n_symbols):
        ref = talib_indicators(bars.column(s))
        assert list(panel.series) == list(ref.series)
        for field, values in ref.series.items():
            np.testing.assert_array_equal(np.isnan(panel.series[field][:, s]), np.isnan(values), err_msg=field)
            np.testing.assert_allclose(panel.series[field][:, s], values, rtol=1e-9, atol=1e-9,
                                       equal_nan=True, err_msg=field)
        assert ref.levels is not None
        assert panel.levels.for_symbol(s) == ref.levels.for_symbol(0)


def test_a_single_series_gives_series_and_latest_values(make_bars: Callable[..., OHLCV]) -> None:
    bars = make_bars(250, 1, seed=5).column(0)
    result = compute_indicators(bars)
    assert result.series["sma_200"].shape == (250,)
    latest = result.latest()
    assert latest["sma_200"].shape == (1,)
    assert latest["sma_200"][0] == pytest.approx(bars.close[-200:].mean(), rel=1e-12)


def test_only_requested_indicators_are_computed(make_bars: Callable[..., OHLCV]) -> None:
    result = compute_indicators(make_bars(60, 3), [Indicator.MACD, Indicator.OBV])
    assert list(result.series) == ["macd", "macd_signal", "macd_hist", "obv"]
    assert result.levels is None


@pytest.mark.parametrize("indicator", [i for i in ALL_INDICATORS if OUTPUTS[i]])
def test_required_bars_is_exactly_where_the_latest_value_appears(make_bars: Callable[..., OHLCV],
                                                                 indicator: Indicator) -> None:
    need = REQUIRED_BARS[indicator]
    enough = make_bars(need, 2, seed=need)
    short = enough.tail(need - 1) if need > 1 else None
    for engine in (compute_indicators, lambda b, i: talib_indicators(b.column(0), i)):
        values = engine(enough, [indicator]).latest()
        assert all(np.isfinite(v[0]) for v in values.values()), (engine, indicator)
        if short is not None:
            values = engine(short, [indicator]).latest()
            assert all(np.isnan(v[0]) for v in values.values()), (engine, indicator)


def test_check_enough_bars_at_and_one_below_the_limit() -> None:
    check_enough_bars([Indicator.SMA_200, Indicator.RSI_14], 200)
    with pytest.raises(InsufficientData) as err:
        check_enough_bars([Indicator.SMA_200, Indicator.RSI_14, Indicator.MACD], 33)
    assert err.value.code == "INSUFFICIENT_DATA"
    assert err.value.details["required"] == 200
    assert err.value.details["available"] == 33
    assert err.value.details["indicator"] == "sma_200"
    assert err.value.details["shortfalls"] == {"sma_200": 200, "macd": 34}
