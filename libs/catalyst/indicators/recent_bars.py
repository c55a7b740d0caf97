"""The latest N bars of symbols, read through ``BarStore``, and the request parsing both analysis
services share (symbols, timeframes). I/O edge of the indicator and pattern packages."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from catalyst.db.bars import BarStore
from catalyst.domain.market import Timeframe, is_symbol
from catalyst.errors import CatalystError, InvalidInput, NotFound
from catalyst.indicators.ohlcv import OHLCV

SESSION_MINUTES = 390  # 09:30-16:00 New York


@dataclass(frozen=True)
class RecentBars:
    symbol: str
    timeframe: Timeframe
    ts: NDArray[np.datetime64]  # bar start times, datetime64[ns] UTC
    bars: OHLCV  # 1-D arrays

    @property
    def count(self) -> int:
        return int(self.ts.shape[0])

    def time_at(self, index: int) -> datetime:
        ns = int(self.ts[index].astype("datetime64[ns]").astype(np.int64))
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=ns // 1000)

    @property
    def as_of(self) -> datetime:
        return self.time_at(-1)


def parse_timeframe(value: str, allowed: Iterable[Timeframe]) -> Timeframe:
    """The timeframe named ``value``, or a 400 naming the allowed ones."""
    allowed = tuple(allowed)
    for tf in allowed:
        if value == tf.value:
            return tf
    raise InvalidInput(
        f"timeframe {value!r} is not supported; use one of {', '.join(t.value for t in allowed)}",
        code="UNSUPPORTED_TIMEFRAME",
        details={"timeframe": value, "allowed": [t.value for t in allowed]},
    )


def parse_symbol(value: str) -> str:
    symbol = value.strip().upper()
    if not is_symbol(symbol):
        raise InvalidInput(f"{value!r} is not a ticker symbol", code="INVALID_SYMBOL", details={"symbol": value})
    return symbol


def parse_symbols(values: Sequence[str]) -> list[str]:
    """Normalised, de-duplicated symbols in request order (400 on a malformed one)."""
    return list(dict.fromkeys(parse_symbol(v) for v in values))


def calendar_span(timeframe: Timeframe, count: int) -> timedelta:
    """A calendar window generous enough to hold ``count`` regular-session bars (weekends, holidays)."""
    per_day = 1.0 if timeframe is Timeframe.DAY_1 else SESSION_MINUTES * 60 / timeframe.seconds
    trading_days = math.ceil(count / per_day)
    return timedelta(days=math.ceil(trading_days * 7 / 5) + 5)


def _empty(symbol: str, timeframe: Timeframe) -> RecentBars:
    z = np.zeros(0)
    return RecentBars(symbol, timeframe, np.zeros(0, dtype="datetime64[ns]"), OHLCV(z, z, z, z, z))


async def load_recent_bars(
    store: BarStore, symbols: Sequence[str], timeframe: Timeframe, count: int
) -> dict[str, RecentBars | CatalystError]:
    """The last ``count`` bars of each symbol (fewer when history is shorter).

    Unknown symbols map to their ``NotFound`` (404). Each symbol's latest bar fixes a window
    (``calendar_span``) read for all symbols in one query; a symbol that comes back short is
    re-read over its whole history, so a gap in the data never hides older bars.
    """
    out: dict[str, RecentBars | CatalystError] = {}
    latest: dict[str, datetime] = {}

    async def probe(symbol: str) -> None:
        try:
            latest[symbol] = (await store.latest(symbol, timeframe)).ts
        except NotFound as exc:
            out[symbol] = _empty(symbol, timeframe) if exc.code == "NO_BARS" else exc

    await asyncio.gather(*(probe(s) for s in symbols))
    if latest:
        start = min(latest.values()) - calendar_span(timeframe, count)
        found = await store.read_many(list(latest), timeframe, start=start)
        for symbol, arrays in found.items():
            if len(arrays) < count:
                arrays = await store.read(symbol, timeframe)
            k = min(count, len(arrays))
            bars = OHLCV(*(np.ascontiguousarray(a[len(arrays) - k :]) for a in (
                arrays.open, arrays.high, arrays.low, arrays.close, arrays.volume)))
            out[symbol] = RecentBars(symbol, timeframe, arrays.ts[len(arrays) - k :], bars)
    return {s: out[s] for s in symbols}
