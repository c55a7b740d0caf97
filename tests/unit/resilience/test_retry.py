"""The retry policy on a fake clock: attempt counts, the backoff schedule, jitter, deadline, Retry-After."""

from __future__ import annotations

import pytest

from catalyst.resilience import Retrier, RetryAfterTooLong, RetryEvent, RetryPolicy
from tests.support.fake_time import FakeTime


class Flaky(Exception):
    def __init__(self, retry_after: float | None = None):
        super().__init__("flaky")
        self.retry_after = retry_after


class Script:
    """An attempt that raises the scripted errors in turn, then answers "ok"."""

    def __init__(self, *errors: BaseException, took_s: float = 0.0, time: FakeTime | None = None):
        self.errors = list(errors)
        self.calls = 0
        self.took_s = took_s
        self.time = time

    async def __call__(self) -> str:
        self.calls += 1
        if self.time is not None:
            self.time.now += self.took_s
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def retrier(time: FakeTime, draw: float = 0.0, **policy: object) -> Retrier:
    return Retrier(RetryPolicy(retry_on=(Flaky,), **policy),  # type: ignore[arg-type]
                   sleep=time.sleep, clock=time, draw=lambda: draw)


async def test_retries_until_success_with_doubling_waits():
    time = FakeTime()
    attempt = Script(Flaky(), Flaky())
    assert await retrier(time, attempts=3, backoff_s=0.5).call(attempt) == "ok"
    assert attempt.calls == 3
    assert time.waits == [0.5, 1.0]


async def test_an_attempt_may_be_any_callable_returning_an_awaitable():
    time = FakeTime()
    attempt = Script(Flaky())
    assert await retrier(time).call(lambda: attempt()) == "ok"
    assert attempt.calls == 2


async def test_gives_up_after_the_attempts_and_raises_the_last_error_itself():
    time = FakeTime()
    last = Flaky()
    attempt = Script(Flaky(), Flaky(), last)
    with pytest.raises(Flaky) as caught:
        await retrier(time, attempts=3).call(attempt)
    assert caught.value is last
    assert attempt.calls == 3
    assert len(time.waits) == 2  # no wait after the last attempt


async def test_an_error_outside_retry_on_is_final():
    time = FakeTime()
    attempt = Script(KeyError("refused"))
    with pytest.raises(KeyError):
        await retrier(time).call(attempt)
    assert attempt.calls == 1
    assert time.waits == []


def test_backoff_schedule_is_capped():
    policy = RetryPolicy(retry_on=(Flaky,), attempts=6, backoff_s=0.5, max_backoff_s=3.0)
    assert [policy.backoff(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_jitter_shortens_each_wait_by_at_most_its_fraction():
    policy = RetryPolicy(retry_on=(Flaky,), backoff_s=1.0, max_backoff_s=8.0, jitter=0.5)
    assert policy.backoff(3, draw=0.0) == 4.0
    assert policy.backoff(3, draw=0.5) == 3.0
    assert policy.backoff(3, draw=0.999) == pytest.approx(2.002)
    assert policy.backoff(9, draw=0.5) == 6.0  # jitter applies under the cap


async def test_jittered_waits_draw_from_the_injected_source():
    time = FakeTime()
    attempt = Script(Flaky(), Flaky())
    await retrier(time, draw=0.5, attempts=3, backoff_s=1.0, jitter=1.0).call(attempt)
    assert time.waits == [0.5, 1.0]


@pytest.mark.parametrize(("bad", "says"), [({"attempts": 0}, "attempts"), ({"jitter": 1.5}, "jitter"),
                                           ({"backoff_s": -1.0}, "backoff")])
def test_nonsense_policies_are_refused(bad, says):
    with pytest.raises(ValueError, match=says):
        RetryPolicy(retry_on=(Flaky,), **bad)


async def test_deadline_stops_before_a_wait_that_would_end_past_it():
    time = FakeTime()
    attempt = Script(*(Flaky() for _ in range(9)), took_s=1.0, time=time)
    with pytest.raises(Flaky):
        await retrier(time, attempts=10, backoff_s=1.0, max_backoff_s=100.0, deadline_s=10.0).call(attempt)
    # t=1 fail, wait 1 → t=3 fail, wait 2 → t=6 fail; a 4 s wait would end at 10 (allowed) → t=11 fail,
    # and the next wait (8 s) would end at 19, past 10: given up after four attempts
    assert attempt.calls == 4
    assert time.waits == [1.0, 2.0, 4.0]


async def test_deadline_exactly_at_the_end_of_a_wait_is_allowed():
    time = FakeTime()
    attempt = Script(Flaky(), Flaky())
    assert await retrier(time, attempts=3, backoff_s=1.0, deadline_s=3.0).call(attempt) == "ok"
    assert time.waits == [1.0, 2.0]


async def test_on_retry_hears_each_retried_failure_but_not_the_final_one():
    time = FakeTime()
    events: list[RetryEvent] = []
    errors = [Flaky(), Flaky(), Flaky()]
    with pytest.raises(Flaky):
        await retrier(time, attempts=3, backoff_s=0.25).call(Script(*errors), on_retry=events.append)
    assert [(e.attempt, e.wait_s, e.error) for e in events] == [(1, 0.25, errors[0]), (2, 0.5, errors[1])]


def asked(error: BaseException) -> float | None:
    return error.retry_after if isinstance(error, Flaky) else None


async def test_a_requested_wait_replaces_the_backoff_without_jitter():
    time = FakeTime()
    attempt = Script(Flaky(retry_after=7.0), Flaky())
    await retrier(time, draw=0.9, attempts=3, backoff_s=0.5, jitter=1.0).call(attempt, requested_wait=asked)
    assert time.waits == [7.0, pytest.approx(0.1)]


async def test_a_requested_wait_over_the_cap_gives_up_at_once():
    time = FakeTime()
    error = Flaky(retry_after=31.0)
    attempt = Script(error)
    with pytest.raises(RetryAfterTooLong) as caught:
        await retrier(time, attempts=3, max_backoff_s=30.0).call(attempt, requested_wait=asked)
    assert caught.value.error is error
    assert caught.value.__cause__ is error
    assert (caught.value.requested_s, caught.value.cap_s) == (31.0, 30.0)
    assert attempt.calls == 1
    assert time.waits == []


async def test_a_requested_wait_at_the_cap_is_honoured():
    time = FakeTime()
    await retrier(time, attempts=2, max_backoff_s=30.0).call(Script(Flaky(retry_after=30.0)), requested_wait=asked)
    assert time.waits == [30.0]


async def test_on_the_last_attempt_an_over_long_request_is_plain_exhaustion():
    time = FakeTime()
    last = Flaky(retry_after=999.0)
    with pytest.raises(Flaky) as caught:
        await retrier(time, attempts=2).call(Script(Flaky(), last), requested_wait=asked)
    assert caught.value is last
