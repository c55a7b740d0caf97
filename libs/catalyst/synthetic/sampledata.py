"""Real daily OHLCV from the ``bokeh-sampledata`` package (Quandl WIKI prices, public domain).

AAPL, IBM, MSFT and GOOG from 2000 (GOOG from its 2004 listing) and FB from its May 2012 listing,
all to 2013-03-01; prices and volumes unadjusted, exactly as the source supplied them. Their dates
are also the replay calendar: real NYSE sessions, holidays included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np

from catalyst.bar_columns import F64, BarColumns, to_ns
from catalyst.domain.calendar import daily_bar_time

REAL_SYMBOLS: tuple[str, ...] = ("AAPL", "IBM", "MSFT", "GOOG", "FB")
COMPANY_NAMES = {
    "AAPL": "Apple Inc.",
    "IBM": "International Business Machines Corp.",
    "MSFT": "Microsoft Corp.",
    "GOOG": "Google Inc.",
    "FB": "Facebook Inc.",
}
SECTORS = {
    "AAPL": "Information Technology",
    "IBM": "Information Technology",
    "MSFT": "Information Technology",
    "GOOG": "Communication Services",
    "FB": "Communication Services",
}


@dataclass(frozen=True, eq=False)
class DailyHistory:
    """One symbol's real daily bars, oldest first."""

    symbol: str
    days: tuple[date, ...]
    open: F64
    high: F64
    low: F64
    close: F64
    volume: F64

    def frame(self) -> BarColumns:
        ts = np.array([to_ns(daily_bar_time(d)) for d in self.days], dtype=np.int64)
        return BarColumns(ts, self.open, self.high, self.low, self.close, self.volume).frozen()

    def since(self, first: date) -> DailyHistory:
        i = next((k for k, d in enumerate(self.days) if d >= first), len(self.days))
        return DailyHistory(self.symbol, self.days[i:], self.open[i:], self.high[i:], self.low[i:],
                            self.close[i:], self.volume[i:])


@lru_cache(maxsize=1)
def load_daily() -> dict[str, DailyHistory]:
    """Every real symbol's daily history, read once from the installed package."""
    from bokeh_sampledata import stocks  # imported lazily: it parses the whole file on import

    out: dict[str, DailyHistory] = {}
    for symbol in REAL_SYMBOLS:
        raw = getattr(stocks, symbol)
        arrays = [np.asarray(raw[k], dtype=np.float64) for k in ("open", "high", "low", "close", "volume")]
        for a in arrays:
            a.flags.writeable = False
        out[symbol] = DailyHistory(symbol, tuple(date.fromisoformat(d) for d in raw["date"]), *arrays)
    return out


def calendar() -> tuple[date, ...]:
    """Real NYSE sessions covered by the sample data (AAPL trades on every one of them)."""
    return load_daily()["AAPL"].days
