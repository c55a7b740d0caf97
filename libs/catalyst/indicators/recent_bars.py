"""The latest N bars of symbols, read through ``BarStore``, checked ready for analysis, and the
request parsing both analysis services share (symbols, timeframes). I/O edge of the indicator and
pattern packages."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from catalyst.bar_columns import BarColumns, from_ns
from catalyst.db.bars import BarStore, unknown_symbols
from catalyst.domain.market import Timeframe, as_symbol
from catalyst.errors import CatalystError, InvalidInput, NotFound
from catalyst.indicators.ohlcv import OHLCV, validate_ohlcv


@dataclass(frozen=True)
class RecentBars:
    symbol: str
    timeframe: Timeframe
    ts: NDArray[np.int64]  # bar start times, epoch ns UTC
    bars: OHLCV  # 1-D arrays

    @property
    def count(self) -> int:
        return int(self.ts.shape[0])

    def time_at(self, index: int) -> datetime:
        return from_ns(int(self.ts[index]))

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
    symbol = as_symbol(value)
    if symbol is None:
        raise InvalidInput(f"{value!r} is not a ticker symbol", code="INVALID_SYMBOL", details={"symbol": value})
    return symbol


def parse_symbols(values: Sequence[str]) -> list[str]:
    """Normalised, de-duplicated symbols in request order (400 on a malformed one)."""
    return list(dict.fromkeys(parse_symbol(v) for v in values))


def _recent(symbol: str, timeframe: Timeframe, arrays: BarColumns) -> RecentBars:
    bars = OHLCV(*(np.ascontiguousarray(a) for a in (arrays.open, arrays.high, arrays.low, arrays.close,
                                                        arrays.volume)))
    return RecentBars(symbol, timeframe, arrays.ts, bars)


async def load_recent_bars(
    store: BarStore, symbols: Sequence[str], timeframe: Timeframe, count: int, *, end: datetime | None = None
) -> dict[str, RecentBars | CatalystError]:
    """The last ``count`` bars of each symbol (fewer when history is shorter), in one read; with
    ``end`` (the market clock's now) only the bars complete by then (``BarStore.read_last``).

    Each unknown symbol maps to its own ``NotFound`` (404); the others are still read.
    """
    out: dict[str, RecentBars | CatalystError] = {}
    known = list(symbols)
    try:
        found = await store.read_last(known, timeframe, count, end=end) if known else {}
    except NotFound as exc:
        if exc.code != "UNKNOWN_SYMBOL":
            raise
        missing = set(exc.details["symbols"])
        out.update((s, unknown_symbols([s])) for s in symbols if s in missing)
        known = [s for s in symbols if s not in missing]
        found = await store.read_last(known, timeframe, count, end=end) if known else {}
    out.update((s, _recent(s, timeframe, found[s])) for s in known)
    return {s: out[s] for s in symbols}


# Raises ``InsufficientData`` (400) when a bar count cannot feed what was asked for.
CountCheck = Callable[[int], None]


def ready_bars(recent: RecentBars | CatalystError, check_count: CountCheck) -> RecentBars:
    """The bars, or the error that stops them: unknown symbol (404), too few bars or unusable bars (400)."""
    if isinstance(recent, CatalystError):
        raise recent
    check_count(recent.count)
    validate_ohlcv(recent.bars)
    return recent


async def load_ready_bars(store: BarStore, symbols: Sequence[str], timeframe: Timeframe, count: int,
                          check_count: CountCheck, *, end: datetime | None = None
                          ) -> tuple[list[RecentBars], dict[str, CatalystError]]:
    """``load_recent_bars`` then ``ready_bars`` per symbol: the ready bars (in ``symbols`` order) and,
    by symbol, the error of each one that is not."""
    loaded = await load_recent_bars(store, symbols, timeframe, count, end=end) if symbols else {}
    ready: list[RecentBars] = []
    errors: dict[str, CatalystError] = {}
    for symbol, recent in loaded.items():
        try:
            ready.append(ready_bars(recent, check_count))
        except CatalystError as exc:
            errors[symbol] = exc
    return ready, errors


async def load_ready_symbol(store: BarStore, symbol: str, timeframe: Timeframe, count: int,
                            check_count: CountCheck, *, end: datetime | None = None) -> RecentBars:
    """One symbol's ready bars; its error is raised."""
    return ready_bars((await load_recent_bars(store, [symbol], timeframe, count, end=end))[symbol], check_count)


def panels_by_count(ready: Iterable[RecentBars]) -> list[tuple[list[RecentBars], OHLCV]]:
    """Symbols with the same number of bars grouped (first-seen order), each with its stacked 2-D panel:
    the vectorised indicators and detectors take one panel per bar count."""
    groups: dict[int, list[RecentBars]] = {}
    for recent in ready:
        groups.setdefault(recent.count, []).append(recent)
    return [(group, OHLCV.stack([r.bars for r in group])) for group in groups.values()]
