"""A circuit breaker: stop calling what keeps failing, then let one probe find out if it is back.

Written here rather than taken from purgatory (the breaker this replaces) because purgatory reads
the wall clock (``time.time()`` inside its state classes, so it can be neither faked in a test
nor trusted across a clock step), lets every concurrent caller through when half-open instead of
one probe, and counts a cancelled call as a failure. The whole machine is three states
(``BreakerState``) and the three verdicts in ``guard``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum

from catalyst.resilience.timing import Monotonic


class BreakerState(StrEnum):
    """The names are purgatory's, which dashboards and tests already read."""

    CLOSED = "closed"  # calls pass; consecutive failures are counted
    OPEN = "opened"  # calls are refused until recovery_s has passed since it opened
    HALF_OPEN = "half-opened"  # one probe passes: success closes, failure opens again


class CircuitOpen(Exception):
    """Refused without calling: the breaker is open, or half-open with its probe in flight."""

    def __init__(self, name: str, retry_in_s: float):
        super().__init__(f"circuit {name} is open (next probe in {retry_in_s:.1f}s)")
        self.name = name
        self.retry_in_s = retry_in_s


class CircuitBreaker:
    """One breaker per remote. ``guard()`` wraps each attempt: an ``Exception`` that escapes it
    counts as a failure unless it is one of ``healthy``, errors that prove the remote answered
    (a refusal, a not-found), which count as a success. Cancellation counts as neither."""

    def __init__(self, name: str, *, threshold: int = 5, recovery_s: float = 60.0,
                 healthy: tuple[type[BaseException], ...] = (), clock: Monotonic = time.monotonic):
        if threshold < 1:
            raise ValueError("threshold must be at least 1")
        self.name = name
        self.threshold = threshold
        self.recovery_s = recovery_s
        self._healthy = healthy
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self._clock() - self._opened_at < self.recovery_s:
            return BreakerState.OPEN
        return BreakerState.HALF_OPEN

    @contextmanager
    def guard(self) -> Iterator[None]:
        """``with breaker.guard(): await call()`` — raises ``CircuitOpen`` instead of calling."""
        probe = self._admit()
        try:
            yield
        except self._healthy:
            self._succeeded(probe)
            raise
        except Exception:
            self._failed(probe)
            raise
        except BaseException:  # cancelled: no verdict, the next caller may probe
            if probe:
                self._probing = False
            raise
        self._succeeded(probe)

    def _admit(self) -> bool:
        """Let one call through or raise ``CircuitOpen``; True when the call is the half-open probe."""
        state = self.state
        if state is BreakerState.CLOSED:
            return False
        if state is BreakerState.HALF_OPEN and not self._probing:
            self._probing = True
            return True
        assert self._opened_at is not None
        raise CircuitOpen(self.name, max(self._opened_at + self.recovery_s - self._clock(), 0.0))

    def _succeeded(self, probe: bool) -> None:
        if probe or self._opened_at is None:  # a late success of a call let in before it opened proves little
            self._failures, self._opened_at, self._probing = 0, None, False

    def _failed(self, probe: bool) -> None:
        if probe:
            self._opened_at, self._probing = self._clock(), False
        elif self._opened_at is None:
            self._failures += 1
            if self._failures >= self.threshold:
                self._opened_at = self._clock()
