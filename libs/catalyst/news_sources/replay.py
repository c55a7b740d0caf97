"""The offline default: replays a fixed list of stories (the synthetic universe's planted catalysts).

A story is visible once the (simulated) clock has reached its publication time, so a replayed
trading day sees its news arrive as it would have live.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import datetime

from catalyst.domain.news import NewsItem
from catalyst.market_data.clock import Clock, SystemClock
from catalyst.news_sources.base import SourceBatch

NAME = "replay"


class ReplayNewsSource:
    def __init__(self, items: Sequence[NewsItem], clock: Clock | None = None):
        self._clock = clock or SystemClock()
        by_symbol: dict[str, list[NewsItem]] = {}
        for item in items:
            for symbol in item.symbols:
                by_symbol.setdefault(symbol.upper(), []).append(item)
        self._items = {s: sorted(v, key=lambda i: i.published_at) for s, v in by_symbol.items()}
        self._times = {s: [i.published_at for i in v] for s, v in self._items.items()}

    @property
    def name(self) -> str:
        return NAME

    async def aclose(self) -> None:
        return None

    async def fetch(self, symbols: Sequence[str], since: datetime, until: datetime) -> SourceBatch:
        end = min(until, self._clock.now())
        seen: dict[tuple[str, str], NewsItem] = {}
        wanted = {s.upper() for s in symbols}
        for symbol in sorted(wanted):
            times = self._times.get(symbol)
            if not times or end < since:
                continue
            for item in self._items[symbol][bisect_left(times, since):bisect_right(times, end)]:
                key = (item.source, item.source_id)
                kept = [s for s in item.symbols if s.upper() in wanted]
                seen[key] = item.model_copy(update={"symbols": kept})
        return SourceBatch(list(seen.values()))
