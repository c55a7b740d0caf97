"""SimBroker, the adapter: bars pulled from the feed, books saved before answering, updates queued."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from catalyst.brokers.config import BrokerSettings
from catalyst.brokers.errors import BrokerOrderNotFound, BrokerRejected, BrokerTransientError
from catalyst.brokers.feeds import InMemoryBarFeed
from catalyst.brokers.sim import SimBroker
from catalyst.brokers.sim_ledger import InMemorySimLedger
from catalyst.clock import SimulatedClock, SteppedReplayClock
from catalyst.domain.market import Bar
from catalyst.domain.order_request import OrderRequest, StopLoss, TakeProfit
from catalyst.domain.orders import OrderClass, OrderStatus, OrderType, PositionSide, Side

T0 = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


def bar(minute, price, symbol="AAPL", volume=10_000):
    return Bar(symbol=symbol, ts=T0 + timedelta(minutes=minute), open=price, high=price + 1, low=price - 1,
               close=price, volume=volume)


def make(ledger=None, **env):
    clock, feed = SimulatedClock(T0), InMemoryBarFeed()
    settings = BrokerSettings(SIM_SLIPPAGE_BPS=0, SIM_COMMISSION_PER_SHARE=0, BROKER_POLL_INTERVAL=0.01, **env)
    return SimBroker.from_settings(settings, feed, ledger or InMemorySimLedger(), clock=clock), feed, clock


def buy(qty=10, **kw):
    return OrderRequest(symbol="AAPL", side=Side.BUY, quantity=qty, **kw)


async def test_orders_fill_on_bars_the_feed_releases():
    broker, feed, clock = make()
    order = await broker.submit_order(buy())
    assert order.status is OrderStatus.ACCEPTED
    feed.publish(bar(0, 100))
    clock.set(T0 + timedelta(minutes=1))
    filled = await broker.get_order(order.broker_order_id)
    assert (filled.status, filled.filled_quantity, filled.filled_avg_price) == (OrderStatus.FILLED, 10, 100)
    [position] = await broker.list_positions()
    assert (position.symbol, position.side, position.quantity) == ("AAPL", PositionSide.LONG, 10)
    account = await broker.get_account()
    assert account.cash == 100_000 - 1_000
    assert account.equity == 100_000


async def test_submit_is_idempotent_and_lookup_by_client_id():
    broker, _, _ = make()
    first = await broker.submit_order(buy(client_order_id="same"))
    second = await broker.submit_order(buy(client_order_id="same"))
    assert first.broker_order_id == second.broker_order_id
    assert (await broker.get_order_by_client_id("same")).broker_order_id == first.broker_order_id
    assert await broker.get_order_by_client_id("other") is None
    with pytest.raises(BrokerOrderNotFound):
        await broker.get_order("nope")


async def test_books_survive_a_new_broker_on_the_same_ledger():
    ledger = InMemorySimLedger()
    broker, feed, clock = make(ledger)
    order = await broker.submit_order(buy(take_profit=TakeProfit(limit_price=110), stop_loss=StopLoss(stop_price=95)))
    feed.publish(bar(0, 100))
    clock.set(T0 + timedelta(minutes=1))
    await broker.sync()
    reborn, _, _ = make(ledger)  # a restart: new process, same books
    await reborn.start()
    restored = await reborn.get_order(order.broker_order_id)
    assert restored.order_class is OrderClass.BRACKET
    assert restored.status is OrderStatus.FILLED
    assert [leg.status for leg in restored.legs] == [OrderStatus.ACCEPTED, OrderStatus.ACCEPTED]
    assert (await reborn.list_positions())[0].quantity == 10


async def test_list_cancel_and_cancel_all():
    broker, _, _ = make()
    a = await broker.submit_order(buy(order_type=OrderType.LIMIT, limit_price=90))
    b = await broker.submit_order(buy(order_type=OrderType.LIMIT, limit_price=91))
    assert len(await broker.list_orders("open")) == 2
    await broker.cancel_order(a.broker_order_id)
    with pytest.raises(BrokerRejected):
        await broker.cancel_order(a.broker_order_id)
    assert await broker.cancel_all() == [b.broker_order_id]
    assert await broker.list_orders("open") == []
    assert len(await broker.list_orders("closed")) == 2
    assert len(await broker.list_orders("all", limit=1)) == 1


async def test_close_position_sends_a_market_exit():
    broker, feed, clock = make(SIM_MARKET_FILL="last_price")
    feed.publish(bar(0, 50))
    clock.set(T0 + timedelta(minutes=1))
    await broker.submit_order(buy(qty=10))
    closing = await broker.close_position("AAPL", 4)
    assert (closing.side, closing.quantity, closing.status) == (Side.SELL, 4, OrderStatus.FILLED)
    assert (await broker.list_positions())[0].quantity == 6
    with pytest.raises(BrokerRejected):
        await broker.close_position("AAPL", 7)
    with pytest.raises(BrokerRejected):
        await broker.close_position("MSFT")


async def test_order_updates_are_queued_and_polled():
    broker, feed, clock = make()
    order = await broker.submit_order(buy())
    updates = broker.order_updates()
    first = await asyncio.wait_for(anext(updates), 2)
    assert first.order.status is OrderStatus.ACCEPTED
    feed.publish(bar(0, 100))
    clock.set(T0 + timedelta(minutes=1))
    filled = await asyncio.wait_for(anext(updates), 2)  # found by the poll heartbeat
    assert (filled.order.broker_order_id, filled.order.status) == (order.broker_order_id, OrderStatus.FILLED)
    await updates.aclose()


class FailingLedger(InMemorySimLedger):
    fail = False

    async def save(self, account, state, orders, fills):
        if self.fail:
            raise ConnectionError("database down")
        await super().save(account, state, orders, fills)


async def test_a_failed_save_rolls_the_books_back():
    ledger = FailingLedger()
    broker, _, _ = make(ledger)
    await broker.start()
    ledger.fail = True
    with pytest.raises(BrokerTransientError):
        await broker.submit_order(buy(client_order_id="unsaved"))
    assert broker.engine.by_client == {}  # memory never runs ahead of the books
    ledger.fail = False
    assert (await broker.submit_order(buy(client_order_id="unsaved"))).status is OrderStatus.ACCEPTED


async def test_driven_by_the_replay_clock():
    replay = SteppedReplayClock(T0.date(), speed=None)
    feed = InMemoryBarFeed()
    broker = SimBroker.from_settings(BrokerSettings(SIM_SLIPPAGE_BPS=0), feed, InMemorySimLedger(), clock=replay)
    order = await broker.submit_order(buy(order_type=OrderType.LIMIT, limit_price=99))
    prices = iter([100, 99.5, 98.0, 97.0])
    async for tick in replay.minutes():
        price = next(prices)
        feed.publish(Bar(symbol="AAPL", ts=tick.start, open=price, high=price + 0.2, low=price - 0.2, close=price,
                         volume=1000))
        await broker.sync()
        if tick.index == 3:
            break
    filled = await broker.get_order(order.broker_order_id)
    assert filled.status is OrderStatus.FILLED
    assert filled.filled_avg_price == 98.0  # the 09:32 bar opened below the limit
    assert filled.updated_at == T0 + timedelta(minutes=2)
