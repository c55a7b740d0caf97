"""Bars that cannot be analysed are refused before any number is computed."""

from __future__ import annotations

import numpy as np
import pytest

from catalyst.errors import InvalidInput
from catalyst.indicators.ohlcv import OHLCV, validate_ohlcv


def bars(**change: np.ndarray) -> OHLCV:
    base = {
        "open": np.array([10.0, 10.5]), "high": np.array([11.0, 11.0]), "low": np.array([9.5, 10.0]),
        "close": np.array([10.5, 10.8]), "volume": np.array([100.0, 0.0]),
    }
    base.update(change)
    return OHLCV(**base)


def test_valid_bars_pass() -> None:
    validate_ohlcv(bars())


@pytest.mark.parametrize(
    "change",
    [
        {"close": np.array([10.5, np.nan])},
        {"low": np.array([9.5, 0.0]), "open": np.array([10.0, 0.0]), "close": np.array([10.5, 0.0])},
        {"close": np.array([10.5, 11.01])},
        {"open": np.array([9.49, 10.5])},
        {"volume": np.array([100.0, -1.0])},
        {"volume": np.array([100.0])},
    ],
    ids=["nan-close", "zero-price", "close-above-high", "open-below-low", "negative-volume", "shape"],
)
def test_bad_bars_are_refused(change: dict[str, np.ndarray]) -> None:
    with pytest.raises(InvalidInput):
        validate_ohlcv(bars(**change))


def test_stacking_series_makes_a_panel() -> None:
    panel = OHLCV.stack([bars(), bars()])
    assert panel.close.shape == (2, 2)
    assert panel.n_symbols == 2
    assert panel.n_bars == 2
    np.testing.assert_array_equal(panel.column(1).close, bars().close)


def test_symbol_major_arrays_become_a_time_major_panel() -> None:
    rows = np.arange(6.0).reshape(2, 3) + 1.0  # 2 symbols x 3 bars
    panel = OHLCV.from_symbol_major(rows, rows + 1, rows - 0.5, rows, rows * 10)
    assert panel.n_symbols == 2
    assert panel.n_bars == 3
    np.testing.assert_array_equal(panel.column(1).close, [4.0, 5.0, 6.0])
