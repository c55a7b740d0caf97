"""``catalyst.tasks``: loops that outlive their errors, and tasks stopped cleanly."""

from __future__ import annotations

import asyncio

import pytest

from catalyst.tasks import BackgroundTasks, repeat


async def _until(predicate, rounds: int = 1000) -> None:
    for _ in range(rounds):
        if predicate():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


async def test_repeat_goes_on_after_failures_until_cancelled() -> None:
    calls: list[int] = []

    async def work() -> None:
        calls.append(len(calls))
        if len(calls) % 2:
            raise RuntimeError("transient")

    task = asyncio.create_task(repeat(work, pause_s=0, failure_event="test_work_failed"))
    await _until(lambda: len(calls) >= 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert calls[:5] == [0, 1, 2, 3, 4]  # three failures did not end it


async def test_pause_first_waits_before_the_first_round() -> None:
    calls: list[str] = []

    async def work() -> None:
        calls.append("ran")

    task = asyncio.create_task(repeat(work, pause_s=3600, failure_event="x", pause_first=True))
    for _ in range(20):
        await asyncio.sleep(0)
    assert calls == []
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    task = asyncio.create_task(repeat(work, pause_s=3600, failure_event="x"))
    await _until(lambda: calls == ["ran"])
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_cancellation_inside_work_ends_the_loop() -> None:
    started = asyncio.Event()

    async def work() -> None:
        started.set()
        await asyncio.sleep(3600)

    task = asyncio.create_task(repeat(work, pause_s=0, failure_event="x"))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_stop_cancels_and_awaits_every_task_even_a_failed_one() -> None:
    tasks = BackgroundTasks()
    cleaned: list[str] = []

    async def forever(name: str) -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            cleaned.append(name)

    async def broken() -> None:
        raise RuntimeError("died early")

    a = tasks.start(forever("a"), name="a")
    b = tasks.start(forever("b"), name="b")
    c = tasks.start(broken(), name="c")
    await asyncio.sleep(0)
    await tasks.stop()
    assert sorted(cleaned) == ["a", "b"]
    assert a.cancelled()
    assert b.cancelled()
    assert c.done()
    assert (a.get_name(), b.get_name()) == ("a", "b")
    await tasks.stop()  # nothing left: a second stop is a no-op


async def test_stop_never_hangs_on_a_task_that_swallows_its_cancel() -> None:
    swallowed = 0

    async def stubborn() -> None:
        nonlocal swallowed
        while swallowed < 2:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:  # what a lost cancel inside a library looks like
                swallowed += 1
        await asyncio.sleep(10)

    tasks = BackgroundTasks()
    task = tasks.start(stubborn(), name="stubborn")
    started = asyncio.get_running_loop().time()
    await tasks.stop(limit_s=0.1)
    assert asyncio.get_running_loop().time() - started < 1.0
    task.cancel()  # its third cancel ends it
    with pytest.raises(asyncio.CancelledError):
        await task
