"""The same indicators straight from TA-Lib, one symbol at a time: the reference implementation.

The Technical service answers single-symbol requests from here (spec 2.3: "TA-Lib"), and
tests hold ``catalyst.indicators.batch`` to these numbers.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from catalyst.indicators import catalog as cat
from catalyst.indicators.batch import IndicatorSet
from catalyst.indicators.catalog import ALL_INDICATORS, Indicator
from catalyst.indicators.kernels import FloatArray
from catalyst.indicators.levels import support_resistance_batch
from catalyst.indicators.ohlcv import OHLCV
from catalyst.ta_lib import talib


def _volume_ratio(volume: FloatArray) -> FloatArray:
    prior = np.full(volume.shape, np.nan)
    prior[1:] = talib.SMA(volume, cat.VOLUME_AVG_PERIOD)[:-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(prior > 0.0, volume / prior, np.nan)


def talib_indicators(bars: OHLCV, indicators: Iterable[Indicator] = ALL_INDICATORS) -> IndicatorSet:
    """Series of ``indicators`` for one symbol (1-D, float64 bars) computed by TA-Lib."""
    wanted = set(indicators)
    h, lo, c, v = (np.ascontiguousarray(a, dtype=np.float64) for a in (bars.high, bars.low, bars.close, bars.volume))
    out: dict[str, FloatArray] = {}
    for p in cat.SMA_PERIODS:
        if Indicator(f"sma_{p}") in wanted:
            out[f"sma_{p}"] = talib.SMA(c, p)
    for p in cat.EMA_PERIODS:
        if Indicator(f"ema_{p}") in wanted:
            out[f"ema_{p}"] = talib.EMA(c, p)
    if Indicator.RSI_14 in wanted:
        out["rsi_14"] = talib.RSI(c, cat.RSI_PERIOD)
    if Indicator.MACD in wanted:
        out["macd"], out["macd_signal"], out["macd_hist"] = talib.MACD(
            c, cat.MACD_FAST, cat.MACD_SLOW, cat.MACD_SIGNAL
        )
    if Indicator.ATR_14 in wanted:
        out["atr_14"] = talib.ATR(h, lo, c, cat.ATR_PERIOD)
    if Indicator.BBANDS in wanted:
        out["bb_upper"], out["bb_middle"], out["bb_lower"] = talib.BBANDS(
            c, cat.BB_PERIOD, cat.BB_DEVIATIONS, cat.BB_DEVIATIONS, talib.MA_Type.SMA
        )
    if Indicator.OBV in wanted:
        out["obv"] = talib.OBV(c, v)
    if Indicator.VOLUME_RATIO in wanted:
        out["volume_ratio"] = _volume_ratio(v)
    levels = support_resistance_batch(h, lo, c) if Indicator.LEVELS in wanted else None
    ordered = {f: out[f] for i in ALL_INDICATORS if i in wanted for f in cat.OUTPUTS[i]}
    return IndicatorSet(series=ordered, levels=levels)
