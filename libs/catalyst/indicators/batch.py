"""The whole indicator set for many symbols in one pass of shared work.

``compute_indicators`` gives the same numbers as calling each function of
``catalyst.indicators.vectorized`` (and TA-Lib) one by one, but shares what they have in
common: one running-sum pass serves SMA 20/50/200 and the Bollinger middle band, one
exponential pass serves EMA 9/21 and both MACD averages, one Wilder pass serves the RSI
gain and loss averages and the ATR. Each pass is a loop over bars whose every step is one
numpy call across all symbols, so 10,000 symbols cost about what 100 do in Python overhead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from catalyst.indicators import catalog as cat
from catalyst.indicators.catalog import ALL_INDICATORS, Indicator
from catalyst.indicators.kernels import FloatArray, as_time_major, running_means, smooth
from catalyst.indicators.levels import LevelsBatch, support_resistance_batch
from catalyst.indicators.ohlcv import OHLCV
from catalyst.indicators.vectorized import bollinger_width, obv, rsi_from_averages, volume_ratio


@dataclass(frozen=True)
class IndicatorSet:
    """Indicator series by output field (``sma_20``, ``macd_signal`` …), shaped like the input
    close (``(n_bars,)`` or ``(n_bars, n_symbols)``), NaN where not yet defined; plus levels."""

    series: dict[str, FloatArray]
    levels: LevelsBatch | None

    def latest(self) -> dict[str, FloatArray]:
        """Each field's value at the last bar, one per symbol (shape ``(n_symbols,)``)."""
        return {name: np.atleast_1d(values[-1]) for name, values in self.series.items()}


def _moving_averages(c: FloatArray, wanted: set[Indicator], out: dict[str, FloatArray]) -> None:
    periods = [p for p in cat.SMA_PERIODS if Indicator(f"sma_{p}") in wanted]
    if Indicator.BBANDS in wanted and cat.BB_PERIOD not in periods:
        periods = sorted([*periods, cat.BB_PERIOD])
    means = running_means(c, periods)
    by_period = {p: means[:, j] for j, p in enumerate(periods)}
    for p in cat.SMA_PERIODS:
        if Indicator(f"sma_{p}") in wanted:
            out[f"sma_{p}"] = by_period[p]
    if Indicator.BBANDS in wanted:
        middle = by_period[cat.BB_PERIOD]
        width = bollinger_width(c, middle, cat.BB_PERIOD, cat.BB_DEVIATIONS)
        out["bb_upper"], out["bb_middle"], out["bb_lower"] = middle + width, middle, middle - width


def _exponential(c: FloatArray, wanted: set[Indicator], out: dict[str, FloatArray]) -> None:
    """EMA 9/21 and MACD's two averages in one pass (seeds in ascending order)."""
    specs: list[tuple[str, int, int]] = [  # name, seed bar, period
        (f"ema_{p}", p - 1, p) for p in cat.EMA_PERIODS if Indicator(f"ema_{p}") in wanted
    ]
    start = cat.MACD_SLOW - 1
    if Indicator.MACD in wanted:
        specs += [("_fast", start, cat.MACD_FAST), ("_slow", start, cat.MACD_SLOW)]
    if not specs:
        return
    specs.sort(key=lambda s: s[1])
    result = smooth(c, [s[1] for s in specs], [s[2] for s in specs], wilder=False)
    named = {name: result[:, j] for j, (name, _, _) in enumerate(specs)}
    for p in cat.EMA_PERIODS:
        if f"ema_{p}" in named:
            out[f"ema_{p}"] = named[f"ema_{p}"]
    if Indicator.MACD in wanted:
        line = named["_fast"] - named["_slow"]
        signal = np.full(c.shape, np.nan)
        if c.shape[0] > start:
            signal[start:] = smooth(line[start:], [cat.MACD_SIGNAL - 1], [cat.MACD_SIGNAL], wilder=False)[:, 0]
        line[: start + cat.MACD_SIGNAL - 1] = np.nan
        out["macd"], out["macd_signal"], out["macd_hist"] = line, signal, line - signal


def _wilder(
    h: FloatArray, lo: FloatArray, c: FloatArray, wanted: set[Indicator], out: dict[str, FloatArray]
) -> None:
    """RSI's gain and loss averages and the ATR in one Wilder pass (all first defined at bar 14).

    Their inputs (price change, true range) start at bar 1; row 0 of the stacked input is
    left unused so that the averages come out aligned with the bars, with no copy.
    """
    want_rsi, want_atr = Indicator.RSI_14 in wanted, Indicator.ATR_14 in wanted
    if not (want_rsi or want_atr):
        return
    m, n = c.shape
    rows = [want_rsi, want_rsi, want_atr].count(True)
    inputs = np.empty((m, rows, n))
    k = 0
    if want_rsi:
        change = np.diff(c, axis=0)
        np.maximum(change, 0.0, out=inputs[1:, 0])
        np.subtract(inputs[1:, 0], change, out=inputs[1:, 1])  # the loss: max(-change, 0), exactly
        k = 2
    if want_atr:
        prev = c[:-1]
        np.maximum(h[1:], prev, out=inputs[1:, k])
        inputs[1:, k] -= np.minimum(lo[1:], prev)
    period = cat.RSI_PERIOD  # == ATR_PERIOD: one pass serves both
    averaged = smooth(inputs, [period] * rows, [period] * rows, wilder=True)
    if want_rsi:
        out["rsi_14"] = rsi_from_averages(averaged[:, 0], averaged[:, 1], warmup=period)
    if want_atr:
        out["atr_14"] = averaged[:, k]


def compute_indicators(bars: OHLCV, indicators: Iterable[Indicator] = ALL_INDICATORS) -> IndicatorSet:
    """Series of ``indicators`` for one symbol (1-D bars) or a panel (2-D, one column per symbol).

    Bars are assumed valid (``validate_ohlcv``); with too few bars a series is all NaN.
    """
    wanted = set(indicators)
    h, lo, c, v = (as_time_major(a) for a in (bars.high, bars.low, bars.close, bars.volume))
    out: dict[str, FloatArray] = {}
    _moving_averages(c, wanted, out)
    _exponential(c, wanted, out)
    _wilder(h, lo, c, wanted, out)
    if Indicator.OBV in wanted:
        out["obv"] = obv(c, v)
    if Indicator.VOLUME_RATIO in wanted:
        out["volume_ratio"] = volume_ratio(v, cat.VOLUME_AVG_PERIOD)
    levels = support_resistance_batch(h, lo, c) if Indicator.LEVELS in wanted else None
    ordered = {f: out[f].reshape(bars.close.shape) for i in ALL_INDICATORS if i in wanted for f in cat.OUTPUTS[i]}
    return IndicatorSet(series=ordered, levels=levels)
