"""Daily price/volume paths for the synthetic universe, with setups planted on a chosen day.

A path is a geometric random walk, except in a window before the planted day where it follows a
template through key points (a bull flag's pole and flag, a cup's rounded base and handle, an
ascending triangle's flat top and rising lows, an ABCD's legs), with Brownian-bridge noise pinned
at those points. The planted day's bar is then set by the role: a breakout on heavy volume for a
setup, a bounce that stays under the 20-day average, an overbought gap, a move on thin volume …

Each draw is checked against the scanner's stage-3 thresholds (price vs SMA20, RSI(14) computed
with TA-Lib on the whole history, volume vs its 20-day average), with margins wide enough that
the outcome does not depend on how much history a consumer loads or at which minute of the day
it reads the price: RSI is checked at the day's close, high and low. A draw that misses is
rejected and the caller draws again from the next derived seed, so results stay deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise
from typing import Literal

import numpy as np
import talib
from numpy.random import Generator

from catalyst.market_data.frame import F64
from catalyst.market_data.intraday import IntradayStyle

PatternName = Literal["bull_flag", "cup_and_handle", "ascending_triangle", "abcd", "opening_range_breakout"]
PATTERNS: tuple[PatternName, ...] = ("bull_flag", "cup_and_handle", "ascending_triangle", "abcd",
                                     "opening_range_breakout")
DAILY_PATTERNS = frozenset({"bull_flag", "cup_and_handle", "ascending_triangle", "abcd"})

MIN_LIQUID_PRICE = 6.0  # every liquid symbol's low stays above this (stage 1 needs > $5)
MIN_LIQUID_VOLUME = 1_100_000  # … and every day's volume above this (stage 1 needs > 1M)
PENNY_MAX_PRICE = 4.60
ILLIQUID_MAX_VOLUME = 900_000


class Role(StrEnum):
    """Why a symbol is in the day's news, and where the scanner's funnel should drop it."""

    TOP_SETUP = "top_setup"  # strong catalyst, passes technicals, clean pattern: a top-5 pick
    PATTERN_SETUP = "pattern_setup"  # catalyst, technicals and pattern, ranked below the top 5
    TREND_SETUP = "trend_setup"  # catalyst and technicals, no pattern (drops at stage 4)
    BELOW_SMA = "below_sma20"  # catalyst, but price stays under its 20-day average (stage 3)
    OVERBOUGHT = "overbought"  # catalyst, but RSI(14) above 70 all day (stage 3)
    THIN_VOLUME = "thin_volume"  # catalyst, but volume under 1.5x its average (stage 3)
    BEARISH = "bearish"  # strong but negative catalyst (stage 2)
    NOISE = "noise"  # minor news only (stage 2)
    PENNY = "penny"  # news, but price under $5 (stage 1)
    ILLIQUID = "illiquid"  # news, but volume under 1M a day (stage 1)


SHAPED_ROLES = frozenset({Role.TOP_SETUP, Role.PATTERN_SETUP, Role.TREND_SETUP, Role.BELOW_SMA,
                          Role.OVERBOUGHT, Role.THIN_VOLUME})
PASSES_TECHNICALS = frozenset({Role.TOP_SETUP, Role.PATTERN_SETUP, Role.TREND_SETUP})

Kind = Literal["liquid", "penny", "illiquid"]


@dataclass(frozen=True)
class SeriesSpec:
    """What to draw for one synthetic symbol."""

    start_price: float
    sigma: float  # daily log-return volatility
    avg_volume: float
    kind: Kind = "liquid"
    role: Role | None = None
    role_index: int = -1  # index of the planted day in the trading calendar
    pattern: PatternName | None = None
    volume_ratio: float = 1.0  # planted day's volume over its prior 20-day average
    takeover: bool = False  # an overbought gap on a cash takeover bid


@dataclass
class DailySeries:
    open: F64
    high: F64
    low: F64
    close: F64
    volume: F64
    style: IntradayStyle = "random"  # intraday shape of the planted day
    levels: dict[str, float] = field(default_factory=dict)  # the pattern's key prices


# ---------------------------------------------------------------------------- paths


def _walk(n: int, sigma: float, drift: float, rng: Generator) -> F64:
    """Cumulative log returns of ``n`` days, starting at 0."""
    steps = rng.normal(drift, sigma, n)
    return np.concatenate(([0.0], np.cumsum(steps)))[:n]


def _through(points: list[tuple[int, float]], noise: float, rng: Generator,
             rounded: frozenset[int] = frozenset()) -> F64:
    """Log levels through key ``points`` (offset, level), linear or cosine-eased for segments
    starting at an offset in ``rounded``, with Brownian-bridge noise pinned at every point."""
    out = np.empty(points[-1][0] + 1)
    for (t0, y0), (t1, y1) in pairwise(points):
        k = np.arange(t1 - t0 + 1) / (t1 - t0)
        ease = (1 - np.cos(np.pi * k)) / 2 if t0 in rounded else k
        walk = np.concatenate(([0.0], np.cumsum(rng.normal(0.0, noise, t1 - t0))))
        out[t0:t1 + 1] = y0 + (y1 - y0) * ease + walk - k * walk[-1]
    return out


# Day-to-day noise inside a template, as a share of the symbol's volatility: enough chop that RSI
# stays in the 40-70 band through a pattern, as it does on real charts; little for a straight run.
_NOISE = {Role.TOP_SETUP: 0.7, Role.OVERBOUGHT: 0.3}


def _u(rng: Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


@dataclass
class _Template:
    length: int  # offset of the planted day from the window's first day
    points: list[tuple[int, float]]
    rounded: frozenset[int] = frozenset()
    volume_mult: dict[tuple[int, int], float] = field(default_factory=dict)  # [from, to) offsets
    resistance_from: int | None = None  # breakout must clear the highest high from this offset
    triangle_touches: tuple[int, ...] = ()


def _template(spec: SeriesSpec, rng: Generator) -> _Template:
    role, pattern = spec.role, spec.pattern
    if pattern == "bull_flag":
        a, pole, flag = _u(rng, 0.02, 0.04), _u(rng, 0.09, 0.12), _u(rng, 0.04, 0.06)
        return _Template(40, [(0, 0.0), (24, a), (29, a + pole), (38, a + pole - flag), (39, a + pole - flag + 0.015)],
                         volume_mult={(25, 30): 1.8, (30, 40): 0.65}, resistance_from=24)
    if pattern == "cup_and_handle":
        rim, depth, handle = _u(rng, 0.04, 0.07), _u(rng, 0.12, 0.16), _u(rng, 0.04, 0.055)
        right = rim - _u(rng, 0.0, 0.01)
        return _Template(60, [(0, 0.0), (10, rim), (28, rim - depth), (46, right), (55, right - handle),
                              (59, right - handle + 0.015)],
                         rounded=frozenset({10, 28}), volume_mult={(18, 38): 0.8, (47, 60): 0.7},
                         resistance_from=10)
    if pattern == "ascending_triangle":
        top = _u(rng, 0.05, 0.08)
        return _Template(40, [(0, 0.0), (14, top), (19, top - 0.08), (25, top), (29, top - 0.055), (34, top),
                              (37, top - 0.03), (39, top - 0.012)],
                         volume_mult={(14, 40): 0.85}, resistance_from=14, triangle_touches=(14, 25, 34))
    if pattern == "abcd":
        ab, retrace = _u(rng, 0.09, 0.12), _u(rng, 0.5, 0.618)
        b = -0.02 + ab
        return _Template(32, [(0, 0.0), (12, -0.02), (19, b), (27, b - retrace * ab), (31, b - 0.01)],
                         volume_mult={(13, 20): 1.4, (20, 28): 0.8}, resistance_from=18)
    if role is Role.BELOW_SMA:
        return _Template(30, [(0, 0.0), (29, -_u(rng, 0.10, 0.14))])
    if role is Role.OVERBOUGHT:
        return _Template(30, [(0, 0.0), (18, 0.02), (29, 0.02 + _u(rng, 0.16, 0.22))])
    return _Template(30, [(0, 0.0), (29, _u(rng, 0.06, 0.10))])  # trend, ORB and thin-volume setups


# ---------------------------------------------------------------------------- bars


def _bars_from_closes(logs: F64, sigma: float, rng: Generator) -> tuple[F64, F64, F64, F64]:
    close = np.exp(logs)
    n = len(close)
    open_ = np.empty(n)
    open_[0] = close[0] * np.exp(rng.normal(0.0, 0.25 * sigma))
    open_[1:] = close[:-1] * np.exp(rng.normal(0.0, 0.25 * sigma, n - 1))
    top = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0.0, 0.45 * sigma, n)))
    bottom = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0.0, 0.45 * sigma, n)))
    return open_, top, bottom, close


def _cents(o: F64, h: F64, lo: F64, c: F64) -> tuple[F64, F64, F64, F64]:
    o, c = np.round(o, 2), np.round(c, 2)
    h = np.maximum(np.round(h, 2), np.maximum(o, c))
    lo = np.minimum(np.round(lo, 2), np.minimum(o, c))
    return o, h, lo, c


def _planted_bar(spec: SeriesSpec, prev_close: float, breakout: float, rng: Generator
                 ) -> tuple[float, float, float, float, IntradayStyle]:
    """Open, high, low, close and intraday style of the planted day."""
    p, u = prev_close, _u
    if spec.pattern in DAILY_PATTERNS:
        c = breakout * (1 + u(rng, 0.004, 0.009))
        o = p * (1 + u(rng, 0.002, 0.008))
        return o, c * (1 + u(rng, 0.001, 0.004)), min(o, p) * (1 - u(rng, 0.002, 0.006)), c, "trend_up"
    if spec.pattern == "opening_range_breakout":
        o = p * (1 + u(rng, 0.003, 0.008))
        h = o * (1 + u(rng, 0.024, 0.032))
        return o, h, o * (1 - u(rng, 0.004, 0.008)), h * (1 - u(rng, 0.002, 0.004)), "orb"
    if spec.role is Role.OVERBOUGHT:
        if spec.takeover:
            o = p * (1 + u(rng, 0.16, 0.24))
            c = o * (1 + u(rng, -0.003, 0.003))
        else:
            o, c = p * (1 + u(rng, 0.015, 0.03)), p * (1 + u(rng, 0.035, 0.05))
        return o, max(o, c) * 1.004, min(o, c) * 0.996, c, "random"
    if spec.role is Role.BEARISH:
        o = p * (1 - u(rng, 0.04, 0.09))
        c = o * (1 + u(rng, -0.02, 0.01))
        return o, max(o, c) * (1 + u(rng, 0.002, 0.006)), min(o, c) * (1 - u(rng, 0.004, 0.01)), c, "random"
    if spec.role is Role.THIN_VOLUME:
        o, c = p * (1 + u(rng, 0.0, 0.006)), p * (1 + u(rng, 0.004, 0.012))
        return o, max(o, c) * (1 + u(rng, 0.002, 0.006)), min(o, c) * (1 - u(rng, 0.002, 0.006)), c, "random"
    if spec.role is Role.BELOW_SMA:
        o, c = p * (1 + u(rng, 0.005, 0.012)), p * (1 + u(rng, 0.012, 0.025))
        return o, max(o, c) * (1 + u(rng, 0.003, 0.008)), min(o, c) * (1 - u(rng, 0.003, 0.01)), c, "random"
    # a trend setup: gap up, the high in the first half hour, holds most of the gain
    o, c = p * (1 + u(rng, 0.008, 0.015)), p * (1 + u(rng, 0.015, 0.028))
    return o, max(o, c) * (1 + u(rng, 0.008, 0.015)), min(o, c) * (1 - u(rng, 0.003, 0.008)), c, "fade"


def _volumes(spec: SeriesSpec, n: int, tpl: _Template | None, w0: int, rng: Generator) -> F64:
    mult = np.clip(np.exp(rng.normal(0.0, 0.22, n)), 0.6, 1.7)
    if tpl is not None:
        for (a, b), m in tpl.volume_mult.items():
            mult[w0 + a:w0 + b] *= m
    vol = spec.avg_volume * mult
    if spec.kind == "illiquid":
        vol = np.minimum(vol, ILLIQUID_MAX_VOLUME * (1 - 0.1 * rng.random(n)))
    elif spec.kind == "liquid":
        floor = MIN_LIQUID_VOLUME * (1.02 + 0.1 * rng.random(n))
        vol = np.where(vol < floor, floor, vol)
    if spec.role is not None and spec.role_index >= 20:
        r = spec.role_index
        vol[r] = spec.volume_ratio * vol[r - 20:r].mean()
    return np.round(vol, -2)


# ---------------------------------------------------------------------------- checks


def _rsi_at(close: F64, r: int, price: float) -> float:
    c = close[:r + 1].copy()
    c[r] = price
    return float(talib.RSI(c, timeperiod=14)[r])


def _stage3_ok(role: Role, s: DailySeries, r: int) -> bool:
    c = s.close
    sma_incl, sma_prev = c[r - 19:r + 1].mean(), c[r - 20:r].mean()
    vr_prev, vr_incl = s.volume[r] / s.volume[r - 20:r].mean(), s.volume[r] / s.volume[r - 19:r + 1].mean()
    rsi_c, rsi_h, rsi_l = (_rsi_at(c, r, x) for x in (c[r], s.high[r], s.low[r]))
    rsi_band = 45 <= rsi_c <= 66.5 and rsi_h <= 68.5 and rsi_l >= 42
    above = c[r] > 1.015 * max(sma_incl, sma_prev)
    if role in PASSES_TECHNICALS:
        return above and rsi_band and vr_incl >= 1.9
    if role is Role.BELOW_SMA:
        return bool(s.high[r] < 0.99 * min(sma_incl, sma_prev)) and vr_incl >= 1.9
    if role is Role.OVERBOUGHT:
        return rsi_l >= 73 and c[r] > sma_incl and vr_incl >= 1.9
    if role is Role.THIN_VOLUME:
        return above and rsi_band and vr_prev <= 1.2 and vr_incl <= 1.2
    return True


def _kind_ok(spec: SeriesSpec, s: DailySeries) -> bool:
    if spec.kind == "penny":
        return bool(s.high.max() <= PENNY_MAX_PRICE and s.low.min() >= 0.8)
    return bool(s.low.min() >= MIN_LIQUID_PRICE)


# ---------------------------------------------------------------------------- assembly


def _levels(pattern: PatternName, s: DailySeries, w0: int, r: int, resistance: float) -> dict[str, float]:
    """Key prices of a daily pattern, as a detector would read them (offsets are the template's)."""
    levels = {"breakout": round(resistance, 2)}
    if pattern == "abcd":  # A low, B high, C higher low; the CD leg targets C + (B - A)
        a, b, c = float(s.low[w0 + 12]), float(s.high[w0 + 19]), float(s.low[w0 + 27])
        levels.update(a=a, b=b, c=c, target=round(c + (b - a), 2))
    elif pattern == "ascending_triangle":
        levels.update(first_low=float(s.low[w0 + 19]), last_low=float(s.low[w0 + 37]))
    elif pattern == "bull_flag":
        levels.update(pole_start=float(s.close[w0 + 24]), flag_low=float(s.low[w0 + 30:r].min()))
    elif pattern == "cup_and_handle":
        levels.update(cup_low=float(s.low[w0 + 20:w0 + 38].min()), handle_low=float(s.low[w0 + 47:r].min()))
    return levels


def _resistance(tpl: _Template, bars: tuple[F64, F64, F64, F64], w0: int, r: int, log_start: float) -> float:
    """The level the planted day must clear; an ascending triangle's highs are flattened onto it."""
    o, h, lo, c = bars
    if tpl.triangle_touches:  # a flat top: nothing trades above it until the breakout
        cap = float(np.round(np.exp(log_start + tpl.points[1][1]) * 1.001, 2))
        top = w0 + tpl.points[1][0]
        o[top:r] = np.minimum(o[top:r], cap - 0.01)
        c[top:r] = np.minimum(c[top:r], cap - 0.01)
        h[top:r] = np.minimum(h[top:r], cap)
        for t in tpl.triangle_touches:
            h[w0 + t] = cap
        lo[top:r] = np.minimum(lo[top:r], np.minimum(o[top:r], c[top:r]))
        return cap
    if tpl.resistance_from is not None:
        return float(h[w0 + tpl.resistance_from:r].max())
    return 0.0


def _plant_day(spec: SeriesSpec, bars: tuple[F64, F64, F64, F64], resistance: float,
               rng: Generator) -> IntradayStyle:
    """Set the planted day's bar in place; after it the walk resumes from its close."""
    o, h, lo, c = bars
    r, n = spec.role_index, len(c)
    bo, bh, bl, bc, style = _planted_bar(spec, float(c[r - 1]), resistance, rng)
    o[r], h[r], lo[r], c[r] = np.round(bo, 2), np.round(bh, 2), np.round(bl, 2), np.round(bc, 2)
    h[r], lo[r] = max(h[r], o[r], c[r]), min(lo[r], o[r], c[r])
    if r + 1 < n:
        logs = np.log(c[r]) + _walk(n - r, spec.sigma, 0.0005, rng)
        to, th, tl, tc = _cents(*_bars_from_closes(logs, spec.sigma, rng))
        o[r + 1:], h[r + 1:], lo[r + 1:], c[r + 1:] = to[1:], th[1:], tl[1:], tc[1:]
    return style


def draw_daily(spec: SeriesSpec, n: int, rng: Generator) -> DailySeries | None:
    """One draw of ``n`` daily bars for ``spec``; None when the draw misses its role's thresholds."""
    role = spec.role
    tpl = _template(spec, rng) if role in SHAPED_ROLES else None
    r = spec.role_index
    w0 = r - tpl.length if tpl is not None else r
    logs = np.log(spec.start_price) + _walk(n, spec.sigma, 0.0003, rng)
    if tpl is not None and role is not None:
        noise = _NOISE.get(role, 0.8) * spec.sigma
        logs[w0:r] = logs[w0] + _through(tpl.points, noise, rng, tpl.rounded)[:tpl.length]
    o, h, lo, c = _bars_from_closes(logs, spec.sigma, rng)
    if tpl is not None:
        # ranges inside a pattern are tighter than on an ordinary day
        for arr, ref in ((h, np.maximum(o, c)), (lo, np.minimum(o, c))):
            arr[w0:r] = ref[w0:r] + 0.6 * (arr[w0:r] - ref[w0:r])
    o, h, lo, c = _cents(o, h, lo, c)
    resistance = _resistance(tpl, (o, h, lo, c), w0, r, float(logs[w0])) if tpl is not None else 0.0
    style: IntradayStyle = "random"
    if r >= 0 and role is not None and role in SHAPED_ROLES | {Role.BEARISH}:
        style = _plant_day(spec, (o, h, lo, c), resistance, rng)
    # canonical cents (30.3, never 30.299999999999997), so bars survive a NUMERIC round trip unchanged
    o, h, lo, c = (np.round(x, 2) for x in (o, h, lo, c))
    series = DailySeries(o, h, lo, c, _volumes(spec, n, tpl, w0, rng), style=style)
    if not _kind_ok(spec, series):
        return None
    if tpl is not None and role is not None:
        if not _stage3_ok(role, series, r):
            return None
        if spec.pattern is not None and spec.pattern in DAILY_PATTERNS:
            series.levels = _levels(spec.pattern, series, w0, r, resistance)
    return series
