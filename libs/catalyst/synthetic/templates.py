"""Daily chart-pattern templates for planted setups, and the textbook geometry every draw must show.

A template is a list of key points (day offset, log level) the closes pass through, with pinned
Brownian-bridge noise between them, plus volume multipliers (heavy on the pole, dry in the flag …).
The planted day (offset ``length``) is the breakout; the structure is built from the days before it.

``score_*`` read a pattern from daily bars as of day ``r`` (the current bar; structure from the bars
before it) with the textbook features and weights the Pattern service also uses (pole gain, flag
retrace and volume dry-up; cup roundness, rim match, handle depth; triangle touches, rising lows;
ABCD retracement in the 0.5-0.618 band, leg size, reward/risk), 0 when the geometry is not there.
A planted pattern is kept only if it scores well above the scanner's 0.7 bar, and a setup planted
*without* a pattern only if no daily pattern scores near it, so stage 4 of the funnel is a fact of
the data rather than a hope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.random import Generator
from numpy.typing import NDArray

from catalyst.bar_columns import F64

PLANTED_MIN_SCORE = 0.78  # a planted pattern reads clearly above the scanner's 0.7
UNPATTERNED_MAX_SCORE = 0.6  # a setup planted without one reads clearly below it


@dataclass
class Template:
    length: int  # offset of the planted day from the window's first day
    points: list[tuple[int, float]]  # (offset, log level); the path is shifted to start at the window
    noise: float  # day-to-day noise inside the window, as a share of the symbol's volatility
    rounded: frozenset[int] = frozenset()  # segments starting here are cosine-eased (a U, not a V)
    segment_noise: dict[int, float] = field(default_factory=dict)  # noise of the segment starting here
    chop: float = 0.0  # every other day dips this far (share of volatility) between key points
    volume_mult: dict[tuple[int, int], float] = field(default_factory=dict)  # [from, to) offsets
    history_rise: float | None = None  # history climbs this much (log) into the window
    resistance_from: int | None = None  # the breakout clears the highest high from this offset on
    touches: tuple[int, ...] = ()  # ascending triangle: days that touch the flat top
    lows: tuple[int, ...] = ()  # ascending triangle: its rising swing lows


def _u(rng: Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


def bull_flag(rng: Generator) -> Template:
    """A 5-day pole of about +20% on heavy volume, then a choppy 20-day drift of 2.5-3.5% on dry volume."""
    pole, flag = _u(rng, 0.17, 0.21), _u(rng, 0.025, 0.035)
    return Template(40, [(0, 0.03), (14, 0.0), (19, pole), (37, pole - flag), (39, pole - flag + 0.008)],
                    noise=0.45, chop=0.45, volume_mult={(14, 20): 2.0, (20, 40): 0.55}, resistance_from=14)


def cup_and_handle(rng: Generator) -> Template:
    """A rim, a rounded 18-24% base held for a month, a matching rim, a shallow four-week handle."""
    depth, handle, mismatch = _u(rng, 0.18, 0.24), _u(rng, 0.015, 0.025), _u(rng, 0.0, 0.008)
    return Template(70, [(0, -0.10), (10, 0.0), (16, -depth), (42, -depth + 0.01), (50, -mismatch),
                         (62, -mismatch - handle), (69, -mismatch - handle + 0.006)],
                    noise=0.35, chop=0.4, segment_noise={50: 0.4, 62: 0.4}, rounded=frozenset({10, 42}),
                    history_rise=0.4, volume_mult={(10, 51): 0.9, (51, 70): 0.42}, resistance_from=10)


def ascending_triangle(rng: Generator) -> Template:
    """Three touches of a flat top ten days apart over three rising lows, volume drying up."""
    h = _u(rng, 0.08, 0.10)
    return Template(40, [(0, -0.06), (8, 0.0), (13, -h), (18, 0.0), (23, -0.55 * h), (28, 0.0),
                         (33, -0.28 * h), (38, -0.012), (39, -0.01)],
                    noise=0.2, volume_mult={(8, 24): 1.15, (24, 40): 0.5},
                    touches=(8, 18, 28), lows=(13, 23, 33))


def abcd(rng: Generator) -> Template:
    """A low A, a 16-20% leg to B, a 50-60% pullback to C, and the CD leg back up to B."""
    ab, retrace = _u(rng, 0.16, 0.20), _u(rng, 0.5, 0.6)
    return Template(45, [(0, 0.05), (20, 0.0), (27, ab), (35, ab - retrace * ab), (44, ab - 0.015)],
                    noise=0.4, segment_noise={35: 0.7}, chop=0.5, history_rise=-0.1,
                    volume_mult={(20, 28): 1.6, (28, 45): 0.6},
                    resistance_from=27)


def plain_trend(rng: Generator) -> Template:
    """A steady, unremarkable climb of 3-6% a month (trend setups, ORB days, thin-volume names)."""
    return Template(30, [(0, 0.0), (29, _u(rng, 0.03, 0.06))], noise=0.6)


def decline(rng: Generator) -> Template:
    return Template(30, [(0, 0.0), (29, -_u(rng, 0.10, 0.14))], noise=0.8)


def run_up(rng: Generator) -> Template:
    return Template(30, [(0, 0.0), (18, 0.02), (29, 0.02 + _u(rng, 0.16, 0.22))], noise=0.3)


def through(tpl: Template, sigma: float, rng: Generator) -> F64:
    """Log levels through the key points, linear or cosine-eased, Brownian-bridge noise pinned at each;
    the path starts at 0."""
    points = tpl.points
    out = np.empty(points[-1][0] + 1)
    for (t0, y0), (t1, y1) in pairwise(points):
        k = np.arange(t1 - t0 + 1) / (t1 - t0)
        ease = (1 - np.cos(np.pi * k)) / 2 if t0 in tpl.rounded else k
        noise = tpl.segment_noise.get(t0, tpl.noise) * sigma
        walk = np.concatenate(([0.0], np.cumsum(rng.normal(0.0, noise, t1 - t0))))
        out[t0:t1 + 1] = y0 + (y1 - y0) * ease + walk - k * walk[-1]
    if tpl.chop:  # down days between up days: real charts chop, and it keeps RSI off its extremes
        dips = -2.0 * tpl.chop * sigma * (np.arange(len(out)) % 2)
        dips[[t for t, _ in points]] = 0.0  # key points stay where they are
        out += dips
    return out - points[0][1]


# ---------------------------------------------------------------------------- reading patterns

def _clip(x: float) -> float:
    return float(min(max(x, 0.0), 1.0)) if np.isfinite(x) else 0.0


def _dry_up(later: F64, earlier: F64) -> float:
    """1 when volume per bar fell to half or less, 0 when it did not fall."""
    return _clip((1.0 - float(later.mean()) / float(earlier.mean())) / 0.5)


def _latest_min(x: F64) -> int:
    return int(len(x) - 1 - np.argmin(x[::-1]))


def pivots(x: F64, k: int = 3, *, lows: bool = False) -> NDArray[np.int64]:
    """Indices of swing highs (lows): more extreme than the ``k`` bars before, at least as the ``k`` after."""
    if len(x) < 2 * k + 1:
        return np.empty(0, dtype=np.int64)
    w = sliding_window_view(-x if lows else x, 2 * k + 1)
    centre = w[:, k]
    mask = (centre > w[:, :k].max(axis=1)) & (centre >= w[:, k + 1:].max(axis=1))
    return np.flatnonzero(mask).astype(np.int64) + k


def score_bull_flag(h: F64, lo: F64, v: F64, r: int) -> float:
    e = r - 1
    top = e - 20 + int(np.argmax(h[e - 20:e - 2]))
    if h[top + 1:r].max() > h[top]:
        return 0.0
    bottom = top - 20 + _latest_min(lo[top - 20:top])
    height = h[top] - lo[bottom]
    gain, retrace = height / lo[bottom], (h[top] - lo[top + 1:r].min()) / height
    if top - bottom < 3 or gain < 0.10 or retrace > 0.5:
        return 0.0
    return 0.4 * _clip(gain / 0.1 - 1) + 0.3 * _clip(1 - retrace / 0.5) + 0.3 * _dry_up(v[top + 1:r], v[bottom:top + 1])


def score_cup_and_handle(h: F64, lo: F64, c: F64, v: F64, r: int) -> float:
    e = r - 1
    right = e - 25 + int(np.argmax(h[e - 25:e - 4]))
    if right - 35 < 0 or h[right + 1:r].max() > h[right]:
        return 0.0
    left = int(np.argmax(h[:right - 34]))
    bottom = float(lo[left + 1:right].min())
    height = h[left] - bottom
    depth, mismatch = height / h[left], abs(h[right] - h[left]) / height
    roundness = float(np.mean(c[left:right + 1] <= bottom + height / 3))
    handle = (h[right] - lo[right + 1:r].min()) / height
    if (h[left + 1:right].max() > max(h[left], h[right]) or not 0.12 <= depth <= 0.35 or mismatch > 0.25
            or roundness < 0.45 or handle > 0.5):
        return 0.0
    return (0.35 * _clip((roundness - 0.45) / 0.3) + 0.2 * _clip(1 - mismatch / 0.25)
            + 0.25 * _clip(1 - handle / 0.5) + 0.2 * _dry_up(v[right + 1:r], v[left:right + 1]))


def score_ascending_triangle(h: F64, lo: F64, v: F64, r: int, width: int = 40) -> float:
    first_bar = r - width
    top = float(h[first_bar:r].max())
    highs = pivots(h[:r])
    touches = highs[(highs >= first_bar) & (h[highs] >= top * 0.99)]
    if len(touches) < 2 or r - 1 - touches[0] < 15:
        return 0.0
    start = int(touches[0])
    swing = pivots(lo[:r], lows=True)
    swing = swing[swing >= start]
    if len(swing) < 2 or np.any(np.diff(lo[swing]) <= 0) or lo[swing[-1] + 1:r].min(initial=np.inf) < lo[swing[-1]]:
        return 0.0
    lowest = float(lo[start:r].min())
    height = top - lowest
    rise = (lo[swing[-1]] - lowest) / height
    if height < 0.04 * top or rise < 0.25:
        return 0.0
    mid = start + (r - start) // 2
    return (0.35 * _clip((len(touches) - 1) / 2) + 0.25 * _clip((len(swing) - 1) / 2) + 0.2 * _clip(rise / 0.6)
            + 0.2 * _dry_up(v[mid:r], v[start:mid]))


def score_abcd(h: F64, lo: F64, v: F64, r: int) -> float:
    e = r - 1
    b = e - 40 + int(np.argmax(h[e - 40:e - 2]))
    if h[b + 1:r].max() > h[b] or b - 40 < 0:
        return 0.0
    a = b - 40 + _latest_min(lo[b - 40:b])
    c = b + 1 + _latest_min(lo[b + 1:r])
    leg = h[b] - lo[a]
    gain, retrace = leg / lo[a], (h[b] - lo[c]) / leg
    if (b - a < 3 or gain < 0.10 or c >= e or h[c + 1:r].max() <= h[c] or lo[c] <= lo[a]
            or not 0.382 <= retrace <= 0.786):
        return 0.0
    band = min((retrace - 0.382) / (0.5 - 0.382), (0.786 - retrace) / (0.786 - 0.618), 1.0)
    reward_risk = (lo[c] + leg - h[b]) / (h[b] - lo[c])
    return (0.35 * _clip(band) + 0.25 * _clip(gain / 0.1 - 1) + 0.2 * _clip(reward_risk / 1.5)
            + 0.2 * _dry_up(v[b + 1:r], v[a:b + 1]))


def daily_pattern_scores(h: F64, lo: F64, c: F64, v: F64, r: int) -> dict[str, float]:
    """Every daily pattern's score as of bar ``r``."""
    return {
        "bull_flag": score_bull_flag(h, lo, v, r),
        "cup_and_handle": score_cup_and_handle(h, lo, c, v, r),
        "ascending_triangle": score_ascending_triangle(h, lo, v, r),
        "abcd": score_abcd(h, lo, v, r),
    }
