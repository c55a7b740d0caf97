"""The indicator panel in one pass over the bars: every indicator advances one bar at a time.

Why: a numpy call over a whole ``(n_bars, n_symbols)`` array streams it through main memory
(31 MB at 390 x 10,000), and the indicator set needs some seventy such passes. Here each
indicator is a small state machine, and all of them take bar ``t`` before any takes bar
``t + 1``: the rows a step reads and writes (a few rows of ``n_symbols`` floats) stay in the
CPU cache between the steps, and each output row is written once. A step is a handful of
numpy calls across all symbols, so the Python overhead does not grow with the symbols.
On 10,000 symbols x 390 bars the eleven indicators take about 110 ms this way, against
about 210 ms for the same arithmetic as whole-array passes (``kernels``, ``vectorized``).
State that is not an output (the MACD averages, the RSI gain and loss averages) lives in a
ring of two rows instead of a whole array.

The arithmetic is TA-Lib's, operation for operation, as in ``catalyst.indicators.kernels``
and ``vectorized`` (same seeds, constants, order of additions and zero thresholds), so the
results equal those functions' bit for bit.

Each class takes time-major 2-D inputs and the output arrays to write (they may be views,
e.g. one field of a stacked bar-major buffer); row ``t`` of every output is written by
``step(t)`` (NaN before the output's first value). ``run_bars`` steps a list of them, and
``populate_in_background`` maps fresh output memory on a second core while they run.
"""

from __future__ import annotations

import ctypes
import mmap
import sys
import threading
from collections.abc import Callable, Sequence
from functools import cache
from typing import Protocol

import numpy as np

from catalyst.indicators.kernels import FloatArray

# TA-Lib's TA_IS_ZERO / TA_IS_ZERO_OR_NEG tolerance (see ``vectorized.TA_EPSILON``).
TA_EPSILON = 1e-8

BoolArray = np.ndarray[tuple[int], np.dtype[np.bool_]]


class BarStep(Protocol):
    """One indicator's work for bar ``t``; called for t = 0, 1, … in order."""

    def step(self, t: int) -> None: ...


def run_bars(steps: Sequence[BarStep], n_bars: int) -> None:
    """Advance every step bar by bar (all of them at bar ``t`` before bar ``t + 1``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        for t in range(n_bars):
            for s in steps:
                s.step(t)


MADV_POPULATE_WRITE = 23  # Linux >= 5.14: map pages writable now, as a write would, changing no data
POPULATE_MIN_BYTES = 8 << 20  # under this the page faults cost too little to be worth a thread


@cache
def _madvise() -> Callable[[int, int, int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).madvise
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    fn.restype = ctypes.c_int
    return fn


def populate(buffer: FloatArray) -> None:
    """Have the kernel map every page of contiguous ``buffer`` now (``madvise(MADV_POPULATE_WRITE)``).

    The first write to each page of fresh memory faults and the kernel zero-fills the page:
    for the 440 MB of a 10,000 x 390 panel's outputs that is about a fifth of the pass's time.
    Populating maps the pages ahead without writing anything, so it may run on another
    thread while the pass writes the same buffer (ctypes releases the GIL for the call),
    and it maps in address order: for a bar-major buffer, the bars the pass reaches next.
    Where the system does not have it (not Linux, a kernel before 5.14) nothing happens
    and the pass's own writes map the pages as usual.
    """
    madvise = _madvise()
    if madvise is None or buffer.nbytes == 0 or not buffer.flags.c_contiguous:
        return  # (a strided view's bytes are not one range)
    start = buffer.ctypes.data
    aligned = start - start % mmap.PAGESIZE  # the page holding the first byte: already the process's
    madvise(aligned, start + buffer.nbytes - aligned, MADV_POPULATE_WRITE)


def populate_in_background(buffer: FloatArray) -> threading.Thread | None:
    """``populate`` on a new thread (None when ``buffer`` is too small to be worth one); join it after the pass."""
    if buffer.nbytes < POPULATE_MIN_BYTES or _madvise() is None:
        return None
    thread = threading.Thread(target=populate, args=(buffer,), name="indicator-populate", daemon=True)
    thread.start()
    return thread


def _rows(a: FloatArray) -> list[FloatArray]:
    """``a[t]`` for every ``t``, made once: indexing a list is several times cheaper than an array."""
    return list(a)


class PriceChange:
    """``close[t] - close[t-1]`` for the current bar, shared by RSI and OBV."""

    def __init__(self, close: FloatArray) -> None:
        self._c = _rows(close)
        self.row = np.zeros(close.shape[1])

    def step(self, t: int) -> None:
        if t:
            np.subtract(self._c[t], self._c[t - 1], self.row)


class RunningMeans:
    """Moving means of one input over several windows (TA-Lib ``SMA``): ``out[j]`` for ``periods[j]``.

    Each window's running total adds the bar, is divided, then drops the window's oldest value.
    """

    def __init__(self, x: FloatArray, periods: Sequence[int], out: Sequence[FloatArray]) -> None:
        self._x = _rows(x)
        self._windows = [(int(p), float(p), _rows(o)) for p, o in zip(periods, out, strict=True)]
        self._totals = np.zeros((len(periods), x.shape[1]))
        self._total = _rows(self._totals)

    def step(self, t: int) -> None:
        x, total = self._x, self._total
        np.add(self._totals, x[t], self._totals)
        for j, (p, divisor, out) in enumerate(self._windows):
            if t < p - 1:
                out[t].fill(np.nan)
            else:
                np.divide(total[j], divisor, out[t])
                np.subtract(total[j], x[t - p + 1], total[j])


class BollingerBands:
    """Upper and lower bands ``middle ± deviations * population std`` (TA-Lib ``BBANDS``, SMA middle).

    ``middle`` is the window mean (stepped before this). The variance is E[x²] − E[x]² of the
    closes taken relative to the first close, so that nothing cancels catastrophically at
    high prices; a variance under 1e-8 counts as zero, as in TA-Lib. The squares of the last
    ``period`` bars are kept in a ring of rows.
    """

    def __init__(self, close: FloatArray, middle: FloatArray, period: int, deviations: float,
                 upper: FloatArray, lower: FloatArray) -> None:
        n = close.shape[1]
        self._c, self._mid, self._upper, self._lower = _rows(close), _rows(middle), _rows(upper), _rows(lower)
        self._p, self._divisor, self._dev = period, float(period), float(deviations)
        self._ring = _rows(np.empty((period, n)))
        self._total = np.zeros(n)
        self._var = np.empty(n)
        self._shift = np.empty(n)
        self._zero: BoolArray = np.empty(n, dtype=np.bool_)

    def step(self, t: int) -> None:
        p, c0, total, var, shift = self._p, self._c[0], self._total, self._var, self._shift
        square = self._ring[t % p]
        np.subtract(self._c[t], c0, square)
        np.multiply(square, square, square)
        np.add(total, square, total)
        if t < p - 1:
            self._upper[t].fill(np.nan)
            self._lower[t].fill(np.nan)
            return
        np.divide(total, self._divisor, var)
        np.subtract(total, self._ring[(t + 1) % p], total)  # bar t - p + 1 leaves the window
        mid = self._mid[t]
        np.subtract(mid, c0, shift)
        np.multiply(shift, shift, shift)
        np.subtract(var, shift, var)
        np.less(var, TA_EPSILON, self._zero)
        np.copyto(var, 0.0, where=self._zero)
        np.sqrt(var, var)
        np.multiply(var, self._dev, var)
        np.add(mid, var, self._upper[t])
        np.subtract(mid, var, self._lower[t])


class ExponentialAverages:
    """EMAs of one input, each with its own period and seed bar (TA-Lib ``EMA``).

    Average ``j`` is, at bar ``seed_ends[j]``, the mean of the ``periods[j]`` inputs ending
    there, then ``prev + (x - prev) * 2/(p+1)``; NaN before. ``seed_ends`` must be ascending.
    ``out`` is ``(n_bars, k, n)``, or ``(2, k, n)`` for a ring that keeps only bars ``t`` and
    ``t - 1`` (at row ``t % 2``) when the averages are not outputs themselves.
    """

    def __init__(self, x: FloatArray, seed_ends: Sequence[int], periods: Sequence[int], out: FloatArray) -> None:
        m, n, k = x.shape[0], x.shape[1], len(periods)
        self._x, self._out, self._k = _rows(x), _rows(out), k
        per = np.asarray(periods, dtype=np.float64)
        seeds = np.asarray(seed_ends)
        self._seed = np.empty((k, n))
        for j, (s, p) in enumerate(zip(seed_ends, periods, strict=True)):
            if s < m:
                np.divide(x[s - p + 1 : s + 1].sum(axis=0), per[j], self._seed[j])
        bars = np.arange(m)
        self._updated = np.searchsorted(seeds, bars, side="left").tolist()  # seeded before bar t
        self._seeded = np.searchsorted(seeds, bars, side="right").tolist()  # seeded at or before bar t
        self._factor = (2.0 / (per + 1.0))[:, np.newaxis]
        self._delta = np.empty((k, n))

    def step(self, t: int) -> None:
        rows, k = self._out, self._k
        out, a, b = rows[t % len(rows)], self._updated[t], self._seeded[t]
        for j in range(a, b):
            np.copyto(out[j], self._seed[j])
        if b < k:
            out[b:].fill(np.nan)
        if a == k:
            prev = rows[(t - 1) % len(rows)]
            np.subtract(self._x[t], prev, self._delta)
            np.multiply(self._delta, self._factor, self._delta)
            np.add(self._delta, prev, out)
        elif a:
            prev, delta = rows[(t - 1) % len(rows)][:a], self._delta[:a]
            np.subtract(self._x[t], prev, delta)
            np.multiply(delta, self._factor[:a], delta)
            np.add(delta, prev, out[:a])


class Macd:
    """MACD line, signal and histogram from the fast and slow averages (stepped before this).

    ``fast`` and ``slow`` are indexed like the averages' output (``t % len(fast)``). The line
    exists from bar ``start``; the signal is its EMA seeded with the mean of its first
    ``signal`` values, and all three are reported from that bar on, as TA-Lib does.
    """

    def __init__(self, fast: FloatArray, slow: FloatArray, start: int, signal: int,
                 line: FloatArray, sig: FloatArray, hist: FloatArray) -> None:
        n = line.shape[1]
        self._fast, self._slow, self._start, self._signal = _rows(fast), _rows(slow), start, float(signal)
        self._first = start + signal - 1
        self._line, self._sig, self._hist = _rows(line), _rows(sig), _rows(hist)
        self._factor = 2.0 / (signal + 1.0)
        self._early = np.empty(n)  # the line before it is reported
        self._sum = np.zeros(n)
        self._delta = np.empty(n)

    def step(self, t: int) -> None:
        first, r = self._first, t % len(self._fast)
        if t < first:
            for out in (self._line, self._sig, self._hist):
                out[t].fill(np.nan)
            if t >= self._start:
                np.subtract(self._fast[r], self._slow[r], self._early)
                np.add(self._sum, self._early, self._sum)
            return
        line, sig, delta = self._line[t], self._sig[t], self._delta
        np.subtract(self._fast[r], self._slow[r], line)
        if t == first:
            np.add(self._sum, line, self._sum)
            np.divide(self._sum, self._signal, sig)
        else:
            prev = self._sig[t - 1]
            np.subtract(line, prev, delta)
            np.multiply(delta, self._factor, delta)
            np.add(delta, prev, sig)
        np.subtract(line, sig, self._hist[t])


class WilderAverages:
    """RSI's gain and loss averages and/or the ATR: Wilder's ``(prev * (p-1) + x) / p``.

    Their inputs (price change, true range) start at bar 1; each average is seeded at bar
    ``period`` with the mean of the first ``period`` inputs, NaN before. The averages run
    stacked in a two-row ring (gain, loss, true range: those wanted); the ATR row is copied
    to ``atr`` and ``100 * gain / (gain + loss)`` written to ``rsi`` (0 where the sum is
    under 1e-8, as TA-Lib).
    """

    def __init__(self, high: FloatArray, low: FloatArray, close: FloatArray, change: PriceChange | None,
                 period: int, rsi: FloatArray | None, atr: FloatArray | None) -> None:
        n = close.shape[1]
        self._h, self._lo, self._c = _rows(high), _rows(low), _rows(close)
        self._change, self._p, self._divisor, self._keep = change, period, float(period), float(period - 1)
        self._rsi = None if rsi is None else _rows(rsi)
        self._atr = None if atr is None else _rows(atr)
        rows = (2 if change is not None else 0) + (1 if atr is not None else 0)
        self._avg = _rows(np.empty((2, rows, n)))
        self._x = np.empty((rows, n))
        self._sum = np.zeros((rows, n))
        self._zeros = np.zeros(n)
        self._scratch = np.empty(n)
        self._zero: BoolArray = np.empty(n, dtype=np.bool_)

    def _inputs(self, t: int) -> FloatArray:
        x, k = self._x, 0
        if self._change is not None:
            change = self._change.row
            np.maximum(change, self._zeros, out=x[0])
            np.subtract(x[0], change, x[1])  # the loss: max(-change, 0), exactly
            k = 2
        if self._atr is not None:
            prev = self._c[t - 1]
            np.maximum(self._h[t], prev, out=x[k])
            np.minimum(self._lo[t], prev, out=self._scratch)
            np.subtract(x[k], self._scratch, x[k])
        return x

    def step(self, t: int) -> None:
        p = self._p
        if t < p:
            for out in (self._rsi, self._atr):
                if out is not None:
                    out[t].fill(np.nan)
            if t:
                np.add(self._sum, self._inputs(t), self._sum)
            return
        x, avg = self._inputs(t), self._avg[t % 2]
        if t == p:
            np.add(self._sum, x, self._sum)
            np.divide(self._sum, self._divisor, avg)
        else:
            np.multiply(self._avg[(t - 1) % 2], self._keep, avg)
            np.add(avg, x, avg)
            np.divide(avg, self._divisor, avg)
        if self._atr is not None:
            np.copyto(self._atr[t], avg[-1])
        if self._rsi is not None:
            total, rsi = self._scratch, self._rsi[t]
            np.add(avg[0], avg[1], total)
            np.divide(avg[0], total, rsi)
            np.multiply(rsi, 100.0, rsi)
            np.less(total, TA_EPSILON, self._zero)  # the averages are never negative
            np.copyto(rsi, 0.0, where=self._zero)


class OnBalanceVolume:
    """TA-Lib ``OBV``: the first bar's volume, then plus or minus each bar's volume as the close rises or falls."""

    def __init__(self, volume: FloatArray, change: PriceChange, out: FloatArray) -> None:
        self._v, self._change, self._out = _rows(volume), change, _rows(out)
        self._signed = np.empty(volume.shape[1])

    def step(self, t: int) -> None:
        if t == 0:
            np.copyto(self._out[0], self._v[0])
            return
        np.sign(self._change.row, self._signed)
        np.multiply(self._signed, self._v[t], self._signed)
        np.add(self._out[t - 1], self._signed, self._out[t])


class VolumeRatio:
    """Each bar's volume over the TA-Lib ``SMA`` of the ``period`` volumes before it; NaN where that is 0."""

    def __init__(self, volume: FloatArray, period: int, out: FloatArray) -> None:
        n = volume.shape[1]
        self._v, self._p, self._divisor, self._out = _rows(volume), period, float(period), _rows(out)
        self._total = np.zeros(n)
        self._prior = np.empty(n)
        self._none: BoolArray = np.empty(n, dtype=np.bool_)

    def step(self, t: int) -> None:
        p, v, total, prior = self._p, self._v, self._total, self._prior
        if t:
            np.add(total, v[t - 1], total)  # the mean is TA-Lib's SMA at the previous bar
        if t < p:
            self._out[t].fill(np.nan)
            return
        np.divide(total, self._divisor, prior)
        np.subtract(total, v[t - p], total)
        np.less_equal(prior, 0.0, self._none)
        out = self._out[t]
        np.divide(v[t], prior, out)
        np.copyto(out, np.nan, where=self._none)
