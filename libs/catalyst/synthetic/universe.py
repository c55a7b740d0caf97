"""The offline replay set: a seeded synthetic universe around five real symbols, with catalysts and
chart patterns planted on known days so the scanner's 100 → 35 → 20 → 9 → 5 funnel has real work.

Calendar: the last 260 real NYSE sessions of the bokeh sample data (2012-02-16 … 2013-03-01), daily
bars for all of them (enough for SMA200), and one-minute bars, synthesised on demand, for the last
five sessions, the *replay days* (2013-02-25 … 2013-03-01).

A day trader's morning: each replay day D's setups are complete as of the *previous session's*
close (their patterns, breakout bars, volume and technicals are planted on that bar, the *setup
day*; see ``Universe.setup_day``), and the catalyst news arrives overnight, in the news window
``[D-1 16:05, D 07:55]`` New York (see ``news_window``). So the 08:00 pre-market scan of D, which
reads daily bars through the previous session, sees both. The window holds:

* 35 bullish catalysts. 5 ``TOP_SETUP`` (strongest news, 3.3-4.5x volume, a clean daily pattern:
  one each of bull flag, cup and handle and ascending triangle, and two more of them),
  5 ``PATTERN_SETUP`` (weaker news and volume: four ABCDs and an opening-range breakout),
  10 ``TREND_SETUP`` (technicals pass, no pattern), and 15 that fail stage 3: 5 ``BELOW_SMA``,
  5 ``OVERBOUGHT``, 5 ``THIN_VOLUME``. The top setups out-rank the pattern setups under the
  Scanner's composite score by a wide margin (``TOP_PATTERNS``): stronger news, heavier volume,
  and patterns whose reward/risk at the breakout is 2-4, where an ABCD's is under 1.
* 7 ``BEARISH`` catalysts (strong, negative: they fail stage 2's sentiment test).
* 58 ``NOISE`` items (dividends, conference appearances …) for other liquid symbols.
* 2 ``PENNY`` and 2 ``ILLIQUID`` symbols with bullish news that fail stage 1 on price / volume.

The opening-range breakout is an intraday pattern of D itself: before the open there is nothing to
see, so its symbol passes stage 3 on its setup day's bar (a trend setup's) and drops at stage 4.
``expected_funnel(D)`` is a scan of D from 07:55 on, on daily bars: 100 symbols pass stage 1, 35
stage 2, 20 stage 3, 9 stage 4 (the daily patterns), and ``expected_candidates(D)`` names the top 5
(in planted rank order, strongest catalyst first; their scores lie close together, so the
Scanner's order among the five is not planted, only that they are the five).
The opening-range breakout keeps its facts for an intraday read of D (its ``PlantedPattern``: the
range and the breakout minute). On D the daily breakouts follow through (they open above the setup
day's close, hold the breakout level and close higher, on heavy volume); the other planted
symbols' walks resume.

Stage-3 facts hold for daily bars through the setup day, with margins, and daily patterns read as
of it (see ``catalyst.synthetic.shapes`` and ``templates``; contract tests check both against the
Pattern and News services' own code). The first replay day's setup day (2013-02-22) is not a replay
day, so it has no minute bars. Everything derives from ``seed`` through ``np.random.SeedSequence``
keyed by purpose, symbol and day/attempt, so a seed always gives byte-identical bars and news.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType

import numpy as np
from numpy.random import Generator

from catalyst.bar_columns import BarColumns, to_ns
from catalyst.domain.calendar import NEW_YORK, daily_bar_time
from catalyst.domain.market import Timeframe
from catalyst.domain.news import CatalystType, NewsItem
from catalyst.errors import InvalidInput
from catalyst.synthetic.headlines import (
    Direction,
    Story,
    Tier,
    bearish_types,
    bullish_types,
    catalyst_story,
    noise_story,
)
from catalyst.synthetic.intraday import IntradayStyle, synthesize_minutes
from catalyst.synthetic.names import CompanyName, draw_companies
from catalyst.synthetic.sampledata import COMPANY_NAMES, REAL_SYMBOLS, SECTORS, calendar, load_daily
from catalyst.synthetic.shapes import (
    PASSES_TECHNICALS,
    DailySeries,
    Kind,
    PatternName,
    Role,
    SeriesSpec,
    draw_daily,
)

DEFAULT_SEED = 42
HISTORY_DAYS = 260
REPLAY_DAYS = 5
ROLES_PER_DAY: dict[Role, int] = {
    Role.TOP_SETUP: 5, Role.PATTERN_SETUP: 5, Role.TREND_SETUP: 10,
    Role.BELOW_SMA: 5, Role.OVERBOUGHT: 5, Role.THIN_VOLUME: 5,
}
BEARISH_PER_DAY = 7
NOISE_PER_DAY = 58
PENNY_SYMBOLS = ILLIQUID_SYMBOLS = 6
PENNY_NEWS_PER_DAY = ILLIQUID_NEWS_PER_DAY = 2
TAKEOVERS_PER_DAY = 2  # of the overbought names, gapping ahead of a cash bid
_MAX_DRAWS = 400
# The final ranking weighs reward/risk: an ABCD's measured move leaves under 1 at its breakout (its
# target half a leg above entry), the other daily patterns 2-4, so the top setups are those three
# and the pattern setups below them ABCDs (and the opening-range name, which drops at stage 4).
TOP_PATTERNS: tuple[PatternName, ...] = ("bull_flag", "cup_and_handle", "ascending_triangle")
OTHER_PATTERNS: tuple[PatternName, ...] = ("abcd", "abcd", "abcd", "abcd", "opening_range_breakout")
_TOP_STRENGTH = (0.9, 0.89, 0.88, 0.87, 0.86)  # stacked catalysts: the News classifier reads ~0.86-0.9
_TOP_VOLUME = (4.5, 4.2, 3.9, 3.6, 3.3)


@dataclass(frozen=True)
class SymbolProfile:
    symbol: str
    name: str
    sector: str
    kind: Kind
    synthetic: bool
    typical_price: float  # median close over the history
    avg_daily_volume: float  # mean daily volume over the history
    daily_volatility: float  # std of daily log returns over the history


@dataclass(frozen=True)
class PlantedCatalyst:
    symbol: str
    day: date
    catalyst_type: CatalystType
    direction: Direction
    intended_strength: float
    role: Role
    headline: str
    published_at: datetime
    source_id: str


@dataclass(frozen=True)
class PlantedPattern:
    symbol: str
    day: date  # the replay day it trades on (a daily pattern is complete at its setup day's close)
    pattern: PatternName
    timeframe: Timeframe  # 1Day: a daily pattern, read as of the setup day; 1Min: the ORB, on ``day``
    top: bool  # one of the day's expected top 5
    rank: int  # 1..5 among the top 5, 6..10 for the others
    levels: Mapping[str, float]  # breakout level and the pattern's key prices


@dataclass(frozen=True)
class ExpectedFunnel:
    """Which symbols each scanner stage should keep on ``day`` (by design of the replay set), from
    the pre-market scan on: the window's news, daily bars through ``setup_day``."""

    day: date
    setup_day: date  # the session before ``day``: at 08:00 its bar is the last complete one
    stage1: frozenset[str]  # news in the window, price > $5, volume > 1M
    stage2: frozenset[str]  # bullish catalyst
    stage3: frozenset[str]  # above SMA20, RSI 40-70, volume > 1.5x average
    stage4: frozenset[str]  # a planted daily pattern
    top5: tuple[str, ...]  # the final five, in planted rank order (the Scanner's order among them is not planted)


@dataclass(frozen=True, eq=False)
class Universe:
    seed: int
    symbols: tuple[str, ...]
    profiles: Mapping[str, SymbolProfile]
    trading_days: tuple[date, ...]
    replay_days: tuple[date, ...]
    daily: Mapping[str, BarColumns]
    planted_catalysts: list[PlantedCatalyst]
    planted_patterns: list[PlantedPattern]
    news: tuple[NewsItem, ...]
    roles: Mapping[tuple[str, date], Role]
    intraday_styles: Mapping[tuple[str, date], IntradayStyle]
    _minutes: dict[date, Mapping[str, BarColumns]] = field(default_factory=dict, repr=False)

    def minute_bars(self, day: date) -> Mapping[str, BarColumns]:
        """One-minute bars of every symbol on replay day ``day`` (synthesised once, then cached)."""
        if day not in self.replay_days:
            raise InvalidInput("minute bars exist only for replay days", code="NOT_A_REPLAY_DAY",
                               details={"day": day.isoformat(),
                                        "replay_days": [d.isoformat() for d in self.replay_days]})
        if day not in self._minutes:
            self._minutes[day] = MappingProxyType({s: self._synthesize(s, day) for s in self.symbols})
        return self._minutes[day]

    def _synthesize(self, symbol: str, day: date) -> BarColumns:
        daily = self.daily[symbol]
        i = int(np.searchsorted(daily.ts, to_ns(daily_bar_time(day))))
        role = self.roles.get((symbol, day))
        frame, _ = synthesize_minutes(
            float(daily.open[i]), float(daily.high[i]), float(daily.low[i]), float(daily.close[i]),
            float(daily.volume[i]), day=day, rng=_rng(self.seed, "minutes", symbol, day.toordinal()),
            tick=0.01 if self.profiles[symbol].synthetic else 0.0001,
            style=self.intraday_styles.get((symbol, day), "random"),
            news_day=role is not None and role is not Role.NOISE,
        )
        return frame.frozen()

    def setup_day(self, day: date) -> date:
        """The session before replay day ``day``: its bar completes ``day``'s setups."""
        self._check_replay_day(day)
        return self.trading_days[self.trading_days.index(day) - 1]

    def expected_funnel(self, day: date) -> ExpectedFunnel:
        """A scan of ``day`` from 07:55 on, on daily bars (so without the opening-range breakout)."""
        self._check_replay_day(day)
        roles = {s: r for (s, d), r in self.roles.items() if d == day}

        def having(keep: frozenset[Role]) -> frozenset[str]:
            return frozenset(s for s, r in roles.items() if r in keep)

        daily = [p for p in self.planted_patterns if p.day == day and p.timeframe is Timeframe.DAY_1]
        return ExpectedFunnel(
            day=day,
            setup_day=self.setup_day(day),
            stage1=frozenset(s for s, r in roles.items() if r not in (Role.PENNY, Role.ILLIQUID)),
            stage2=having(frozenset(ROLES_PER_DAY)),
            stage3=having(PASSES_TECHNICALS),
            stage4=frozenset(p.symbol for p in daily),
            top5=tuple(p.symbol for p in sorted((p for p in daily if p.top), key=lambda p: p.rank)),
        )

    def _check_replay_day(self, day: date) -> None:
        if day not in self.replay_days:
            raise InvalidInput("not a replay day", code="NOT_A_REPLAY_DAY",
                               details={"day": day.isoformat(),
                                        "replay_days": [d.isoformat() for d in self.replay_days]})


def _rng(seed: int, purpose: str, *keys: str | int) -> Generator:
    """A generator private to (seed, purpose, keys): stable across runs and platforms."""
    words = [seed, zlib.crc32(purpose.encode())]
    words += [zlib.crc32(k.encode()) if isinstance(k, str) else k for k in keys]
    return np.random.default_rng(np.random.SeedSequence(words))


def news_window(day: date) -> tuple[datetime, datetime]:
    """When ``day``'s news is published: 16:05 the calendar day before to 07:55 on ``day``, New York.
    A scan at any time from 07:55 to 16:05 on ``day`` sees all of it as "last 24 hours" news, and
    none of the previous replay day's."""
    start = datetime.combine(day - timedelta(days=1), time(16, 5), tzinfo=NEW_YORK)
    end = datetime.combine(day, time(7, 55), tzinfo=NEW_YORK)
    return start.astimezone(UTC), end.astimezone(UTC)


# ---------------------------------------------------------------------------- building


@dataclass
class _Plan:
    """Who plays what, before any bar is drawn."""

    companies: dict[str, CompanyName]
    specs: dict[str, SeriesSpec]
    roles: dict[tuple[str, date], Role]
    ranks: dict[tuple[str, date], int]
    strengths: dict[tuple[str, date], float]
    pools: dict[str, list[str]]


def _cast(seed: int, days: tuple[date, ...], replay: tuple[date, ...]) -> _Plan:
    shaped_per_day = sum(ROLES_PER_DAY.values())
    n_liquid = REPLAY_DAYS * (shaped_per_day + BEARISH_PER_DAY)
    companies = draw_companies(n_liquid + PENNY_SYMBOLS + ILLIQUID_SYMBOLS, _rng(seed, "names"),
                               taken=set(REAL_SYMBOLS))
    rng = _rng(seed, "cast")
    order = [companies[int(i)] for i in rng.permutation(len(companies))]
    shaped, rest = order[:REPLAY_DAYS * shaped_per_day], order[REPLAY_DAYS * shaped_per_day:]
    bearish, rest = rest[:REPLAY_DAYS * BEARISH_PER_DAY], rest[REPLAY_DAYS * BEARISH_PER_DAY:]
    penny, illiquid = rest[:PENNY_SYMBOLS], rest[PENNY_SYMBOLS:]
    plan = _Plan({c.ticker: c for c in companies}, {}, {}, {}, {},
                 {"penny": [c.ticker for c in penny], "illiquid": [c.ticker for c in illiquid]})
    for d, day in enumerate(replay):
        r = days.index(day) - 1  # planted on the setup day, the session before
        group = shaped[d * shaped_per_day:(d + 1) * shaped_per_day]
        top_patterns = [TOP_PATTERNS[int(i)] for i in rng.permutation(len(TOP_PATTERNS))]
        for _ in range(ROLES_PER_DAY[Role.TOP_SETUP] - len(TOP_PATTERNS)):
            top_patterns.insert(int(rng.integers(len(top_patterns) + 1)),
                                TOP_PATTERNS[int(rng.integers(len(TOP_PATTERNS)))])
        other_patterns = [OTHER_PATTERNS[int(i)] for i in rng.permutation(len(OTHER_PATTERNS))]
        k = 0
        for role, count in ROLES_PER_DAY.items():
            for j in range(count):
                c = group[k]
                k += 1
                plan.roles[(c.ticker, day)] = role
                plan.specs[c.ticker] = _shaped_spec(role, j, r, top_patterns, other_patterns, rng)
                if role is Role.TOP_SETUP:
                    plan.ranks[(c.ticker, day)] = j + 1
                    plan.strengths[(c.ticker, day)] = _TOP_STRENGTH[j]
                elif role is Role.PATTERN_SETUP:
                    plan.ranks[(c.ticker, day)] = 6 + j
        for c in bearish[d * BEARISH_PER_DAY:(d + 1) * BEARISH_PER_DAY]:
            plan.roles[(c.ticker, day)] = Role.BEARISH
            plan.specs[c.ticker] = SeriesSpec(*_liquid_profile(rng), role=Role.BEARISH, role_index=r,
                                              volume_ratio=float(rng.uniform(2.0, 3.5)))
        for pool, role, n in (("penny", Role.PENNY, PENNY_NEWS_PER_DAY),
                              ("illiquid", Role.ILLIQUID, ILLIQUID_NEWS_PER_DAY)):
            for j in range(n):
                plan.roles[(plan.pools[pool][(d * n + j) % len(plan.pools[pool])], day)] = role
    for c in penny:
        plan.specs[c.ticker] = SeriesSpec(float(rng.uniform(1.5, 3.5)), float(rng.uniform(0.03, 0.04)),
                                          float(rng.uniform(3e6, 1.2e7)), kind="penny")
    for c in illiquid:
        plan.specs[c.ticker] = SeriesSpec(float(rng.uniform(10, 60)), float(rng.uniform(0.015, 0.025)),
                                          float(rng.uniform(2.5e5, 6e5)), kind="illiquid")
    return plan


def _liquid_profile(rng: Generator) -> tuple[float, float, float]:
    price = float(np.clip(np.exp(rng.normal(np.log(35.0), 0.7)), 12.0, 250.0))
    volume = float(np.clip(np.exp(rng.normal(np.log(6e6), 0.7)), 2.5e6, 4e7))
    return price, float(rng.uniform(0.015, 0.028)), volume


def _shaped_spec(role: Role, j: int, r: int, top_patterns: list[PatternName],
                 other_patterns: list[PatternName], rng: Generator) -> SeriesSpec:
    price, sigma, volume = _liquid_profile(rng)
    pattern: PatternName | None = None
    ratio = float(rng.uniform(2.0, 2.6))
    takeover = False
    if role is Role.TOP_SETUP:
        pattern, ratio = top_patterns[j], _TOP_VOLUME[j]
    elif role is Role.PATTERN_SETUP:
        pattern, ratio = other_patterns[j], float(rng.uniform(2.2, 2.7))
    elif role is Role.OVERBOUGHT:
        takeover = j < TAKEOVERS_PER_DAY
        ratio = 6.0 if takeover else float(rng.uniform(2.5, 4.0))
    elif role is Role.BELOW_SMA:
        ratio = float(rng.uniform(2.2, 3.0))
    elif role is Role.THIN_VOLUME:
        ratio = float(rng.uniform(0.85, 1.1))
    return SeriesSpec(price, sigma, volume, role=role, role_index=r, pattern=pattern, volume_ratio=ratio,
                      takeover=takeover)


def _draw(seed: int, symbol: str, spec: SeriesSpec, n: int) -> DailySeries:
    for attempt in range(_MAX_DRAWS):
        series = draw_daily(spec, n, _rng(seed, "daily", symbol, attempt))
        if series is not None:
            return series
    raise RuntimeError(f"no daily path for {symbol} ({spec.role}, {spec.pattern}) in {_MAX_DRAWS} draws")


def _profile(symbol: str, name: str, sector: str, kind: Kind, synthetic: bool, frame: BarColumns) -> SymbolProfile:
    returns = np.diff(np.log(frame.close))
    return SymbolProfile(symbol=symbol, name=name, sector=sector, kind=kind, synthetic=synthetic,
                         typical_price=round(float(np.median(frame.close)), 2),
                         avg_daily_volume=round(float(frame.volume.mean())),
                         daily_volatility=round(float(returns.std()), 5))


def _story_for(role: Role, company: CompanyName, frame: BarColumns, i: int, day: date, rng: Generator,
               takeover: bool) -> tuple[CatalystType, Direction, Story]:
    """The catalyst of ``day`` (bar ``i``), published after the setup day's close (bar ``i - 1``)."""
    price = float(frame.close[i - 1])
    if role is Role.BEARISH:
        kinds = bearish_types(company.sector)
        kind = kinds[int(rng.integers(len(kinds)))]
        return kind, "bearish", catalyst_story(kind, "bearish", "normal", company, price, day, rng)
    kinds = bullish_types(company.sector, takeover)
    if role is Role.TOP_SETUP:  # a takeover target pins to the bid: no breakout, so no M&A here
        kinds = tuple(k for k in kinds if k is not CatalystType.MERGER_ACQUISITION)
    kind = kinds[int(rng.integers(len(kinds)))]
    tier: Tier = "strong" if role is Role.TOP_SETUP or takeover else "normal"
    premium = None
    if takeover:  # the setup day's gap was the leak: the bid, over the undisturbed price, tops it a little
        price = float(frame.close[i - 2])
        premium = float(frame.close[i - 1] / price - 1 + rng.uniform(0.02, 0.05))
    return kind, "bullish", catalyst_story(kind, "bullish", tier, company, price, day, rng, premium)


def _publish_time(day: date, rng: Generator, premarket_bias: bool) -> datetime:
    start, end = news_window(day)
    span = int((end - start).total_seconds())
    if premarket_bias and rng.random() < 0.7:  # most catalysts land 06:00-07:55 before the open
        start = end - timedelta(minutes=115)
        span = 115 * 60
    return start + timedelta(seconds=int(rng.integers(0, span + 1)))


def _strength(role: Role, key: tuple[str, date], plan: _Plan, rng: Generator) -> float:
    if key in plan.strengths:
        return plan.strengths[key]
    return round(float(rng.uniform(0.72, 0.81)), 2)  # one plain catalyst: ~0.72-0.81 once weighed


def _news(seed: int, plan: _Plan, replay: tuple[date, ...], companies: Mapping[str, CompanyName],
          daily: Mapping[str, BarColumns], liquid: list[str]
          ) -> tuple[list[PlantedCatalyst], list[NewsItem], dict[tuple[str, date], Role]]:
    catalysts: list[PlantedCatalyst] = []
    items: list[NewsItem] = []
    roles = dict(plan.roles)
    for day in replay:
        rng = _rng(seed, "news", day.toordinal())
        day_ts = to_ns(daily_bar_time(day))
        on_day = sorted(s for (s, d) in plan.roles if d == day)
        for symbol in on_day:
            role = plan.roles[(symbol, day)]
            frame = daily[symbol]
            kind, direction, story = _story_for(role, companies[symbol], frame, int(np.searchsorted(frame.ts, day_ts)),
                                                day, rng, plan.specs[symbol].takeover)
            sid = f"replay-{seed}-{day:%Y%m%d}-{symbol}-catalyst"
            published = _publish_time(day, rng, premarket_bias=True)
            catalysts.append(PlantedCatalyst(symbol, day, kind, direction, _strength(role, (symbol, day), plan, rng),
                                             role, story.headline, published, sid))
            items.append(NewsItem(source="replay", source_id=sid, symbols=[symbol], headline=story.headline,
                                  summary=story.summary, published_at=published))
        candidates = [s for s in liquid if (s, day) not in plan.roles]
        for i in sorted(rng.choice(len(candidates), size=NOISE_PER_DAY, replace=False)):
            symbol = candidates[int(i)]
            frame = daily[symbol]
            price = float(frame.close[int(np.searchsorted(frame.ts, day_ts)) - 1])
            story = noise_story(companies[symbol], price, day, rng)
            sid = f"replay-{seed}-{day:%Y%m%d}-{symbol}-noise"
            roles[(symbol, day)] = Role.NOISE
            items.append(NewsItem(source="replay", source_id=sid, symbols=[symbol], headline=story.headline,
                                  summary=story.summary,
                                  published_at=_publish_time(day, rng, premarket_bias=False)))
    items.sort(key=lambda n: (n.published_at, n.source_id))
    return catalysts, items, roles


def _patterns(plan: _Plan, draws: Mapping[str, DailySeries]) -> list[PlantedPattern]:
    out = []
    for (symbol, day), rank in sorted(plan.ranks.items(), key=lambda kv: (kv[0][1], kv[1])):
        spec = plan.specs[symbol]
        assert spec.pattern is not None
        timeframe = Timeframe.MIN_1 if spec.pattern == "opening_range_breakout" else Timeframe.DAY_1
        out.append(PlantedPattern(symbol, day, spec.pattern, timeframe, top=rank <= 5, rank=rank,
                                  levels=MappingProxyType(dict(draws[symbol].levels))))
    return out


def _with_opening_ranges(u: Universe) -> Universe:
    """ORB levels read off the synthesised minutes: the range (its high prints in the first five
    minutes and its low by the fifteenth, so 5-, 15- and 30-minute ranges share them) and the
    minute that first closes above it, when a detector should be asked."""
    patterns = []
    for p in u.planted_patterns:
        if p.pattern == "opening_range_breakout":
            m = u._synthesize(p.symbol, p.day)
            high, low = float(m.high[:5].max()), float(m.low[:15].min())
            first = int(np.argmax(m.close > high))
            p = replace(p, levels=MappingProxyType({
                "breakout": high, "opening_range_high": high, "opening_range_low": low,
                "breakout_minute": float(first), "breakout_ts": float(m.ts[first])}))
        patterns.append(p)
    return replace(u, planted_patterns=patterns)


@lru_cache(maxsize=4)
def build_universe(seed: int = DEFAULT_SEED) -> Universe:
    """The replay universe for ``seed`` (cached: the result is read-only and shared)."""
    days = calendar()[-HISTORY_DAYS:]
    replay = days[-REPLAY_DAYS:]
    plan = _cast(seed, days, replay)
    ts = np.array([to_ns(daily_bar_time(d)) for d in days], dtype=np.int64)
    draws = {s: _draw(seed, s, spec, len(days)) for s, spec in plan.specs.items()}
    daily: dict[str, BarColumns] = {
        s: BarColumns(ts.copy(), d.open, d.high, d.low, d.close, d.volume).frozen() for s, d in draws.items()
    }
    real = load_daily()
    companies = dict(plan.companies)
    for s in REAL_SYMBOLS:
        daily[s] = real[s].since(days[0]).frame()
        companies[s] = CompanyName(s, COMPANY_NAMES[s], COMPANY_NAMES[s].removesuffix(" Inc.")
                                   .removesuffix(" Corp."), SECTORS[s])
    profiles = {s: _profile(s, c.name, c.sector, plan.specs[s].kind if s in plan.specs else "liquid",
                            s in plan.specs, daily[s]) for s, c in companies.items()}
    liquid = sorted(s for s, p in profiles.items() if p.kind == "liquid")
    catalysts, news, roles = _news(seed, plan, replay, companies, daily, liquid)
    styles = {(s, days[k]): style for s, d in draws.items() for k, style in d.styles.items() if days[k] in replay}
    symbols = tuple(sorted(daily))
    return _with_opening_ranges(Universe(
        seed=seed, symbols=symbols, profiles=MappingProxyType(profiles), trading_days=days,
        replay_days=replay, daily=MappingProxyType(daily), planted_catalysts=catalysts,
        planted_patterns=_patterns(plan, draws), news=tuple(news),
        roles=MappingProxyType(roles), intraday_styles=MappingProxyType(styles),
    ))


def replay_news(seed: int = DEFAULT_SEED) -> list[NewsItem]:
    """The news that goes with the replay bars: planted catalysts and background noise, oldest first."""
    return list(build_universe(seed).news)


def expected_funnel(day: date, seed: int = DEFAULT_SEED) -> ExpectedFunnel:
    return build_universe(seed).expected_funnel(day)


def expected_candidates(day: date, seed: int = DEFAULT_SEED) -> list[str]:
    """The five symbols the scanner should rank top on replay day ``day``, in planted rank order
    (strongest catalyst first; the Scanner's order among them is not planted)."""
    return list(build_universe(seed).expected_funnel(day).top5)
