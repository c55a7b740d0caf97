"""Dynamic support and resistance: confirmed pivots, clustered by price.

Geometry (every rule is per symbol, bars on axis 0):

1. Pivot high at bar ``i``: ``high[i]`` is higher than each of the ``k`` highs before it
   and not lower than any of the ``k`` highs after it (``k`` = ``half_window``, 5 by
   default; the strict left side makes a flat double top one pivot, not two). Pivot lows
   mirror this on the lows. The last ``k`` bars cannot be pivots yet: they are not
   confirmed until ``k`` more bars have printed.
2. Every pivot price (highs and lows together: old resistance becomes support) is sorted,
   and neighbours closer than ``tolerance`` × the mean high−low range of the last 14 bars
   fall in one cluster (single linkage). A level is a cluster's mean price; its
   ``touches`` are its number of pivots.
3. Levels at or below the last close are support, above it resistance; each side keeps
   the ``max_levels`` nearest to the close, nearest first.

Everything is whole-array numpy over all symbols at once; no per-symbol Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from catalyst.indicators.catalog import PIVOT_HALF_WINDOW
from catalyst.indicators.kernels import FloatArray, as_time_major

IntArray = NDArray[np.int64]
RANGE_WINDOW = 14
CLUSTER_TOLERANCE = 0.5  # pivots closer than this x the mean bar range form one level
MAX_LEVELS = 3  # levels kept on each side of the last close


@dataclass(frozen=True)
class Level:
    price: float
    touches: int


@dataclass(frozen=True)
class Levels:
    """One symbol's levels, nearest to the last close first."""

    support: list[Level]
    resistance: list[Level]


@dataclass(frozen=True)
class LevelsBatch:
    """Levels of many symbols: ``support[s, j]`` is symbol ``s``'s ``j``-th nearest support.

    Missing levels are NaN prices with 0 touches.
    """

    support: FloatArray  # (n_symbols, max_levels)
    support_touches: IntArray
    resistance: FloatArray
    resistance_touches: IntArray

    def for_symbol(self, s: int) -> Levels:
        def side(prices: FloatArray, touches: IntArray) -> list[Level]:
            return [
                Level(price=float(p), touches=int(t))
                for p, t in zip(prices[s], touches[s], strict=True)
                if not np.isnan(p)
            ]

        return Levels(
            support=side(self.support, self.support_touches),
            resistance=side(self.resistance, self.resistance_touches),
        )


def _run_extreme(x: FloatArray, k: int, *, lowest: bool) -> FloatArray:
    """Extreme of each run of ``k`` consecutive rows: result ``[j] = max(x[j : j + k])``."""
    pick = np.minimum if lowest else np.maximum
    out = x[: x.shape[0] - k + 1].copy()
    for d in range(1, k):
        pick(out, x[d : d + out.shape[0]], out=out)
    return out


def pivot_mask(x: FloatArray, k: int = PIVOT_HALF_WINDOW, *, lows: bool = False) -> NDArray[np.bool_]:
    """Bars that are confirmed pivot highs (or lows) of ``x`` (time-major), as a boolean array."""
    m = x.shape[0]
    mask = np.zeros(x.shape, dtype=bool)
    if m < 2 * k + 1:
        return mask
    runs = _run_extreme(x, k, lowest=lows)  # runs[j] covers bars j..j+k-1
    centre = x[k : m - k]
    left = runs[: m - 2 * k]  # bars i-k .. i-1
    right = runs[k + 1 : m - k + 1]  # bars i+1 .. i+k
    if lows:
        mask[k : m - k] = (centre < left) & (centre <= right)
    else:
        mask[k : m - k] = (centre > left) & (centre >= right)
    return mask


def _compact(values: FloatArray, mask: NDArray[np.bool_]) -> FloatArray:
    """Masked values of each symbol packed left into ``(n_symbols, max_count)``, NaN padded."""
    sym, t = np.nonzero(mask.T)
    counts = np.bincount(sym, minlength=mask.shape[1])
    width = max(int(counts.max(initial=0)), 1)
    starts = np.cumsum(counts) - counts
    packed = np.full((mask.shape[1], width), np.nan)
    packed[sym, np.arange(sym.size) - starts[sym]] = values[t, sym]
    return packed


def support_resistance_batch(
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    *,
    half_window: int = PIVOT_HALF_WINDOW,
    tolerance: float = CLUSTER_TOLERANCE,
    max_levels: int = MAX_LEVELS,
) -> LevelsBatch:
    """Support and resistance of every symbol (columns of time-major ``(n_bars, n_symbols)``)."""
    h, lo, c = as_time_major(high), as_time_major(low), as_time_major(close)
    n = c.shape[1]
    highs = _compact(h, pivot_mask(h, half_window))
    lows = _compact(lo, pivot_mask(lo, half_window, lows=True))
    pivots = np.sort(np.concatenate([highs, lows], axis=1), axis=1)
    width = pivots.shape[1]
    bar_range = (h[-RANGE_WINDOW:] - lo[-RANGE_WINDOW:]).mean(axis=0)
    with np.errstate(invalid="ignore"):
        breaks = np.diff(pivots, axis=1) > (tolerance * bar_range)[:, np.newaxis]
    cluster = np.zeros(pivots.shape, dtype=np.int64)
    np.cumsum(breaks, axis=1, out=cluster[:, 1:])
    valid = ~np.isnan(pivots)
    ids = (cluster + (np.arange(n) * width)[:, np.newaxis])[valid]
    sums = np.bincount(ids, weights=pivots[valid], minlength=n * width).reshape(n, width)
    touches = np.bincount(ids, minlength=n * width).reshape(n, width)
    with np.errstate(invalid="ignore", divide="ignore"):
        levels = np.where(touches > 0, sums / np.maximum(touches, 1), np.nan)
    return _nearest(levels, touches, c[-1], max_levels)


def _nearest(levels: FloatArray, touches: IntArray, last: FloatArray, max_levels: int) -> LevelsBatch:
    """Split ascending levels at the last close and keep the nearest on each side."""
    n_levels = (touches > 0).sum(axis=1)
    below = (levels <= last[:, np.newaxis]).sum(axis=1)  # NaN compares False
    offsets = np.arange(max_levels)
    sup_idx = below[:, np.newaxis] - 1 - offsets
    res_idx = below[:, np.newaxis] + offsets
    sup_ok = sup_idx >= 0
    res_ok = res_idx < n_levels[:, np.newaxis]
    width = levels.shape[1]

    def gather(idx: IntArray, ok: NDArray[np.bool_]) -> tuple[FloatArray, IntArray]:
        safe = np.clip(idx, 0, width - 1)
        p = np.where(ok, np.take_along_axis(levels, safe, axis=1), np.nan)
        t = np.where(ok, np.take_along_axis(touches, safe, axis=1), 0)
        return p, t.astype(np.int64)

    sp, st = gather(sup_idx, sup_ok)
    rp, rt = gather(res_idx, res_ok)
    return LevelsBatch(support=sp, support_touches=st, resistance=rp, resistance_touches=rt)


def support_resistance(
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    *,
    half_window: int = PIVOT_HALF_WINDOW,
    tolerance: float = CLUSTER_TOLERANCE,
    max_levels: int = MAX_LEVELS,
) -> Levels:
    """Support and resistance of one symbol (1-D arrays): ``support_resistance_batch``'s one column."""
    batch = support_resistance_batch(
        high, low, close, half_window=half_window, tolerance=tolerance, max_levels=max_levels
    )
    return batch.for_symbol(0)
