"""Where the simulated venue (and the OMS's reference price) gets prices: a small protocol.

Two sources fit it: the bar store (bars the market-data service ingests; "now" is the wall
clock) and the replay clock (historical bars released as simulated time advances). The sim
asks only two questions, so either can drive it, and a test can drive it bar by bar.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from catalyst.clock import Clock, SystemClock
from catalyst.db import Database
from catalyst.domain.market import Bar, Timeframe

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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



def _epoch_us(ts: datetime) -> int:
    return (ts - _EPOCH) // timedelta(microseconds=1)


class TradingHistoryFeed:
    """Completed bars from ``trading_history`` (what the bar store holds), as of ``clock.now()``.

    A bar counts once it is complete (its start plus one timeframe is not after ``clock.now()``), so
    with the wall clock the sim never trades on a bar still forming, and with a replay clock it
    never sees the future. ``time_id`` is microseconds since the epoch, so no join is needed to
    filter by time.
    """

    _SQL = """
        SELECT h.time_id, h.open::float8 AS open, h.high::float8 AS high, h.low::float8 AS low,
               h.close::float8 AS close, h.volume::float8 AS volume
        FROM trading_history h JOIN securities s USING (security_id)
        WHERE s.symbol = $1 AND h.timeframe = $2 AND h.time_id > $3 AND h.time_id <= $4
    """

    def __init__(self, db: Database, timeframe: Timeframe = Timeframe.MIN_1,
                 clock: Clock = SystemClock()):
        self._db = db
        self._timeframe = timeframe
        self._clock = clock

    def _horizon_us(self) -> int:
        return _epoch_us(self._clock.now() - timedelta(seconds=self._timeframe.seconds))

    def _bar(self, symbol: str, row: Any) -> Bar:
        return Bar(symbol=symbol, ts=_EPOCH + timedelta(microseconds=row["time_id"]), open=row["open"],
                   high=row["high"], low=row["low"], close=row["close"], volume=row["volume"])

    async def bars_after(self, symbol: str, after: datetime, limit: int = 1000) -> list[Bar]:
        async with self._db.acquire() as conn:
            rows = await conn.fetch(self._SQL + " ORDER BY h.time_id LIMIT $5", symbol, self._timeframe.value,
                                    _epoch_us(after), self._horizon_us(), limit)
        return [self._bar(symbol, r) for r in rows]

    async def latest_bar(self, symbol: str) -> Bar | None:
        async with self._db.acquire() as conn:
            row = await conn.fetchrow(self._SQL + " ORDER BY h.time_id DESC LIMIT 1", symbol,
                                      self._timeframe.value, -(2**62), self._horizon_us())
        return None if row is None else self._bar(symbol, row)
