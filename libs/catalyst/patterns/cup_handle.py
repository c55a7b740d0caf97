"""Cup and handle: a rounded (U, not V) base between two similar highs, then a small pullback.

Geometry (bars before the current one; ``e`` is the last of them):

- **Right rim** ``R``: the highest high among bars ``e - handle_max_bars .. e - handle_min_bars``;
  no later bar may make a higher high. Bars ``R+1 .. e`` are the handle.
- **Left rim** ``L``: the highest high among bars ``R - cup_max_bars .. R - cup_min_bars``.
- **Cup bottom** ``B``: the lowest low strictly between ``L`` and ``R``. Cup height
  ``H = high[L] - low[B]``; depth ``H / high[L]`` lies in ``[min_depth, max_depth]``.
- No bar inside the cup rises above the higher rim, and the rims agree:
  ``|high[R] - high[L]| <= rim_tolerance · H``.
- **U, not V**: at least ``min_roundness`` of the cup's closes (``L .. R``) lie in the bottom
  third of the cup (``<= low[B] + H/3``). A V spends a third of its bars there, a parabola
  58%, a half circle 75%.
- **Handle**: its low stays in the cup's upper part,
  ``(high[R] - handle low) / H <= handle_max_retrace``.

Levels: entry = ``high[R]`` (the handle's high, O'Neil's pivot), stop = the handle's low,
target = entry + H; support = handle low, resistance = entry.

Confidence = 0.35·roundness (0 at ``min_roundness``, 1 at 0.75) + 0.2·rim match
(1 − mismatch / tolerance) + 0.25·handle (1 − retrace / ``handle_max_retrace``) + 0.2·volume
(handle volume per bar vs the cup's: 1 at half or less).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from catalyst.domain.patterns import PatternType
from catalyst.indicators.ohlcv import OHLCV
from catalyst.patterns.base import (
    PatternBatch,
    contraction_score,
    finish,
    hlcv,
    later_volume_ratio,
    nothing,
    peak_then_pause,
    ratio,
    window_block,
    window_extreme,
)

FEATURES = (
    "cup_depth_pct", "cup_bars", "roundness", "rim_mismatch_pct", "handle_bars",
    "handle_retrace_pct", "volume_contraction",
)


@dataclass(frozen=True)
class CupHandleParams:
    """Defaults suit one-minute bars; ``daily()`` suits daily bars (O'Neil's 7-65 weeks, 12-35 %)."""

    cup_min_bars: int = 20
    cup_max_bars: int = 150
    min_depth: float = 0.01
    max_depth: float = 0.10
    rim_tolerance: float = 0.25
    min_roundness: float = 0.45
    handle_min_bars: int = 3
    handle_max_bars: int = 25
    handle_max_retrace: float = 0.5

    @classmethod
    def daily(cls) -> CupHandleParams:
        return cls(cup_min_bars=35, cup_max_bars=325, min_depth=0.12, max_depth=0.35,
                   handle_min_bars=5, handle_max_bars=25)


def _roundness(c: np.ndarray, left: np.ndarray, right: np.ndarray, floor: np.ndarray) -> np.ndarray:
    """Share of closes from ``left`` to ``right`` (inclusive) at or below ``floor``."""
    block, mask, _ = window_block(c, left, right)
    low_zone = (mask & (block <= floor)).sum(axis=0)
    return np.asarray(low_zone / np.maximum(mask.sum(axis=0), 1), dtype=np.float64)


def detect_cup_and_handle(bars: OHLCV, params: CupHandleParams | None = None) -> PatternBatch:
    """Cups with handles as of the last bar, for every symbol of ``bars``."""
    p = params or CupHandleParams()
    h, lo, c, v = hlcv(bars)
    n = c.shape[1]
    r = peak_then_pause(h, lo, min_pause=p.handle_min_bars, max_pause=p.handle_max_bars, min_before=p.cup_min_bars)
    if r is None:
        return nothing(PatternType.CUP_AND_HANDLE, n, FEATURES)
    e = r.end
    right, right_high, ok, handle_high, handle_low = r.idx, r.high, r.valid, r.pause_high, r.pause_low
    left, left_high, _ = window_extreme(h, np.maximum(right - p.cup_max_bars, 0), right - p.cup_min_bars)
    _, inner_high, _ = window_extreme(h, left + 1, right - 1)
    _, bottom_low, _ = window_extreme(lo, left + 1, right - 1, lowest=True)
    height = left_high - bottom_low
    depth = ratio(height, left_high)
    mismatch = ratio(np.abs(right_high - left_high), height)
    roundness = _roundness(c, left, right, bottom_low + height / 3.0)
    handle_retrace = ratio(right_high - handle_low, height)
    contraction = later_volume_ratio(v, left, right + 1, np.full(n, e))
    with np.errstate(invalid="ignore"):
        ok &= (handle_high <= right_high) & (inner_high <= np.maximum(left_high, right_high))
        ok &= (depth >= p.min_depth) & (depth <= p.max_depth) & (mismatch <= p.rim_tolerance)
        ok &= (roundness >= p.min_roundness) & (handle_retrace <= p.handle_max_retrace)
    return finish(
        PatternType.CUP_AND_HANDLE, ok, c[-1],
        entry=right_high, stop=handle_low, target=right_high + height, start=left,
        scores=[
            (0.35, (roundness - p.min_roundness) / (0.75 - p.min_roundness)),
            (0.2, 1.0 - mismatch / p.rim_tolerance),
            (0.25, 1.0 - handle_retrace / p.handle_max_retrace),
            (0.2, contraction_score(contraction)),
        ],
        features={
            "cup_depth_pct": 100.0 * depth,
            "cup_bars": (right - left).astype(np.float64),
            "roundness": roundness,
            "rim_mismatch_pct": 100.0 * mismatch,
            "handle_bars": (e - right).astype(np.float64),
            "handle_retrace_pct": 100.0 * handle_retrace,
            "volume_contraction": contraction,
        },
    )


__all__ = ["CupHandleParams", "detect_cup_and_handle"]
