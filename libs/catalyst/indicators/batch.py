"""The whole indicator set for many symbols in one pass over the bars.

``compute_indicators`` gives the same numbers as calling each function of
``catalyst.indicators.vectorized`` (and TA-Lib) one by one, bit for bit, but shares what they
have in common and steps every indicator bar by bar in one pass (``catalyst.indicators.fused``):
one set of running totals serves SMA 20/50/200 and the Bollinger middle band, the EMA outputs
advance as one stack and the two MACD averages as another, one Wilder stack serves the RSI
gain and loss averages and the ATR, and one price change feeds RSI and OBV. Every step is a
few numpy calls across all symbols, so 10,000 symbols cost about what 100 do in Python overhead.
All outputs live in one bar-major buffer, written row by row as the pass advances.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from catalyst.indicators import catalog as cat
from catalyst.indicators.catalog import ALL_INDICATORS, Indicator
from catalyst.indicators.fused import (
    BarStep,
    BollingerBands,
    ExponentialAverages,
    Macd,
    OnBalanceVolume,
    PriceChange,
    RunningMeans,
    VolumeRatio,
    WilderAverages,
    populate_in_background,
    run_bars,
)
from catalyst.indicators.kernels import FloatArray, as_time_major
from catalyst.indicators.levels import LevelsBatch, support_resistance_batch
from catalyst.indicators.ohlcv import OHLCV

DEFAULT_THREADS = os.cpu_count() or 1  # compute_indicators' ``threads`` when not given


@dataclass(frozen=True)
class IndicatorSet:
    """Indicator series by output field (``sma_20``, ``macd_signal`` …), shaped like the input
    close (``(n_bars,)`` or ``(n_bars, n_symbols)``), NaN where not yet defined; plus levels.

    From ``compute_indicators`` the series are views of one buffer (``bb_middle`` is
    ``sma_20`` itself): keeping any of them keeps the whole buffer alive.
    """

    series: dict[str, FloatArray]
    levels: LevelsBatch | None

    def latest(self) -> dict[str, FloatArray]:
        """Each field's value at the last bar, one per symbol (shape ``(n_symbols,)``)."""
        return {name: np.atleast_1d(values[-1]) for name, values in self.series.items()}


@dataclass(frozen=True)
class _Plan:
    """What the wanted indicators need: SMA windows and the EMAs that are outputs (name, seed bar, period)."""

    wanted: frozenset[Indicator]
    sma_periods: tuple[int, ...]
    emas: tuple[tuple[str, int, int], ...]

    @classmethod
    def of(cls, wanted: set[Indicator]) -> _Plan:
        periods = {p for p in cat.SMA_PERIODS if Indicator(f"sma_{p}") in wanted}
        if Indicator.BBANDS in wanted:
            periods.add(cat.BB_PERIOD)
        emas = tuple((f"ema_{p}", p - 1, p) for p in sorted(cat.EMA_PERIODS) if Indicator(f"ema_{p}") in wanted)
        return cls(frozenset(wanted), tuple(sorted(periods)), emas)

    def fields(self) -> list[str]:
        """The arrays the pass writes, in their order in the stacked buffer (EMAs adjacent: one stack)."""
        w = self.wanted
        names = [f"sma_{p}" for p in self.sma_periods] + [e[0] for e in self.emas]
        return names + [f for i in (Indicator.RSI_14, Indicator.MACD, Indicator.ATR_14, Indicator.BBANDS,
                                    Indicator.OBV, Indicator.VOLUME_RATIO) if i in w
                        for f in cat.OUTPUTS[i] if f != "bb_middle"]

    def views(self, buffer: FloatArray) -> dict[str, FloatArray]:
        """Each array of ``fields`` as a view of the stacked ``(n_bars, n_fields, n_symbols)`` buffer,
        plus ``emas``, the EMA fields as one ``(n_bars, k, n_symbols)`` stack."""
        names = self.fields()
        out = {name: buffer[:, j] for j, name in enumerate(names)}
        if self.emas:
            first = names.index(self.emas[0][0])
            out["emas"] = buffer[:, first : first + len(self.emas)]
        return out

    def steps(self, bufs: dict[str, FloatArray], h: FloatArray, lo: FloatArray, c: FloatArray, v: FloatArray,
              ) -> list[BarStep]:
        """The bar steps over these bars, writing into ``bufs`` (from ``views``)."""
        w = self.wanted
        steps: list[BarStep] = []
        change = PriceChange(c) if (Indicator.RSI_14 in w or Indicator.OBV in w) else None
        if change is not None:
            steps.append(change)
        if self.sma_periods:
            steps.append(RunningMeans(c, self.sma_periods, [bufs[f"sma_{p}"] for p in self.sma_periods]))
            if Indicator.BBANDS in w:
                steps.append(BollingerBands(c, bufs[f"sma_{cat.BB_PERIOD}"], cat.BB_PERIOD, cat.BB_DEVIATIONS,
                                            bufs["bb_upper"], bufs["bb_lower"]))
        if self.emas:
            steps.append(ExponentialAverages(c, [e[1] for e in self.emas], [e[2] for e in self.emas], bufs["emas"]))
        if Indicator.MACD in w:
            start = cat.MACD_SLOW - 1  # TA-Lib seeds both MACD averages there
            ring = np.empty((2, 2, c.shape[1]))  # the averages are not outputs: keep two bars
            steps.append(ExponentialAverages(c, [start, start], [cat.MACD_FAST, cat.MACD_SLOW], ring))
            steps.append(Macd(ring[:, 0], ring[:, 1], start, cat.MACD_SIGNAL,
                              bufs["macd"], bufs["macd_signal"], bufs["macd_hist"]))
        if Indicator.RSI_14 in w or Indicator.ATR_14 in w:
            steps.append(WilderAverages(h, lo, c, change if Indicator.RSI_14 in w else None, cat.RSI_PERIOD,
                                        bufs.get("rsi_14"), bufs.get("atr_14")))
        if Indicator.OBV in w and change is not None:
            steps.append(OnBalanceVolume(v, change, bufs["obv"]))
        if Indicator.VOLUME_RATIO in w:
            steps.append(VolumeRatio(v, cat.VOLUME_AVG_PERIOD, bufs["volume_ratio"]))
        return steps

    def outputs(self, bufs: dict[str, FloatArray]) -> dict[str, FloatArray]:
        """Output fields as views of the buffer (``bb_middle`` is ``sma_20``)."""
        out = {k: a for k, a in bufs.items() if a.ndim == 2}
        if Indicator.BBANDS in self.wanted:
            out["bb_middle"] = out[f"sma_{cat.BB_PERIOD}"]
        return out


def compute_indicators(
    bars: OHLCV, indicators: Iterable[Indicator] = ALL_INDICATORS, *, threads: int | None = None
) -> IndicatorSet:
    """Series of ``indicators`` for one symbol (1-D bars) or a panel (2-D, one column per symbol).

    Bars are assumed valid (``validate_ohlcv``); with too few bars a series is all NaN.
    ``threads`` (default ``DEFAULT_THREADS``, the machine's CPU count): with 2 or more, a
    second thread maps the output memory while the pass runs (``fused.populate``; about a
    fifth of the time on 10,000 x 390 bars). The pass itself stays on one thread: its numpy
    calls last microseconds, too short to hand the GIL back and forth, and splitting the
    symbols into two column blocks on two threads measured slower than one thread.
    """
    if threads is not None and threads < 1:
        raise ValueError(f"threads must be at least 1, not {threads}")
    wanted = set(indicators)
    plan = _Plan.of(wanted)
    h, lo, c, v = (np.ascontiguousarray(as_time_major(a), dtype=np.float64)
                   for a in (bars.high, bars.low, bars.close, bars.volume))
    m, n = c.shape
    buffer = np.empty((m, len(plan.fields()), n))
    helper = populate_in_background(buffer) if (threads or DEFAULT_THREADS) > 1 else None
    bufs = plan.views(buffer)
    try:
        run_bars(plan.steps(bufs, h, lo, c, v), m)
    finally:
        if helper is not None:
            helper.join()
    out = plan.outputs(bufs)
    levels = support_resistance_batch(h, lo, c) if Indicator.LEVELS in wanted else None
    ordered = {f: out[f].reshape(bars.close.shape) for i in ALL_INDICATORS if i in wanted for f in cat.OUTPUTS[i]}
    return IndicatorSet(series=ordered, levels=levels)
