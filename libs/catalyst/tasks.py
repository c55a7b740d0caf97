"""A service's background work: loops that outlive their errors, and the tasks that run them.

A loop made by :func:`repeat` never dies of an exception: it logs it (``failure_event`` with
``error``) and goes round again after its pause, so a broker, Redis or database outage delays
the work, it never stops it. Cancellation (shutdown) is the only way out.
:class:`BackgroundTasks` starts such loops at start-up and cancels and awaits them (bounded) at shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from catalyst.logging import get_logger

log = get_logger(__name__)


async def repeat(work: Callable[[], Awaitable[object]], *, pause_s: float, failure_event: str,
                 pause_first: bool = False) -> None:
    """Await ``work()`` until cancelled, ``pause_s`` after each round whether it failed or not
    (and before the first with ``pause_first``, for work start-up has just done once)."""
    if pause_first:
        await asyncio.sleep(pause_s)
    while True:
        try:
            await work()
        except Exception as exc:  # logged, then the next round: nothing but cancellation ends the loop
            log.warning(failure_event, error=str(exc))
        await asyncio.sleep(pause_s)


class BackgroundTasks:
    """The tasks a service starts with itself; ``stop`` cancels them and waits until they are gone."""

    def __init__(self) -> None:
        self._tasks: list[asyncio.Task[None]] = []

    def start(self, work: Coroutine[Any, Any, None], *, name: str) -> asyncio.Task[None]:
        task = asyncio.create_task(work, name=name)
        self._tasks.append(task)
        return task

    async def stop(self, limit_s: float = 5.0) -> None:
        """Cancel every task and wait up to ``limit_s`` for them to end. A task that swallowed its
        cancel (a library's wait_for can lose one) is cancelled again and left behind, logged: a
        shutdown never hangs on it."""
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            _, stuck = await asyncio.wait(self._tasks, timeout=limit_s)
            for task in stuck:
                log.warning("background_task_stuck", task=task.get_name())
                task.cancel()
        for task in self._tasks:
            if task.done() and not task.cancelled():
                with contextlib.suppress(Exception):
                    task.result()
        self._tasks.clear()
