"""Ascending triangle: a flat ceiling tested several times over rising lows.

Geometry, for each look-back window of ``windows`` bars ending at the bar before the
current one (bar ``e``); swings are pivots of ``swing_bars`` bars each side:

- **Resistance** ``R``: the highest high of the window. A **touch** is a swing high within
  ``touch_tolerance`` (a fraction of ``R``) below it. The triangle starts at the first touch
  ``F`` and spans ``F .. e``, at least ``min_bars`` bars; it needs ``min_touches`` touches.
- **Rising support**: the swing lows after ``F`` (at least ``min_lows``) are each higher
  than every earlier one, and no bar after the last swing low undercuts it.
- **Height** ``H = R - lowest low of F .. e`` is at least ``min_height`` of ``R``, and the
  lows have closed in: the last swing low is at least ``min_rise`` · H above that lowest low.

The window (of ``windows``) whose triangle scores best is reported.

Levels: entry = R, stop = the last swing low, target = R + H; support = last swing low,
resistance = R.

Confidence = 0.35·touches (2 → 0.5, 3 or more → 1) + 0.25·lows (2 → 0.5, 3 or more → 1)
+ 0.2·rise (the lows' rise over 60 % of H → 1) + 0.2·volume (second half of the triangle vs
the first: 1 at half or less).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from catalyst.domain.patterns import PatternType
from catalyst.indicators.kernels import FloatArray
from catalyst.indicators.levels import pivot_mask
from catalyst.indicators.ohlcv import OHLCV
from catalyst.patterns.base import (
    BoolArray,
    PatternBatch,
    contraction_score,
    finish,
    hlcv,
    later_volume_ratio,
    nothing,
    ratio,
)

FEATURES = ("touches", "higher_lows", "height_pct", "lows_rise_pct", "span_bars", "volume_contraction")


@dataclass(frozen=True)
class AscendingTriangleParams:
    """Defaults suit one-minute bars; ``daily()`` suits daily bars."""

    windows: tuple[int, ...] = (30, 60, 120)
    swing_bars: int = 2
    touch_tolerance: float = 0.002
    min_touches: int = 2
    min_lows: int = 2
    min_bars: int = 10
    min_height: float = 0.005
    min_rise: float = 0.25

    @classmethod
    def daily(cls) -> AscendingTriangleParams:
        return cls(windows=(40, 80, 160), swing_bars=3, touch_tolerance=0.01, min_bars=15, min_height=0.04)


def _one_window(
    h: FloatArray, lo: FloatArray, v: FloatArray, swing_hi: BoolArray, swing_lo: BoolArray,
    width: int, p: AscendingTriangleParams,
) -> dict[str, FloatArray]:
    """Triangle measurements over the last ``width`` rows of the given (already cut) arrays."""
    h, lo, v, swing_hi, swing_lo = h[-width:], lo[-width:], v[-width:], swing_hi[-width:], swing_lo[-width:]
    w, n = h.shape
    rows = np.arange(w)[:, np.newaxis]
    resistance = h.max(axis=0)
    touch = swing_hi & (h >= resistance * (1.0 - p.touch_tolerance))
    has_touch = touch.any(axis=0)
    first = np.argmax(touch, axis=0)
    in_span = rows >= first
    lows_in = swing_lo & in_span
    lowest = np.where(in_span, lo, np.inf).min(axis=0)
    swing_vals = np.where(lows_in, lo, -np.inf)
    earlier_max = np.maximum.accumulate(swing_vals, axis=0)
    earlier_max = np.vstack([np.full((1, n), -np.inf), earlier_max[:-1]])
    rising = ~(lows_in & (lo <= earlier_max)).any(axis=0)
    n_lows = lows_in.sum(axis=0)
    last_low_row = w - 1 - np.argmax(lows_in[::-1], axis=0)
    last_low = lo[last_low_row, np.arange(n)]
    holds = ~((rows > last_low_row) & (lo < last_low)).any(axis=0)
    height = resistance - lowest
    mid = first + (w - first) // 2
    contraction = later_volume_ratio(v, first, mid, np.full(n, w - 1))
    touches = touch.sum(axis=0)
    rise = ratio(last_low - lowest, height)
    with np.errstate(invalid="ignore"):
        ok = has_touch & (w - 1 - first >= p.min_bars) & (touches >= p.min_touches) & (n_lows >= p.min_lows)
        ok &= rising & holds & (height >= p.min_height * resistance) & (rise >= p.min_rise)
    return {
        "ok": ok.astype(np.float64), "entry": resistance, "stop": last_low, "target": resistance + height,
        "start": (first - w).astype(np.float64),  # relative to the bar after e
        "touches": touches.astype(np.float64), "higher_lows": n_lows.astype(np.float64),
        "height_pct": 100.0 * ratio(height, resistance), "lows_rise_pct": 100.0 * rise,
        "span_bars": (w - 1 - first).astype(np.float64), "volume_contraction": contraction,
        "score_touches": (touches - 1) / 2.0, "score_lows": (n_lows - 1) / 2.0,
        "score_rise": rise / 0.6, "score_volume": contraction_score(contraction),
    }


WEIGHTS = {"score_touches": 0.35, "score_lows": 0.25, "score_rise": 0.2, "score_volume": 0.2}


def detect_ascending_triangle(bars: OHLCV, params: AscendingTriangleParams | None = None) -> PatternBatch:
    """Ascending triangles as of the last bar, for every symbol of ``bars``."""
    p = params or AscendingTriangleParams()
    h, lo, c, v = hlcv(bars)
    m, n = c.shape
    formed = m - 1  # bars before the current one
    widths = sorted(w for w in {min(w, formed) for w in p.windows} if w > p.min_bars)
    if not widths:
        return nothing(PatternType.ASCENDING_TRIANGLE, n, FEATURES)
    cut = slice(formed - widths[-1], formed)
    hh, ll, vv = h[cut], lo[cut], v[cut]
    swing_hi, swing_lo = pivot_mask(hh, p.swing_bars), pivot_mask(ll, p.swing_bars, lows=True)
    best: dict[str, FloatArray] | None = None
    best_score = np.full(n, -1.0)
    for width in widths:
        found = _one_window(hh, ll, vv, swing_hi, swing_lo, width, p)
        score = sum(wt * np.nan_to_num(np.clip(found[k], 0.0, 1.0)) for k, wt in WEIGHTS.items())
        score = np.where(found["ok"] > 0, score, -1.0)
        better = score > best_score
        best_score = np.where(better, score, best_score)
        best = found if best is None else {k: np.where(better, found[k], best[k]) for k in found}
    assert best is not None
    return finish(
        PatternType.ASCENDING_TRIANGLE, best["ok"] > 0, c[-1],
        entry=best["entry"], stop=best["stop"], target=best["target"],
        start=(formed + best["start"]).astype(np.int64),
        scores=[(wt, best[k]) for k, wt in WEIGHTS.items()],
        features={k: best[k] for k in FEATURES},
    )
