"""Daily price history the rules need (closes for correlation, ATR and support/resistance levels for
the stop), cached in memory. The rules take these from stored bars only: a caller's own ATR or
support level is advisory and never loosens the stop rule.

Daily bars change once a day, so each symbol is read from the bar store once and kept for
``max_age_s`` (an hour by default): after the first look at a symbol, validation does no
database round trip. One read fetches every missing symbol at once.

Histories are read as of the market clock's now: only daily bars complete by then (started at
least a day earlier, ``catalyst.db.bars.completed_by``), so a replayed morning never sizes a stop
with that day's own range. An entry also goes stale when that horizon moves to another day
(a replay running faster than ``max_age_s``).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from catalyst.bar_columns import BarColumns
from catalyst.db.bars import BarStore, completed_by
from catalyst.domain.calendar import trading_day
from catalyst.domain.market import Timeframe
from catalyst.domain.money import money
from catalyst.errors import NotFound
from catalyst.indicators.levels import support_resistance
from catalyst.risk.correlation import CloseSeries, return_correlation
from catalyst.risk.volatility import average_true_range

_ONE_US = timedelta(microseconds=1)

# (symbols, start, end) → daily bars starting in [start, end) by symbol (a symbol without bars may be absent).
BarLoader = Callable[[list[str], datetime, datetime], Awaitable[Mapping[str, BarColumns]]]


@dataclass(frozen=True, slots=True)
class SymbolHistory:
    series: CloseSeries
    atr: float | None  # a statistic of the bars (the stop rule turns k × ATR into dollars)
    levels: tuple[Decimal, ...] = ()  # support and resistance prices from clustered daily pivots (six decimals)

    def support_below(self, price: Decimal) -> Decimal | None:
        """The nearest level under ``price`` (a long's support)."""
        below = [lv for lv in self.levels if lv < price]
        return max(below) if below else None

    def resistance_above(self, price: Decimal) -> Decimal | None:
        """The nearest level over ``price`` (a short's resistance)."""
        above = [lv for lv in self.levels if lv > price]
        return min(above) if above else None


def build_history(bars: BarColumns, *, lookback_days: int, atr_period: int) -> SymbolHistory | None:
    """The last ``lookback_days + 1`` daily closes (by UTC calendar day of the bar's start) and
    the latest ATR; None without at least two bars."""
    n = len(bars)
    if n < 2:
        return None
    days = bars.ts.view("datetime64[ns]").astype("datetime64[D]")
    keep = slice(max(0, n - (lookback_days + 1)), n)
    series = CloseSeries(days[keep], bars.close[keep])
    atr = average_true_range(bars.high, bars.low, bars.close, atr_period)
    found = support_resistance(bars.high, bars.low, bars.close)
    levels = tuple(sorted(money(float(lv.price)) for lv in (*found.support, *found.resistance)))
    return SymbolHistory(series, atr, levels)


def calendar_span(lookback_days: int, atr_period: int) -> timedelta:
    """Calendar days that hold enough trading days (5 in 7, plus a margin for holidays)."""
    trading_days = max(lookback_days, atr_period) + 1
    return timedelta(days=trading_days * 7 // 5 + 10)


def complete_daily_horizon(now_utc: datetime) -> datetime:
    """The latest daily bar start that is complete at ``now_utc`` (bars up to it are read)."""
    return completed_by(now_utc, Timeframe.DAY_1)


class HistoryCache:
    def __init__(self, loader: BarLoader, *, max_age_s: float = 3600.0,
                 clock: Callable[[], float] = time.monotonic):
        self._loader = loader
        self._max_age = max_age_s
        self._clock = clock
        self._entries: dict[str, tuple[float, str, SymbolHistory | None]] = {}
        self._shape: tuple[int, int] | None = None
        self._pairs: dict[tuple[str, str, int, int], float | None] = {}

    def _fresh(self, symbol: str, now: float, day: str | None) -> bool:
        entry = self._entries.get(symbol)
        return entry is not None and now - entry[0] < self._max_age and (day is None or entry[1] == day)

    @staticmethod
    def _day(now_utc: datetime | None) -> str | None:
        return None if now_utc is None else trading_day(complete_daily_horizon(now_utc)).isoformat()

    def cached(self, symbols: Iterable[str], now_utc: datetime | None = None) -> dict[str, SymbolHistory | None] | None:
        """Every symbol's history from memory, or None when any must be read (no I/O). With
        ``now_utc`` an entry read for another daily-bar horizon counts as stale."""
        now, day = self._clock(), self._day(now_utc)
        out: dict[str, SymbolHistory | None] = {}
        for s in symbols:
            if not self._fresh(s, now, day):
                return None
            out[s] = self._entries[s][2]
        return out

    async def get_many(self, symbols: Iterable[str], *, lookback_days: int, atr_period: int,
                       now_utc: datetime) -> dict[str, SymbolHistory | None]:
        """Histories of ``symbols`` as of ``now_utc`` (daily bars complete by then), reading the
        missing or stale ones in one call."""
        if self._shape != (lookback_days, atr_period):
            self.invalidate()  # the parameters that shape a history changed
            self._shape = (lookback_days, atr_period)
        wanted = list(dict.fromkeys(symbols))
        now, day = self._clock(), self._day(now_utc)
        missing = [s for s in wanted if not self._fresh(s, now, day)]
        if missing:
            self._pairs.clear()  # a re-read history may change any pair it is part of
            last = complete_daily_horizon(now_utc)
            bars = await self._loader(missing, last - calendar_span(lookback_days, atr_period), last + _ONE_US)
            for s in missing:
                b = bars.get(s)
                history = None if b is None else build_history(b, lookback_days=lookback_days,
                                                               atr_period=atr_period)
                self._entries[s] = (now, day or "", history)
        return {s: self._entries[s][2] for s in wanted}

    def correlation(self, a: str, b: str, *, lookback: int, min_observations: int) -> float | None:
        """Return correlation of two cached symbols, memoised until either history is re-read
        (daily data: the same pair is asked for on every validation while a position is open)."""
        key = (a, b, lookback, min_observations) if a <= b else (b, a, lookback, min_observations)
        if key in self._pairs:
            return self._pairs[key]
        ha, hb = self._entries.get(a), self._entries.get(b)
        value = None
        if ha is not None and hb is not None and ha[2] is not None and hb[2] is not None:
            value = return_correlation(ha[2].series, hb[2].series, lookback=lookback,
                                       min_observations=min_observations)
        self._pairs[key] = value
        return value

    def invalidate(self) -> None:
        self._entries.clear()
        self._pairs.clear()


def bar_store_loader(store: BarStore) -> BarLoader:
    """Daily bars from ``catalyst.db.bars.BarStore`` (one query; symbols never stored are absent)."""

    async def load(symbols: list[str], start: datetime, end: datetime) -> Mapping[str, BarColumns]:
        try:
            return await store.read_many(symbols, Timeframe.DAY_1, start, end)
        except NotFound as exc:
            unknown = set(exc.details.get("symbols", ()))
            known = [s for s in symbols if s not in unknown]
            if not known or len(known) == len(symbols):
                return {}
            return await store.read_many(known, Timeframe.DAY_1, start, end)

    return load
