"""Market data: bars and timeframes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

SYMBOL_PATTERN = r"^[A-Z][A-Z0-9.\-]{0,9}$"  # the one ticker rule (the securities table checks the same)
SYMBOL = re.compile(SYMBOL_PATTERN)


class Timeframe(StrEnum):
    """Bar timeframes the system stores and analyses (Alpaca's spellings)."""

    MIN_1 = "1Min"
    MIN_5 = "5Min"
    MIN_15 = "15Min"
    HOUR_1 = "1Hour"
    DAY_1 = "1Day"

    @property
    def seconds(self) -> int:
        return _SECONDS[self]


_SECONDS = {
    Timeframe.MIN_1: 60,
    Timeframe.MIN_5: 300,
    Timeframe.MIN_15: 900,
    Timeframe.HOUR_1: 3600,
    Timeframe.DAY_1: 86400,
}


class Bar(BaseModel):
    """One OHLCV bar, the form every edge maps bars to; ``ts`` is the bar's start, timezone-aware
    UTC. ``vwap`` and ``trade_count`` are None where the source does not report them, ``timeframe``
    where the producer does not say (the bar store's ``latest`` does). Bulk code uses its columnar
    form, ``catalyst.bar_columns.BarColumns``."""

    model_config = ConfigDict(frozen=True)

    symbol: str = Field(pattern=SYMBOL_PATTERN)
    ts: AwareDatetime
    open: float = Field(gt=0)
    high: float = Field(gt=0)
    low: float = Field(gt=0)
    close: float = Field(gt=0)
    volume: float = Field(ge=0)
    vwap: float | None = None
    trade_count: int | None = None
    timeframe: Timeframe | None = None


def is_symbol(text: str) -> bool:
    """True for a US equity ticker as the system spells it (upper case, up to 10 chars)."""
    return SYMBOL.fullmatch(text) is not None  # not match: "$" would let a trailing newline through


def as_symbol(text: str) -> str | None:
    """A caller's spelling of a ticker (``" aapl"``) as the system spells it (``"AAPL"``); None when it is none."""
    symbol = text.strip().upper()
    return symbol if is_symbol(symbol) else None


def as_symbols(names: Iterable[str]) -> tuple[str, ...]:
    """A list of tickers as a person writes it (a watchlist), blanks dropped; ValueError naming every
    entry that is not a ticker."""
    given = [n for n in names if n.strip()]
    bad = [n.strip() for n in given if as_symbol(n) is None]
    if bad:
        raise ValueError(f"not tickers: {', '.join(bad)}")
    return tuple(s for s in map(as_symbol, given) if s is not None)


class Quote(BaseModel):
    symbol: str
    ts: datetime
    price: float
