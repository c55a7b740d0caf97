"""Risk's market prices: one read per minute once the minute's bar is in, a read per look until it is."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

from catalyst.domain.market import Timeframe
from catalyst.risk.prices import Mark, MarketPrices

MINUTE = datetime(2013, 3, 1, 15, 15, tzinfo=UTC)


class Bars:
    """Last closes as a bar store would answer them: the newest bar ending at or before ``now``'s minute."""

    def __init__(self) -> None:
        self.ends: list[datetime] = []
        self.reads = 0

    async def __call__(self, symbols: list[str], timeframe: Timeframe, now: datetime) -> Mapping[str, Mark]:
        self.reads += 1
        ends = [e for e in self.ends if e <= now] if timeframe is Timeframe.MIN_1 else []
        return {s: (max(ends), D(10 + len(ends))) for s in symbols} if ends else {}


async def test_a_price_from_the_minutes_own_bar_is_read_once_that_minute() -> None:
    bars = Bars()
    bars.ends = [MINUTE - timedelta(minutes=1), MINUTE]
    prices = MarketPrices(bars)
    assert (await prices.latest(["AAPL"], MINUTE + timedelta(seconds=5)))["AAPL"] == (MINUTE, D(12))
    await prices.latest(["AAPL"], MINUTE + timedelta(seconds=59))
    assert bars.reads == 1
    bars.ends.append(MINUTE + timedelta(minutes=1))
    assert (await prices.latest(["AAPL"], MINUTE + timedelta(minutes=1)))["AAPL"][1] == D(13)
    assert bars.reads == 2


async def test_a_late_bar_is_seen_as_soon_as_it_is_stored() -> None:
    bars = Bars()
    bars.ends = [MINUTE - timedelta(minutes=1)]  # the bar ending at MINUTE is not stored yet
    prices = MarketPrices(bars)
    assert (await prices.latest(["AAPL"], MINUTE + timedelta(seconds=1)))["AAPL"][0] == MINUTE - timedelta(minutes=1)
    bars.ends.append(MINUTE)
    assert (await prices.latest(["AAPL"], MINUTE + timedelta(seconds=2)))["AAPL"] == (MINUTE, D(12))
