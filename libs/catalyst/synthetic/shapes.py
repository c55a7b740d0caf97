"""Daily price/volume paths for the synthetic universe, with setups planted on a chosen day.

A path is a geometric random walk, except in a window before the planted day where it follows a
template through key points (a bull flag's pole and flag, a cup's rounded base and handle, an
ascending triangle's flat top and rising lows, an ABCD's legs), with Brownian-bridge noise pinned
at those points. The planted day's bar is then set by the role: a breakout on heavy volume for a
setup, a bounce that stays under the 20-day average, an overbought gap, a move on thin volume …

The planted day is the session *before* the day the setup trades (the replay day): the setup is
complete at that close, for a pre-market scan to find. The day after it is the follow bar: a daily
pattern's breakout follows through (it opens above the prior close, holds the breakout and closes
higher); an opening-range breakout, an intraday pattern, happens on it; any other role's walk
simply resumes there.

Each draw is checked against the scanner's stage-3 thresholds (price vs SMA20, RSI(14) computed
with TA-Lib on the whole history, volume vs its 20-day average), with margins wide enough that
the outcome does not depend on how much history a consumer loads (60 bars and up) or at which
minute of the day it reads the price: RSI is checked at the day's close, high and low. A planted
pattern must read clearly (``templates.PLANTED_MIN_SCORE``) and a setup planted without one must
show none (``templates.UNPATTERNED_MAX_SCORE``). A draw that misses is rejected and the caller
draws again from the next derived seed, so results stay deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

import numpy as np
from numpy.random import Generator

from catalyst.bar_columns import F64
from catalyst.synthetic import templates
from catalyst.synthetic.intraday import IntradayStyle
from catalyst.synthetic.templates import PLANTED_MIN_SCORE, UNPATTERNED_MAX_SCORE, Template
from catalyst.ta_lib import talib

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
    role_index: int = -1  # index of the planted day (the session before the replay day) in the calendar
    pattern: PatternName | None = None
    volume_ratio: float = 1.0  # planted day's volume over its prior 20-day average
    takeover: bool = False  # an overbought gap ahead of a cash takeover bid (the news that night)


@dataclass
class DailySeries:
    open: F64
    high: F64
    low: F64
    close: F64
    volume: F64
    styles: dict[int, IntradayStyle] = field(default_factory=dict)  # intraday shape by day index
    levels: dict[str, float] = field(default_factory=dict)  # the pattern's key prices


# ---------------------------------------------------------------------------- paths


def _walk(n: int, sigma: float, drift: float, rng: Generator) -> F64:
    """Cumulative log returns of ``n`` days, starting at 0."""
    steps = rng.normal(drift, sigma, n)
    return np.concatenate(([0.0], np.cumsum(steps)))[:n]


def _template(spec: SeriesSpec, rng: Generator) -> Template:
    if spec.pattern is not None and spec.pattern in DAILY_PATTERNS:
        return _DAILY_TEMPLATES[spec.pattern](rng)
    if spec.role is Role.BELOW_SMA:
        return templates.decline(rng)
    if spec.role is Role.OVERBOUGHT:
        return templates.run_up(rng)
    return templates.plain_trend(rng)  # trend setups, ORB names, thin-volume names


_DAILY_TEMPLATES = {
    "bull_flag": templates.bull_flag,
    "cup_and_handle": templates.cup_and_handle,
    "ascending_triangle": templates.ascending_triangle,
    "abcd": templates.abcd,
}


def _u(rng: Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


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


PlantedBar = tuple[float, float, float, float, IntradayStyle]  # open, high, low, close, intraday style


def _planted_bar(spec: SeriesSpec, prev_close: float, breakout: float, rng: Generator) -> PlantedBar:
    """The planted day's bar. An opening-range breakout name plants a trend setup's day: its
    pattern is the next day's."""
    p, u = prev_close, _u
    if spec.pattern in DAILY_PATTERNS:
        c = breakout * (1 + u(rng, 0.003, 0.007))
        o = p * (1 + u(rng, 0.001, 0.005))
        return o, c * (1 + u(rng, 0.001, 0.004)), min(o, p) * (1 - u(rng, 0.002, 0.006)), c, "trend_up"
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


def _follow_bar(spec: SeriesSpec, prev_close: float, rng: Generator) -> PlantedBar | None:
    """The day after the planted one, when the role shapes it: a daily breakout follows through
    (its low stays above the breakout level, which the planted close cleared); an opening-range
    name gaps up, sets its range and breaks out of it."""
    p, u = prev_close, _u
    if spec.pattern in DAILY_PATTERNS:
        o = p * (1 + u(rng, 0.002, 0.008))
        c = p * (1 + u(rng, 0.012, 0.025))
        return o, c * (1 + u(rng, 0.001, 0.004)), o * (1 - u(rng, 0.002, 0.004)), c, "trend_up"
    if spec.pattern == "opening_range_breakout":
        o = p * (1 + u(rng, 0.003, 0.008))
        h = o * (1 + u(rng, 0.024, 0.032))
        return o, h, o * (1 - u(rng, 0.004, 0.008)), h * (1 - u(rng, 0.002, 0.004)), "orb"
    return None


def _volumes(spec: SeriesSpec, n: int, tpl: Template | None, w0: int, rng: Generator) -> F64:
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
        if spec.pattern is not None and r + 1 < n:  # the follow bar trades on the news: heavy too
            vol[r + 1] = _u(rng, 1.6, 2.4) * vol[r - 19:r + 1].mean()
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
    rsi_band = 45 <= rsi_c <= 67.5 and rsi_h <= 69 and rsi_l >= 42
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
    """Key prices of a daily pattern, as a detector reads them (offsets are the template's)."""
    levels = {"breakout": round(resistance, 2)}
    if pattern == "abcd":  # A low, B high, C higher low; the CD leg targets C + (B - A)
        a = float(s.low[w0 + 10:w0 + 24].min())
        b = float(s.high[w0 + 24:r].max())
        c = float(s.low[w0 + 30:r].min())
        levels.update(a=a, b=b, c=c, target=round(c + (b - a), 2))
    elif pattern == "ascending_triangle":
        levels.update(first_low=float(s.low[w0 + 13]), last_low=float(s.low[w0 + 33]))
    elif pattern == "bull_flag":
        levels.update(pole_start=float(s.low[w0 + 8:w0 + 17].min()), flag_low=float(s.low[w0 + 20:r].min()))
    elif pattern == "cup_and_handle":
        levels.update(cup_low=float(s.low[w0 + 11:w0 + 50].min()), handle_low=float(s.low[w0 + 51:r].min()))
    return levels


def _resistance(tpl: Template, bars: tuple[F64, F64, F64, F64], w0: int, r: int, log_start: float) -> float:
    """The level the planted day must clear. An ascending triangle is squared up first: its touches
    sit exactly on a flat top that nothing else reaches, and its swing lows are clear pivots."""
    o, h, lo, c = bars
    if tpl.touches:
        cap = float(np.round(np.exp(log_start + tpl.points[1][1] - tpl.points[0][1]) * 1.002, 2))
        below = float(np.floor(cap * 0.997 * 100) / 100)
        for arr in (o, c, h):
            arr[w0:r] = np.minimum(arr[w0:r], below)
        for t in tpl.touches:
            h[w0 + t] = cap
        for t in tpl.lows:
            k = w0 + t
            lo[k] = min(lo[k], float(np.concatenate((lo[k - 3:k], lo[k + 1:k + 4])).min()) - 0.01)
        lo[w0:r] = np.minimum(lo[w0:r], np.minimum(o[w0:r], c[w0:r]))
        return cap
    if tpl.resistance_from is not None:
        return float(h[w0 + tpl.resistance_from:r].max())
    return 0.0


def _set_bar(bars: tuple[F64, F64, F64, F64], k: int, bar: PlantedBar) -> None:
    o, h, lo, c = bars
    o[k], h[k], lo[k], c[k] = (np.round(x, 2) for x in bar[:4])
    h[k], lo[k] = max(h[k], o[k], c[k]), min(lo[k], o[k], c[k])


def _plant_day(spec: SeriesSpec, bars: tuple[F64, F64, F64, F64], resistance: float,
               rng: Generator) -> dict[int, IntradayStyle]:
    """Set the planted day's bar (and its follow bar, where the role has one) in place; after
    them the walk resumes from the last close. Returns the intraday style of each day set."""
    o, h, lo, c = bars
    r, n = spec.role_index, len(c)
    planted = _planted_bar(spec, float(c[r - 1]), resistance, rng)
    _set_bar(bars, r, planted)
    styles = {r: planted[4]}
    follow = _follow_bar(spec, float(c[r]), rng) if r + 1 < n else None
    if follow is not None:
        _set_bar(bars, r + 1, follow)
        styles[r + 1] = follow[4]
    last = max(styles)
    if last + 1 < n:
        logs = np.log(c[last]) + _walk(n - last, spec.sigma, 0.0005, rng)
        to, th, tl, tc = _cents(*_bars_from_closes(logs, spec.sigma, rng))
        o[last + 1:], h[last + 1:], lo[last + 1:], c[last + 1:] = to[1:], th[1:], tl[1:], tc[1:]
    return styles


def _history(logs: F64, w0: int, rise: float, sigma: float, rng: Generator) -> None:
    """Make the days before the window a walk that climbs ``rise`` (log) into it, in place."""
    k = np.arange(w0 + 1) / w0
    walk = np.concatenate(([0.0], np.cumsum(rng.normal(0.0, 0.6 * sigma, w0))))
    logs[:w0 + 1] = logs[w0] - rise * (1 - k) + walk - k * walk[-1]


def _shape_ok(spec: SeriesSpec, s: DailySeries, r: int) -> bool:
    """The planted pattern reads clearly; a setup planted without a daily one shows none (an
    opening-range name's pattern is intraday, on the next day)."""
    scores = templates.daily_pattern_scores(s.high, s.low, s.close, s.volume, r)
    if spec.pattern is not None and spec.pattern in DAILY_PATTERNS:
        return scores[spec.pattern] >= PLANTED_MIN_SCORE
    if spec.role is Role.TREND_SETUP or spec.pattern == "opening_range_breakout":
        return max(scores.values()) <= UNPATTERNED_MAX_SCORE
    return True


def draw_daily(spec: SeriesSpec, n: int, rng: Generator) -> DailySeries | None:
    """One draw of ``n`` daily bars for ``spec``; None when the draw misses its role's thresholds."""
    role = spec.role
    tpl = _template(spec, rng) if role in SHAPED_ROLES else None
    r = spec.role_index
    w0 = r - tpl.length if tpl is not None else r
    logs = np.log(spec.start_price) + _walk(n, spec.sigma, 0.0003, rng)
    if tpl is not None:
        if tpl.history_rise is not None:
            _history(logs, w0, tpl.history_rise, spec.sigma, rng)
        path = templates.through(tpl, spec.sigma, rng)
        logs[w0:r] = logs[w0] + path[:tpl.length]
    o, h, lo, c = _bars_from_closes(logs, spec.sigma, rng)
    if tpl is not None:
        # ranges inside a pattern are tighter than on an ordinary day
        for arr, ref in ((h, np.maximum(o, c)), (lo, np.minimum(o, c))):
            arr[w0:r] = ref[w0:r] + 0.6 * (arr[w0:r] - ref[w0:r])
    o, h, lo, c = _cents(o, h, lo, c)
    resistance = _resistance(tpl, (o, h, lo, c), w0, r, float(logs[w0])) if tpl is not None else 0.0
    styles: dict[int, IntradayStyle] = {}
    if r >= 0 and role is not None and role in SHAPED_ROLES | {Role.BEARISH}:
        styles = _plant_day(spec, (o, h, lo, c), resistance, rng)
    # canonical cents (30.3, never 30.299999999999997), so bars survive a NUMERIC round trip unchanged
    o, h, lo, c = (np.round(x, 2) for x in (o, h, lo, c))
    series = DailySeries(o, h, lo, c, _volumes(spec, n, tpl, w0, rng), styles=styles)
    if not _kind_ok(spec, series):
        return None
    if tpl is not None and role is not None:
        if not _stage3_ok(role, series, r) or not _shape_ok(spec, series, r):
            return None
        if spec.pattern is not None and spec.pattern in DAILY_PATTERNS:
            series.levels = _levels(spec.pattern, series, w0, r, resistance)
    return series
