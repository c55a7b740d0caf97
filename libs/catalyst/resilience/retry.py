"""Retries: how many attempts, how long between them, which errors earn another try, until when.

tenacity runs the loop (attempt counting, the retry predicate, re-raising the last error, the
injected sleep). Two parts are ours because tenacity does them with fixed globals: the wait, so
that jitter draws from an injected random source (tenacity's jittered waits call ``random``
directly), and the deadline, measured on an injected clock (``stop_after_delay`` reads
``time.monotonic``, which a fake sleep never advances).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import NoReturn, TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type

from catalyst.resilience.timing import Monotonic, Sleep

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """What to retry and how often; pure data, shared by every call it governs.

    The wait before retry ``n`` (1-based) is ``backoff_s · 2^(n-1)`` capped at ``max_backoff_s``,
    shortened by a random fraction of at most ``jitter`` (0: the exact schedule; 1: "full
    jitter") so that callers failing together do not retry together. ``deadline_s`` bounds the
    whole call: no retry is begun whose wait would end more than that long after the first try.
    """

    retry_on: tuple[type[BaseException], ...]
    attempts: int = 3
    backoff_s: float = 0.5
    max_backoff_s: float = 30.0
    jitter: float = 0.0
    deadline_s: float | None = None

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.backoff_s < 0 or self.max_backoff_s < 0:
            raise ValueError("backoff must not be negative")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError("jitter is a fraction between 0 and 1")

    def backoff(self, retry: int, draw: float = 0.0) -> float:
        """Wait before retry number ``retry`` (1-based); ``draw`` in [0, 1) picks the jitter."""
        base = min(self.backoff_s * 2.0 ** (retry - 1), self.max_backoff_s)
        return float(base * (1.0 - self.jitter * draw))


@dataclass(frozen=True, slots=True)
class RetryEvent:
    """One failed attempt that will be retried, told to ``on_retry`` before the wait."""

    attempt: int
    wait_s: float
    error: BaseException


class RetryAfterTooLong(Exception):
    """The failure asked for a wait longer than the policy allows: treated as down, not waited for."""

    def __init__(self, error: BaseException, requested_s: float, cap_s: float):
        super().__init__(f"{error}; asked to wait {requested_s:.0f}s, over the {cap_s:.0f}s cap")
        self.error = error
        self.requested_s = requested_s
        self.cap_s = cap_s


class Retrier:
    """A ``RetryPolicy`` bound to a sleep, a clock and a random source (fakes in tests)."""

    def __init__(self, policy: RetryPolicy, *, sleep: Sleep = asyncio.sleep, clock: Monotonic = time.monotonic,
                 draw: Callable[[], float] = random.random):
        self.policy = policy
        self._sleep = sleep
        self._clock = clock
        self._draw = draw

    async def call(self, attempt: Callable[[], Awaitable[T]], *,
                   on_retry: Callable[[RetryEvent], None] | None = None,
                   requested_wait: Callable[[BaseException], float | None] | None = None) -> T:
        """Run ``attempt`` until it succeeds, fails with an error not in ``retry_on``, or the policy
        gives up; then the last error is raised as it was.

        ``requested_wait`` reads a wait the failure itself asks for (a ``Retry-After``): it replaces
        the backoff, without jitter, and one over ``max_backoff_s`` ends the call with
        ``RetryAfterTooLong`` instead of stalling it.
        """
        policy = self.policy
        started = self._clock()

        def error_of(state: RetryCallState) -> BaseException:
            assert state.outcome is not None
            error = state.outcome.exception()
            assert error is not None
            return error

        def requested(state: RetryCallState) -> float | None:
            return requested_wait(error_of(state)) if requested_wait is not None else None

        def wait(state: RetryCallState) -> float:
            asked = requested(state)
            return asked if asked is not None else policy.backoff(state.attempt_number, self._draw())

        def stop(state: RetryCallState) -> bool:
            if state.attempt_number >= policy.attempts:
                return True
            asked = requested(state)
            if asked is not None and asked > policy.max_backoff_s:
                return True
            return policy.deadline_s is not None and (
                self._clock() - started + state.upcoming_sleep > policy.deadline_s)

        def give_up(state: RetryCallState) -> NoReturn:
            error = error_of(state)
            asked = requested(state)
            if state.attempt_number < policy.attempts and asked is not None and asked > policy.max_backoff_s:
                raise RetryAfterTooLong(error, asked, policy.max_backoff_s) from error
            raise error

        def before_sleep(state: RetryCallState) -> None:
            if on_retry is not None:
                on_retry(RetryEvent(state.attempt_number, state.upcoming_sleep, error_of(state)))

        async def run() -> T:  # tenacity awaits only coroutine functions: a lambda's awaitable would be the result
            return await attempt()

        retrying = AsyncRetrying(sleep=self._sleep, stop=stop, wait=wait,
                                 retry=retry_if_exception_type(policy.retry_on), before_sleep=before_sleep,
                                 retry_error_callback=give_up)
        return await retrying(run)
