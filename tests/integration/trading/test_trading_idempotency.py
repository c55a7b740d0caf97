"""Submits are idempotent by client_order_id: the known id is looked up in the recording
transaction, under the security's lock, before any check of the order."""

import asyncio

import pytest

from catalyst.domain.order_request import OrderRequest
from catalyst.domain.orders import OrderStatus, OrderType, Side
from catalyst.errors import Conflict


def limit_buy(cid, symbol="AAPL", price=100):
    return OrderRequest(client_order_id=cid, symbol=symbol, side=Side.BUY, quantity=10,
                        order_type=OrderType.LIMIT, limit_price=price)


async def rows_of(world, cid):
    async with world.db.acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM orders WHERE client_order_id = $1", cid)


async def test_two_submits_of_one_id_racing_make_one_order(sim_world):
    approval = sim_world.approve("AAPL", Side.BUY, 10, 101)
    answers = await asyncio.gather(*(sim_world.oms.commands.submit(limit_buy("racing-1"), approval)
                                     for _ in range(2)))
    assert sorted(created for _, created in answers) == [False, True]
    assert len({row.order_id for row, _ in answers}) == 1
    assert await rows_of(sim_world, "racing-1") == 1
    assert len(sim_world.sim.engine.orders) == 1


async def test_one_id_racing_for_two_symbols_makes_one_order_and_a_conflict(sim_world):
    submits = [sim_world.oms.commands.submit(limit_buy("racing-2", symbol),
                                             sim_world.approve(symbol, Side.BUY, 10, 101))
               for symbol in ("AAPL", "MSFT")]
    answers = await asyncio.gather(*submits, return_exceptions=True)
    conflicts = [a for a in answers if isinstance(a, Conflict)]
    assert [c.code for c in conflicts] == ["CLIENT_ORDER_ID_CONFLICT"]
    assert await rows_of(sim_world, "racing-2") == 1
    assert len(sim_world.sim.engine.orders) == 1


async def test_a_known_id_answers_its_order_even_once_entries_are_blocked(sim_world):
    approval = sim_world.approve("AAPL", Side.BUY, 10, 101)
    first, _ = await sim_world.oms.commands.submit(limit_buy("known-1"), approval)
    async with sim_world.db.acquire() as conn:
        await conn.execute("UPDATE risk_control SET state = 'halted', epoch = epoch + 1")
    again, created = await sim_world.oms.commands.submit(limit_buy("known-1"), approval)
    assert (again.order_id, created, again.status) == (first.order_id, False, OrderStatus.ACCEPTED)
    with pytest.raises(Conflict):
        await sim_world.oms.commands.submit(limit_buy("known-1", price=99), approval)
