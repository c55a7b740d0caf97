"""The one clock type: ``Clock`` (anything with ``now()``) and every implementation of it.

Market decisions (Risk's trading day and approval expiry, the sim broker's fills, the bar
horizons of the analysis services) read a ``Clock`` object, never ``datetime.now`` and never a
bare callable, so one clock can be swapped for another everywhere at once:

- ``SystemClock``: wall time (production);
- ``SimulatedClock``: moves only when told to (tests, back-fills);
- ``SteppedReplayClock``: one session stepped minute by minute, in process, by whoever replays it;
- ``AnchoredReplayClock``: replay time that flows on its own, the same in every process
  (``make run``'s offline default), chosen by ``market_clock(settings)`` from its config section;
- ``SharedReplayClock``: replay time that one process steps (``ClockDial``) and every other
  process reads from a small shared file (``catalyst run --speed max``).

Kept light (no NumPy, pandas or I/O) so that domain logic, adapters and services all import it.
"""

from __future__ import annotations

import asyncio
import mmap
import os
import struct
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Literal, Protocol

from pydantic import AwareDatetime, Field

from catalyst.config import Section
from catalyst.domain.calendar import SESSION_MINUTES, session_open
from catalyst.errors import InvalidInput


class Clock(Protocol):
    """The market's "now", timezone-aware."""

    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock time, UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class SimulatedClock:
    """A clock that moves only when told to, and never backwards (a rewound replay is a new clock)."""

    def __init__(self, start: datetime):
        if start.tzinfo is None:
            raise InvalidInput("a simulated clock needs a timezone-aware start", code="NAIVE_DATETIME")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, ts: datetime) -> None:
        if ts.tzinfo is None:
            raise InvalidInput("clock time must be timezone-aware", code="NAIVE_DATETIME")
        if ts < self._now:
            raise InvalidInput("a simulated clock never goes backwards",
                               details={"now": self._now.isoformat(), "requested": ts.isoformat()})
        self._now = ts.astimezone(UTC)

    def advance(self, delta: timedelta) -> datetime:
        self.set(self._now + delta)
        return self._now


@dataclass(frozen=True)
class MinuteTick:
    """Minute ``index`` (0 = the 09:30 bar) has just completed: its bar spans ``[start, end)``."""

    index: int
    start: datetime
    end: datetime


class SteppedReplayClock(SimulatedClock):
    """Replays ``day``'s session (09:30–16:00 New York, 390 bars) in whole minutes, ``speed``
    simulated seconds per real second (``None``: as fast as the consumer goes).

    Unlike ``AnchoredReplayClock`` its time does not flow: ``now()`` jumps to each minute's end
    only as ``minutes()`` yields it, so an in-process replay sees every bar complete exactly once.
    """

    def __init__(self, day: date, *, speed: float | None = 60.0, from_minute: int = 0):
        if speed is not None and speed <= 0:
            raise InvalidInput("replay speed must be positive", details={"speed": speed})
        if not 0 <= from_minute < SESSION_MINUTES:
            raise InvalidInput("from_minute must lie in the session", details={"from_minute": from_minute})
        self.day = day
        self.speed = speed
        self._first = from_minute
        super().__init__(session_open(day) + timedelta(minutes=from_minute))

    @property
    def minute_real_seconds(self) -> float:
        """Real seconds one simulated minute lasts (0 when unpaced)."""
        return 0.0 if self.speed is None else 60.0 / self.speed

    async def minutes(self) -> AsyncIterator[MinuteTick]:
        """Yield each minute as it completes, advancing ``now()`` to its end first.

        Pacing is against a fixed schedule (not sleep-after-work), so slow consumers do not make
        the replay drift later and later.
        """
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        open_ = session_open(self.day)
        for i in range(self._first, SESSION_MINUTES):
            step = i - self._first + 1
            if self.speed is None:
                await asyncio.sleep(0)
            else:
                await asyncio.sleep(max(0.0, t0 + step * self.minute_real_seconds - loop.time()))
            start = open_ + timedelta(minutes=i)
            end = start + timedelta(minutes=1)
            self.set(end)
            yield MinuteTick(index=i, start=start, end=end)


DEFAULT_REPLAY_START = datetime(2013, 3, 1, 14, 30, tzinfo=UTC)  # 09:30 New York, last replay day


class AnchoredReplayClock:
    """Replay time flowing on its own: ``now = start + (wall_now - anchor) × speed``.

    In replay all nine processes must agree on "now" without talking to each other on every call;
    the launcher (``make run``, later the Workflow service / the chart) gives each the same start,
    anchor and speed, so each computes the same simulated time locally, with no I/O on the hot
    path. Without an anchor the replay starts at ``start`` when the clock is built (one process,
    tests). Unlike ``SteppedReplayClock`` nobody drives it.
    """

    def __init__(self, start: datetime, *, anchor: datetime | None = None, speed: float = 1.0):
        self.start = start.astimezone(UTC)
        self.anchor = (anchor or datetime.now(UTC)).astimezone(UTC)
        self.speed = speed
        # monotonic base so a wall-clock step (NTP) never moves replay time backwards
        self._mono0 = time.monotonic()
        self._wall0 = datetime.now(UTC)

    def now(self) -> datetime:
        wall = self._wall0 + timedelta(seconds=time.monotonic() - self._mono0)
        return self.start + (wall - self.anchor) * self.speed


_DIAL = struct.Struct("<Qq")  # sequence number, then nanoseconds since the epoch
_DIAL_SPINS = 100  # reads before yielding to a writer caught between its two sequence writes
_DIAL_PATIENCE_S = 1.0


class ClockDial:
    """The writing end of a ``SharedReplayClock``: the one process that steps market time.

    The file holds a sequence number and the time in nanoseconds, mapped into memory by every
    reader, so a read costs no system call. The sequence makes it a seqlock: odd while a write is
    in progress, so a reader never takes half an old and half a new time. Time only moves forward.
    """

    def __init__(self, path: Path, start: datetime):
        self.path = path
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            os.ftruncate(fd, _DIAL.size)
            self._map = mmap.mmap(fd, _DIAL.size)
        finally:
            os.close(fd)
        self._seq = 0
        self._ns = _epoch_ns(start)
        self._write(self._ns)

    def now(self) -> datetime:
        return _from_ns(self._ns)

    def set(self, ts: datetime) -> None:
        ns = _epoch_ns(ts)
        if ns < self._ns:
            raise ValueError(f"the market clock cannot go back: {ts.isoformat()} < {self.now().isoformat()}")
        self._write(ns)

    def _write(self, ns: int) -> None:
        self._seq += 1
        self._map[0:8] = struct.pack("<Q", self._seq)  # odd: a write is under way
        self._map[8:16] = struct.pack("<q", ns)
        self._seq += 1
        self._map[0:8] = struct.pack("<Q", self._seq)
        self._ns = ns

    def close(self) -> None:
        self._map.close()


class SharedReplayClock:
    """Market time read from a ``ClockDial``'s file: moves only when the dial's owner steps it, so a
    driver can run a day as fast as the services answer and every process still agrees on now."""

    def __init__(self, path: Path):
        fd = os.open(path, os.O_RDONLY)
        try:
            self._map = mmap.mmap(fd, _DIAL.size, access=mmap.ACCESS_READ)
        finally:
            os.close(fd)

    def now(self) -> datetime:
        deadline = time.monotonic() + _DIAL_PATIENCE_S
        while True:
            for _ in range(_DIAL_SPINS):
                seq, ns = _DIAL.unpack_from(self._map)
                if seq % 2 == 0 and _DIAL.unpack_from(self._map)[0] == seq:
                    return _from_ns(ns)
            # the writer was stopped mid-write (preempted, or holding the GIL's turn): let it finish
            if time.monotonic() > deadline:
                raise RuntimeError("the shared market clock is being written without end")
            time.sleep(0)


def _epoch_ns(ts: datetime) -> int:
    delta = ts.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


def _from_ns(ns: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=ns // 1_000)


class MarketClockSettings(Section):
    """Which market clock a process runs on: ``MARKET_CLOCK=wall|replay|shared`` and the replay line."""

    market_clock: Literal["wall", "replay", "shared"] = Field("wall", alias="MARKET_CLOCK")
    replay_start: AwareDatetime = Field(DEFAULT_REPLAY_START, alias="REPLAY_START",
                                        description="Simulated time at the anchor")
    replay_anchor: AwareDatetime | None = Field(None, alias="REPLAY_ANCHOR",
                                                description="Wall time at which the replay began")
    replay_speed: float = Field(1.0, alias="REPLAY_SPEED", gt=0, le=10_000,
                                description="Simulated seconds per wall second")
    replay_clock_file: Path | None = Field(None, alias="REPLAY_CLOCK_FILE",
                                           description="The ClockDial file a shared clock reads")


def market_clock(settings: MarketClockSettings) -> Clock:
    """The clock the section asks for (``MARKET_CLOCK``; default wall)."""
    if settings.market_clock == "wall":
        return SystemClock()
    if settings.market_clock == "shared":
        if settings.replay_clock_file is None:
            raise InvalidInput("MARKET_CLOCK=shared needs REPLAY_CLOCK_FILE", code="BAD_CLOCK_SETTINGS")
        return SharedReplayClock(settings.replay_clock_file)
    return AnchoredReplayClock(settings.replay_start, anchor=settings.replay_anchor, speed=settings.replay_speed)
