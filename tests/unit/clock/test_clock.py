"""The clocks: wall, simulated, the stepped session replay and the anchored replay line."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest

from catalyst.clock import (
    AnchoredReplayClock,
    MarketClockSettings,
    SimulatedClock,
    SteppedReplayClock,
    SystemClock,
    market_clock,
)
from catalyst.domain.calendar import session_close, session_open
from catalyst.environment import read
from catalyst.errors import InvalidInput


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


async def test_stepped_replay_clock_steps_every_minute_of_the_session() -> None:
    clock = SteppedReplayClock(date(2013, 2, 25), speed=None)
    assert clock.now() == session_open(date(2013, 2, 25))
    ticks = [tick async for tick in clock.minutes()]
    assert [t.index for t in ticks] == list(range(390))
    assert ticks[0].start == datetime(2013, 2, 25, 14, 30, tzinfo=UTC)
    assert ticks[0].end == datetime(2013, 2, 25, 14, 31, tzinfo=UTC)
    assert ticks[-1].end == session_close(date(2013, 2, 25))
    assert clock.now() == session_close(date(2013, 2, 25))


async def test_stepped_replay_clock_now_is_the_end_of_the_yielded_minute() -> None:
    clock = SteppedReplayClock(date(2013, 2, 26), speed=None, from_minute=385)
    seen = []
    async for tick in clock.minutes():
        seen.append((tick.index, clock.now() == tick.end))
    assert seen == [(385, True), (386, True), (387, True), (388, True), (389, True)]


async def test_paced_stepped_replay_runs_faster_than_real_time() -> None:
    clock = SteppedReplayClock(date(2013, 2, 27), speed=60_000.0, from_minute=380)  # a minute lasts 1 ms
    assert clock.minute_real_seconds == pytest.approx(0.001)
    assert [t.index async for t in clock.minutes()] == list(range(380, 390))


@pytest.mark.parametrize("speed", [0.0, -1.0])
def test_stepped_replay_clock_refuses_non_positive_speed(speed: float) -> None:
    with pytest.raises(InvalidInput):
        SteppedReplayClock(date(2013, 2, 27), speed=speed)


@pytest.mark.parametrize("minute", [-1, 390])
def test_stepped_replay_clock_refuses_minutes_outside_the_session(minute: int) -> None:
    with pytest.raises(InvalidInput):
        SteppedReplayClock(date(2013, 2, 27), from_minute=minute)


def test_market_clock_default_is_wall_time():
    assert isinstance(market_clock(MarketClockSettings()), SystemClock)


def test_two_processes_with_the_same_anchor_agree():
    start = datetime(2013, 3, 1, 14, 30, tzinfo=UTC)
    anchor = datetime.now(UTC) - timedelta(minutes=10)
    a = AnchoredReplayClock(start, anchor=anchor, speed=6.0)
    b = AnchoredReplayClock(start, anchor=anchor, speed=6.0)
    assert abs((a.now() - b.now()).total_seconds()) < 1.0
    # ten wall minutes at 6x: one simulated hour after the start
    assert abs((a.now() - (start + timedelta(hours=1))).total_seconds()) < 6.0


def test_replay_settings_from_env(monkeypatch):
    monkeypatch.setenv("MARKET_CLOCK", "replay")
    monkeypatch.setenv("REPLAY_START", "2013-02-27T15:00:00Z")
    monkeypatch.setenv("REPLAY_SPEED", "60")
    clock = market_clock(read(MarketClockSettings))
    assert isinstance(clock, AnchoredReplayClock)
    assert clock.speed == 60.0
    assert timedelta(0) <= clock.now() - datetime(2013, 2, 27, 15, tzinfo=UTC) < timedelta(minutes=5)


def test_importing_the_clock_loads_neither_numpy_nor_pandas() -> None:
    """Every layer imports the clock, so it must stay light (a fresh interpreter: nothing hides a leak)."""
    probe = "import sys, catalyst.clock; print(sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'pandas'}))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True,
                          env={"PYTHONPATH": ":".join(p for p in sys.path if p)})
    assert done.stdout.strip() == "[]"
