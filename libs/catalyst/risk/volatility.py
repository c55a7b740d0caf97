"""Average True Range (Wilder), the yardstick of the 2×ATR stop rule (pure numpy)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def average_true_range(high: FloatArray, low: FloatArray, close: FloatArray, period: int = 14) -> float | None:
    """Latest Wilder ATR over daily bars (oldest first), as TA-Lib's ``ATR`` computes it:
    the first value is the mean of the first ``period`` true ranges (from the 2nd bar on),
    then ``atr = (atr × (period − 1) + tr) / period``. None with fewer than ``period + 1`` bars."""
    n = len(close)
    if n < period + 1 or len(high) != n or len(low) != n:
        return None
    prev_close = close[:-1]
    tr = np.maximum(high[1:] - low[1:], np.maximum(np.abs(high[1:] - prev_close), np.abs(low[1:] - prev_close)))
    atr = float(tr[:period].mean())
    for value in tr[period:]:
        atr = (atr * (period - 1) + float(value)) / period
    return atr
