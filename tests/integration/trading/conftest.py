"""Fixtures for the Trading tests: a fresh database per test, worlds to trade in, and a local
server that speaks Alpaca's trading REST JSON.

``trading_dsn`` / ``trading_db``: the Trading tests' own scratch database, emptied at the start of
each test (``tests.support.database``), so reconciliation and positions of one test never see
another's. ``sim_world``: an OrderManager on
it (real Postgres, real Redis bus) trading against a SimBroker on its Postgres ledger, fed bar by
bar. ``alpaca_world``: the same OMS with AlpacaBroker talking to ``alpaca_wire``.

``AlpacaWire`` answers ``/v2/account``, ``/v2/orders`` (create, list, get, cancel, cancel all),
``/v2/orders:by_client_order_id`` and ``/v2/positions`` the way Alpaca does (string numbers,
nested bracket legs, ``{"code", "message"}`` error bodies, 422 on a duplicate client_order_id).
Tests script failures (``fail_next``), hold an answer after the order is created (``hold_s``),
and move orders along (``fill``). It runs in a thread of the test process, so it outlives a
trading process the test kills.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from catalyst.brokers.config import BrokerSettings
from catalyst.brokers.feeds import InMemoryBarFeed
from catalyst.brokers.guard import GuardedBroker
from catalyst.config import AlpacaCredentials
from catalyst.db import Database
from catalyst.trading.oms import OrderManager
from tests.support.database import clean_database, connected, scratch_dsn
from tests.support.sim_world import SECRET, SimWorld, open_sim_world

OPEN = {"new", "accepted", "partially_filled", "held", "pending_new"}


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class AlpacaWire:
    def __init__(self) -> None:
        self.orders: dict[str, dict[str, Any]] = {}
        self.positions: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []
        self.failures: list[tuple[str, str, int, dict[str, Any] | str, bool]] = []
        self.hold_s = 0.0
        self.on_request: Any = None  # called (method, path, body) before each request is handled
        self.lock = threading.Lock()
        self.account_id = str(uuid.uuid4())
        self.server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------------ control

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def fail_next(self, method: str, path: str, status: int, body: dict[str, Any] | str | None = None,
                  *, after: bool = False) -> None:
        """The next ``method`` request whose path starts with ``path`` gets ``status``.

        ``after=True``: the request is carried out first and only its answer is the failure
        (the broker did it, the caller never heard).
        """
        default: dict[str, Any] = {"code": status * 100000, "message": f"scripted {status}"}
        self.failures.append((method, path, status, body if body is not None else default, after))

    def count(self, method: str, path: str) -> int:
        return sum(1 for m, p in self.requests if m == method and p == path)

    def root_orders(self) -> list[dict[str, Any]]:
        leg_ids = {leg["id"] for o in self.orders.values() for leg in o.get("legs") or []}
        return [o for o in self.orders.values() if o["id"] not in leg_ids]

    def fill(self, order_id: str, qty: float, price: float) -> None:
        with self.lock:
            order = self.orders[order_id]
            prev_q = float(order["filled_qty"])
            prev_avg = float(order["filled_avg_price"] or 0)
            new_q = prev_q + qty
            order["filled_avg_price"] = str(round((prev_avg * prev_q + price * qty) / new_q, 6))
            order["filled_qty"] = str(int(new_q) if new_q.is_integer() else new_q)
            order["status"] = "filled" if new_q >= float(order["qty"]) else "partially_filled"
            order["updated_at"] = _now()
            sign = 1 if order["side"] == "buy" else -1
            self._move_position(order["symbol"], sign * qty, price)
            for leg in order.get("legs") or []:
                if order["status"] == "filled" and leg["status"] == "held":
                    leg["status"] = "new"

    def add_position(self, symbol: str, qty: float, avg: float) -> None:
        with self.lock:
            self._move_position(symbol, qty, avg)

    def _move_position(self, symbol: str, signed_qty: float, price: float) -> None:
        pos = self.positions.get(symbol)
        old = 0.0 if pos is None else float(pos["qty"])
        new = old + signed_qty
        if abs(new) < 1e-9:
            self.positions.pop(symbol, None)
            return
        avg = price if pos is None or (old > 0) != (new > 0) else (
            (float(pos["avg_entry_price"]) * abs(old) + price * abs(signed_qty)) / abs(new)
            if (signed_qty > 0) == (old > 0) else float(pos["avg_entry_price"]))
        self.positions[symbol] = position_json(symbol, new, avg)

    # ------------------------------------------------------------------ routes

    def handle(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        self.requests.append((method, path))
        if self.on_request is not None:
            self.on_request(method, path, body)
        for i, (m, prefix, status, fail_body, after) in enumerate(self.failures):
            if m == method and path.startswith(prefix):
                del self.failures[i]
                if after:
                    with self.lock:
                        self._route(method, path, query, body)
                return status, fail_body
        with self.lock:
            return self._route(method, path, query, body)

    def _route(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        if path == "/v2/account" and method == "GET":
            return 200, account_json(self.account_id)
        if path == "/v2/orders" and method == "POST":
            return self._create(body)
        if path == "/v2/orders" and method == "GET":
            return 200, self._list(query)
        if path == "/v2/orders" and method == "DELETE":
            return 207, self._cancel_all()
        if path == "/v2/orders:by_client_order_id" and method == "GET":
            found = [o for o in self.orders.values() if o["client_order_id"] == query.get("client_order_id")]
            return (200, found[0]) if found else (404, {"code": 40410000, "message": "order not found"})
        if path.startswith("/v2/orders/"):
            return self._one(method, path.rsplit("/", 1)[1])
        if path == "/v2/positions" and method == "GET":
            return 200, list(self.positions.values())
        if path.startswith("/v2/positions/") and method == "DELETE":
            return self._close(path.rsplit("/", 1)[1], query)
        return 404, {"code": 40410000, "message": "route not found"}

    def _create(self, body: dict[str, Any]) -> tuple[int, Any]:
        cid = body.get("client_order_id") or str(uuid.uuid4())
        if any(o["client_order_id"] == cid for o in self.orders.values()):
            return 422, {"code": 40010001, "message": "client_order_id must be unique"}
        if float(body.get("qty", 0)) <= 0:
            return 422, {"code": 42210000, "message": "qty must be > 0"}
        order = order_json(body, cid)
        if body.get("order_class") == "bracket":
            order["order_class"] = "bracket"
            exit_side = "sell" if body["side"] == "buy" else "buy"
            tp = order_json({**body, "side": exit_side, "type": "limit",
                             "limit_price": body["take_profit"]["limit_price"]}, str(uuid.uuid4()), "held")
            sl = order_json({**body, "side": exit_side, "type": "stop",
                             "stop_price": body["stop_loss"]["stop_price"]}, str(uuid.uuid4()), "held")
            order["legs"] = [tp, sl]
            for leg in (tp, sl):
                leg["order_class"] = "bracket"
                self.orders[leg["id"]] = leg
        self.orders[order["id"]] = order
        if self.hold_s:
            self.lock.release()  # the order exists; the answer is what is late
            try:
                time.sleep(self.hold_s)  # the behaviour under test: a broker that is slow to answer
            finally:
                self.lock.acquire()
        return 200, order

    def _list(self, query: dict[str, str]) -> list[dict[str, Any]]:
        status = query.get("status", "open")
        roots = self.root_orders()
        if status == "open":
            roots = [o for o in roots if o["status"] in OPEN or any(
                leg["status"] in OPEN for leg in o.get("legs") or [])]
        elif status == "closed":
            roots = [o for o in roots if o["status"] not in OPEN]
        return roots[: int(query.get("limit", 500))]

    def _cancel_all(self) -> list[dict[str, Any]]:
        out = []
        for order in self.orders.values():
            if order["status"] in OPEN:
                order["status"] = "canceled"
                order["canceled_at"] = _now()
                out.append({"id": order["id"], "status": 200, "body": None})
        return out

    def _one(self, method: str, order_id: str) -> tuple[int, Any]:
        order = self.orders.get(order_id)
        if order is None:
            return 404, {"code": 40410000, "message": "order not found"}
        if method == "GET":
            return 200, order
        if method == "DELETE":
            if order["status"] not in OPEN:
                return 422, {"code": 42210000, "message": f"order is already in \"{order['status']}\" state"}
            order["status"] = "canceled"
            return 204, None
        return 405, {"code": 40500000, "message": "method not allowed"}

    def _close(self, symbol: str, query: dict[str, str]) -> tuple[int, Any]:
        pos = self.positions.get(symbol)
        if pos is None:
            return 404, {"code": 40410000, "message": "position does not exist"}
        qty = abs(float(query.get("qty") or pos["qty"]))
        side = "sell" if float(pos["qty"]) > 0 else "buy"
        order = order_json({"symbol": symbol, "qty": str(qty), "side": side, "type": "market",
                            "time_in_force": "day"}, str(uuid.uuid4()))
        self.orders[order["id"]] = order
        return 200, order


def order_json(body: dict[str, Any], client_order_id: str, status: str = "accepted") -> dict[str, Any]:
    now = _now()
    return {
        "id": str(uuid.uuid4()), "client_order_id": client_order_id, "created_at": now, "updated_at": now,
        "submitted_at": now, "filled_at": None, "expired_at": None, "canceled_at": None, "failed_at": None,
        "replaced_at": None, "replaced_by": None, "replaces": None, "asset_id": str(uuid.uuid4()),
        "symbol": body["symbol"], "asset_class": "us_equity", "notional": None, "qty": str(body["qty"]),
        "filled_qty": "0", "filled_avg_price": None, "order_class": "", "order_type": body["type"],
        "type": body["type"], "side": body["side"], "time_in_force": body["time_in_force"],
        "limit_price": _str(body.get("limit_price")), "stop_price": _str(body.get("stop_price")),
        "status": status, "extended_hours": False, "legs": None, "trail_percent": None, "trail_price": None,
        "hwm": None,
    }


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def position_json(symbol: str, qty: float, avg: float) -> dict[str, Any]:
    q = int(qty) if float(qty).is_integer() else qty
    return {
        "asset_id": str(uuid.uuid4()), "symbol": symbol, "exchange": "NASDAQ", "asset_class": "us_equity",
        "asset_marginable": True, "qty": str(q), "avg_entry_price": str(avg), "side": "long" if qty > 0 else "short",
        "market_value": str(round(qty * avg, 2)), "cost_basis": str(round(qty * avg, 2)), "unrealized_pl": "0",
        "unrealized_plpc": "0", "unrealized_intraday_pl": "0", "unrealized_intraday_plpc": "0",
        "current_price": str(avg), "lastday_price": str(avg), "change_today": "0", "qty_available": str(q),
    }


def account_json(account_id: str) -> dict[str, Any]:
    return {
        "id": account_id, "account_number": "PA3TEST0001", "status": "ACTIVE", "crypto_status": "ACTIVE",
        "currency": "USD", "buying_power": "200000", "regt_buying_power": "200000",
        "daytrading_buying_power": "0", "non_marginable_buying_power": "100000", "cash": "100000",
        "accrued_fees": "0", "pending_transfer_in": "0", "portfolio_value": "100000", "pattern_day_trader": False,
        "trading_blocked": False, "transfers_blocked": False, "account_blocked": False,
        "created_at": "2024-01-02T15:00:00Z", "trade_suspended_by_user": False, "multiplier": "2",
        "shorting_enabled": True, "equity": "100000", "last_equity": "100000", "long_market_value": "0",
        "short_market_value": "0", "initial_margin": "0", "maintenance_margin": "0",
        "last_maintenance_margin": "0", "sma": "0", "daytrade_count": 0,
    }


def _handler(wire: AlpacaWire) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _serve(self, method: str) -> None:
            if not self.headers.get("APCA-API-KEY-ID") or not self.headers.get("APCA-API-SECRET-KEY"):
                self._answer(401, {"code": 40110000, "message": "request is not authorized"})
                return
            parsed = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            status, payload = wire.handle(method, parsed.path, query, body)
            self._answer(status, payload)

        def _answer(self, status: int, payload: Any) -> None:
            data = b"" if payload is None else (
                payload.encode() if isinstance(payload, str) else json.dumps(payload).encode())
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

    return Handler


@pytest.fixture
def alpaca_wire() -> Iterator[AlpacaWire]:
    wire = AlpacaWire()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(wire))
    server.daemon_threads = True
    wire.server = server
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield wire
    server.shutdown()
    server.server_close()


# ---------------------------------------------------------------------------------------------
# A database of their own, emptied before each test: orders, positions and the sim's books of one
# test never meet another's, and reconciliation sees only its own test's world.
# ---------------------------------------------------------------------------------------------



@pytest.fixture(scope="session")
def trading_database_url() -> Iterator[str]:
    with scratch_dsn("catalyst_trading") as dsn:
        yield dsn


@pytest.fixture(scope="session")
async def trading_admin_db(trading_database_url: str) -> AsyncIterator[Database]:
    """The session's pool on the Trading database, which empties it between tests."""
    async with connected(trading_database_url, min_size=1, max_size=2) as db:
        yield db


@pytest.fixture
async def trading_dsn(trading_database_url: str, trading_admin_db: Database) -> str:
    await clean_database(trading_admin_db)
    return trading_database_url


@pytest.fixture
async def trading_db(trading_dsn: str) -> AsyncIterator[Database]:
    async with connected(trading_dsn) as db:
        yield db


@pytest.fixture
async def sim_world(trading_db: Database, redis_client, redis_namespace) -> AsyncIterator[SimWorld]:
    async with open_sim_world(trading_db, redis_client, redis_namespace) as world:
        yield world


@dataclass
class AlpacaWorld:
    """An OMS on the real database whose broker is AlpacaBroker talking to the local Alpaca wire."""

    db: Database
    dsn: str
    wire: AlpacaWire
    feed: InMemoryBarFeed
    broker: GuardedBroker
    oms: OrderManager


@pytest.fixture
async def alpaca_world(trading_db: Database, trading_dsn: str, alpaca_wire: AlpacaWire) -> AsyncIterator[AlpacaWorld]:
    from catalyst.brokers.alpaca import AlpacaBroker

    settings = BrokerSettings(BROKER="alpaca", alpaca=AlpacaCredentials(api_key="key", secret_key="secret"),
                              ALPACA_BASE_URL=alpaca_wire.url, ALPACA_USE_STREAM=False)
    broker = GuardedBroker(AlpacaBroker(settings, timeout_s=5), attempts=3, wait_initial_s=0, wait_max_s=0)
    feed = InMemoryBarFeed()
    oms = OrderManager(trading_db, broker, broker_name=settings.venue, feed=feed, bus=None, approval_secret=SECRET)
    yield AlpacaWorld(trading_db, trading_dsn, alpaca_wire, feed, broker, oms)
    await broker.aclose()
