"""Opening range breakout (ORB): price takes out the high of the session's first minutes.

Geometry (intraday bars; ``session_start`` is the index of the session's first bar,
per symbol; the opening range is its first ``range_bars`` bars):

- The range is complete: the current bar comes after it.
- The range is intact: no bar between the range and the current bar closed below the
  range low (a range that failed downward is no long setup).
- Its width ``(high - low) / low`` lies in ``[min_range, max_range]``: too narrow is noise,
  too wide puts the stop too far away.
- The current bar trades above the range high (``high > range high``); it is a
  **breakout** when it also *closes* above it. A bar that only pokes through is reported
  with ``breakout = False``.

Levels: entry = range high, stop = range low, target = entry + range width;
support = range low, resistance = range high.

Confidence = 0.35·volume (current bar's volume over the range's average bar: 1 at 2.5× or
more, 0 at 1×) + 0.25·width (1 at ``min_range``, 0 at ``max_range``) + 0.2·fresh (1 when no
earlier bar closed above the range high) + 0.2·extension (1 at the range high, 0 a full
range width above it: a late chase).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from catalyst.domain.patterns import PatternType
from catalyst.indicators.ohlcv import OHLCV
from catalyst.patterns.base import IntArray, PatternBatch, finish, hlcv, nothing, ratio, window_mean

FEATURES = ("range_pct", "range_bars", "bars_since_open", "breakout_volume_ratio", "fresh", "extension")


@dataclass(frozen=True)
class OpeningRangeParams:
    """``range_bars`` of the bars given: 15 one-minute bars (a 15-minute range) by default."""

    range_bars: int = 15
    min_range: float = 0.002
    max_range: float = 0.05


def _masked(x: np.ndarray, mask: np.ndarray, fill: float, *, lowest: bool) -> np.ndarray:
    vals = np.where(mask, x, fill)
    return np.asarray(vals.min(axis=0) if lowest else vals.max(axis=0))


def detect_opening_range_breakout(
    bars: OHLCV, session_start: IntArray | int = 0, params: OpeningRangeParams | None = None
) -> PatternBatch:
    """Opening range breakouts on the current (last) bar, for every symbol of ``bars``."""
    p = params or OpeningRangeParams()
    h, lo, c, v = hlcv(bars)
    m, n = c.shape
    start = np.broadcast_to(np.asarray(session_start, dtype=np.int64), (n,))
    range_end = start + p.range_bars - 1
    if m < p.range_bars + 1:
        return nothing(PatternType.OPENING_RANGE_BREAKOUT, n, FEATURES)
    ok = (start >= 0) & (range_end < m - 1)
    first = int(np.clip(start.min(), 0, m - 1))
    rows = np.arange(first, m - 1)[:, np.newaxis]
    hh, ll, cc = h[first:-1], lo[first:-1], c[first:-1]
    in_range = (rows >= start) & (rows <= range_end)
    after = rows > range_end
    top = _masked(hh, in_range, -np.inf, lowest=False)
    bottom = _masked(ll, in_range, np.inf, lowest=True)
    width = top - bottom
    width_pct = ratio(width, bottom)
    broke_down = (after & (cc < bottom)).any(axis=0)
    closed_above = (after & (cc > top)).any(axis=0)
    volume_ratio = ratio(np.asarray(v[-1]), window_mean(v, np.maximum(start, 0), range_end))
    extension = ratio(np.asarray(c[-1] - top), width)
    with np.errstate(invalid="ignore"):
        ok &= ~broke_down & (width_pct >= p.min_range) & (width_pct <= p.max_range) & (h[-1] > top)
    fresh = np.asarray(~closed_above, dtype=np.float64)
    return finish(
        PatternType.OPENING_RANGE_BREAKOUT, ok, c[-1],
        entry=top, stop=bottom, target=top + width, start=start,
        scores=[
            (0.35, (volume_ratio - 1.0) / 1.5),
            (0.25, np.asarray((p.max_range - width_pct) / (p.max_range - p.min_range))),
            (0.2, fresh),
            (0.2, np.asarray(1.0 - np.maximum(extension, 0.0))),
        ],
        features={
            "range_pct": 100.0 * width_pct,
            "range_bars": np.full(n, float(p.range_bars)),
            "bars_since_open": (m - 1 - start).astype(np.float64),
            "breakout_volume_ratio": volume_ratio,
            "fresh": fresh,
            "extension": extension,
        },
    )
