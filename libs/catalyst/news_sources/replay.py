"""The offline default: replays a fixed list of stories (the synthetic universe's planted catalysts).

A story is visible once the (simulated) clock has reached its publication time, so a replayed
trading day sees its news arrive as it would have live. It is a market-wide source (``fetch_market``:
every story of a window, whatever its symbols). The stories may be given as a loader
(building the synthetic universe takes a second): it runs once, off the event loop, on first use;
if it fails the source reports itself unavailable (the service degrades) and tries again next time.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from datetime import datetime

from catalyst.clock import Clock, SystemClock
from catalyst.domain.news import NewsItem
from catalyst.news_sources.base import SourceBatch, SourceError

NAME = "replay"

Loader = Callable[[], Sequence[NewsItem]]


class _Index:
    def __init__(self, items: Sequence[NewsItem]):
        by_symbol: dict[str, list[NewsItem]] = {}
        for item in items:
            for symbol in item.symbols:
                by_symbol.setdefault(symbol.upper(), []).append(item)
        self.items = {s: sorted(v, key=lambda i: i.published_at) for s, v in by_symbol.items()}
        self.times = {s: [i.published_at for i in v] for s, v in self.items.items()}


class ReplayNewsSource:
    def __init__(self, items: Sequence[NewsItem] | Loader, clock: Clock | None = None):
        self._clock = clock or SystemClock()
        self._loader: Loader | None = items if callable(items) else None
        self._index: _Index | None = None if callable(items) else _Index(items)
        self._lock = asyncio.Lock()

    @property
    def name(self) -> str:
        return NAME

    async def aclose(self) -> None:
        return None

    async def _ready(self) -> _Index:
        if self._index is not None:
            return self._index
        async with self._lock:
            if self._index is None:
                assert self._loader is not None
                try:
                    self._index = _Index(await asyncio.to_thread(self._loader))
                except Exception as exc:  # a broken replay set degrades the answer like a dead source
                    raise SourceError(NAME, "unavailable", f"replay news could not be built: {exc}") from exc
            return self._index

    async def fetch_market(self, since: datetime, until: datetime) -> SourceBatch:
        """Every story published in the window (and by the clock's now), whatever its symbols."""
        index = await self._ready()
        return await self.fetch(sorted(index.items), since, until)

    async def fetch(self, symbols: Sequence[str], since: datetime, until: datetime) -> SourceBatch:
        index = await self._ready()
        end = min(until, self._clock.now())
        seen: dict[tuple[str, str], NewsItem] = {}
        wanted = {s.upper() for s in symbols}
        for symbol in sorted(wanted):
            times = index.times.get(symbol)
            if not times or end < since:
                continue
            for item in index.items[symbol][bisect_left(times, since):bisect_right(times, end)]:
                key = (item.source, item.source_id)
                kept = [s for s in item.symbols if s.upper() in wanted]
                seen[key] = item.model_copy(update={"symbols": kept})
        return SourceBatch(list(seen.values()))
