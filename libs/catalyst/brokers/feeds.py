"""Where the simulated venue (and the OMS's reference price) gets prices: a small protocol.

Two sources fit it: the bar store (bars the market-data service ingests; "now" is the wall
clock) and the replay clock (historical bars released as simulated time advances). The sim
asks only two questions, so either can drive it, and a test can drive it bar by bar.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from datetime import datetime
from typing import Protocol, runtime_checkable

from catalyst.domain.market import Bar


@runtime_checkable
class PriceFeed(Protocol):
    async def bars_after(self, symbol: str, after: datetime, limit: int = 1000) -> list[Bar]:
        """Completed bars of ``symbol`` starting strictly after ``after``, oldest first."""
        ...

    async def latest_bar(self, symbol: str) -> Bar | None:
        """The most recent completed bar of ``symbol`` (None when there is none yet)."""
        ...


class InMemoryBarFeed:
    """Bars held in memory and released by ``publish`` (a replay you drive by hand).

    Deterministic, used by the benchmark and by tests that step the sim bar by bar.
    """

    def __init__(self, bars: Iterable[Bar] = ()):
        self._bars: dict[str, list[Bar]] = {}
        for bar in bars:
            self.publish(bar)

    def publish(self, bar: Bar) -> None:
        series = self._bars.setdefault(bar.symbol, [])
        if series and bar.ts <= series[-1].ts:
            raise ValueError(f"bars of {bar.symbol} must arrive in time order")
        series.append(bar)

    async def bars_after(self, symbol: str, after: datetime, limit: int = 1000) -> list[Bar]:
        series = self._bars.get(symbol, [])
        start = bisect.bisect_right(series, after, key=lambda b: b.ts)
        return series[start:start + limit]

    async def latest_bar(self, symbol: str) -> Bar | None:
        series = self._bars.get(symbol)
        return series[-1] if series else None
