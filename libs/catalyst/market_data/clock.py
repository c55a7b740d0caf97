"""The regular US equity session in New York time, and clocks that replay it.

``ReplayClock`` steps one session (09:30–16:00 America/New_York, 390 one-minute bars) minute by
minute at ``speed`` simulated seconds per real second (``None``: as fast as the consumer goes),
so a trading day can be replayed in seconds while every component reads the same simulated
``now()``. Daily bars are stamped at midnight New York time, as Alpaca stamps them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

import numpy as np

from catalyst.domain.calendar import NEW_YORK, SESSION_MINUTES, session_open
from catalyst.errors import InvalidInput
from catalyst.market_data.frame import I64, SymbolBars, to_epoch


def session_minute_starts(day: date) -> I64:
    """Epoch seconds of the 390 one-minute bar starts of ``day`` (09:30 … 15:59 New York)."""
    return to_epoch(session_open(day)) + 60 * np.arange(SESSION_MINUTES, dtype=np.int64)


def daily_from_intraday(bars: SymbolBars) -> SymbolBars:
    """Daily bars from intraday ones, one per New York calendar date, stamped at its midnight."""
    if len(bars) == 0:
        return bars
    import pandas as pd  # only here: the clock itself stays light to import

    local = pd.to_datetime(bars.ts, unit="s", utc=True).tz_convert(NEW_YORK).normalize()
    midnight = np.asarray(local.tz_convert("UTC").as_unit("s").asi8, dtype=np.int64)
    return bars.group(midnight)


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock time, UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class SimulatedClock:
    """A clock that moves only when told to (tests, back-fills, the replay below)."""

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


class ReplayClock(SimulatedClock):
    """Replays ``day``'s session minute by minute, ``speed`` times faster than real time."""

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
