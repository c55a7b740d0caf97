"""The two kinds of time the resilience tools take, so tests pass fakes instead of waiting."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

Monotonic = Callable[[], float]
"""Seconds on a clock that never steps back (``time.monotonic``); only differences matter."""

Sleep = Callable[[float], Awaitable[None]]
"""Waits that many seconds (``asyncio.sleep``)."""
