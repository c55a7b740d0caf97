"""Monotonic time that moves only when something sleeps on it: retries, breakers and deadlines
are asserted on the waits they asked for, never waited for."""

from __future__ import annotations


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        """The injected monotonic clock (seconds)."""
        return self.now

    async def sleep(self, seconds: float) -> None:
        """The injected sleep: records the wait and moves time on by it."""
        self.waits.append(seconds)
        self.now += seconds
