"""Insert before submit, and a trade rejected (never left pending) when the broker fails."""

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from catalyst.brokers.errors import BrokerRejected
from catalyst.domain.order_request import OrderRequest
from catalyst.domain.orders import OrderStatus, OrderType, Side
from catalyst.errors import ServiceUnavailable, UpstreamError
from catalyst.risk.approvals import sign_approval
from catalyst.trading import repository as repo

SECRET = "trading-test-secret"


def limit_buy(cid, qty=10):
    return OrderRequest(client_order_id=cid, symbol="AAPL", side=Side.BUY, quantity=qty,
                        order_type=OrderType.LIMIT, limit_price=100)


def approval(qty=10):
    return sign_approval(symbol="AAPL", side=Side.BUY, max_quantity=qty, price_bound=100, secret=SECRET,
                         now=datetime.now(UTC), ttl=timedelta(minutes=5))


async def row_of(world, cid):
    async with world.db.acquire() as conn:
        return await repo.get_order_by_client_id(conn, cid)


async def test_the_row_is_committed_before_the_broker_is_called(alpaca_world):
    seen = []

    def check(method, path, body):
        if method == "POST" and path == "/v2/orders":
            with psycopg.connect(alpaca_world.dsn) as conn:  # another session: only committed rows show
                seen.append(conn.execute("SELECT status FROM orders WHERE client_order_id = %s",
                                         (body["client_order_id"],)).fetchone())

    alpaca_world.wire.on_request = check
    row, created = await alpaca_world.oms.commands.submit(limit_buy("committed-first"), approval())
    assert created
    assert seen == [("new",)]
    assert row.status is OrderStatus.ACCEPTED
    assert alpaca_world.wire.orders[row.broker_order_id]["client_order_id"] == "committed-first"


async def test_429_then_success(alpaca_world):
    alpaca_world.wire.fail_next("POST", "/v2/orders", 429, {"code": 42910000, "message": "rate limit exceeded"})
    row, _ = await alpaca_world.oms.commands.submit(limit_buy("after-429"), approval())
    assert row.status is OrderStatus.ACCEPTED
    assert alpaca_world.wire.count("POST", "/v2/orders") == 2


async def test_all_retries_failing_rejects_the_trade(alpaca_world):
    for _ in range(3):
        alpaca_world.wire.fail_next("POST", "/v2/orders", 503)
    with pytest.raises(UpstreamError) as err:
        await alpaca_world.oms.commands.submit(limit_buy("broker-down"), approval())
    assert err.value.code == "BROKER_UNAVAILABLE"
    assert err.value.details["status"] == "rejected"
    row = await row_of(alpaca_world, "broker-down")
    assert row.status is OrderStatus.REJECTED
    assert "BROKER_UNAVAILABLE" in row.reject_reason
    assert alpaca_world.wire.count("POST", "/v2/orders") == 3
    assert alpaca_world.wire.orders == {}


async def test_a_broker_refusal_rejects_at_once(alpaca_world):
    alpaca_world.wire.fail_next("POST", "/v2/orders", 403, {"code": 40310000, "message": "insufficient buying power"})
    with pytest.raises(BrokerRejected) as err:
        await alpaca_world.oms.commands.submit(limit_buy("refused"), approval())
    assert err.value.status_code == 422
    assert err.value.details["status"] == "rejected"
    row = await row_of(alpaca_world, "refused")
    assert row.status is OrderStatus.REJECTED
    assert "insufficient buying power" in row.reject_reason
    assert alpaca_world.wire.count("POST", "/v2/orders") == 1


async def test_an_open_breaker_rejects_without_calling(alpaca_world):
    for _ in range(5):
        alpaca_world.wire.fail_next("GET", "/v2/account", 500)
    for _ in range(2):  # 3 tries, then 2 more: the breaker opens on the fifth failure
        with pytest.raises((UpstreamError, ServiceUnavailable)):
            await alpaca_world.broker.get_account()
    assert await alpaca_world.broker.breaker_state() == "opened"
    with pytest.raises(UpstreamError) as err:
        await alpaca_world.oms.commands.submit(limit_buy("breaker-open"), approval())
    assert "circuit breaker is open" in err.value.message
    assert (await row_of(alpaca_world, "breaker-open")).status is OrderStatus.REJECTED
    assert alpaca_world.wire.count("POST", "/v2/orders") == 0


async def test_a_timed_out_submission_that_arrived_is_adopted_not_rejected(alpaca_world):
    for _ in range(3):
        alpaca_world.wire.fail_next("POST", "/v2/orders", 504, after=True)  # done, but the answer is lost
    alpaca_world.wire.fail_next("GET", "/v2/orders:by_client_order_id", 502)  # the guard's look is lost too
    alpaca_world.wire.fail_next("GET", "/v2/orders:by_client_order_id", 502)
    row, _ = await alpaca_world.oms.commands.submit(limit_buy("arrived"), approval())
    assert row.status is OrderStatus.ACCEPTED
    assert len(alpaca_world.wire.orders) == 1


async def test_foreign_broker_orders_are_adopted_or_skipped_never_fatal(alpaca_world):
    from catalyst.trading.reconcile import Reconciler

    wire = alpaca_world.wire
    wire.handle("POST", "/v2/orders", {}, {"symbol": "TSLA", "qty": "2.5", "side": "buy", "type": "market",
                                           "time_in_force": "day", "client_order_id": "manual order #1"})
    wire.handle("POST", "/v2/orders", {}, {"symbol": "TSLA", "qty": "1", "side": "sell", "type": "trailing_stop",
                                           "time_in_force": "gtc", "client_order_id": "trail-1"})
    report = await Reconciler(alpaca_world.oms).run()
    assert report.orders_adopted == 1
    adopted = await row_of(alpaca_world, "manual order #1")
    assert (adopted.symbol, adopted.quantity, adopted.status) == ("TSLA", 2.5, OrderStatus.ACCEPTED)
    assert await row_of(alpaca_world, "trail-1") is None  # not a kind Catalyst trades: logged, left alone
    async with alpaca_world.db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM risk_events WHERE event_type = 'ORDER_ADOPTED'") == 1
