"""Reconciliation: the broker is the truth; nothing lost, nothing doubled; every fix is a risk event."""

from datetime import timedelta
from decimal import Decimal as D

from catalyst.domain.order_request import OrderRequest
from catalyst.domain.orders import OrderStatus, OrderType, PositionSide, Side
from catalyst.trading import repository as repo
from catalyst.trading.approvals import fillable_price


def limit_buy(cid, price=99.0, qty=10, symbol="AAPL"):
    return OrderRequest(client_order_id=cid, symbol=symbol, side=Side.BUY, quantity=qty,
                        order_type=OrderType.LIMIT, limit_price=price)


async def record_only(world, request, *, ttl_s=60):
    """The row is committed and the process 'dies' before calling the broker."""
    approval = world.approve(request.symbol, request.side, request.quantity, 1000, ttl_s=ttl_s)
    reference = await world.oms.recorder.reference_price(request.symbol)
    row, created = await world.oms.recorder.record(request, approval, fillable_price(request, reference))
    assert created
    return row


async def events(world):
    async with world.db.acquire() as conn:
        return [r["event_type"] for r in await conn.fetch("SELECT event_type FROM risk_events ORDER BY event_id")]


async def row_of(world, cid):
    async with world.db.acquire() as conn:
        return await repo.get_order_by_client_id(conn, cid)


async def test_a_row_that_never_reached_the_broker_is_sent_once_at_startup(sim_world):
    await record_only(sim_world, limit_buy("lost-1"))
    assert sim_world.sim.engine.by_client == {}
    report = await sim_world.reconciler.run(startup=True)
    assert report.orders_resubmitted == 1
    row = await row_of(sim_world, "lost-1")
    assert row.status is OrderStatus.ACCEPTED
    assert list(sim_world.sim.engine.by_client) == ["lost-1"]
    assert row.broker_order_id == sim_world.sim.engine.by_client["lost-1"]
    again = await sim_world.reconciler.run(startup=True)  # idempotent: nothing left to do
    assert (again.orders_resubmitted, len(sim_world.sim.engine.orders)) == (0, 1)
    assert await events(sim_world) == ["ORDER_RESUBMITTED"]


async def test_an_order_the_broker_took_but_never_answered_is_adopted_not_resent(sim_world):
    request = limit_buy("answer-lost")
    await record_only(sim_world, request)
    at_broker = await sim_world.broker.submit_order(request)  # reached the broker; the answer was lost
    report = await sim_world.reconciler.run(startup=True)
    assert (report.orders_resubmitted, report.orders_updated) == (0, 1)
    row = await row_of(sim_world, "answer-lost")
    assert row.status is OrderStatus.ACCEPTED
    assert row.broker_order_id == at_broker.broker_order_id
    assert len(sim_world.sim.engine.orders) == 1


async def test_fills_made_while_down_are_adopted(sim_world):
    sim_world.bar("AAPL", 100, 100, 100, 100)
    request = OrderRequest(client_order_id="filled-while-down", symbol="AAPL", side=Side.BUY, quantity=10)
    await record_only(sim_world, request)
    await sim_world.broker.submit_order(request)
    sim_world.bar("AAPL", 101, 101, 101, 101)
    await sim_world.reconciler.run(startup=True)
    row = await row_of(sim_world, "filled-while-down")
    assert (row.status, row.filled_quantity, row.filled_avg_price) == (OrderStatus.FILLED, 10, D(101))
    await sim_world.check_books()


async def test_the_periodic_pass_leaves_young_rows_alone(sim_world):
    await record_only(sim_world, limit_buy("young"))
    report = await sim_world.reconciler.run()
    assert report.orders_resubmitted == 0
    assert (await row_of(sim_world, "young")).status is OrderStatus.NEW
    sim_world.clock.advance(timedelta(seconds=31))
    report = await sim_world.reconciler.run()
    assert report.orders_resubmitted == 1


async def test_a_stale_row_is_rejected_not_sent(sim_world):
    await record_only(sim_world, limit_buy("stale"), ttl_s=3600)
    sim_world.clock.advance(timedelta(seconds=121))
    report = await sim_world.reconciler.run(startup=True)
    assert report.orders_rejected == 1
    row = await row_of(sim_world, "stale")
    assert row.status is OrderStatus.REJECTED
    assert row.reject_reason.startswith("NEVER_REACHED_BROKER")
    assert sim_world.sim.engine.orders == {}
    assert await events(sim_world) == ["ORDER_NOT_SENT"]


async def test_an_entry_whose_approval_expired_is_rejected_not_sent(sim_world):
    await record_only(sim_world, limit_buy("expired"), ttl_s=10)
    sim_world.clock.advance(timedelta(seconds=11))
    await sim_world.reconciler.run(startup=True)
    row = await row_of(sim_world, "expired")
    assert row.status is OrderStatus.REJECTED
    assert "approval expired" in row.reject_reason


async def test_a_broker_order_unknown_here_is_adopted(sim_world):
    placed = await sim_world.broker.submit_order(limit_buy("placed-elsewhere", symbol="MSFT"))
    report = await sim_world.reconciler.run()
    assert report.orders_adopted == 1
    row = await row_of(sim_world, "placed-elsewhere")
    assert (row.status, row.broker_order_id, row.symbol) == (OrderStatus.ACCEPTED, placed.broker_order_id, "MSFT")
    assert await events(sim_world) == ["ORDER_ADOPTED"]


async def test_a_rejected_row_the_broker_holds_after_all_is_corrected(sim_world):
    request = limit_buy("ghost")
    row = await record_only(sim_world, request)
    await sim_world.oms.sync.reject(row, "BROKER_UNAVAILABLE: timed out")
    await sim_world.broker.submit_order(request)  # the timed-out request had arrived after all
    report = await sim_world.reconciler.run()
    assert report.orders_corrected == 1
    assert (await row_of(sim_world, "ghost")).status is OrderStatus.ACCEPTED
    assert await events(sim_world) == ["ORDER_STATE_CORRECTED"]


async def test_an_order_missing_at_the_broker_is_marked_canceled(sim_world):
    row = await record_only(sim_world, limit_buy("vanished"))
    async with sim_world.db.acquire() as conn:
        await repo.update_order(conn, row.order_id, status="accepted", broker_order_id="not-at-the-broker")
    report = await sim_world.reconciler.run()
    assert report.orders_corrected == 1
    assert (await row_of(sim_world, "vanished")).status is OrderStatus.CANCELED
    assert await events(sim_world) == ["ORDER_MISSING_AT_BROKER"]


async def test_position_differences_are_fixed_broker_wins(sim_world):
    sim_world.bar("AAPL", 100, 100, 100, 100)
    approval = sim_world.approve("AAPL", Side.BUY, 100, 1000, ttl_s=3600)
    await sim_world.oms.commands.submit(OrderRequest(symbol="AAPL", side=Side.BUY, quantity=100), approval)
    await sim_world.step("AAPL", 100, 100, 100, 100)
    async with sim_world.db.acquire() as conn:
        await conn.execute("UPDATE positions SET quantity = 70")
        sid = await repo.security_id(conn, "TSLA")
        await repo.insert_position(conn, sid=sid, side=PositionSide.SHORT, quantity=D(5), avg_price=D(200))
    report = await sim_world.reconciler.run()
    assert report.positions_fixed == 2
    async with sim_world.db.acquire() as conn:
        open_rows = {p.symbol: p for p in await repo.list_positions(conn, "open")}
    assert set(open_rows) == {"AAPL"}
    assert open_rows["AAPL"].quantity == 100
    assert await events(sim_world) == ["POSITION_MISMATCH", "POSITION_MISMATCH"]
    assert (await sim_world.reconciler.run()).positions_fixed == 0


async def test_in_flight_orders_are_not_touched(sim_world):
    row = await record_only(sim_world, limit_buy("in-flight"), ttl_s=3600)
    with sim_world.oms.commands.sending(row):
        sim_world.clock.advance(timedelta(seconds=60))  # past the grace period, yet being sent right now
        report = await sim_world.reconciler.run()
        assert report.orders_resubmitted == 0
        assert sim_world.sim.engine.orders == {}
    assert (await sim_world.reconciler.run()).orders_resubmitted == 1


def during_lookup(world, cid, action):
    """The broker lookup of ``cid`` runs ``action`` first (another path changes the row meanwhile)."""
    lookup = world.broker.get_order_by_client_id

    async def hooked(client_order_id):
        if client_order_id == cid:
            await action()
        return await lookup(client_order_id)

    world.broker.get_order_by_client_id = hooked


async def test_a_row_rejected_while_reconciliation_looked_it_up_is_not_sent(sim_world):
    row = await record_only(sim_world, limit_buy("raced"), ttl_s=3600)
    # Reconciliation has its snapshot (the row is new); while it asks the broker, the submit path
    # gives up on the order, marks it rejected and answers the caller 502.
    during_lookup(sim_world, "raced", lambda: sim_world.oms.sync.reject(row, "BROKER_UNAVAILABLE: timed out"))
    report = await sim_world.reconciler.run(startup=True)
    assert (report.orders_resubmitted, report.orders_rejected) == (0, 0)
    assert "raced" not in sim_world.sim.engine.by_client  # never reached the broker
    assert sim_world.sim.engine.orders == {}
    row = await row_of(sim_world, "raced")
    assert (row.status, row.reject_reason) == (OrderStatus.REJECTED, "BROKER_UNAVAILABLE: timed out")
    assert await events(sim_world) == []


async def test_a_row_closed_while_reconciliation_looked_it_up_is_not_marked_missing(sim_world):
    row = await record_only(sim_world, limit_buy("closed-meanwhile"))
    async with sim_world.db.acquire() as conn:
        await repo.update_order(conn, row.order_id, status="accepted", broker_order_id="not-at-the-broker")

    async def canceled_meanwhile():
        async with sim_world.db.acquire() as conn:
            await repo.update_order(conn, row.order_id, status="canceled", reject_reason="canceled by the user")

    during_lookup(sim_world, "closed-meanwhile", canceled_meanwhile)
    report = await sim_world.reconciler.run()
    assert report.orders_corrected == 0
    row = await row_of(sim_world, "closed-meanwhile")
    assert (row.status, row.reject_reason) == (OrderStatus.CANCELED, "canceled by the user")
    assert await events(sim_world) == []
