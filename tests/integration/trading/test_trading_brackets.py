"""A bracket's legs are recorded with it, before the broker sees any of it, and matched to the
broker's legs when it answers (by client id, or by role where the broker names its legs itself)."""

import asyncio
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from catalyst.brokers.errors import BrokerRejected
from catalyst.domain.order_request import OrderRequest, StopLoss, TakeProfit
from catalyst.domain.orders import OrderStatus, OrderType, Side
from catalyst.errors import Conflict
from catalyst.risk.approvals import sign_approval
from catalyst.trading import repository as repo
from catalyst.trading.reconcile import Reconciler
from tests.support.waiting import eventually

SECRET = "trading-test-secret"


def bracket(cid, symbol="AAPL"):
    return OrderRequest(client_order_id=cid, symbol=symbol, side=Side.BUY, quantity=10, order_type=OrderType.LIMIT,
                        limit_price=100, take_profit=TakeProfit(limit_price=110), stop_loss=StopLoss(stop_price=95))


def approval(symbol="AAPL"):
    return sign_approval(symbol=symbol, side=Side.BUY, max_quantity=10, price_bound=100, secret=SECRET,
                         now=datetime.now(UTC), ttl=timedelta(minutes=5))


async def tree(world, cid):
    async with world.db.acquire() as conn:
        parent = await repo.get_order_by_client_id(conn, cid)
        assert parent is not None
        rows = await repo.get_order_tree(conn, parent.order_id)
    return parent, sorted((r for r in rows if r.order_id != parent.order_id), key=lambda r: r.order_type.value)


async def test_the_legs_are_committed_before_the_broker_is_called(alpaca_world):
    seen = []

    def check(method, path, body):
        if method == "POST" and path == "/v2/orders":
            with psycopg.connect(alpaca_world.dsn) as conn:  # another session: only committed rows show
                seen.extend(conn.execute(
                    "SELECT o.client_order_id, o.status, o.order_type, o.side, o.quantity::int FROM orders o"
                    " JOIN orders p ON p.order_id = o.parent_order_id WHERE p.client_order_id = %s"
                    " ORDER BY o.order_type", (body["client_order_id"],)).fetchall())

    alpaca_world.wire.on_request = check
    await alpaca_world.oms.commands.submit(bracket("legs-first"), approval())
    assert seen == [("legs-first:tp", "new", "limit", "sell", 10), ("legs-first:sl", "new", "stop", "sell", 10)]


async def test_the_brokers_own_leg_names_are_matched_by_role(alpaca_world):
    row, _ = await alpaca_world.oms.commands.submit(bracket("named-by-broker"), approval())
    parent, legs = await tree(alpaca_world, "named-by-broker")
    [at_broker] = alpaca_world.wire.root_orders()
    by_type = {leg["type"]: leg for leg in at_broker["legs"]}
    assert [(leg.order_type.value, leg.client_order_id, leg.broker_order_id, leg.status) for leg in legs] == [
        ("limit", by_type["limit"]["client_order_id"], by_type["limit"]["id"], OrderStatus.ACCEPTED),
        ("stop", by_type["stop"]["client_order_id"], by_type["stop"]["id"], OrderStatus.ACCEPTED)]
    assert all(leg.parent_order_id == parent.order_id for leg in legs)
    await alpaca_world.oms.sync.apply(await alpaca_world.broker.get_order(row.broker_order_id))
    _, again = await tree(alpaca_world, "named-by-broker")
    assert [leg.order_id for leg in again] == [leg.order_id for leg in legs]  # a later report adopts nothing new
    async with alpaca_world.db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM orders") == 3


async def test_a_refused_bracket_ends_its_legs_too(alpaca_world):
    alpaca_world.wire.fail_next("POST", "/v2/orders", 403, {"code": 40310000, "message": "insufficient buying power"})
    with pytest.raises(BrokerRejected):
        await alpaca_world.oms.commands.submit(bracket("refused-bracket"), approval())
    parent, legs = await tree(alpaca_world, "refused-bracket")
    assert [parent.status, *(leg.status for leg in legs)] == [OrderStatus.REJECTED] * 3
    assert all("insufficient buying power" in (leg.reject_reason or "") for leg in legs)


async def test_a_leg_of_a_bracket_being_sent_is_left_alone(alpaca_world):
    alpaca_world.wire.hold_s = 1.0  # the broker has the order; its answer is late
    sending = asyncio.create_task(alpaca_world.oms.commands.submit(bracket("leg-in-flight"), approval()))
    await eventually(lambda: alpaca_world.wire.count("POST", "/v2/orders") == 1, what="the order at the broker")
    _, legs = await tree(alpaca_world, "leg-in-flight")
    with pytest.raises(Conflict) as err:
        await alpaca_world.oms.commands.cancel(legs[0].order_id)
    assert err.value.code == "ORDER_IN_FLIGHT"
    report = await Reconciler(alpaca_world.oms).run(startup=True)  # no grace: only "in flight" holds it back
    assert (report.orders_rejected, report.orders_corrected) == (0, 0)
    await sending
    _, legs = await tree(alpaca_world, "leg-in-flight")
    assert [leg.status for leg in legs] == [OrderStatus.ACCEPTED] * 2


async def test_a_sim_bracket_keeps_the_legs_it_recorded(sim_world):
    sim_world.bar("AAPL", 100, 100, 100, 100)
    await sim_world.oms.commands.submit(bracket("sim-bracket"), sim_world.approve("AAPL", Side.BUY, 10, 100))
    _, legs = await tree(sim_world, "sim-bracket")
    assert [(leg.client_order_id, leg.broker_order_id is not None) for leg in legs] == [
        ("sim-bracket:tp", True), ("sim-bracket:sl", True)]
    await sim_world.step("AAPL", 100, 100, 99, 99.5)  # the parent fills; its legs are armed
    async with sim_world.db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM orders") == 3
    await sim_world.check_books()


async def record_only(world, request, approval):
    """The bracket is committed and the process 'dies' before calling the broker."""
    row, created = await world.oms.recorder.record(request, approval, request.limit_price)
    assert created
    return row


async def resent_after_a_crash(world, limit):
    await record_only(world, bracket("crashed-bracket"), limit)
    report = await Reconciler(world.oms).run(startup=True)
    assert (report.orders_resubmitted, report.orders_rejected, report.orders_adopted) == (1, 0, 0)
    parent, legs = await tree(world, "crashed-bracket")
    assert [parent.status, *(leg.status for leg in legs)] == [OrderStatus.ACCEPTED] * 3
    assert all(leg.broker_order_id is not None for leg in legs)
    async with world.db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM orders") == 3
        assert await conn.fetchval("SELECT count(*) FROM risk_events WHERE event_type = 'ORDER_NOT_SENT'") == 0


async def test_a_sim_bracket_that_never_reached_the_broker_is_sent_with_its_legs(sim_world):
    sim_world.bar("AAPL", 100, 100, 100, 100)
    await resent_after_a_crash(sim_world, sim_world.approve("AAPL", Side.BUY, 10, 100, ttl_s=3600))


async def test_an_alpaca_bracket_that_never_reached_the_broker_is_sent_with_its_legs(alpaca_world):
    await resent_after_a_crash(alpaca_world, approval())
