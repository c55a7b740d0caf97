"""Fills move orders, fills and positions together, and publish OrderFilled / PositionUpdate."""

import asyncio
from datetime import timedelta
from decimal import Decimal as D

import pytest

from catalyst.bus import Channel, OrderFilled, PositionUpdate
from catalyst.domain.order import Order
from catalyst.domain.order_request import OrderRequest, StopLoss, TakeProfit
from catalyst.domain.orders import OrderStatus, OrderType, Side
from catalyst.errors import Conflict
from catalyst.risk.approvals import sign_approval
from catalyst.trading import repository as repo
from tests.support.sim_world import SECRET
from tests.support.waiting import eventually


async def priced_buy(world, symbol="AAPL", qty=100, **kw):
    world.bar(symbol, 100, 100, 100, 100)
    approval = world.approve(symbol, Side.BUY, qty, 101, ttl_s=3600)
    row, _ = await world.oms.commands.submit(OrderRequest(symbol=symbol, side=Side.BUY, quantity=qty, **kw), approval)
    return row


async def fills_of(world, order_id):
    async with world.db.acquire() as conn:
        return await conn.fetch("SELECT quantity, price, commission FROM fills WHERE order_id = $1 ORDER BY filled_at, "
                                "quantity", order_id)


async def positions(world, status="open"):
    async with world.db.acquire() as conn:
        return await repo.list_positions(conn, status)


async def collect(world, n):
    events = []

    async def listen():
        async for event in world.bus.subscribe(Channel.ORDER_FILLED, Channel.POSITION_UPDATE):
            events.append(event)
            if len(events) == n:
                return

    task = asyncio.create_task(listen())
    name = world.bus.channel_name(Channel.POSITION_UPDATE)  # subscribed (to both) before anything is published

    async def subscribed() -> bool:
        return bool(dict(await world.redis.pubsub_numsub(name)).get(name.encode(), 0))

    await eventually(subscribed, what="the listener subscribed")
    return task, events


async def test_an_entry_fill_opens_its_position_at_the_approvals_stop(sim_world):
    sim_world.bar("AAPL", 100, 100, 100, 100)
    approval = sign_approval(symbol="AAPL", side=Side.BUY, max_quantity=100, price_bound=101, stop=95.0,
                             secret=SECRET, now=sim_world.clock.now(), ttl=timedelta(hours=1))
    await sim_world.oms.commands.submit(OrderRequest(symbol="AAPL", side=Side.BUY, quantity=100), approval)
    await sim_world.step("AAPL", 100.5, 101, 100, 100.8)
    [position] = await positions(sim_world)
    assert (position.quantity, position.stop_loss) == (100, D("95"))


async def test_market_order_fill_updates_everything_and_publishes(sim_world):
    task, events = await collect(sim_world, 2)
    row = await priced_buy(sim_world)
    assert row.status is OrderStatus.ACCEPTED
    assert row.broker_order_id is not None
    await sim_world.step("AAPL", 100.5, 101, 100, 100.8)
    order = await sim_world.oms.queries.get(row.order_id)
    assert order.status is OrderStatus.FILLED
    assert order.filled_quantity == 100
    assert order.filled_avg_price == D("100.5")
    assert order.commission == D("1")
    [fill] = await fills_of(sim_world, row.order_id)
    assert (fill["quantity"], fill["price"], fill["commission"]) == (100, D("100.5"), D("1"))
    [pos] = await positions(sim_world)
    assert (pos.symbol, pos.side.value, pos.quantity, pos.avg_entry_price) == ("AAPL", "long", 100, D("100.5"))
    assert order.position_id == pos.position_id
    await asyncio.wait_for(task, 5)
    filled = next(e for e in events if isinstance(e, OrderFilled))
    update = next(e for e in events if isinstance(e, PositionUpdate))
    assert (filled.client_order_id, filled.filled_quantity, filled.fill_price, filled.status) == (
        row.client_order_id, 100, 100.5, "filled")
    assert (update.position_id, update.quantity, update.status) == (str(pos.position_id), 100, "open")
    await sim_world.check_books()


async def test_a_replayed_report_records_nothing_twice(sim_world):
    row = await priced_buy(sim_world)
    await sim_world.step("AAPL", 100.5, 101, 100, 100.8)
    report = await sim_world.broker.get_order(row.broker_order_id)
    outcome = await sim_world.oms.sync.apply(report)
    assert not outcome.fills
    assert len(await fills_of(sim_world, row.order_id)) == 1
    await sim_world.check_books()


async def test_a_stale_report_cannot_move_an_order_backwards(sim_world):
    row = await priced_buy(sim_world)
    accepted: Order = await sim_world.broker.get_order(row.broker_order_id)
    await sim_world.step("AAPL", 100.5, 101, 100, 100.8)
    outcome = await sim_world.oms.sync.apply(accepted)  # arrives late, after the fill
    assert not outcome.updated
    assert (await sim_world.oms.queries.get(row.order_id)).status is OrderStatus.FILLED


async def test_partial_fills_accumulate(sim_world):
    sim_world.sim.engine.costs = type(sim_world.sim.engine.costs)(slippage_bps=0, commission_per_share=0,
                                                                  max_participation=0.1)
    row = await priced_buy(sim_world, qty=120)
    await sim_world.step("AAPL", 10, 10, 10, 10, v=500)
    assert (await sim_world.oms.queries.get(row.order_id)).status is OrderStatus.PARTIALLY_FILLED
    await sim_world.step("AAPL", 11, 11, 11, 11, v=500)
    await sim_world.step("AAPL", 12, 12, 12, 12, v=500)
    order = await sim_world.oms.queries.get(row.order_id)
    assert order.status is OrderStatus.FILLED
    assert [f["quantity"] for f in await fills_of(sim_world, row.order_id)] == [50, 50, 20]
    assert [f["price"] for f in await fills_of(sim_world, row.order_id)] == [10, 11, 12]
    [pos] = await positions(sim_world)
    assert pos.avg_entry_price == (D(500) + D(550) + D(240)) / 120
    await sim_world.check_books()


async def bracket(world, tp=110.0, sl=95.0):
    return await priced_buy(world, take_profit=TakeProfit(limit_price=tp), stop_loss=StopLoss(stop_price=sl))


async def legs(world, parent_id):
    async with world.db.acquire() as conn:
        rows = await repo.list_orders(conn, parent_order_id=parent_id)
    return {r.order_type: r for r in rows}


async def test_bracket_target_hit_cancels_the_stop(sim_world):
    parent = await bracket(sim_world)
    await sim_world.step("AAPL", 100, 101, 99, 100)
    leg = await legs(sim_world, parent.order_id)
    assert set(leg) == {OrderType.LIMIT, OrderType.STOP}
    assert all(r.intent.value == "exit" for r in leg.values())
    await sim_world.step("AAPL", 105, 110.5, 104, 110)
    leg = await legs(sim_world, parent.order_id)
    assert leg[OrderType.LIMIT].status is OrderStatus.FILLED
    assert leg[OrderType.STOP].status is OrderStatus.CANCELED
    assert await positions(sim_world) == []
    [closed] = await positions(sim_world, "closed")
    assert closed.realized_pnl == D(1000)  # (110 - 100) × 100; commissions apart
    assert closed.avg_exit_price == D(110)
    await sim_world.check_books()


async def test_bracket_stop_hit_cancels_the_target(sim_world):
    parent = await bracket(sim_world)
    await sim_world.step("AAPL", 100, 101, 99, 100)
    await sim_world.step("AAPL", 97, 98, 94, 95)
    leg = await legs(sim_world, parent.order_id)
    assert leg[OrderType.STOP].status is OrderStatus.FILLED
    assert leg[OrderType.LIMIT].status is OrderStatus.CANCELED
    [closed] = await positions(sim_world, "closed")
    assert closed.realized_pnl == D(-500)
    await sim_world.check_books()


async def test_canceling_a_partly_filled_bracket_entry_keeps_its_stop_and_target(sim_world):
    sim_world.sim.engine.costs = type(sim_world.sim.engine.costs)(slippage_bps=0, commission_per_share=0,
                                                                  max_participation=0.5)
    parent = await bracket(sim_world)
    await sim_world.step("AAPL", 100, 101, 99, 100, v=60)  # 30 of 100 filled
    assert (await sim_world.oms.queries.get(parent.order_id)).filled_quantity == 30
    canceled = await sim_world.oms.commands.cancel(parent.order_id)
    assert (canceled.status, canceled.filled_quantity) == (OrderStatus.CANCELED, 30)
    leg = await legs(sim_world, parent.order_id)
    assert {r.status for r in leg.values()} == {OrderStatus.ACCEPTED}
    assert {r.quantity for r in leg.values()} == {30}
    await sim_world.step("AAPL", 100, 101, 99, 100, v=1_000)  # began as the legs were armed: not met
    await sim_world.step("AAPL", 97, 98, 94, 95, v=1_000)  # through the stop
    leg = await legs(sim_world, parent.order_id)
    assert (leg[OrderType.STOP].status, leg[OrderType.STOP].filled_quantity) == (OrderStatus.FILLED, 30)
    assert leg[OrderType.LIMIT].status is OrderStatus.CANCELED
    assert await positions(sim_world) == []
    [closed] = await positions(sim_world, "closed")
    assert closed.realized_pnl == D(-150)  # (95 - 100) × 30
    await sim_world.check_books()


async def test_flip_closes_one_position_and_opens_the_other(sim_world):
    await priced_buy(sim_world)
    await sim_world.step("AAPL", 100, 100, 100, 100)
    approval = sim_world.approve("AAPL", Side.SELL, 150, 1, ttl_s=3600)
    await sim_world.oms.commands.submit(OrderRequest(symbol="AAPL", side=Side.SELL, quantity=150), approval)
    await sim_world.step("AAPL", 104, 104, 104, 104)
    [short] = await positions(sim_world)
    assert (short.side.value, short.quantity, short.avg_entry_price) == ("short", 50, 104)
    [long_] = await positions(sim_world, "closed")
    assert long_.realized_pnl == D(400)
    await sim_world.check_books()


async def test_cancel_and_cancel_of_a_done_order(sim_world):
    row = await priced_buy(sim_world, order_type=OrderType.LIMIT, limit_price=90)
    canceled = await sim_world.oms.commands.cancel(row.order_id)
    assert canceled.status is OrderStatus.CANCELED
    with pytest.raises(Conflict) as err:
        await sim_world.oms.commands.cancel(row.order_id)
    assert err.value.code == "ORDER_NOT_OPEN"


async def test_cancel_all_and_flatten_need_no_approval(sim_world):
    await bracket(sim_world)
    await sim_world.step("AAPL", 100, 101, 99, 100)
    resting = await priced_buy(sim_world, symbol="MSFT", qty=10, order_type=OrderType.LIMIT, limit_price=50)
    asked, canceled, exits = await sim_world.oms.commands.flatten("emergency test")
    assert asked == 2  # the bracket's legs (one OCO group) and the resting MSFT order
    assert {r.client_order_id for r in canceled} >= {resting.client_order_id}
    assert (await sim_world.oms.queries.get(resting.order_id)).status is OrderStatus.CANCELED
    [exit_order] = exits
    assert (exit_order.symbol, exit_order.side, exit_order.quantity, exit_order.intent.value) == (
        "AAPL", Side.SELL, 100, "exit")
    await sim_world.step("AAPL", 99, 99, 99, 99)
    assert await positions(sim_world) == []
    async with sim_world.db.acquire() as conn:
        kinds = [r["event_type"] for r in await conn.fetch("SELECT event_type FROM risk_events ORDER BY event_id")]
    assert kinds == ["CANCEL_ALL", "FLATTEN"]
    await sim_world.check_books()


async def test_close_position_replaces_the_bracket_legs(sim_world):
    parent = await bracket(sim_world)
    await sim_world.step("AAPL", 100, 101, 99, 100)
    [pos] = await positions(sim_world)
    exit_row, created = await sim_world.oms.commands.close_position(pos.position_id, 40)
    assert created
    assert exit_row.intent.value == "exit"
    leg = await legs(sim_world, parent.order_id)
    assert {r.status for r in leg.values()} == {OrderStatus.CANCELED}
    await sim_world.step("AAPL", 101, 101, 101, 101)
    [pos] = await positions(sim_world)
    assert pos.quantity == 60
    assert pos.realized_pnl == D(40)
    await sim_world.check_books()
