"""The one market clock every service reads: wall time in production, replay time offline.

In replay (the offline default of ``make run``) all nine processes must agree on "now" without
talking to each other on every call, so the replay clock is an anchored line:

    now = REPLAY_START + (wall_now - REPLAY_ANCHOR) × REPLAY_SPEED

``REPLAY_ANCHOR`` is the wall instant at which the replay began; the launcher (``make run``, and
later the Workflow service / the chart) sets the same three values for every process, so each
computes the same simulated time locally, with no I/O on the hot path. Without an anchor the
replay starts at ``REPLAY_START`` when the process starts (a single process, tests).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import AwareDatetime, Field

from catalyst.config import Section
from catalyst.market_data.clock import Clock, SystemClock

DEFAULT_REPLAY_START = datetime(2013, 3, 1, 14, 30, tzinfo=UTC)  # 09:30 New York, last replay day


class MarketClockSettings(Section):
    market_clock: Literal["wall", "replay"] = Field("wall", alias="MARKET_CLOCK")
    replay_start: AwareDatetime = Field(DEFAULT_REPLAY_START, alias="REPLAY_START",
                                        description="Simulated time at the anchor")
    replay_anchor: AwareDatetime | None = Field(None, alias="REPLAY_ANCHOR",
                                                description="Wall time at which the replay began")
    replay_speed: float = Field(1.0, alias="REPLAY_SPEED", gt=0, le=10_000,
                                description="Simulated seconds per wall second")


class AnchoredReplayClock:
    """Simulated time moving at ``speed`` from ``start``, anchored at a wall instant."""

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


def market_clock(settings: MarketClockSettings) -> Clock:
    """The clock the section asks for (``MARKET_CLOCK``; default wall)."""
    if settings.market_clock == "wall":
        return SystemClock()
    return AnchoredReplayClock(settings.replay_start, anchor=settings.replay_anchor, speed=settings.replay_speed)
