"""TradingHistoryFeed: completed bars from trading_history, as of the feed's clock."""

from datetime import UTC, datetime, timedelta

from catalyst.brokers.feeds import PriceFeed, TradingHistoryFeed
from catalyst.clock import SimulatedClock
from catalyst.domain.market import Timeframe

T0 = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


async def store(db, symbol, minute, close, timeframe="1Min"):
    async with db.acquire() as conn:
        await conn.execute(
            """INSERT INTO trading_history (security_id, timeframe, time_id, open, high, low, close, volume)
               VALUES (get_or_create_security($1), $2, get_or_create_time($3), $4::numeric, $4::numeric + 1,
                       $4::numeric - 1, $4::numeric, 1000)""",
            symbol, timeframe, T0 + timedelta(minutes=minute), close)


async def test_bars_after_and_latest_respect_the_clock(trading_db):
    for minute in range(5):
        await store(trading_db, "AAPL", minute, 100 + minute)
    await store(trading_db, "AAPL", 0, 50, timeframe="1Day")
    clock = SimulatedClock(T0 + timedelta(minutes=3, seconds=30))  # the 03 bar is still forming
    feed = TradingHistoryFeed(trading_db, Timeframe.MIN_1, clock=clock)
    assert isinstance(feed, PriceFeed)
    bars = await feed.bars_after("AAPL", T0)
    assert [b.ts for b in bars] == [T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)]
    assert (bars[0].open, bars[0].high, bars[0].low, bars[0].volume) == (101, 102, 100, 1000)
    assert (await feed.latest_bar("AAPL")).close == 102
    clock.set(T0 + timedelta(minutes=5))
    assert (await feed.latest_bar("AAPL")).close == 104
    assert len(await feed.bars_after("AAPL", T0 - timedelta(minutes=1), limit=2)) == 2
    assert await feed.latest_bar("MSFT") is None
    assert await feed.bars_after("MSFT", T0) == []
