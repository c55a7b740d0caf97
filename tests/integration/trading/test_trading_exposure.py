"""Exits never increase exposure and entries never fill beyond their approval (each test fails on
the code before the fix): two flattens at once sell once; a buy-stop is checked at the price it can
fill at; an approved market entry can never fill above the approval's bound."""

import asyncio

import pytest

from catalyst.domain.order_request import OrderRequest
from catalyst.domain.orders import OrderStatus, OrderType, Side
from catalyst.errors import Forbidden


async def _own_100(world, price=100.0):
    world.bar("AAPL", price, price, price, price)
    row, _ = await world.oms.commands.submit(OrderRequest(symbol="AAPL", side=Side.BUY, quantity=100),
                                    world.approve("AAPL", Side.BUY, 100, price * 1.01, ttl_s=3600))
    await world.step("AAPL", price, price, price, price)
    assert (await world.oms.queries.get(row.order_id)).status is OrderStatus.FILLED


async def test_two_flattens_at_once_sell_the_position_once(sim_world):
    await _own_100(sim_world)
    (_, _, first), (_, _, second) = await asyncio.gather(sim_world.oms.commands.flatten("stop"),
                                                         sim_world.oms.commands.flatten("stop, retried"))
    now = [await sim_world.oms.queries.get(o.order_id) for o in first + second]
    live = [o for o in now if not o.status.is_terminal]
    assert sum(int(o.quantity) for o in live) == 100  # one exit working for the whole position
    await sim_world.step("AAPL", 100, 100, 100, 100)
    positions = await sim_world.broker.list_positions()
    assert positions == []  # flat, not short
    await sim_world.check_books()


async def test_a_buy_stop_below_the_market_is_checked_at_the_market(sim_world):
    sim_world.bar("AAPL", 110, 110, 110, 110)  # the market is at 110
    stop = OrderRequest(symbol="AAPL", side=Side.BUY, quantity=100, order_type=OrderType.STOP, stop_price=100)
    with pytest.raises(Forbidden) as refused:  # it triggers at once and fills at 110, not at its stop
        await sim_world.oms.commands.submit(stop, sim_world.approve("AAPL", Side.BUY, 100, 101))
    assert refused.value.code == "APPROVAL_PRICE_OUT_OF_BOUND"
    assert sim_world.sim.engine.orders == {}


async def test_an_approved_market_entry_never_fills_above_its_bound(sim_world):
    sim_world.bar("AAPL", 100, 100, 100, 100)
    row, _ = await sim_world.oms.commands.submit(OrderRequest(symbol="AAPL", side=Side.BUY, quantity=100),
                                        sim_world.approve("AAPL", Side.BUY, 100, 100.5))
    assert (row.order_type, float(row.limit_price or 0)) == (OrderType.LIMIT, 100.5)  # sent as a limit
    await sim_world.step("AAPL", 130, 131, 129, 130)  # the market gaps up 30% before the order works
    after = await sim_world.oms.queries.get(row.order_id)
    assert after.status is OrderStatus.ACCEPTED  # not filled at 130
    assert after.filled_quantity == 0


async def test_a_working_entry_on_the_other_side_counts_against_what_an_exit_may_sell(sim_world):
    """Long 100 with a short entry of 24 still working (approved while flat): it will sell 24 of the
    100 when it fills, so an unapproved "exit" of all 100 would leave the position short 24."""
    sim_world.bar("AAPL", 100, 100, 100, 100)
    short_entry = OrderRequest(symbol="AAPL", side=Side.SELL, quantity=24, order_type=OrderType.LIMIT,
                               limit_price=120)
    await sim_world.oms.commands.submit(short_entry, sim_world.approve("AAPL", Side.SELL, 24, 120, ttl_s=3600))
    await _own_100(sim_world)
    with pytest.raises(Forbidden):  # more than is held and not already being sold: an entry, unapproved
        await sim_world.oms.commands.submit(OrderRequest(symbol="AAPL", side=Side.SELL, quantity=100), None)
    exit_76 = OrderRequest(symbol="AAPL", side=Side.SELL, quantity=76)
    row, _ = await sim_world.oms.commands.submit(exit_76, None)  # what the working entry leaves free
    assert row.intent.value == "exit"
