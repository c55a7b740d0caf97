"""One-minute bars synthesised from one daily bar, hitting its open, high, low, close and volume exactly.

The price path is a piecewise Brownian bridge through anchor points: the open at minute 0, the
close at minute 390, the day's low and high at drawn minutes (and, for an opening-range breakout,
the range high and the breakout minute). Each piece is folded (reflected) back into its bounds, so
no minute trades outside the day's range; rounding to the tick and clipping keep that exact.
Minute ``i`` opens at path point ``i`` and closes at point ``i + 1``, so the first open is the day's
open, the last close its close, and the extreme path points make max(high) == H, min(low) == L.

Volumes follow the usual U-shaped intraday profile (heavy open, lighter midday, heavier close;
front-loaded on news days), scaled by each minute's move, and are apportioned with the
largest-remainder rule so they are integers summing exactly to the day's volume.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Literal

import numpy as np
from numpy.random import Generator

from catalyst.bar_columns import F64, I64, NS_PER_S, BarColumns, to_ns
from catalyst.domain.calendar import SESSION_MINUTES, session_open
from catalyst.errors import InvalidInput


def session_minute_starts(day: date) -> I64:
    """Epoch nanoseconds of the 390 one-minute bar starts of ``day`` (09:30 … 15:59 New York)."""
    return to_ns(session_open(day)) + 60 * NS_PER_S * np.arange(SESSION_MINUTES, dtype=np.int64)


IntradayStyle = Literal["random", "trend_up", "fade", "orb"]
"""random: extremes anywhere; trend_up: low early, high late (a breakout day); fade: the high is
made in the first five minutes and never revisited; orb: a 30-minute opening range, then a
breakout above it on a burst of volume that runs into the close."""

OPENING_RANGE_MINUTES = 30
_N = SESSION_MINUTES


@dataclass(frozen=True)
class DayPlan:
    """Path points the bridge must pass through, and the price bounds of each piece between them."""

    anchors: tuple[tuple[int, float], ...]
    bounds: tuple[tuple[float, float], ...]  # one (lo, hi) per piece, len(anchors) - 1
    breakout_minute: int | None = None
    opening_range_high: float | None = None
    notes: dict[str, float] = field(default_factory=dict)


def check_daily_bar(o: float, h: float, lo: float, c: float, volume: float) -> None:
    """Raise InvalidInput unless the bar is a consistent OHLCV bar."""
    problems = []
    if not all(math.isfinite(x) for x in (o, h, lo, c, volume)):
        problems.append("non-finite value")
    elif lo <= 0:
        problems.append("low must be positive")
    elif h < max(o, c) or lo > min(o, c):
        problems.append("high/low do not contain open and close")
    elif volume < 0 or volume != int(volume):
        problems.append("volume must be a non-negative whole number")
    if problems:
        raise InvalidInput("inconsistent daily bar", code="INVALID_BAR",
                           details={"open": o, "high": h, "low": lo, "close": c, "volume": volume,
                                    "problem": problems[0]})


def plan_day(o: float, h: float, lo: float, c: float, style: IntradayStyle, rng: Generator,
             tick: float = 0.01) -> DayPlan:
    """Anchor points for ``style``; falls back to ``random`` when the bar cannot carry the style."""
    if style == "orb" and c > o and h > c and lo < o:
        return _plan_orb(o, h, lo, c, rng, tick)
    if style == "fade" and h > max(o, c):
        return _plan_fade(o, h, lo, c, rng, tick)
    if style == "trend_up":
        return _plan_extremes(o, h, lo, c, rng, tick, low_window=(1, 45), high_window=(300, _N - 1), lead_in=True)
    return _plan_extremes(o, h, lo, c, rng, tick, low_window=(1, _N - 1), high_window=(1, _N - 1))


def _plan_extremes(o: float, h: float, lo: float, c: float, rng: Generator, tick: float,
                   low_window: tuple[int, int], high_window: tuple[int, int], lead_in: bool = False) -> DayPlan:
    points: dict[int, float] = {0: o, _N: c}
    t_h = None
    if h > max(o, c):
        t_h = int(rng.integers(high_window[0], high_window[1] + 1))
        points[t_h] = h
    if lo < min(o, c):
        t_l = int(rng.integers(low_window[0], low_window[1] + 1))
        while t_l in points:
            t_l = t_l + 1 if t_l + 1 < _N else 1
        points[t_l] = lo
    if lead_in and t_h is not None:  # the run to the high starts in its last half hour or so
        t_m = t_h - int(rng.integers(20, 46))
        if t_m > max(t for t in points if t < t_h):
            points[t_m] = _snap(lo + float(rng.uniform(0.55, 0.8)) * (h - lo), tick, "nearest")
    anchors = tuple(sorted(points.items()))
    return DayPlan(anchors=anchors, bounds=_extreme_bounds(anchors, h, lo, tick))


def _extreme_bounds(anchors: tuple[tuple[int, float], ...], h: float, lo: float,
                    tick: float) -> tuple[tuple[float, float], ...]:
    """Only a piece ending (or starting) at the day's high may reach it, and likewise for the low:
    elsewhere the path stays a little inside, so the extremes fall where the plan put them."""
    gap = max(tick, _snap(0.05 * (h - lo), tick, "nearest"))
    out = []
    for (_, p0), (_, p1) in pairwise(anchors):
        hi_b = h if h in (p0, p1) else max(_snap(h - gap, tick, "nearest"), p0, p1)
        lo_b = lo if lo in (p0, p1) else min(_snap(lo + gap, tick, "nearest"), p0, p1)
        out.append((lo_b, hi_b))
    return tuple(out)


def _plan_fade(o: float, h: float, lo: float, c: float, rng: Generator, tick: float) -> DayPlan:
    t_h = int(rng.integers(1, 5))  # inside even a 5-minute opening range: no breakout above it later
    cap = max(max(c, o), _snap(max(c, o) + 0.5 * (h - max(c, o)), tick, "down"))  # the high is not revisited
    points: dict[int, float] = {0: o, t_h: h, _N: c}
    if lo < min(o, c):
        points[int(rng.integers(90, 381))] = lo
    anchors = tuple(sorted(points.items()))
    bounds = tuple((lo, h) if a[0] < t_h else (lo, cap) for a in anchors[:-1])
    return DayPlan(anchors=anchors, bounds=bounds)


def orb_range_high(o: float, c: float, tick: float) -> float:
    """The opening-range high an ``orb`` day is drawn with: above the open, well below the close."""
    return _snap(o + 0.35 * (c - o), tick, "nearest")


def _plan_orb(o: float, h: float, lo: float, c: float, rng: Generator, tick: float) -> DayPlan:
    orh = orb_range_high(o, c, tick)
    # the range high prints in the first 5 minutes and the low by the 15th, so 5-, 15- and 30-minute
    # opening ranges share the high and 15/30 share the low; the break comes 35-60 minutes in
    t_orh, t_l = int(rng.integers(1, 5)), int(rng.integers(5, 15))
    t_b = int(rng.integers(36, 61))
    t_h = int(rng.integers(340, _N))
    jump = 0.06 * (h - orh)
    floor = _snap(orh - 0.25 * (orh - lo), tick, "up")  # a breakout may retest the range, not fall into it
    before, after = _snap(orh - 0.1 * (orh - lo), tick, "nearest"), _snap(orh + jump, tick, "up")
    anchors = ((0, o), *sorted([(t_l, lo), (t_orh, orh)]), (t_b - 1, float(before)), (t_b, float(after)),
               (t_h, h), (_N, c))
    bounds = tuple((lo, orh) if a[0] < t_b else (floor, h) for a in anchors[:-1])
    return DayPlan(anchors=anchors, bounds=bounds, breakout_minute=t_b - 1, opening_range_high=orh)


def _fold(x: F64, lo: float, hi: float) -> F64:
    """Reflect ``x`` into ``[lo, hi]`` (a bridge that overshoots bounces off the bound)."""
    width = hi - lo
    if width <= 0:
        return np.full_like(x, lo)
    z = np.mod(x - lo, 2.0 * width)
    return lo + np.where(z > width, 2.0 * width - z, z)


def _path(plan: DayPlan, sigma: float, rng: Generator) -> tuple[F64, F64, F64]:
    """Path points 0..390 and, per point, the bounds of the piece it lies in."""
    path = np.empty(_N + 1)
    lo_b = np.empty(_N + 1)
    hi_b = np.empty(_N + 1)
    for (t0, p0), (t1, p1), (lo, hi) in zip(plan.anchors[:-1], plan.anchors[1:], plan.bounds, strict=True):
        n = t1 - t0
        walk = np.concatenate(([0.0], np.cumsum(rng.standard_normal(n) * sigma)))
        k = np.arange(n + 1) / n
        path[t0:t1 + 1] = _fold(p0 + (p1 - p0) * k + walk - k * walk[-1], lo, hi)
        lo_b[t0:t1] = lo
        hi_b[t0:t1] = hi
    lo_b[_N], hi_b[_N] = plan.bounds[-1]
    return path, lo_b, hi_b


def _snap(x: float, tick: float, mode: Literal["nearest", "up", "down"]) -> float:
    """``x`` on the tick grid, as the canonical float of its decimal (30.3, not 30.299999999999997)."""
    steps = x / tick
    k = round(steps) if mode == "nearest" else math.ceil(steps - 1e-9) if mode == "up" else math.floor(steps + 1e-9)
    return round(k * tick, 6)


def _round(x: F64, tick: float) -> F64:
    out: F64 = np.round(np.round(x / tick) * tick, 6)
    return out


def _volume_profile(minute_moves: F64, sigma: float, plan: DayPlan, news_day: bool, rng: Generator) -> F64:
    t = np.arange(_N, dtype=np.float64)
    open_weight, open_decay = (5.0, 50.0) if news_day else (2.5, 25.0)
    u_shape = 1.0 + open_weight * np.exp(-t / open_decay) + 1.8 * np.exp(-(_N - 1 - t) / 15.0)
    activity = 1.0 + 0.8 * np.minimum(minute_moves / max(sigma, 1e-12), 4.0)
    weights: F64 = u_shape * activity * np.exp(rng.normal(0.0, 0.35, _N))
    if plan.breakout_minute is not None:  # the break comes on a burst of volume
        weights[plan.breakout_minute] *= 6.0
        weights[plan.breakout_minute + 1:plan.breakout_minute + 5] *= 3.0
    return weights


def apportion(total: int, weights: F64) -> F64:
    """Integers proportional to ``weights`` that sum exactly to ``total`` (largest remainder)."""
    raw = total * weights / weights.sum()
    whole: F64 = np.floor(raw)
    short = int(total - whole.sum())
    if short > 0:
        whole[np.argsort(-(raw - whole), kind="stable")[:short]] += 1.0
    return whole


def synthesize_minutes(o: float, h: float, lo: float, c: float, volume: float, *, day: date,
                       rng: Generator, tick: float = 0.01, style: IntradayStyle = "random",
                       news_day: bool = False) -> tuple[BarColumns, DayPlan]:
    """390 one-minute bars of ``day`` whose open, high, low, close and volume are exactly the daily bar's."""
    check_daily_bar(o, h, lo, c, volume)
    ts = session_minute_starts(day)
    if h == lo:  # a day that never traded off one price
        flat = np.full(_N, o)
        vol = apportion(int(volume), np.ones(_N))
        return BarColumns(ts, flat, flat.copy(), flat.copy(), flat.copy(), vol), plan_day(o, h, lo, c, "random", rng)
    plan = plan_day(o, h, lo, c, style, rng, tick)
    sigma = 0.6 * (h - lo) / math.sqrt(_N)
    path, lo_b, hi_b = _path(plan, sigma, rng)
    path = np.clip(_round(path, tick), np.maximum(lo_b, lo), np.minimum(hi_b, h))
    for t, p in plan.anchors:
        path[t] = p
    opens, closes = path[:-1], path[1:]
    seg_lo, seg_hi = np.maximum(lo_b[:-1], lo), np.minimum(hi_b[:-1], h)
    body_hi, body_lo = np.maximum(opens, closes), np.minimum(opens, closes)
    highs = np.maximum(np.minimum(_round(body_hi + np.abs(rng.normal(0.0, 0.4 * sigma, _N)), tick), seg_hi), body_hi)
    lows = np.minimum(np.maximum(_round(body_lo - np.abs(rng.normal(0.0, 0.4 * sigma, _N)), tick), seg_lo), body_lo)
    moves = np.abs(closes - opens)
    vol = apportion(int(volume), _volume_profile(moves, sigma, plan, news_day, rng))
    return BarColumns(ts, opens.copy(), highs, lows, closes.copy(), vol), plan
