"""ReplayBarSource: the replay set through the BarSource interface, with and without a simulated clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import numpy as np
import pytest

from catalyst.bar_columns import summarize, to_ns
from catalyst.bar_sources.config import BarSourceSettings
from catalyst.bar_sources.factory import bar_source_from_settings
from catalyst.bar_sources.replay import ReplayBarSource
from catalyst.clock import SimulatedClock, SteppedReplayClock
from catalyst.domain.calendar import NEW_YORK, daily_bar_time
from catalyst.domain.market import Timeframe
from catalyst.errors import InvalidInput
from catalyst.synthetic.universe import build_universe

START = datetime(2012, 1, 1, tzinfo=UTC)
END = datetime(2013, 3, 2, tzinfo=UTC)
DAY = date(2013, 2, 27)


def ny(day: date, hh: int, mm: int) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=NEW_YORK)


def a_symbol() -> str:
    return build_universe(42).expected_funnel(DAY).top5[0]


async def test_daily_and_minute_bars_without_a_clock() -> None:
    src = bar_source_from_settings(BarSourceSettings())
    assert isinstance(src, ReplayBarSource)
    sym = a_symbol()
    u = build_universe(42)
    bars = await src.get_bars([sym, "AAPL", "NOPE"], Timeframe.DAY_1, START, END)
    assert len(bars[sym]) == 260
    assert bars["AAPL"][-1].close == 430.47
    assert bars["NOPE"] == []
    series = (await src.get_series([sym], "1Day", START, END))[sym]
    assert series.digest() == u.daily[sym].digest()

    minutes = await src.get_series([sym], "1Min", ny(DAY, 0, 0), ny(DAY, 23, 59))
    assert minutes[sym].digest() == u.minute_bars(DAY)[sym].digest()
    fifteen = await src.get_series([sym], "15Min", ny(DAY, 0, 0), ny(DAY, 23, 59))
    hourly = await src.get_bars([sym], "1Hour", ny(DAY, 0, 0), ny(DAY, 23, 59))
    assert len(fifteen[sym]) == 26
    assert [b.ts.astimezone(NEW_YORK).hour for b in hourly[sym]] == [9, 10, 11, 12, 13, 14, 15]
    assert hourly[sym][0].volume == u.minute_bars(DAY)[sym].volume[:30].sum()
    week = await src.get_series([sym], "1Min", START, END)
    assert len(week[sym]) == 5 * 390
    assert (await src.get_bars([sym], "1Min", ny(date(2013, 2, 22), 9, 30), ny(date(2013, 2, 22), 16, 0))) == {
        sym: []}  # no minute bars outside the replay days


async def test_a_clock_hides_the_future() -> None:
    sym = a_symbol()
    u = build_universe(42)
    clock = SimulatedClock(ny(DAY, 8, 0))
    src = ReplayBarSource(clock=clock)

    daily = (await src.get_series([sym], "1Day", START, END))[sym]
    assert daily.ts[-1] == to_ns(daily_bar_time(date(2013, 2, 26)))  # pre-market: no bar for today yet
    assert len((await src.get_series([sym], "1Min", START, END))[sym]) == 2 * 390

    clock.set(ny(DAY, 10, 0))
    minutes = (await src.get_series([sym], "1Min", START, END))[sym]
    today = u.minute_bars(DAY)[sym]
    assert len(minutes) == 2 * 390 + 30  # 09:30 ... 09:59 have finished
    assert minutes.ts[-1] == to_ns(ny(DAY, 9, 59))
    daily = (await src.get_series([sym], "1Day", START, END))[sym]
    partial = summarize(today.take(slice(0, 30)), to_ns(daily_bar_time(DAY)))
    assert daily.take(slice(0, -1)).digest() == u.daily[sym].until(to_ns(daily_bar_time(date(2013, 2, 26)))).digest()
    assert (daily.ts[-1], daily.open[-1], daily.high[-1], daily.low[-1], daily.close[-1], daily.volume[-1]) == (
        partial.ts[0], partial.open[0], partial.high[0], partial.low[0], partial.close[0], partial.volume[0])
    assert daily.volume[-1] < u.daily[sym].volume[np.searchsorted(u.daily[sym].ts, daily.ts[-1])]
    five = (await src.get_series([sym], "5Min", ny(DAY, 9, 0), ny(DAY, 16, 0)))[sym]
    assert len(five) == 6

    clock.set(ny(DAY, 16, 0))
    daily = (await src.get_series([sym], "1Day", START, END))[sym]
    full = u.daily[sym].until(to_ns(daily_bar_time(DAY)))
    assert daily.digest() == full.digest()


async def test_a_clock_on_a_day_without_minute_bars() -> None:
    clock = SimulatedClock(ny(date(2013, 2, 20), 12, 0))
    daily = (await ReplayBarSource(clock=clock).get_series(["AAPL"], "1Day", START, END))["AAPL"]
    assert daily.ts[-1] == to_ns(daily_bar_time(date(2013, 2, 19)))


async def test_replay_minutes_streams_the_universe() -> None:
    src = ReplayBarSource()
    u = build_universe(42)
    clock = SteppedReplayClock(DAY, speed=None, from_minute=386)
    seen = []
    async for tick, bars in src.replay_minutes(clock, symbols=["aapl", a_symbol()]):
        assert clock.now() == tick.end
        assert set(bars) == {"AAPL", a_symbol()}
        ref = u.minute_bars(DAY)["AAPL"]
        assert bars["AAPL"].close == ref.close[tick.index]
        assert bars["AAPL"].ts == tick.start
        seen.append(tick.index)
    assert seen == [386, 387, 388, 389]

    everyone = SteppedReplayClock(DAY, speed=None, from_minute=389)
    async for _, bars in src.replay_minutes(everyone):
        assert len(bars) == len(u.symbols)


async def test_replay_minutes_refuses_bad_days_and_symbols() -> None:
    src = ReplayBarSource()
    with pytest.raises(InvalidInput):
        async for _ in src.replay_minutes(SteppedReplayClock(date(2013, 2, 22), speed=None)):
            pass
    with pytest.raises(InvalidInput):
        async for _ in src.replay_minutes(SteppedReplayClock(DAY, speed=None), symbols=["NOPE"]):
            pass


@pytest.mark.parametrize(("symbols", "timeframe", "start", "end", "code"), [
    ([], "1Day", START, END, "INVALID_SYMBOLS"),
    (["BAD SYMBOL"], "1Day", START, END, "INVALID_SYMBOLS"),
    ([1], "1Day", START, END, "INVALID_SYMBOLS"),
    (["AAPL"], "2Min", START, END, "INVALID_TIMEFRAME"),
    (["AAPL"], "1Day", datetime(2013, 1, 1), END, "NAIVE_DATETIME"),
    (["AAPL"], "1Day", END, START, "INVALID_RANGE"),
    ([f"S{i}" for i in range(2001)], "1Day", START, END, "TOO_MANY_SYMBOLS"),
])
async def test_bad_requests_are_invalid_input(symbols: list[object], timeframe: str, start: datetime,
                                              end: datetime, code: str) -> None:
    with pytest.raises(InvalidInput) as err:
        await ReplayBarSource().get_bars(symbols, timeframe, start, end)  # type: ignore[arg-type]
    assert err.value.code == code


async def test_a_bare_symbol_and_a_single_instant() -> None:
    src = ReplayBarSource()
    at = daily_bar_time(date(2013, 3, 1))
    bars = await src.get_bars("aapl", "1Day", at, at)
    assert [b.ts for b in bars["AAPL"]] == [at]
    series = await src.get_series(["AAPL"], "1Day", at, at)
    assert series["AAPL"].ts.tolist() == [to_ns(at)]
