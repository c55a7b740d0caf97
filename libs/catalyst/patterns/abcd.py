"""ABCD (bullish measured move): leg up A→B, pullback to a higher low C, then D = C + AB.

Geometry (bars before the current one; ``e`` is the last of them):

- **B**: the highest high among bars ``e - bc_max_bars .. e - bc_min_bars``; no later bar
  may make a higher high.
- **A**: the lowest low of the ``ab_max_bars`` bars before B (the latest of equal lows);
  the AB leg spans at least ``ab_min_bars`` bars, B is its highest high, and it gains at
  least ``ab_min_gain`` (``high[B] / low[A] - 1``).
- **C**: the lowest low after B (``B+1 .. e``), followed by at least one higher bar before
  the current one (C is a swing low, not a falling knife), and above A.
- **Retracement** ``(high[B] - low[C]) / (high[B] - low[A])`` lies in
  ``[min_retrace, max_retrace]`` (the 0.382–0.786 Fibonacci band).

Levels: entry = ``high[B]`` (the CD leg confirms by taking out B), stop = ``low[C]``,
target = D = ``low[C] + (high[B] - low[A])``; support = C, resistance = B.

Confidence = 0.35·retracement (1 at 0.5–0.618, falling to 0 at the band's edges)
+ 0.25·leg (0 at ``ab_min_gain``, 1 at twice it) + 0.2·reward/risk ((target − entry) /
(entry − stop): 1 at 1.5 or more) + 0.2·volume (BC volume per bar vs AB's: 1 at half or less).
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
    rise_into,
    window_extreme,
)

FEATURES = ("ab_gain_pct", "ab_bars", "bc_retrace_pct", "bc_bars", "reward_risk", "volume_contraction")
GOLDEN = (0.5, 0.618)


@dataclass(frozen=True)
class AbcdParams:
    """Defaults suit one-minute bars; ``daily()`` suits daily bars."""

    ab_min_bars: int = 3
    ab_max_bars: int = 30
    ab_min_gain: float = 0.02
    bc_min_bars: int = 2
    bc_max_bars: int = 30
    min_retrace: float = 0.382
    max_retrace: float = 0.786

    @classmethod
    def daily(cls) -> AbcdParams:
        return cls(ab_min_bars=3, ab_max_bars=40, ab_min_gain=0.10, bc_min_bars=3, bc_max_bars=40)


def _retrace_score(retrace: np.ndarray, p: AbcdParams) -> np.ndarray:
    below = (retrace - p.min_retrace) / (GOLDEN[0] - p.min_retrace)
    above = (p.max_retrace - retrace) / (p.max_retrace - GOLDEN[1])
    return np.asarray(np.minimum(np.minimum(below, above), 1.0))


def detect_abcd(bars: OHLCV, params: AbcdParams | None = None) -> PatternBatch:
    """Bullish ABCD measured moves as of the last bar, for every symbol of ``bars``."""
    p = params or AbcdParams()
    h, lo, c, v = hlcv(bars)
    n = c.shape[1]
    b = peak_then_pause(h, lo, min_pause=p.bc_min_bars, max_pause=p.bc_max_bars, min_before=p.ab_min_bars)
    if b is None:
        return nothing(PatternType.ABCD, n, FEATURES)
    e, end = b.end, np.full(n, b.end)
    b_idx, b_high, ok, after_b_high, c_idx, c_low = b.idx, b.high, b.valid, b.pause_high, b.pause_low_idx, b.pause_low
    a_idx, a_low, leg_high = rise_into(h, lo, b_idx, p.ab_max_bars)
    _, after_c_high, _ = window_extreme(h, c_idx + 1, end)
    leg = b_high - a_low
    gain = ratio(leg, a_low)
    retrace = ratio(b_high - c_low, leg)
    target = c_low + leg
    reward_risk = ratio(target - b_high, b_high - c_low)
    contraction = later_volume_ratio(v, a_idx, b_idx + 1, end)
    c_high = h[c_idx, np.arange(n)]
    with np.errstate(invalid="ignore"):
        ok &= (after_b_high <= b_high) & (leg_high <= b_high) & (b_idx - a_idx >= p.ab_min_bars)
        ok &= gain >= p.ab_min_gain
        ok &= (c_idx < e) & (after_c_high > c_high) & (c_low > a_low)
        ok &= (retrace >= p.min_retrace) & (retrace <= p.max_retrace)
    return finish(
        PatternType.ABCD, ok, c[-1],
        entry=b_high, stop=c_low, target=target, start=a_idx,
        scores=[
            (0.35, _retrace_score(retrace, p)),
            (0.25, gain / p.ab_min_gain - 1.0),
            (0.2, reward_risk / 1.5),
            (0.2, contraction_score(contraction)),
        ],
        features={
            "ab_gain_pct": 100.0 * gain,
            "ab_bars": (b_idx - a_idx).astype(np.float64),
            "bc_retrace_pct": 100.0 * retrace,
            "bc_bars": (e - b_idx).astype(np.float64),
            "reward_risk": reward_risk,
            "volume_contraction": contraction,
        },
    )
