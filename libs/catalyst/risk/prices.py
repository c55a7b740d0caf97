"""Market prices the Risk Manager trusts: the close of the last complete bar at the market clock's now.

Market and stop orders are priced here, never at a caller's ``entry``, and every open position is
marked from here each minute. One-minute bars come first; a symbol without any falls back to its
last complete daily bar (before the session, that is the previous close). A price read from the
newest bar that can be complete (the one ending at the market clock's minute) is kept until the
minute turns, so validations within one minute share one read; an older one (its minute's bar not
stored yet, or a daily close) is read again each time, so a late bar is seen as soon as it lands.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal

from catalyst.bar_columns import from_ns
from catalyst.db.bars import BarStore
from catalyst.domain.market import Timeframe
from catalyst.domain.money import money
from catalyst.errors import NotFound

Mark = tuple[datetime, Decimal]  # when the price was printed (a bar's end), the price (six decimals)
# (symbols, timeframe, as of) → last close by symbol (symbols without a bar absent)
PriceLoader = Callable[[list[str], Timeframe, datetime], Awaitable[Mapping[str, Mark]]]


class MarketPrices:
    def __init__(self, loader: PriceLoader):
        self._loader = loader
        self._cache: dict[str, tuple[datetime, Mark | None]] = {}

    async def latest(self, symbols: Iterable[str], now: datetime) -> dict[str, Mark]:
        """Last complete close of each symbol at ``now`` (symbols with no bar at all are absent)."""
        horizon = now.replace(second=0, microsecond=0)  # where the newest complete one-minute bar ends
        wanted = list(dict.fromkeys(symbols))
        missing = [s for s in wanted if not _newest(self._cache.get(s), horizon)]
        if missing:
            found = dict(await self._loader(missing, Timeframe.MIN_1, now))
            rest = [s for s in missing if s not in found]
            if rest:
                found.update(await self._loader(rest, Timeframe.DAY_1, now))
            for s in missing:
                self._cache[s] = (horizon, found.get(s))
        out: dict[str, Mark] = {}
        for s in wanted:
            price = self._cache[s][1]
            if price is not None:
                out[s] = price
        return out


def _newest(kept: tuple[datetime, Mark | None] | None, horizon: datetime) -> bool:
    """Whether ``kept`` was read in this minute from the bar ending at ``horizon`` (no newer one can come)."""
    if kept is None or kept[0] != horizon or kept[1] is None:
        return False
    return kept[1][0] == horizon


def bar_store_prices(store: BarStore) -> PriceLoader:
    """Last closes from ``catalyst.db.bars.BarStore.read_last`` (symbols never stored are absent)."""

    async def load(symbols: list[str], timeframe: Timeframe, now: datetime) -> Mapping[str, Mark]:
        try:
            bars = await store.read_last(symbols, timeframe, 1, end=now)
        except NotFound as exc:
            unknown = set(exc.details.get("symbols", ()))
            known = [s for s in symbols if s not in unknown]
            if not known or len(known) == len(symbols):
                return {}
            bars = await store.read_last(known, timeframe, 1, end=now)
        span = timedelta(seconds=timeframe.seconds)
        # a stored close is numeric(18, 6): its float's shortest repr is that decimal again
        return {s: (from_ns(int(b.ts[-1])) + span, money(float(b.close[-1]))) for s, b in bars.items() if len(b)}

    return load
