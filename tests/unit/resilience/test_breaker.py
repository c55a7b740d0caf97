"""The circuit breaker on a fake clock: closed → open → half-open (one probe) → closed or open again."""

from __future__ import annotations

import asyncio

import pytest

from catalyst.resilience import BreakerState, CircuitBreaker, CircuitOpen
from tests.support.fake_time import FakeTime


class Down(Exception):
    pass


class Refused(Exception):
    """The remote answered "no": proof it is up."""


def fail(breaker: CircuitBreaker, error: Exception | None = None) -> None:
    with pytest.raises(type(error or Down())), breaker.guard():
        raise error or Down()


def succeed(breaker: CircuitBreaker) -> None:
    with breaker.guard():
        pass


def make(time: FakeTime, **kw: object) -> CircuitBreaker:
    return CircuitBreaker("upstream", clock=time, **{"threshold": 3, "recovery_s": 60.0, **kw})  # type: ignore[arg-type]


def test_opens_after_threshold_consecutive_failures_and_refuses_without_calling():
    time = FakeTime()
    breaker = make(time)
    fail(breaker)
    fail(breaker)
    assert breaker.state is BreakerState.CLOSED
    fail(breaker)
    assert breaker.state is BreakerState.OPEN
    assert breaker.state == "opened"
    called = False
    with pytest.raises(CircuitOpen) as caught, breaker.guard():
        called = True
    assert not called
    assert caught.value.retry_in_s == 60.0


def test_a_success_resets_the_count():
    time = FakeTime()
    breaker = make(time)
    fail(breaker)
    fail(breaker)
    succeed(breaker)
    fail(breaker)
    fail(breaker)
    assert breaker.state is BreakerState.CLOSED


def test_half_opens_after_recovery_and_a_good_probe_closes_it():
    time = FakeTime()
    breaker = make(time)
    for _ in range(3):
        fail(breaker)
    time.now = 59.999
    assert breaker.state is BreakerState.OPEN
    time.now = 60.0
    assert breaker.state is BreakerState.HALF_OPEN
    succeed(breaker)
    assert breaker.state is BreakerState.CLOSED
    fail(breaker)
    fail(breaker)
    assert breaker.state is BreakerState.CLOSED  # the count restarted from zero


def test_a_failed_probe_opens_it_for_another_full_recovery():
    time = FakeTime()
    breaker = make(time)
    for _ in range(3):
        fail(breaker)
    time.now = 100.0
    fail(breaker)  # the probe: one failure is enough
    assert breaker.state is BreakerState.OPEN
    time.now = 159.0
    assert breaker.state is BreakerState.OPEN
    time.now = 160.0
    assert breaker.state is BreakerState.HALF_OPEN


async def test_half_open_lets_exactly_one_probe_through_at_a_time():
    time = FakeTime()
    breaker = make(time)
    for _ in range(3):
        fail(breaker)
    time.now = 60.0
    entered = asyncio.Event()
    release = asyncio.Event()

    async def probe() -> None:
        with breaker.guard():
            entered.set()
            await release.wait()

    task = asyncio.create_task(probe())
    await entered.wait()
    with pytest.raises(CircuitOpen):
        succeed(breaker)  # a second caller while the probe is out
    release.set()
    await task
    assert breaker.state is BreakerState.CLOSED


async def test_a_cancelled_probe_is_no_verdict_and_frees_the_slot():
    time = FakeTime()
    breaker = make(time)
    for _ in range(3):
        fail(breaker)
    time.now = 60.0
    entered = asyncio.Event()

    async def probe() -> None:
        with breaker.guard():
            entered.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(probe())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert breaker.state is BreakerState.HALF_OPEN
    succeed(breaker)  # the next caller may probe
    assert breaker.state is BreakerState.CLOSED


def test_healthy_errors_count_as_success_and_pass_through():
    time = FakeTime()
    breaker = make(time, healthy=(Refused,))
    fail(breaker)
    fail(breaker)
    fail(breaker, Refused())
    fail(breaker)
    assert breaker.state is BreakerState.CLOSED


async def test_a_late_outcome_of_a_call_let_in_before_it_opened_changes_nothing():
    time = FakeTime()
    breaker = make(time)
    entered = asyncio.Event()
    finish: dict[str, asyncio.Event] = {"ok": asyncio.Event(), "fail": asyncio.Event()}

    async def slow(outcome: str) -> None:
        with breaker.guard():
            entered.set()
            await finish[outcome].wait()
            if outcome == "fail":
                raise Down()

    late_ok = asyncio.create_task(slow("ok"))
    late_fail = asyncio.create_task(slow("fail"))
    await entered.wait()
    await asyncio.sleep(0)  # both are inside the breaker
    for _ in range(3):
        fail(breaker)
    time.now = 30.0
    finish["ok"].set()
    await late_ok
    assert breaker.state is BreakerState.OPEN  # a late success does not close it
    time.now = 50.0
    finish["fail"].set()
    with pytest.raises(Down):
        await late_fail
    time.now = 60.0
    assert breaker.state is BreakerState.HALF_OPEN  # nor does a late failure push the recovery back


def test_threshold_must_be_positive():
    with pytest.raises(ValueError, match="threshold"):
        CircuitBreaker("x", threshold=0)
