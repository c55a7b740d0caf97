"""The Trading service over HTTP (app factory, real Postgres/Redis, SimBroker on its Postgres ledger)."""

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from catalyst.bus import Channel, EventBus, PositionUpdate
from catalyst.clients.trading import TradingClient
from catalyst.contracts.trading import SubmitOrderBody
from catalyst.domain.orders import OrderStatus, Side
from catalyst.errors import Forbidden
from catalyst.risk.approvals import sign_approval
from catalyst.services import ServiceName
from services.trading.app import build_app
from tests.support.services import service_client

SECRET = "trading-api-secret"


@pytest.fixture
def trading_app(trading_dsn, make_settings, monkeypatch):
    for key, value in {"BROKER": "sim", "SIM_LEDGER": "postgres", "SIM_ACCOUNT": "api", "SIM_MARKET_FILL": "last_price",
                       "SIM_SLIPPAGE_BPS": "0", "SIM_COMMISSION_PER_SHARE": "0", "BROKER_POLL_INTERVAL": "0.1",
                       "TRADING_RECONCILE_INTERVAL": "3600", "BROKER_RETRY_WAIT_INITIAL": "0"}.items():
        monkeypatch.setenv(key, value)
    settings = make_settings(ServiceName.TRADING, DATABASE_URL=trading_dsn, RISK_APPROVAL_SECRET=SECRET)
    return build_app(settings)


async def store_bar(app, symbol, close, minutes_ago=3):
    ts = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=minutes_ago)
    async with app.state.runtime.db.acquire() as conn:
        await conn.execute(
            """INSERT INTO trading_history (security_id, timeframe, time_id, open, high, low, close, volume)
               VALUES (get_or_create_security($1), '1Min', get_or_create_time($2), $3, $3, $3, $3, 100000)""",
            symbol, ts, close)


def approval_json(symbol="AAPL", side=Side.BUY, qty=10, bound=101.0, stop=None):
    return sign_approval(symbol=symbol, side=side, max_quantity=qty, price_bound=bound, secret=SECRET, stop=stop,
                         ttl=timedelta(minutes=5)).model_dump(mode="json")


def order_body(**kw):
    return {"symbol": "AAPL", "side": "buy", "quantity": 10, "order_type": "limit", "limit_price": 100.0} | kw


async def test_submit_get_list_and_idempotent_resubmit(trading_app, api_client):
    async with api_client(trading_app) as client:
        body = order_body(client_order_id="api-1", approval=approval_json())
        created = await client.post("/api/v1/orders", json=body)
        assert created.status_code == 201, created.text
        order = created.json()
        assert (order["status"], order["intent"], order["client_order_id"]) == ("accepted", "entry", "api-1")
        assert order["broker"] == "sim_api"
        again = await client.post("/api/v1/orders", json=body)
        assert again.status_code == 200
        assert again.json()["order_id"] == order["order_id"]
        fetched = await client.get(f"/api/v1/orders/{order['order_id']}")
        assert fetched.status_code == 200
        assert fetched.json()["broker_order_id"] == order["broker_order_id"]
        listed = await client.get("/api/v1/orders", params={"status": "accepted"})
        assert [o["order_id"] for o in listed.json()["orders"]] == [order["order_id"]]
        assert (await client.get("/api/v1/orders", params={"status": "filled"})).json()["count"] == 0


async def test_prices_reach_the_broker_the_books_and_the_answer_as_the_books_keep_them(trading_app, api_client):
    """Six decimals from the body to the sim broker, the database and the answer: no float noise
    (190.1 + 0.2 is 190.29999999999998 in JSON; 180.1234564 has a seventh decimal)."""
    async with api_client(trading_app) as client:
        body = order_body(limit_price=187.123456, take_profit=190.1 + 0.2, stop_loss=180.1234564,
                          client_order_id="api-exact", approval=approval_json(bound=187.123456, stop=180.123456))
        created = await client.post("/api/v1/orders", json=body)
        assert created.status_code == 201, created.text
        order = created.json()
        assert (order["limit_price"], order["take_profit"], order["stop_loss"]) == (187.123456, 190.3, 180.123456)
        assert '"limit_price":187.123456' in created.text.replace(" ", "")  # a JSON number, not a string
        async with trading_app.state.runtime.db.acquire() as conn:
            booked = await conn.fetchrow("SELECT limit_price, take_profit_price, stop_loss_price FROM orders "
                                         "WHERE client_order_id = 'api-exact'")
            at_broker = {r[0]: (r[1], r[2]) for r in await conn.fetch(
                """SELECT client_order_id, doc->>'limit_price', doc->>'stop_price' FROM sim_broker_orders
                   WHERE client_order_id LIKE 'api-exact%'""")}
        assert tuple(booked) == (Decimal("187.123456"), Decimal("190.3"), Decimal("180.123456"))
        assert at_broker == {"api-exact": ("187.123456", None), "api-exact:tp": ("190.300000", None),
                             "api-exact:sl": (None, "180.123456")}
        again = await client.post("/api/v1/orders", json=body)  # the same order, compared as the books keep it
        assert (again.status_code, again.json()["order_id"]) == (200, order["order_id"])


async def test_market_entry_fills_and_close_exits_without_approval(trading_app, api_client):
    async with api_client(trading_app) as client:
        await store_bar(trading_app, "AAPL", 100.0)
        entry = await client.post("/api/v1/orders", json=order_body(order_type="market", limit_price=None,
                                                                     approval=approval_json(bound=100.0)))
        assert entry.status_code == 201, entry.text
        assert (entry.json()["status"], entry.json()["filled_avg_price"]) == ("filled", 100.0)
        [position] = (await client.get("/api/v1/positions")).json()["positions"]
        assert (position["symbol"], position["side"], position["quantity"]) == ("AAPL", "long", 10)
        too_many = await client.post(f"/api/v1/positions/{position['position_id']}/close", json={"quantity": 11})
        assert too_many.status_code == 400
        assert too_many.json()["error"]["code"] == "QUANTITY_EXCEEDS_POSITION"
        closing = await client.post(f"/api/v1/positions/{position['position_id']}/close", json={})
        assert closing.status_code == 201, closing.text
        exit_order = closing.json()
        assert (exit_order["intent"], exit_order["status"], exit_order["side"]) == ("exit", "filled", "sell")
        assert (await client.get("/api/v1/positions")).json()["count"] == 0
        [closed] = (await client.get("/api/v1/positions", params={"status": "closed"})).json()["positions"]
        assert closed["status"] == "closed"


async def test_a_bracket_entry_answers_its_legs_as_recorded(trading_app, api_client):
    async with api_client(trading_app) as client:
        await store_bar(trading_app, "AAPL", 100.0)
        body = order_body(order_type="market", limit_price=None, take_profit=110.0, stop_loss=95.0,
                          client_order_id="api-bracket", approval=approval_json(bound=100.0))
        placed = await client.post("/api/v1/orders", json=body)
        assert placed.status_code == 201, placed.text
        order = placed.json()
        assert order["status"] == "filled"
        assert [(leg["order_type"], leg["quantity"]) for leg in order["legs"]] == [("limit", 10), ("stop", 10)]
        assert (await client.get(f"/api/v1/orders/{order['order_id']}")).json() == order
        again = await client.post("/api/v1/orders", json=body)
        assert (again.status_code, again.json()) == (200, order)


async def test_events_still_queued_at_shutdown_are_published(trading_app, api_client, redis_client,
                                                            redis_namespace):
    events = [PositionUpdate(position_id=str(n), symbol="SHUT", side="long", quantity=n, avg_entry_price=1,
                             market_price=1, unrealized_pnl=0, status="open") for n in range(2000)]
    subscription = await EventBus(redis_client, redis_namespace).open_subscription(Channel.POSITION_UPDATE)
    try:
        async with api_client(trading_app):
            trading_app.state.trading.oms.sync.post(*events)  # as broker sync posts them, then shutdown
        for task in asyncio.all_tasks():  # what a process exit does to whatever is still running
            if task.get_name() == "bus-publisher":
                task.cancel()

        async def all_of_them() -> list[object]:
            got = []
            async for event in subscription.events():
                got.append(event)
                if len(got) == len(events):
                    return got
            return got

        assert await asyncio.wait_for(all_of_them(), 10) == events
    finally:
        await subscription.aclose()


async def test_entry_without_approval_is_a_403_envelope(trading_app, api_client):
    async with api_client(trading_app) as client:
        answer = await client.post("/api/v1/orders", json=order_body())
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "APPROVAL_REQUIRED"
        over = await client.post("/api/v1/orders", json=order_body(quantity=11, approval=approval_json(qty=10)))
        assert over.status_code == 403
        assert over.json()["error"]["details"]["problems"] == ["APPROVAL_QUANTITY_EXCEEDED"]
        assert (await client.get("/api/v1/orders")).json()["count"] == 0


@pytest.mark.parametrize("body", [
    order_body(limit_price=None),
    order_body(order_type="market"),
    order_body(quantity=0),
    order_body(quantity=1.5),
    order_body(symbol="aapl"),
    order_body(side="hold"),
    order_body(take_profit=110.0),
    order_body(take_profit=90.0, stop_loss=95.0),
    order_body(client_order_id="bad id"),
    order_body(surprise=True),
    order_body(approval={"symbol": "AAPL"}),
])
async def test_bad_order_bodies_are_400s(trading_app, api_client, body):
    async with api_client(trading_app) as client:
        answer = await client.post("/api/v1/orders", json=body)
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]["code"] == "VALIDATION_ERROR"
        assert (await client.get("/api/v1/orders")).json()["count"] == 0


async def test_unknown_and_malformed_ids(trading_app, api_client):
    async with api_client(trading_app) as client:
        missing = await client.get("/api/v1/orders/00000000-0000-0000-0000-000000000000")
        assert (missing.status_code, missing.json()["error"]["code"]) == (404, "ORDER_NOT_FOUND")
        assert (await client.get("/api/v1/orders/not-a-uuid")).status_code == 400
        assert (await client.delete("/api/v1/orders/00000000-0000-0000-0000-000000000000")).status_code == 404
        gone = await client.post("/api/v1/positions/00000000-0000-0000-0000-000000000000/close", json={})
        assert gone.status_code == 404


async def test_cancel_then_cancel_again_is_409(trading_app, api_client):
    async with api_client(trading_app) as client:
        order = (await client.post("/api/v1/orders", json=order_body(approval=approval_json()))).json()
        canceled = await client.delete(f"/api/v1/orders/{order['order_id']}")
        assert (canceled.status_code, canceled.json()["status"]) == (200, "canceled")
        again = await client.delete(f"/api/v1/orders/{order['order_id']}")
        assert (again.status_code, again.json()["error"]["code"]) == (409, "ORDER_NOT_OPEN")


async def test_emergency_routes_need_a_reason_but_no_approval(trading_app, api_client):
    async with api_client(trading_app) as client:
        assert (await client.post("/api/v1/orders/cancel-all", json={})).status_code == 400
        assert (await client.post("/api/v1/positions/flatten", json={"reason": ""})).status_code == 400
        await client.post("/api/v1/orders", json=order_body(approval=approval_json()))
        result = await client.post("/api/v1/orders/cancel-all", json={"reason": "daily loss limit"})
        assert result.status_code == 200
        assert result.json()["broker_canceled"] == 1
        assert [o["status"] for o in result.json()["orders"]] == ["canceled"]
        flat = await client.post("/api/v1/positions/flatten", json={"reason": "daily loss limit"})
        assert (flat.status_code, flat.json()["orders"]) == (200, [])
        report = await client.post("/api/v1/reconcile")
        assert report.status_code == 200
        assert report.json()["broker"] == "sim_api"


async def test_requests_without_the_api_key_are_refused(trading_app, api_client):
    async with api_client(trading_app, api_key="wrong") as client:
        answer = await client.get("/api/v1/orders")
        assert (answer.status_code, answer.json()["error"]["code"]) == (401, "INVALID_API_KEY")


async def test_typed_client(trading_app, api_client):
    async with api_client(trading_app), service_client(trading_app, caller=ServiceName.RISK, attempts=3) as service:
        client = TradingClient(service)
        await store_bar(trading_app, "MSFT", 50.0)
        body = SubmitOrderBody(symbol="MSFT", side=Side.BUY, quantity=5,
                               approval=approval_json("MSFT", qty=5, bound=50.0))
        order = await client.submit_order(body)
        assert order.status is OrderStatus.FILLED
        assert order.client_order_id.startswith("cat-")
        assert (await client.get_order(order.order_id)).order_id == order.order_id
        assert (await client.list_orders(OrderStatus.FILLED)).count == 1
        positions = await client.list_positions()
        assert [p.symbol for p in positions.positions] == ["MSFT"]
        with pytest.raises(Forbidden):
            await client.submit_order(SubmitOrderBody(symbol="MSFT", side=Side.BUY, quantity=5))
        flat = await client.flatten_all("end of day")
        assert [o.status for o in flat.orders] == [OrderStatus.FILLED]
        assert (await client.list_positions()).count == 0
        assert (await client.cancel_all_orders("again")).broker_canceled == 0
        assert (await client.reconcile()).positions_fixed == 0


# -- bad input is a 400, never a 500 (found by tests/integration/contracts fuzzing) ---------------
def assert_400_naming(answer, field):
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert any(field in f for f in error["details"]["fields"]), error


@pytest.mark.parametrize("expires_at", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
async def test_an_approval_expiring_outside_utc_is_a_400(trading_app, api_client, expires_at):
    """Checking the signature converts the expiry to UTC, which overflowed (500)."""
    async with api_client(trading_app) as client:
        answer = await client.post("/api/v1/orders", json=order_body(
            approval=approval_json() | {"expires_at": expires_at}))
    assert_400_naming(answer, "expires_at")


@pytest.mark.parametrize("patch", [
    {"limit_price": 1e-9},  # rounds to 0 in numeric(18, 6): a check violation (500)
    {"limit_price": 1e15},  # beyond numeric(18, 6): numeric overflow (500)
    {"order_type": "stop", "limit_price": None, "stop_price": 1e13},
    {"order_type": "market", "limit_price": None, "take_profit": 1e-9, "stop_loss": 1e13},
])
async def test_exit_prices_the_database_cannot_hold_are_400s(trading_app, api_client, patch):
    """Exits need no approval, so an out-of-range price went as far as the orders table."""
    async with api_client(trading_app) as client:
        await store_bar(trading_app, "AAPL", 100.0)
        entry = await client.post("/api/v1/orders", json=order_body(order_type="market", limit_price=None,
                                                                     approval=approval_json(bound=100.0)))
        assert entry.status_code == 201, entry.text
        answer = await client.post("/api/v1/orders", json=order_body(side="sell", quantity=1) | patch)
        assert_400_naming(answer, next(k for k, v in patch.items() if isinstance(v, float)))
        assert (await client.get("/api/v1/orders")).json()["count"] == 1


async def test_an_entry_price_rounding_to_zero_is_a_400(trading_app, api_client):
    async with api_client(trading_app) as client:
        answer = await client.post("/api/v1/orders", json=order_body(limit_price=1e-9, approval=approval_json()))
        assert_400_naming(answer, "limit_price")


@pytest.mark.parametrize("path", ["/api/v1/orders/cancel-all", "/api/v1/positions/flatten"])
async def test_a_reason_with_a_nul_character_is_a_400(trading_app, api_client, path):
    """The reason is recorded as a risk event; PostgreSQL's text refuses NUL (500)."""
    async with api_client(trading_app) as client:
        answer = await client.post(path, json={"reason": "daily loss\x00limit"})
    assert_400_naming(answer, "reason")


# -- a close is idempotent by its client_order_id, and an order can be found by it ------------------------
async def test_a_close_is_idempotent_by_its_client_order_id(trading_app, api_client):
    async with api_client(trading_app) as client:
        await store_bar(trading_app, "AAPL", 100.0)
        entry = (await client.post("/api/v1/orders", json=order_body(
            order_type="market", limit_price=None, client_order_id="entry-1",
            approval=approval_json(bound=100.0)))).json()
        [position] = (await client.get("/api/v1/positions")).json()["positions"]
        close = f"/api/v1/positions/{position['position_id']}/close"
        first = await client.post(close, json={"quantity": 4, "client_order_id": "close-1"})
        assert first.status_code == 201, first.text
        again = await client.post(close, json={"quantity": 4, "client_order_id": "close-1"})  # a retry
        assert again.status_code == 200, again.text
        assert again.json()["order_id"] == first.json()["order_id"]
        [still] = (await client.get("/api/v1/positions")).json()["positions"]
        assert still["quantity"] == 6  # one exit of 4, not two
        other = await client.post(close, json={"quantity": 3, "client_order_id": "close-1"})
        assert (other.status_code, other.json()["error"]["code"]) == (409, "CLIENT_ORDER_ID_CONFLICT")
        entry_id = await client.post(close, json={"client_order_id": "entry-1"})
        assert (entry_id.status_code, entry_id.json()["error"]["code"]) == (409, "CLIENT_ORDER_ID_CONFLICT")
        rest = await client.post(close, json={"client_order_id": "close-2"})
        assert rest.status_code == 201, rest.text
        assert (await client.get("/api/v1/positions")).json()["count"] == 0
        late = await client.post(close, json={"client_order_id": "close-2"})  # the position closed meanwhile
        assert (late.status_code, late.json()["order_id"]) == (200, rest.json()["order_id"])
        found = await client.get("/api/v1/orders/by-client-id/close-1")
        assert (found.status_code, found.json()["order_id"]) == (200, first.json()["order_id"])
        assert (await client.get("/api/v1/orders/by-client-id/entry-1")).json()["order_id"] == entry["order_id"]
        missing = await client.get("/api/v1/orders/by-client-id/never-sent")
        assert missing.status_code == 404
        assert missing.json()["error"] == {"code": "ORDER_NOT_FOUND", "message": "no order with client_order_id "
                                           "never-sent", "details": {"client_order_id": "never-sent"}}
        assert (await client.get("/api/v1/orders/by-client-id/bad%20id")).status_code == 400


async def test_concurrent_closes_with_one_client_order_id_send_one_exit(trading_app, api_client):
    async with api_client(trading_app) as client:
        await store_bar(trading_app, "AAPL", 100.0)
        await client.post("/api/v1/orders", json=order_body(order_type="market", limit_price=None,
                                                            approval=approval_json(bound=100.0)))
        [position] = (await client.get("/api/v1/positions")).json()["positions"]
        answers = await asyncio.gather(*(client.post(f"/api/v1/positions/{position['position_id']}/close",
                                                     json={"quantity": 5, "client_order_id": "close-once"})
                                         for _ in range(5)))
        assert sorted(a.status_code for a in answers) == [200, 200, 200, 200, 201], [a.text for a in answers]
        assert len({a.json()["order_id"] for a in answers}) == 1
        exits = [o for o in (await client.get("/api/v1/orders")).json()["orders"] if o["intent"] == "exit"]
        assert len(exits) == 1
        [left] = (await client.get("/api/v1/positions")).json()["positions"]
        assert left["quantity"] == 5


async def test_the_typed_client_finds_orders_and_retries_closes_safely(trading_app, api_client):
    async with api_client(trading_app), service_client(trading_app, caller=ServiceName.WORKFLOW, attempts=3) as service:
        client = TradingClient(service)
        await store_bar(trading_app, "MSFT", 50.0)
        order = await client.submit_order(SubmitOrderBody(symbol="MSFT", side=Side.BUY, quantity=5,
                                                          approval=approval_json("MSFT", qty=5, bound=50.0)))
        assert (await client.find_order(order.client_order_id)) == await client.get_order(order.order_id)
        assert await client.find_order("never-sent") is None
        [position] = (await client.list_positions()).positions
        closed = await client.close_position(position.position_id, 2, "trim", client_order_id="trim-1")
        assert (await client.close_position(position.position_id, 2, "trim", client_order_id="trim-1")).order_id \
            == closed.order_id
        assert (await client.list_positions()).positions[0].quantity == 3
        assert (await client.close_position(position.position_id, 1)).client_order_id.startswith("cat-")
