"""The New York session calendar and the clocks that replay it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from catalyst.domain.calendar import SESSION_MINUTES, daily_bar_time, session_close, session_open, trading_day
from catalyst.errors import InvalidInput
from catalyst.market_data.clock import (
    ReplayClock,
    SimulatedClock,
    SystemClock,
    daily_from_intraday,
    session_minute_starts,
)
from catalyst.market_data.frame import SymbolBars


def test_session_bounds_follow_daylight_saving() -> None:
    assert session_open(date(2013, 3, 8)) == datetime(2013, 3, 8, 14, 30, tzinfo=UTC)  # EST
    assert session_open(date(2013, 3, 11)) == datetime(2013, 3, 11, 13, 30, tzinfo=UTC)  # EDT from 10 March
    assert session_close(date(2013, 3, 1)) == datetime(2013, 3, 1, 21, 0, tzinfo=UTC)
    assert daily_bar_time(date(2013, 3, 1)) == datetime(2013, 3, 1, 5, 0, tzinfo=UTC)
    assert daily_bar_time(date(2012, 7, 2)) == datetime(2012, 7, 2, 4, 0, tzinfo=UTC)


def test_session_has_390_minutes_from_0930() -> None:
    starts = session_minute_starts(date(2013, 2, 25))
    assert len(starts) == SESSION_MINUTES == 390
    assert starts[0] == int(datetime(2013, 2, 25, 14, 30, tzinfo=UTC).timestamp())
    assert starts[-1] + 60 == int(session_close(date(2013, 2, 25)).timestamp())
    assert np.all(np.diff(starts) == 60)


def test_trading_day_is_the_new_york_date() -> None:
    assert trading_day(datetime(2013, 2, 26, 3, 0, tzinfo=UTC)) == date(2013, 2, 25)
    assert trading_day(datetime(2013, 2, 26, 5, 0, tzinfo=UTC)) == date(2013, 2, 26)


def test_system_clock_is_aware_utc() -> None:
    now = SystemClock().now()
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)


def test_simulated_clock_moves_only_forward() -> None:
    clock = SimulatedClock(datetime(2013, 2, 25, 14, 30, tzinfo=UTC))
    assert clock.advance(timedelta(minutes=5)) == datetime(2013, 2, 25, 14, 35, tzinfo=UTC)
    clock.set(datetime(2013, 2, 25, 14, 35, tzinfo=UTC))  # standing still is fine
    with pytest.raises(InvalidInput):
        clock.set(datetime(2013, 2, 25, 14, 34, 59, tzinfo=UTC))
    with pytest.raises(InvalidInput):
        clock.set(datetime(2013, 2, 25, 15, 0))  # naive
    with pytest.raises(InvalidInput):
        SimulatedClock(datetime(2013, 2, 25, 15, 0))


async def test_replay_clock_steps_every_minute_of_the_session() -> None:
    clock = ReplayClock(date(2013, 2, 25), speed=None)
    assert clock.now() == session_open(date(2013, 2, 25))
    ticks = [tick async for tick in clock.minutes()]
    assert [t.index for t in ticks] == list(range(390))
    assert ticks[0].start == datetime(2013, 2, 25, 14, 30, tzinfo=UTC)
    assert ticks[0].end == datetime(2013, 2, 25, 14, 31, tzinfo=UTC)
    assert ticks[-1].end == session_close(date(2013, 2, 25))
    assert clock.now() == session_close(date(2013, 2, 25))


async def test_replay_clock_now_is_the_end_of_the_yielded_minute() -> None:
    clock = ReplayClock(date(2013, 2, 26), speed=None, from_minute=385)
    seen = []
    async for tick in clock.minutes():
        seen.append((tick.index, clock.now() == tick.end))
    assert seen == [(385, True), (386, True), (387, True), (388, True), (389, True)]


async def test_paced_replay_runs_faster_than_real_time() -> None:
    clock = ReplayClock(date(2013, 2, 27), speed=60_000.0, from_minute=380)  # a minute lasts 1 ms
    assert clock.minute_real_seconds == pytest.approx(0.001)
    assert [t.index async for t in clock.minutes()] == list(range(380, 390))


@pytest.mark.parametrize("speed", [0.0, -1.0])
def test_replay_clock_refuses_non_positive_speed(speed: float) -> None:
    with pytest.raises(InvalidInput):
        ReplayClock(date(2013, 2, 27), speed=speed)


@pytest.mark.parametrize("minute", [-1, 390])
def test_replay_clock_refuses_minutes_outside_the_session(minute: int) -> None:
    with pytest.raises(InvalidInput):
        ReplayClock(date(2013, 2, 27), from_minute=minute)


def test_daily_from_intraday_groups_by_new_york_date() -> None:
    # 15:59 and 16:00 ET on 8 March (EST) and 09:30 ET on 11 March (EDT)
    ts = np.array([datetime(2013, 3, 8, 20, 59, tzinfo=UTC).timestamp(),
                   datetime(2013, 3, 8, 23, 30, tzinfo=UTC).timestamp(),
                   datetime(2013, 3, 11, 13, 30, tzinfo=UTC).timestamp()], dtype=np.int64)
    bars = SymbolBars(ts, np.array([1.0, 2.0, 3.0]), np.array([1.5, 2.5, 3.5]), np.array([0.5, 1.5, 2.5]),
                      np.array([1.2, 2.2, 3.2]), np.array([10.0, 20.0, 30.0]))
    daily = daily_from_intraday(bars)
    assert daily.ts.tolist() == [int(daily_bar_time(date(2013, 3, 8)).timestamp()),
                                 int(daily_bar_time(date(2013, 3, 11)).timestamp())]
    assert daily.open.tolist() == [1.0, 3.0]
    assert daily.high.tolist() == [2.5, 3.5]
    assert daily.low.tolist() == [0.5, 2.5]
    assert daily.close.tolist() == [2.2, 3.2]
    assert daily.volume.tolist() == [30.0, 30.0]
