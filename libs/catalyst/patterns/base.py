"""What every pattern detector returns, and the window arithmetic they share.

Conventions for all detectors (``catalyst.patterns.*``):

- Bars are time-major (``(n_bars,)`` or ``(n_bars, n_symbols)``, see ``catalyst.indicators.ohlcv``).
- The pattern is read *as of the last bar*. The last bar is the **current bar**; the
  structure (pole and flag, cup and handle …) is built from the bars before it. The
  current bar either closes above the pattern's entry level (``breakout``), stays inside
  it (the pattern is still valid, breakout pending), or closes below its stop (the pattern
  has failed and is not reported).
- ``entry`` is the breakout level (a buy-stop), ``stop`` the level whose loss voids the
  pattern, ``target`` a measured move from ``entry``. ``support``/``resistance`` are the
  pattern's own lower and upper boundary.
- ``confidence`` in [0, 1] is a weighted mean of per-feature scores in [0, 1], each
  documented in its detector; it is 0 where nothing is detected. Volume scores count 0
  where volume is unknown (zero).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from catalyst.domain.patterns import PatternType
from catalyst.indicators.kernels import FloatArray, as_time_major
from catalyst.indicators.ohlcv import OHLCV

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class PatternSignal:
    """One detected pattern of one symbol."""

    pattern: PatternType
    confidence: float
    breakout: bool
    entry: float
    stop: float
    target: float
    support: float
    resistance: float
    start_index: int  # first bar of the pattern (into the bars given)
    features: dict[str, float]


@dataclass(frozen=True)
class PatternBatch:
    """One detector's result for every symbol: arrays of shape ``(n_symbols,)``.

    Where ``detected`` is False the prices are NaN, ``confidence`` is 0 and ``start_index`` -1.
    """

    pattern: PatternType
    detected: BoolArray
    confidence: FloatArray
    breakout: BoolArray
    entry: FloatArray
    stop: FloatArray
    target: FloatArray
    support: FloatArray
    resistance: FloatArray
    start_index: IntArray
    features: dict[str, FloatArray] = field(default_factory=dict)

    def signal(self, s: int) -> PatternSignal | None:
        """Symbol ``s``'s detection, or None."""
        if not bool(self.detected[s]):
            return None
        return PatternSignal(
            pattern=self.pattern,
            confidence=float(self.confidence[s]),
            breakout=bool(self.breakout[s]),
            entry=float(self.entry[s]),
            stop=float(self.stop[s]),
            target=float(self.target[s]),
            support=float(self.support[s]),
            resistance=float(self.resistance[s]),
            start_index=int(self.start_index[s]),
            features={k: float(v[s]) for k, v in self.features.items()},
        )


def finish(
    pattern: PatternType,
    ok: BoolArray,
    close_now: FloatArray,
    *,
    entry: FloatArray,
    stop: FloatArray,
    target: FloatArray,
    start: IntArray,
    scores: list[tuple[float, FloatArray]],
    features: dict[str, FloatArray],
    support: FloatArray | None = None,
    resistance: FloatArray | None = None,
) -> PatternBatch:
    """Apply the current-bar rule (a close below the stop voids the pattern) and package the arrays."""
    with np.errstate(invalid="ignore"):
        detected = ok & np.isfinite(entry) & np.isfinite(stop) & (stop < entry) & (close_now >= stop)
        breakout = detected & (close_now > entry)
    total = sum(w for w, _ in scores)
    confidence = sum(w * np.nan_to_num(np.clip(s, 0.0, 1.0)) for w, s in scores) / total
    nan = np.full(ok.shape, np.nan)

    def keep(x: FloatArray) -> FloatArray:
        return np.where(detected, x, nan)

    return PatternBatch(
        pattern=pattern,
        detected=detected,
        confidence=np.where(detected, confidence, 0.0),
        breakout=breakout,
        entry=keep(entry),
        stop=keep(stop),
        target=keep(target),
        support=keep(stop if support is None else support),
        resistance=keep(entry if resistance is None else resistance),
        start_index=np.where(detected, start, -1).astype(np.int64),
        features={k: keep(v.astype(np.float64)) for k, v in features.items()},
    )


def nothing(pattern: PatternType, n_symbols: int, feature_names: tuple[str, ...]) -> PatternBatch:
    """The result when there are too few bars to look for ``pattern`` at all."""
    nan = np.full(n_symbols, np.nan)
    no = np.zeros(n_symbols, dtype=bool)
    return PatternBatch(
        pattern=pattern, detected=no, confidence=np.zeros(n_symbols), breakout=no.copy(),
        entry=nan, stop=nan.copy(), target=nan.copy(), support=nan.copy(), resistance=nan.copy(),
        start_index=np.full(n_symbols, -1, dtype=np.int64),
        features={k: nan.copy() for k in feature_names},
    )


def hlcv(bars: OHLCV) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """High, low, close and volume as time-major 2-D arrays (what every detector reads)."""
    h, lo, c, v = (as_time_major(a) for a in (bars.high, bars.low, bars.close, bars.volume))
    return h, lo, c, v


def at(x: FloatArray, idx: IntArray) -> FloatArray:
    """``x[idx[s], s]`` for every symbol ``s`` (x time-major 2-D)."""
    return x[idx, np.arange(x.shape[1])]


def window_block(
    x: FloatArray, lo: IntArray, hi: IntArray
) -> tuple[FloatArray, BoolArray, int]:
    """The contiguous rows covering every window ``[lo[s], hi[s]]`` and a mask of each symbol's own.

    Windows of different symbols start at different bars; a mask over one shared slice is
    far cheaper than gathering each symbol's rows. Returns ``(block, mask, first_row)``.
    """
    m = x.shape[0]
    first = int(np.clip(lo.min(initial=m - 1), 0, m - 1))
    last = int(np.clip(hi.max(initial=0), first, m - 1))
    rows = np.arange(first, last + 1)[:, np.newaxis]
    return x[first : last + 1], (rows >= lo) & (rows <= hi), first


def window_extreme(
    x: FloatArray, lo: IntArray, hi: IntArray, *, lowest: bool = False, latest: bool = False
) -> tuple[IntArray, FloatArray, BoolArray]:
    """Per symbol, the bar of the max (or min) of ``x[lo[s] : hi[s] + 1, s]`` and its value.

    Ties go to the earliest bar, or the latest with ``latest``. ``valid`` is False where the
    window is empty (``hi < lo``) or lies outside the bars; index and value are then meaningless.
    """
    m, n = x.shape
    valid = (lo >= 0) & (hi >= lo) & (hi < m)
    block, mask, first = window_block(x, lo, hi)
    vals = np.where(mask, block, np.inf if lowest else -np.inf)
    if latest:
        vals = vals[::-1]
    off = np.argmin(vals, axis=0) if lowest else np.argmax(vals, axis=0)
    value = vals[off, np.arange(n)]
    idx = (first + (vals.shape[0] - 1 - off if latest else off)).astype(np.int64)
    return idx, value, valid


def window_mean(x: FloatArray, lo: IntArray, hi: IntArray) -> FloatArray:
    """Per symbol, the mean of ``x[lo[s] : hi[s] + 1, s]`` (NaN for an empty window)."""
    block, mask, _ = window_block(x, lo, hi)
    count = mask.sum(axis=0)
    total = np.where(mask, block, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def ratio(num: FloatArray, den: FloatArray) -> FloatArray:
    """``num / den``, NaN where ``den`` is not positive."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def contraction_score(volume_ratio: FloatArray) -> FloatArray:
    """1 when volume fell to half or less, 0 when it did not fall; NaN (no volume) scores 0."""
    return np.nan_to_num(np.clip((1.0 - volume_ratio) / 0.5, 0.0, 1.0))


def later_volume_ratio(v: FloatArray, first: IntArray, split: IntArray, last: IntArray) -> FloatArray:
    """Volume per bar of ``split .. last`` over that of ``first .. split - 1`` (a pause after a move);
    NaN where the earlier bars traded nothing."""
    return ratio(window_mean(v, split, last), window_mean(v, first, split - 1))


@dataclass(frozen=True)
class PeakPause:
    """A structure's high bar (pole top, ABCD's B, the cup's right rim) and the pause after it
    (flag, BC leg, handle): the bars ``idx + 1 .. end``."""

    end: int  # ``e``: the last bar before the current one
    idx: IntArray
    high: FloatArray
    valid: BoolArray  # False where no bar could be the peak
    pause_high: FloatArray  # the pause's highest high (a valid peak is not exceeded)
    pause_low_idx: IntArray  # the pause's lowest low, the latest of equal lows
    pause_low: FloatArray


def peak_then_pause(h: FloatArray, lo: FloatArray, *, min_pause: int, max_pause: int,
                    min_before: int) -> PeakPause | None:
    """The highest high among bars ``e - max_pause .. e - min_pause`` (``e`` the last bar before the
    current one; not before ``min_before``, so the structure that leads to it fits) and the highs and
    lows of the bars after it up to ``e``. None when there are too few bars for any peak."""
    m, n = h.shape
    e = m - 2
    if e - min_pause - min_before < 0:
        return None
    end = np.full(n, e)
    idx, high, valid = window_extreme(h, np.full(n, max(e - max_pause, min_before)), np.full(n, e - min_pause))
    _, pause_high, _ = window_extreme(h, idx + 1, end)
    low_idx, pause_low, _ = window_extreme(lo, idx + 1, end, lowest=True, latest=True)
    return PeakPause(e, idx, high, valid, pause_high, low_idx, pause_low)


def rise_into(h: FloatArray, lo: FloatArray, peak: IntArray, max_bars: int) -> tuple[IntArray, FloatArray, FloatArray]:
    """Where the rise to ``peak`` starts: the lowest low of the ``max_bars`` bars before it (the latest
    of equal lows), its value, and the highest high from there to the bar before the peak (a rise
    whose peak is its top has that at or below the peak's high)."""
    start, low, _ = window_extreme(lo, np.maximum(peak - max_bars, 0), peak - 1, lowest=True, latest=True)
    _, high_before, _ = window_extreme(h, start, peak - 1)
    return start, low, high_before
