"""``eventually``: wait for an asynchronous effect by polling a condition, never by a fixed sleep."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

DEFAULT_WITHIN_S = 10.0
DEFAULT_INTERVAL_S = 0.02


async def eventually(check: Callable[[], Awaitable[T] | T], *, within_s: float = DEFAULT_WITHIN_S,
                     interval_s: float = DEFAULT_INTERVAL_S, what: str | None = None) -> T:
    """Call ``check`` (plain or async) until it returns something truthy and return that.

    Fails with ``AssertionError`` naming ``what`` (or the check) and its last result once
    ``within_s`` has passed; an exception ``check`` raises ends the wait at once.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if loop.time() >= deadline:
            name = what or getattr(check, "__qualname__", repr(check))
            raise AssertionError(f"not met within {within_s:g} s: {name} (last result: {result!r})")
        await asyncio.sleep(interval_s)
