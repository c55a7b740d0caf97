"""The HTTP client stack finds its event loop without a failed import per request.

httpcore asks ``sniffio`` which async library runs on every connection acquire; when sniffio is
absent the ``import`` fails each time, and a failed import is not cached: it searches every
``sys.path`` entry again. The pin in requirements.txt keeps it installed.
"""

from __future__ import annotations

import asyncio
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType

from httpcore._synchronization import current_async_library


class _LookupCounter(importlib.abc.MetaPathFinder):
    """Counts the import system's searches for sniffio (a cached module is never searched)."""

    def __init__(self) -> None:
        self.searches = 0

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname == "sniffio":
            self.searches += 1
        return None


def test_httpcore_learns_the_event_loop_without_searching_for_a_module() -> None:
    async def ask_many_times() -> list[str]:
        return [current_async_library() for _ in range(50)]

    current_async_library_once = asyncio.run(ask_many_times())[0]
    counter = _LookupCounter()
    sys.meta_path.insert(0, counter)
    try:
        answers = asyncio.run(ask_many_times())
    finally:
        sys.meta_path.remove(counter)
    assert current_async_library_once == "asyncio"
    assert set(answers) == {"asyncio"}
    assert counter.searches == 0
    assert "sniffio" in sys.modules
