"""Risk enforced twice: Trading refuses entries without a valid, unexpired, unused, covering approval."""

from datetime import timedelta

import pytest

from catalyst.domain.approvals import TradeApproval
from catalyst.domain.order_request import OrderRequest
from catalyst.domain.orders import OrderStatus, OrderType, Side
from catalyst.errors import Conflict, Forbidden


def buy(symbol="AAPL", qty=100, cid=None, **kw):
    extra = {"client_order_id": cid} if cid else {}
    return OrderRequest(symbol=symbol, side=Side.BUY, quantity=qty, **extra, **kw)


def limit_buy(price, **kw):
    return buy(order_type=OrderType.LIMIT, limit_price=price, **kw)


async def order_count(world):
    async with world.db.acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM orders")


async def refused(world, request, approval) -> Forbidden:
    before = await order_count(world)
    with pytest.raises(Forbidden) as err:
        await world.oms.commands.submit(request, approval)
    assert err.value.status_code == 403
    assert await order_count(world) == before  # nothing written for a refused entry
    assert world.sim.engine.orders == {} or request.client_order_id not in world.sim.engine.by_client
    return err.value


async def test_entry_without_approval_is_refused(sim_world):
    err = await refused(sim_world, limit_buy(100), None)
    assert err.code == "APPROVAL_REQUIRED"


async def test_forged_approval_is_refused(sim_world):
    good = sim_world.approve("AAPL", Side.BUY, 100, 101)
    tampered = TradeApproval(**(good.model_dump() | {"max_quantity": 1000}))
    err = await refused(sim_world, limit_buy(100, qty=500), tampered)
    assert err.code == "APPROVAL_FORGED"
    wrong_key = sim_world.approve("AAPL", Side.BUY, 100, 101, secret="someone-elses-secret")
    assert (await refused(sim_world, limit_buy(100), wrong_key)).code == "APPROVAL_FORGED"


async def test_expired_approval_is_refused_and_the_expiry_instant_counts_as_expired(sim_world):
    stale = sim_world.approve("AAPL", Side.BUY, 100, 101, ttl_s=60, now=sim_world.clock.now() - timedelta(seconds=60))
    err = await refused(sim_world, limit_buy(100), stale)
    assert err.code == "APPROVAL_EXPIRED"
    almost = sim_world.approve("AAPL", Side.BUY, 100, 101, ttl_s=60,
                               now=sim_world.clock.now() - timedelta(seconds=59.999))
    row, created = await sim_world.oms.commands.submit(limit_buy(100), almost)
    assert created
    assert row.status is OrderStatus.ACCEPTED


async def test_reused_approval_is_refused(sim_world):
    approval = sim_world.approve("AAPL", Side.BUY, 100, 101)
    first, _ = await sim_world.oms.commands.submit(limit_buy(100, qty=50, cid="first"), approval)
    assert first.approval_nonce == approval.nonce
    err = await refused(sim_world, limit_buy(100, qty=50, cid="second"), approval)
    assert err.code == "APPROVAL_REUSED"
    assert len(sim_world.sim.engine.orders) == 1


async def test_quantity_boundary(sim_world):
    over = sim_world.approve("AAPL", Side.BUY, 100, 101)
    err = await refused(sim_world, limit_buy(100, qty=101), over)
    assert err.code == "APPROVAL_QUANTITY_EXCEEDED"
    assert err.details["max_quantity"] == 100
    exact = sim_world.approve("AAPL", Side.BUY, 100, 101)
    row, _ = await sim_world.oms.commands.submit(limit_buy(100, qty=100), exact)
    assert row.quantity == 100


async def test_price_bound_boundary_on_the_limit_price(sim_world):
    err = await refused(sim_world, limit_buy(101.01), sim_world.approve("AAPL", Side.BUY, 100, 101))
    assert err.code == "APPROVAL_PRICE_OUT_OF_BOUND"
    row, _ = await sim_world.oms.commands.submit(limit_buy(101.00), sim_world.approve("AAPL", Side.BUY, 100, 101))
    assert row.reference_price == 101


async def test_market_entry_is_checked_at_the_last_close(sim_world):
    no_price = await refused(sim_world, buy(), sim_world.approve("AAPL", Side.BUY, 100, 101))
    assert no_price.code == "APPROVAL_PRICE_UNKNOWN"
    sim_world.bar("AAPL", 100, 102, 99, 101.5)
    above = await refused(sim_world, buy(), sim_world.approve("AAPL", Side.BUY, 100, 101.49))
    assert above.code == "APPROVAL_PRICE_OUT_OF_BOUND"
    assert above.details["price_checked"] == 101.5
    row, _ = await sim_world.oms.commands.submit(buy(), sim_world.approve("AAPL", Side.BUY, 100, 101.5))
    assert row.reference_price == 101.5


async def test_symbol_and_side_must_match(sim_world):
    err = await refused(sim_world, limit_buy(100), sim_world.approve("MSFT", Side.BUY, 100, 101))
    assert err.code == "APPROVAL_SYMBOL_MISMATCH"
    err = await refused(sim_world, OrderRequest(symbol="AAPL", side=Side.SELL, quantity=10, order_type=OrderType.LIMIT,
                                                limit_price=100), sim_world.approve("AAPL", Side.BUY, 100, 99))
    assert err.code == "APPROVAL_SIDE_MISMATCH"


async def own_100_shares(world, symbol="AAPL"):
    row, _ = await world.oms.commands.submit(buy(symbol), world.approve(symbol, Side.BUY, 100, 1000, ttl_s=3600)
                                    if world.minute else _priced(world, symbol))
    await world.step(symbol, 100, 101, 99, 100)
    return await world.oms.queries.get(row.order_id)


def _priced(world, symbol):
    world.bar(symbol, 100, 100, 100, 100)
    return world.approve(symbol, Side.BUY, 100, 1000, ttl_s=3600)


async def test_exits_need_no_approval_but_an_oversized_exit_is_an_entry(sim_world):
    entry = await own_100_shares(sim_world)
    assert entry.status is OrderStatus.FILLED
    sell = OrderRequest(symbol="AAPL", side=Side.SELL, quantity=101, order_type=OrderType.LIMIT, limit_price=150)
    err = await refused(sim_world, sell, None)  # one share more than held: it would open a short
    assert err.code == "APPROVAL_REQUIRED"
    exit_row, _ = await sim_world.oms.commands.submit(sell.model_copy(update={"quantity": 100}), None)
    assert exit_row.intent.value == "exit"
    assert exit_row.approval_nonce is None


async def test_working_exits_reserve_the_position(sim_world):
    await own_100_shares(sim_world)
    first, _ = await sim_world.oms.commands.submit(OrderRequest(symbol="AAPL", side=Side.SELL, quantity=60,
                                                       order_type=OrderType.LIMIT, limit_price=150), None)
    assert first.intent.value == "exit"
    err = await refused(sim_world, OrderRequest(symbol="AAPL", side=Side.SELL, quantity=60,
                                                order_type=OrderType.LIMIT, limit_price=150), None)
    assert err.code == "APPROVAL_REQUIRED"  # 60 + 60 > 100
    second, _ = await sim_world.oms.commands.submit(OrderRequest(symbol="AAPL", side=Side.SELL, quantity=40,
                                                        order_type=OrderType.LIMIT, limit_price=150), None)
    assert second.intent.value == "exit"


async def test_same_client_order_id_returns_the_existing_order(sim_world):
    approval = sim_world.approve("AAPL", Side.BUY, 100, 101)
    first, created = await sim_world.oms.commands.submit(limit_buy(100, cid="same-1"), approval)
    again, created_again = await sim_world.oms.commands.submit(limit_buy(100, cid="same-1"), approval)
    assert (created, created_again) == (True, False)
    assert again.order_id == first.order_id
    assert len(sim_world.sim.engine.orders) == 1
    with pytest.raises(Conflict) as err:
        await sim_world.oms.commands.submit(limit_buy(99, cid="same-1"), approval)
    assert err.value.code == "CLIENT_ORDER_ID_CONFLICT"
