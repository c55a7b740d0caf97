"""AlpacaBroker (alpaca-py for real) against a local server speaking Alpaca's REST JSON."""

import asyncio
from decimal import Decimal

import pytest

from catalyst.brokers.alpaca import AlpacaBroker, OrderPoller
from catalyst.brokers.config import BrokerSettings
from catalyst.brokers.errors import BrokerCircuitOpen, BrokerRateLimited, BrokerRejected, BrokerTransientError
from catalyst.brokers.guard import GuardedBroker
from catalyst.config import AlpacaCredentials
from catalyst.domain.order_request import OrderRequest, StopLoss, TakeProfit
from catalyst.domain.orders import OrderClass, OrderStatus, OrderType, PositionSide, Side


def make(wire, **guard):
    settings = BrokerSettings(BROKER="alpaca", alpaca=AlpacaCredentials(api_key="key", secret_key="secret"),
                              ALPACA_BASE_URL=wire.url, ALPACA_USE_STREAM=False, BROKER_POLL_INTERVAL=0.05)
    broker = AlpacaBroker(settings, timeout_s=5)
    opts = {"attempts": 3, "wait_initial_s": 0.0, "wait_max_s": 0.0, "breaker_threshold": 5} | guard
    return broker, GuardedBroker(broker, **opts)


def market(qty=10, cid=None, **kw):
    extra = {"client_order_id": cid} if cid else {}
    return OrderRequest(symbol="AAPL", side=Side.BUY, quantity=qty, **extra, **kw)


async def test_account_and_a_market_order(alpaca_wire):
    broker, guarded = make(alpaca_wire)
    account = await guarded.get_account()
    assert account.status == "ACTIVE"
    assert account.cash == 100_000
    assert account.buying_power == 200_000
    order = await guarded.submit_order(market(cid="cid-market-1"))
    assert order.client_order_id == "cid-market-1"
    assert order.status is OrderStatus.ACCEPTED
    assert order.quantity == 10
    assert order.order_type is OrderType.MARKET
    assert alpaca_wire.orders[order.broker_order_id]["client_order_id"] == "cid-market-1"
    await broker.aclose()


async def test_limit_stop_and_bracket_orders_reach_the_wire_as_alpaca_expects(alpaca_wire):
    broker, guarded = make(alpaca_wire)
    limit = await guarded.submit_order(market(order_type=OrderType.LIMIT, limit_price=101.25))
    stop = await guarded.submit_order(OrderRequest(symbol="AAPL", side=Side.SELL, quantity=5,
                                                   order_type=OrderType.STOP, stop_price=95))
    bracket = await guarded.submit_order(market(take_profit=TakeProfit(limit_price=110),
                                                stop_loss=StopLoss(stop_price=95)))
    assert limit.limit_price == 101.25
    assert stop.stop_price == 95
    assert stop.side is Side.SELL
    assert bracket.order_class is OrderClass.BRACKET
    assert sorted(leg.order_type for leg in bracket.legs) == [OrderType.LIMIT, OrderType.STOP]
    assert all(leg.status is OrderStatus.ACCEPTED for leg in bracket.legs)  # "held" at Alpaca
    fetched = await guarded.get_order(bracket.broker_order_id)
    assert fetched.broker_order_id == bracket.broker_order_id
    await broker.aclose()


async def test_prices_reach_the_wire_as_the_books_keep_them_and_come_back_as_decimals(alpaca_wire):
    broker, guarded = make(alpaca_wire)
    sent = []
    alpaca_wire.on_request = lambda method, path, body: sent.append(body) if method == "POST" else None
    order = await guarded.submit_order(market(order_type=OrderType.LIMIT, limit_price=187.123456,
                                              take_profit=TakeProfit(limit_price=190.1 + 0.2),
                                              stop_loss=StopLoss(stop_price=180.1234564)))
    [body] = sent  # as Alpaca's JSON parser reads it: numbers, six decimals, no float noise
    assert (body["limit_price"], body["take_profit"], body["stop_loss"]) == (
        187.123456, {"limit_price": 190.3}, {"stop_price": 180.123456})
    assert order.limit_price == Decimal("187.123456")
    legs = {leg.order_type: leg for leg in order.legs}
    assert (legs[OrderType.LIMIT].limit_price, legs[OrderType.STOP].stop_price) == (
        Decimal("190.3"), Decimal("180.123456"))
    await broker.aclose()


async def test_429_then_success_is_retried_once(alpaca_wire):
    broker, guarded = make(alpaca_wire)
    alpaca_wire.fail_next("POST", "/v2/orders", 429, {"code": 42910000, "message": "rate limit exceeded"})
    order = await guarded.submit_order(market(cid="cid-429"))
    assert order.status is OrderStatus.ACCEPTED
    assert alpaca_wire.count("POST", "/v2/orders") == 2
    assert alpaca_wire.count("GET", "/v2/orders:by_client_order_id") == 0  # a 429 did nothing: no lookup
    assert len(alpaca_wire.orders) == 1
    await broker.aclose()


async def test_alpaca_py_does_not_retry_on_its_own(alpaca_wire):
    broker, guarded = make(alpaca_wire, attempts=1)
    alpaca_wire.fail_next("GET", "/v2/account", 429)
    with pytest.raises(BrokerRateLimited):
        await guarded.get_account()
    assert alpaca_wire.count("GET", "/v2/account") == 1  # one attempt means one request
    await broker.aclose()


async def test_422_is_a_rejection_never_retried(alpaca_wire):
    broker, guarded = make(alpaca_wire)
    alpaca_wire.fail_next("POST", "/v2/orders", 422, {"code": 42210000, "message": "insufficient qty available"})
    with pytest.raises(BrokerRejected) as err:
        await guarded.submit_order(market())
    assert err.value.broker_code == 42210000
    assert err.value.status == 422
    assert "insufficient qty" in err.value.message
    assert alpaca_wire.count("POST", "/v2/orders") == 1
    assert await guarded.breaker_state() == "closed"
    await broker.aclose()


async def test_5xx_after_the_order_was_made_adopts_it_instead_of_doubling(alpaca_wire):
    broker, guarded = make(alpaca_wire)
    alpaca_wire.fail_next("POST", "/v2/orders", 500, "<html>internal error</html>", after=True)
    order = await guarded.submit_order(market(cid="cid-ambiguous"))
    assert order.client_order_id == "cid-ambiguous"
    assert alpaca_wire.count("POST", "/v2/orders") == 1
    assert len(alpaca_wire.orders) == 1
    await broker.aclose()


async def test_5xx_every_time_fails_after_three_attempts(alpaca_wire):
    broker, guarded = make(alpaca_wire)
    for _ in range(3):
        alpaca_wire.fail_next("POST", "/v2/orders", 503)
    with pytest.raises(BrokerTransientError) as err:
        await guarded.submit_order(market(cid="cid-down"))
    assert err.value.status == 503
    assert alpaca_wire.count("POST", "/v2/orders") == 3
    assert alpaca_wire.orders == {}
    await broker.aclose()


async def test_breaker_opens_after_five_failures_and_stops_calling(alpaca_wire):
    broker, guarded = make(alpaca_wire, attempts=1)
    for _ in range(5):
        alpaca_wire.fail_next("GET", "/v2/account", 502)
    for _ in range(5):
        with pytest.raises(BrokerTransientError):
            await guarded.get_account()
    assert await guarded.breaker_state() == "opened"
    with pytest.raises(BrokerCircuitOpen):
        await guarded.get_account()
    assert alpaca_wire.count("GET", "/v2/account") == 5
    await broker.aclose()


async def test_duplicate_client_order_id_returns_the_existing_order(alpaca_wire):
    broker, guarded = make(alpaca_wire)
    first = await guarded.submit_order(market(cid="cid-dup"))
    second = await guarded.submit_order(market(cid="cid-dup"))
    assert second.broker_order_id == first.broker_order_id
    assert len(alpaca_wire.orders) == 1
    assert await guarded.get_order_by_client_id("never-sent") is None
    await broker.aclose()


async def test_list_cancel_and_cancel_all(alpaca_wire):
    broker, guarded = make(alpaca_wire)
    a = await guarded.submit_order(market(cid="cid-a"))
    b = await guarded.submit_order(market(cid="cid-b"))
    c = await guarded.submit_order(market(cid="cid-c"))
    assert {o.client_order_id for o in await guarded.list_orders("open")} == {"cid-a", "cid-b", "cid-c"}
    await guarded.cancel_order(a.broker_order_id)
    assert (await guarded.get_order(a.broker_order_id)).status is OrderStatus.CANCELED
    with pytest.raises(BrokerRejected):
        await guarded.cancel_order(a.broker_order_id)  # already canceled: 422
    assert sorted(await guarded.cancel_all()) == sorted([b.broker_order_id, c.broker_order_id])
    assert await guarded.list_orders("open") == []
    assert len(await guarded.list_orders("closed")) == 3
    await broker.aclose()


async def test_positions_and_close_position(alpaca_wire):
    broker, guarded = make(alpaca_wire)
    alpaca_wire.add_position("AAPL", 10, 150.0)
    alpaca_wire.add_position("TSLA", -4, 200.0)
    positions = {p.symbol: p for p in await guarded.list_positions()}
    assert positions["AAPL"].side is PositionSide.LONG
    assert positions["AAPL"].quantity == 10
    assert positions["TSLA"].side is PositionSide.SHORT
    assert positions["TSLA"].size == 4
    assert positions["TSLA"].quantity == -4
    closing = await guarded.close_position("TSLA")
    assert closing.side is Side.BUY
    assert closing.quantity == 4
    await broker.aclose()


async def test_polling_reports_each_change_once(alpaca_wire):
    broker, guarded = make(alpaca_wire)
    poller = OrderPoller(guarded)
    order = await guarded.submit_order(market(qty=10, cid="cid-poll"))
    [first] = await poller.poll()
    assert first.order.status is OrderStatus.ACCEPTED
    assert await poller.poll() == []
    alpaca_wire.fill(order.broker_order_id, 4, 100.0)
    [partial] = await poller.poll()
    assert partial.order.status is OrderStatus.PARTIALLY_FILLED
    assert partial.order.filled_quantity == 4
    alpaca_wire.fill(order.broker_order_id, 6, 101.0)
    [done] = await poller.poll()  # gone from the open list: fetched once more by id
    assert done.order.status is OrderStatus.FILLED
    assert float(done.order.filled_avg_price or 0) == pytest.approx(100.6)
    assert await poller.poll() == []
    await broker.aclose()


async def test_order_updates_stream_falls_back_to_polling(alpaca_wire):
    broker, guarded = make(alpaca_wire)
    order = await guarded.submit_order(market(qty=3, cid="cid-updates"))
    updates = guarded.order_updates()
    first = await asyncio.wait_for(anext(updates), 5)
    assert first.order.broker_order_id == order.broker_order_id
    alpaca_wire.fill(order.broker_order_id, 3, 50.0)
    second = await asyncio.wait_for(anext(updates), 5)
    assert second.order.status is OrderStatus.FILLED
    await updates.aclose()
    await broker.aclose()


def test_missing_credentials_fail_at_construction():
    with pytest.raises(ValueError, match="ALPACA_API_KEY"):
        AlpacaBroker(BrokerSettings(BROKER="alpaca"))


async def test_trade_updates_arrive_through_alpaca_py_trading_stream(alpaca_wire):
    """A local WebSocket server plays Alpaca's trade_updates protocol to alpaca-py's TradingStream."""
    import json

    from websockets.asyncio.server import serve

    seen_auth = []

    async def alpaca_stream(ws):
        auth = json.loads(await ws.recv())
        seen_auth.append(auth)
        await ws.send(json.dumps({"stream": "authorization",
                                  "data": {"status": "authorized", "action": "authenticate"}}))
        listen = json.loads(await ws.recv())
        assert listen == {"action": "listen", "data": {"streams": ["trade_updates"]}}
        await ws.send(json.dumps({"stream": "listening", "data": {"streams": ["trade_updates"]}}))
        order = next(iter(alpaca_wire.orders.values()))
        await ws.send(json.dumps({"stream": "trade_updates", "data": {
            "event": "fill", "order": {**order, "status": "filled", "filled_qty": "2", "filled_avg_price": "99.5"},
            "timestamp": "2026-03-02T15:00:01Z", "price": "99.5", "qty": "2", "position_qty": "2"}}))
        await ws.wait_closed()

    async with serve(alpaca_stream, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        settings = BrokerSettings(BROKER="alpaca", alpaca=AlpacaCredentials(api_key="key", secret_key="secret"),
                                  ALPACA_BASE_URL=alpaca_wire.url, ALPACA_STREAM_URL=f"ws://127.0.0.1:{port}",
                                  BROKER_POLL_INTERVAL=30)
        broker = AlpacaBroker(settings, timeout_s=5)
        await broker.submit_order(market(qty=2, cid="cid-stream"))
        updates = broker.order_updates()
        first = await asyncio.wait_for(anext(updates), 5)  # the first poll runs at once
        assert first.event == "poll"
        streamed = await asyncio.wait_for(anext(updates), 5)
        assert streamed.event == "fill"
        assert streamed.order.status is OrderStatus.FILLED
        assert streamed.order.filled_avg_price == 99.5
        assert seen_auth == [{"action": "authenticate", "data": {"key_id": "key", "secret_key": "secret"}}]
        await updates.aclose()
        await broker.aclose()
