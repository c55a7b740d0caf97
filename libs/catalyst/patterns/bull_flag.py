"""Bull flag: a fast, strong rise (the pole) then a short, shallow pause (the flag).

Geometry (bars before the current one; ``e`` is the last of them):

- **Pole top** ``T``: the highest high among bars ``e - flag_max_bars .. e - flag_min_bars``;
  no flag bar (``T+1 .. e``) may make a higher high. The flag therefore has
  ``flag_min_bars .. flag_max_bars`` bars.
- **Pole bottom** ``B``: the lowest low of the ``pole_max_bars`` bars before ``T`` (the latest
  of equal lows, where the run starts); the
  pole must span at least ``pole_min_bars`` bars (``T - B``), and ``T`` is its highest high.
- **Pole gain** ``high[T] / low[B] - 1 >= pole_min_gain`` (a weak pole is no flag).
- **Flag retrace** ``(high[T] - min low of the flag) / (high[T] - low[B]) <= flag_max_retrace``.

Levels: entry = the flag's high (breakout over it), stop = the flag's low,
target = entry + pole height (``high[T] - low[B]``); support = flag low, resistance = flag high.

Confidence = 0.4·pole (0 at ``pole_min_gain``, 1 at twice it) + 0.3·retrace (1 − retrace /
``flag_max_retrace``) + 0.3·volume (1 when flag volume per bar is half the pole's or less,
0 when not lower).
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
)

FEATURES = ("pole_gain_pct", "pole_bars", "pole_height", "flag_bars", "flag_retrace_pct", "volume_contraction")


@dataclass(frozen=True)
class BullFlagParams:
    """Defaults suit one-minute bars; ``daily()`` suits daily bars."""

    pole_min_bars: int = 3
    pole_max_bars: int = 15
    pole_min_gain: float = 0.02
    flag_min_bars: int = 2
    flag_max_bars: int = 15
    flag_max_retrace: float = 0.5

    @classmethod
    def daily(cls) -> BullFlagParams:
        return cls(pole_min_bars=3, pole_max_bars=20, pole_min_gain=0.10, flag_min_bars=3, flag_max_bars=20)


def detect_bull_flag(bars: OHLCV, params: BullFlagParams | None = None) -> PatternBatch:
    """Bull flags as of the last bar, for every symbol of ``bars``."""
    p = params or BullFlagParams()
    h, lo, c, v = hlcv(bars)
    n = c.shape[1]
    t = peak_then_pause(h, lo, min_pause=p.flag_min_bars, max_pause=p.flag_max_bars, min_before=p.pole_min_bars)
    if t is None:
        return nothing(PatternType.BULL_FLAG, n, FEATURES)
    e = t.end
    top, top_high, ok, flag_high, flag_low = t.idx, t.high, t.valid, t.pause_high, t.pause_low
    bottom, bottom_low, pole_high = rise_into(h, lo, top, p.pole_max_bars)
    height = top_high - bottom_low
    gain = ratio(height, bottom_low)
    retrace = ratio(top_high - flag_low, height)
    contraction = later_volume_ratio(v, bottom, top + 1, np.full(n, e))
    pole_bars = top - bottom
    with np.errstate(invalid="ignore"):
        ok &= (flag_high <= top_high) & (pole_high <= top_high) & (pole_bars >= p.pole_min_bars)
        ok &= (gain >= p.pole_min_gain) & (retrace <= p.flag_max_retrace)
    return finish(
        PatternType.BULL_FLAG, ok, c[-1],
        entry=flag_high, stop=flag_low, target=flag_high + height, start=bottom,
        scores=[
            (0.4, gain / p.pole_min_gain - 1.0),
            (0.3, 1.0 - retrace / p.flag_max_retrace),
            (0.3, contraction_score(contraction)),
        ],
        features={
            "pole_gain_pct": 100.0 * gain,
            "pole_bars": pole_bars.astype(np.float64),
            "pole_height": height,
            "flag_bars": (e - top).astype(np.float64),
            "flag_retrace_pct": 100.0 * retrace,
            "volume_contraction": contraction,
        },
    )


__all__ = ["BullFlagParams", "detect_bull_flag"]
