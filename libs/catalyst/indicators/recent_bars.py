"""The latest N bars of symbols, read through ``BarStore``, and the request parsing both analysis
services share (symbols, timeframes). I/O edge of the indicator and pattern packages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from catalyst.db.bars import BarArrays, BarStore, unknown_symbols
from catalyst.domain.market import Timeframe, is_symbol
from catalyst.errors import CatalystError, InvalidInput, NotFound
from catalyst.indicators.ohlcv import OHLCV


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


def _recent(symbol: str, timeframe: Timeframe, arrays: BarArrays) -> RecentBars:
    bars = OHLCV(*(np.ascontiguousarray(a) for a in (arrays.open, arrays.high, arrays.low, arrays.close,
                                                        arrays.volume)))
    return RecentBars(symbol, timeframe, arrays.ts, bars)


async def load_recent_bars(
    store: BarStore, symbols: Sequence[str], timeframe: Timeframe, count: int
) -> dict[str, RecentBars | CatalystError]:
    """The last ``count`` bars of each symbol (fewer when history is shorter), in one read.

    Each unknown symbol maps to its own ``NotFound`` (404); the others are still read.
    """
    out: dict[str, RecentBars | CatalystError] = {}
    known = list(symbols)
    try:
        found = await store.read_last(known, timeframe, count) if known else {}
    except NotFound as exc:
        if exc.code != "UNKNOWN_SYMBOL":
            raise
        missing = set(exc.details["symbols"])
        out.update((s, unknown_symbols([s])) for s in symbols if s in missing)
        known = [s for s in symbols if s not in missing]
        found = await store.read_last(known, timeframe, count) if known else {}
    out.update((s, _recent(s, timeframe, found[s])) for s in known)
    return {s: out[s] for s in symbols}
