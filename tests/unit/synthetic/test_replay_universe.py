"""The replay universe: size, determinism, and a funnel whose stages hold by the spec's own thresholds.

Stage facts are recomputed here independently (TA-Lib RSI, numpy SMA and volume averages) with the
spec's thresholds exactly (price > SMA20, RSI 40-70, volume > 1.5x its 20-day average), not the
generator's tighter margins, as a pre-market scan of the replay day reads them: on daily bars
through the session before (the setup day).
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pytest
import talib

from catalyst.bar_columns import BarColumns, to_ns
from catalyst.domain.calendar import daily_bar_time, session_close
from catalyst.domain.news import CatalystType
from catalyst.errors import InvalidInput
from catalyst.synthetic.sampledata import REAL_SYMBOLS, load_daily
from catalyst.synthetic.shapes import Role
from catalyst.synthetic.universe import (
    NOISE_PER_DAY,
    Universe,
    build_universe,
    expected_candidates,
    expected_funnel,
    news_window,
    replay_news,
)

REPLAY = (date(2013, 2, 25), date(2013, 2, 26), date(2013, 2, 27), date(2013, 2, 28), date(2013, 3, 1))


@pytest.fixture(scope="module")
def universe() -> Universe:
    return build_universe(42)


def index_of(bars: BarColumns, day: date) -> int:
    i = int(np.searchsorted(bars.ts, to_ns(daily_bar_time(day))))
    assert bars.ts[i] == to_ns(daily_bar_time(day))
    return i


def setup_index(u: Universe, bars: BarColumns, day: date) -> int:
    """Index of ``day``'s setup day: the last complete daily bar at 08:00 on ``day``."""
    return index_of(bars, u.setup_day(day))


def technicals(bars: BarColumns, i: int, history: int | None = None) -> tuple[float, float, float, float]:
    """(close, SMA20, RSI14, volume / previous 20-day average volume) as of day ``i``'s close."""
    first = 0 if history is None else i + 1 - history
    close = bars.close[first:i + 1]
    rsi = float(talib.RSI(close, timeperiod=14)[-1])
    return float(close[-1]), float(close[-20:].mean()), rsi, float(bars.volume[i] / bars.volume[i - 20:i].mean())


def passes_stage3(bars: BarColumns, i: int, history: int | None = None) -> bool:
    close, sma20, rsi, vol_ratio = technicals(bars, i, history)
    return close > sma20 and 40 <= rsi <= 70 and vol_ratio > 1.5


def test_size_and_calendar(universe: Universe) -> None:
    synthetic = [s for s in universe.symbols if universe.profiles[s].synthetic]
    assert len(synthetic) >= 150
    assert set(REAL_SYMBOLS) <= set(universe.symbols)
    assert len(set(universe.symbols)) == len(universe.symbols)
    assert all(re.fullmatch(r"[A-Z]{3,4}", s) for s in synthetic)
    assert len(universe.trading_days) == 260
    assert universe.trading_days == load_daily()["AAPL"].days[-260:]
    assert universe.replay_days == REPLAY
    for s in synthetic:
        assert len(universe.daily[s]) == 260
    assert len(universe.daily["FB"]) == len([d for d in load_daily()["FB"].days if d >= universe.trading_days[0]])


def test_real_symbols_are_the_sample_data(universe: Universe) -> None:
    aapl = load_daily()["AAPL"]
    bars = universe.daily["AAPL"]
    assert bars.close[-1] == aapl.close[-1] == 430.47
    assert bars.volume[-1] == aapl.volume[-1]
    assert universe.profiles["AAPL"].name == "Apple Inc."
    assert not universe.profiles["AAPL"].synthetic


def test_every_daily_bar_is_consistent(universe: Universe) -> None:
    for bars in universe.daily.values():
        assert np.all(bars.high >= np.maximum(bars.open, bars.close))
        assert np.all(bars.low <= np.minimum(bars.open, bars.close))
        assert np.all(bars.low > 0)
        assert np.all(bars.volume > 0)
        assert np.all(np.diff(bars.ts) > 0)


def test_same_seed_gives_byte_identical_bars_and_news(universe: Universe) -> None:
    fresh = build_universe.__wrapped__(42)  # bypass the cache: a second, independent build
    assert fresh is not universe
    for s in universe.symbols:
        assert fresh.daily[s].digest() == universe.daily[s].digest()
    day = REPLAY[2]
    for s in universe.symbols:
        assert fresh.minute_bars(day)[s].digest() == universe.minute_bars(day)[s].digest()
    assert [n.model_dump() for n in fresh.news] == [n.model_dump() for n in universe.news]


def test_another_seed_gives_another_universe(universe: Universe) -> None:
    other = build_universe(7)
    assert set(other.symbols) != set(universe.symbols)
    shared = sorted(set(other.symbols) & set(universe.symbols) - set(REAL_SYMBOLS))
    assert all(other.daily[s].digest() != universe.daily[s].digest() for s in shared)
    assert other.daily["AAPL"].digest() == universe.daily["AAPL"].digest()  # real data is real data
    assert [len(other.expected_funnel(d).top5) for d in REPLAY] == [5] * 5


@pytest.mark.parametrize("day", REPLAY)
def test_funnel_sizes(universe: Universe, day: date) -> None:
    f = universe.expected_funnel(day)
    assert (len(f.stage1), len(f.stage2), len(f.stage3), len(f.stage4), len(f.top5)) == (100, 35, 20, 9, 5)
    assert f.stage2 <= f.stage1
    assert f.stage3 <= f.stage2
    assert f.stage4 <= f.stage3
    assert set(f.top5) <= f.stage4


@pytest.mark.parametrize("day", REPLAY)
def test_stage1_news_price_and_volume(universe: Universe, day: date) -> None:
    f = universe.expected_funnel(day)
    start, end = news_window(day)
    in_window = {n.symbols[0] for n in universe.news if start <= n.published_at <= end}
    for s in in_window:
        bars = universe.daily[s]
        i = setup_index(universe, bars, day)
        liquid = bool(np.all(bars.volume[i - 19:i + 1] > 1_000_000) and np.all(bars.low[i - 19:i + 1] > 5.0))
        assert (s in f.stage1) == liquid, s
    assert f.stage1 == in_window - {s for s in in_window if universe.profiles[s].kind != "liquid"}


def test_liquid_symbols_stay_liquid_and_above_five_dollars(universe: Universe) -> None:
    for s, p in universe.profiles.items():
        bars = universe.daily[s]
        if p.kind == "liquid" and p.synthetic:
            assert (bars.low.min() > 5.0, bars.volume.min() > 1_000_000) == (True, True), s
        elif p.kind == "penny":
            assert (bars.high.max() < 5.0, bars.volume.min() > 1_000_000) == (True, True), s
        elif p.kind == "illiquid":
            assert (bars.volume.max() < 1_000_000, bars.low.min() > 5.0) == (True, True), s


@pytest.mark.parametrize("day", REPLAY)
def test_stage3_holds_by_the_spec_thresholds(universe: Universe, day: date) -> None:
    f = universe.expected_funnel(day)
    for s in f.stage2:
        bars = universe.daily[s]
        i = setup_index(universe, bars, day)
        assert passes_stage3(bars, i) == (s in f.stage3), (s, universe.roles[(s, day)], technicals(bars, i))
        # a consumer loading only 100 bars of history reaches the same verdict
        assert passes_stage3(bars, i, history=100) == (s in f.stage3), s


@pytest.mark.parametrize("day", REPLAY)
def test_stage3_failures_fail_for_their_planted_reason(universe: Universe, day: date) -> None:
    for (s, d), role in universe.roles.items():
        if d != day:
            continue
        bars = universe.daily[s]
        close, sma20, rsi, vol_ratio = technicals(bars, setup_index(universe, bars, day))
        if role is Role.BELOW_SMA:
            assert close < sma20
            assert vol_ratio > 1.5
        elif role is Role.OVERBOUGHT:
            assert rsi > 70
            assert close > sma20
            assert vol_ratio > 1.5
        elif role is Role.THIN_VOLUME:
            assert vol_ratio < 1.5
            assert close > sma20
            assert 40 <= rsi <= 70


@pytest.mark.parametrize("day", REPLAY)
def test_minute_bars_aggregate_to_the_daily_bar(universe: Universe, day: date) -> None:
    minutes = universe.minute_bars(day)
    assert set(minutes) == set(universe.symbols)
    for s, m in minutes.items():
        d = universe.daily[s]
        i = index_of(d, day)
        assert len(m) == 390
        assert (m.open[0], m.high.max(), m.low.min(), m.close[-1], m.volume.sum()) == (
            d.open[i], d.high[i], d.low[i], d.close[i], d.volume[i]), s


def test_minute_bars_only_for_replay_days(universe: Universe) -> None:
    with pytest.raises(InvalidInput):
        universe.minute_bars(date(2013, 2, 22))


def test_planted_patterns_have_their_geometry(universe: Universe) -> None:
    assert len(universe.planted_patterns) == 50
    for p in universe.planted_patterns:
        bars = universe.daily[p.symbol]
        i = setup_index(universe, bars, p.day)
        lv = p.levels
        if p.pattern == "opening_range_breakout":  # on the replay day itself
            assert p.timeframe == "1Min"
            assert not p.top
            i = index_of(bars, p.day)
            m = universe.minute_bars(p.day)[p.symbol]
            first = int(lv["breakout_minute"])
            for minutes in (5, 15, 30):
                assert m.high[:minutes].max() == lv["opening_range_high"]
            assert m.low[:15].min() == lv["opening_range_low"] == bars.low[i]
            assert m.close[first] > lv["opening_range_high"] >= m.close[:first].max()
            assert 30 <= first <= 61
            assert m.ts[first] == lv["breakout_ts"]
            assert m.close[-1] > lv["opening_range_high"]
            continue
        assert p.timeframe == "1Day"
        assert bars.close[i] > lv["breakout"] > bars.close[i - 1]  # the setup day breaks out
        # … and the replay day follows through: above the setup day's close, the breakout held
        assert bars.open[i + 1] > bars.close[i]
        assert bars.low[i + 1] > lv["breakout"]
        assert bars.close[i + 1] > bars.close[i]
        if p.pattern == "bull_flag":
            assert lv["breakout"] / lv["pole_start"] > 1.15
            assert lv["pole_start"] < lv["flag_low"] < lv["breakout"]
        elif p.pattern == "cup_and_handle":
            assert lv["cup_low"] < 0.85 * lv["breakout"]
            assert lv["handle_low"] > 0.9 * lv["breakout"]
        elif p.pattern == "ascending_triangle":
            touches = np.sum(bars.high[i - 40:i] >= 0.997 * lv["breakout"])
            assert touches >= 3
            assert lv["first_low"] < lv["last_low"] < lv["breakout"]
        elif p.pattern == "abcd":
            assert lv["a"] < lv["c"] < lv["b"] < lv["target"]
            assert 0.45 < (lv["b"] - lv["c"]) / (lv["b"] - lv["a"]) < 0.7


@pytest.mark.parametrize("day", REPLAY)
def test_top5_are_the_strongest_planted_setups(universe: Universe, day: date) -> None:
    f = universe.expected_funnel(day)
    strength = {c.symbol: c.intended_strength for c in universe.planted_catalysts if c.day == day}
    ratio = {s: technicals(universe.daily[s], setup_index(universe, universe.daily[s], day))[3] for s in f.stage4}
    top, rest = list(f.top5), f.stage4 - set(f.top5)
    assert min(strength[s] for s in top) > max(strength[s] for s in rest)
    assert min(ratio[s] for s in top) > max(ratio[s] for s in rest)
    assert [strength[s] for s in top] == sorted((strength[s] for s in top), reverse=True)
    top_patterns = {"bull_flag", "cup_and_handle", "ascending_triangle"}  # reward/risk 2-4 at the breakout
    assert {p.pattern for p in universe.planted_patterns if p.day == day and p.top} == top_patterns
    others = sorted(p.pattern for p in universe.planted_patterns if p.day == day and not p.top)
    assert others == ["abcd"] * 4 + ["opening_range_breakout"]  # an ABCD's is under 1: below the top 5
    [orb] = [p.symbol for p in universe.planted_patterns if p.day == day and p.pattern == "opening_range_breakout"]
    assert orb in f.stage3 - f.stage4  # nothing to see before the open


@pytest.mark.parametrize("day", REPLAY)
def test_the_setups_are_complete_before_the_news(universe: Universe, day: date) -> None:
    """The pre-market scan's view: the setup day, the session before, closed before the window's
    first story, so at 08:00 its bar is the last complete one and the news is all in."""
    setup = universe.setup_day(day)
    assert setup == universe.trading_days[universe.trading_days.index(day) - 1]
    assert universe.expected_funnel(day).setup_day == setup
    assert news_window(day)[0] > session_close(setup)


def test_intraday_styles_follow_the_planted_bars(universe: Universe) -> None:
    """A daily breakout's setup day (where it has minute bars) and follow-through day trend up;
    the opening-range breakout's replay day is an ORB day."""
    for p in universe.planted_patterns:
        setup = universe.setup_day(p.day)
        if p.pattern == "opening_range_breakout":
            assert universe.intraday_styles[(p.symbol, p.day)] == "orb"
            continue
        assert universe.intraday_styles[(p.symbol, p.day)] == "trend_up"
        if setup in universe.replay_days:
            assert universe.intraday_styles[(p.symbol, setup)] == "trend_up"
        else:
            assert (p.symbol, setup) not in universe.intraday_styles


def test_expected_candidates_api() -> None:
    for day in REPLAY:
        top = expected_candidates(day)
        assert len(top) == 5
        assert top == list(expected_funnel(day).top5)
    with pytest.raises(InvalidInput):
        expected_candidates(date(2013, 3, 4))


def test_replay_news_is_wire_style_and_in_its_window(universe: Universe) -> None:
    news = replay_news()
    assert news == list(universe.news)
    assert len({n.source_id for n in news}) == len(news)
    assert [n.published_at for n in news] == sorted(n.published_at for n in news)
    for n in news:
        assert n.source == "replay"
        assert len(n.symbols) == 1
        assert "{" not in n.headline
        assert "}" not in n.headline
        assert len(n.headline) > 25
        name = universe.profiles[n.symbols[0]].name
        assert name.split()[0] in n.headline or name.split()[0] in n.summary
    for day in REPLAY:
        start, end = news_window(day)
        on_day = [n for n in news if n.source_id.split("-")[2] == f"{day:%Y%m%d}"]
        assert all(start <= n.published_at <= end for n in on_day)
        assert sum(n.source_id.endswith("-noise") for n in on_day) == NOISE_PER_DAY


_KEYWORDS = {
    CatalystType.EARNINGS_BEAT: r"EPS|earnings|profit|revenue",
    CatalystType.EARNINGS_MISS: r"EPS|loss|misses|revenue",
    CatalystType.GUIDANCE: r"guidance|outlook|forecast|warns",
    CatalystType.FDA: r"FDA|Phase 3|510\(k\)",
    CatalystType.MERGER_ACQUISITION: r"acquire|acquisition",
    CatalystType.ANALYST_UPGRADE: r"upgrade",
    CatalystType.ANALYST_DOWNGRADE: r"downgrade|cut to Sell",
    CatalystType.CONTRACT_WIN: r"contract|agreement|order",
    CatalystType.OFFERING_DILUTION: r"offering",
    CatalystType.LEGAL_REGULATORY: r"SEC|lawsuit|subpoena",
    CatalystType.MANAGEMENT_CHANGE: r"CEO|chief financial officer|resign|departure",
}


def test_planted_catalysts_read_as_their_type(universe: Universe) -> None:
    by_id = {n.source_id: n for n in universe.news}
    assert len(universe.planted_catalysts) == 5 * (35 + 7 + 4)
    for c in universe.planted_catalysts:
        assert by_id[c.source_id].headline == c.headline
        assert re.search(_KEYWORDS[c.catalyst_type], c.headline, re.IGNORECASE), (c.catalyst_type, c.headline)
        assert (c.direction == "bearish") == (c.role is Role.BEARISH)
        assert 0.7 < c.intended_strength <= 1.0
        if c.catalyst_type is CatalystType.FDA:
            assert universe.profiles[c.symbol].sector == "Health Care"


def test_prices_are_canonical_decimals(universe: Universe) -> None:
    """30.3, never 30.299999999999997: bars survive the bar store's NUMERIC round trip bit for bit."""
    frames = list(universe.daily.values()) + list(universe.minute_bars(REPLAY[-1]).values())
    for bars in frames:
        for col in (bars.open, bars.high, bars.low, bars.close):
            assert np.array_equal(np.array([float(f"{x:.6f}") for x in col]), col)
