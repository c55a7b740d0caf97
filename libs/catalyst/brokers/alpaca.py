"""``AlpacaBroker``: the ``Broker`` interface on alpaca-py's ``TradingClient`` and ``TradingStream``.

* Paper or live by configuration (``ALPACA_PAPER``); ``ALPACA_BASE_URL`` overrides the REST
  base (``url_override``), which is how the tests point it at a local Alpaca-speaking server.
* alpaca-py's client is synchronous (requests): every call runs in a small thread pool, one
  client per worker thread (a ``requests.Session`` is not shared between threads), with a
  per-request timeout (alpaca-py sets none, so a hung socket would hang the OMS).
* Retries: alpaca-py retries 429/504 itself (3 times, 3 s apart). That is switched off here
  (``_retry = 0``) because ``GuardedBroker`` retries every transient failure under one policy
  with the circuit breaker; retrying in both places would multiply attempts (up to 16 per call).
* ``client_order_id`` goes to Alpaca, which refuses a duplicate (422): submitting an id it
  already holds returns the existing order instead of failing.
* Order updates come from ``TradingStream`` (trade_updates WebSocket) when enabled, and from
  polling open orders in any case, so a dead stream only delays updates, never loses them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

import requests
from alpaca.common.exceptions import APIError
from alpaca.trading.client import TradingClient
from alpaca.trading.enums import OrderClass as AlpacaOrderClass
from alpaca.trading.enums import OrderSide, QueryOrderStatus
from alpaca.trading.enums import TimeInForce as AlpacaTimeInForce
from alpaca.trading.models import Order as AlpacaOrder
from alpaca.trading.models import Position as AlpacaPosition
from alpaca.trading.models import TradeAccount, TradeUpdate
from alpaca.trading.requests import (
    CancelOrderResponse,
    ClosePositionRequest,
    GetOrdersRequest,
    LimitOrderRequest,
    MarketOrderRequest,
    StopLimitOrderRequest,
    StopLossRequest,
    StopOrderRequest,
    TakeProfitRequest,
)
from alpaca.trading.requests import (
    OrderRequest as AlpacaOrderRequest,
)
from alpaca.trading.stream import TradingStream
from pydantic import ValidationError

from catalyst.alpaca_common import ClientPool, api_error_body, configure_rest_client
from catalyst.brokers.base import Broker, OrderQuery
from catalyst.brokers.config import BrokerSettings
from catalyst.brokers.errors import (
    BrokerOrderNotFound,
    BrokerRateLimited,
    BrokerRejected,
    BrokerTransientError,
)
from catalyst.brokers.models import BrokerAccount, OrderUpdate
from catalyst.domain.money import ZERO, as_float, money, quantity, to_decimal
from catalyst.domain.order import Order
from catalyst.domain.order_request import OrderRequest
from catalyst.domain.orders import OrderClass, OrderStatus, OrderType, PositionSide, Side, TimeInForce
from catalyst.domain.position import Position
from catalyst.logging import get_logger

log = get_logger(__name__)
T = TypeVar("T")

# Alpaca order statuses that mean "working at the broker" (our ACCEPTED, or PARTIALLY_FILLED once
# something filled). "new" at Alpaca is "accepted" here: our NEW means "not at the broker yet".
_WORKING = frozenset({
    "new", "pending_new", "accepted", "accepted_for_bidding", "pending_review", "held", "calculated",
    "pending_cancel", "pending_replace", "stopped", "suspended", "done_for_day",
})
_FINAL = {"filled": OrderStatus.FILLED, "canceled": OrderStatus.CANCELED, "expired": OrderStatus.EXPIRED,
          "rejected": OrderStatus.REJECTED, "replaced": OrderStatus.CANCELED}


def map_alpaca_status(status: str, filled_qty: Decimal) -> OrderStatus:
    """Alpaca's order status (and how much filled) in the system's life cycle."""
    if status in _FINAL:
        return _FINAL[status]
    if status == "partially_filled" or (status in _WORKING and filled_qty > 0):
        return OrderStatus.PARTIALLY_FILLED
    if status in _WORKING:
        return OrderStatus.ACCEPTED
    raise ValueError(f"unknown Alpaca order status {status!r}")


def _decimal(value: str | float | None) -> Decimal | None:
    """An order's number as Alpaca wrote it (a string: no float on the way to the books' decimals)."""
    return None if value is None or value == "" else to_decimal(value)


def _enum_value(value: Any) -> str:
    return str(getattr(value, "value", value))


def to_broker_order(order: AlpacaOrder) -> Order:
    """An alpaca-py order as the domain's ``Order`` (legs nested)."""
    filled = _decimal(order.filled_qty) or ZERO
    order_class = _enum_value(order.order_class)
    return Order(
        broker_order_id=str(order.id), client_order_id=order.client_order_id, symbol=order.symbol or "",
        side=Side(_enum_value(order.side)), quantity=_decimal(order.qty) or filled or Decimal(1),
        order_type=OrderType(_enum_value(order.type or order.order_type)),
        order_class=OrderClass.BRACKET if order_class == "bracket" else OrderClass.SIMPLE,
        time_in_force=_map_tif(_enum_value(order.time_in_force)),
        limit_price=_decimal(order.limit_price), stop_price=_decimal(order.stop_price),
        status=map_alpaca_status(_enum_value(order.status), filled),
        filled_quantity=filled, filled_avg_price=_decimal(order.filled_avg_price) if filled else None,
        submitted_at=order.submitted_at, updated_at=order.updated_at,
        legs=tuple(to_broker_order(leg) for leg in order.legs or ()),
    )


def _supported(order: AlpacaOrder) -> Order | None:
    """The order, or None (logged) for kinds Catalyst does not trade: trailing stops, multi-leg options."""
    try:
        return to_broker_order(order)
    except ValueError as exc:
        log.warning("alpaca_order_not_supported", broker_order_id=str(order.id), error=str(exc))
        return None


def _map_tif(value: str) -> TimeInForce:
    try:
        return TimeInForce(value)
    except ValueError:
        return TimeInForce.GTC  # opg/cls/fok: not placed by Catalyst; treat as working until done


def order_update_from_trade_update(update: TradeUpdate) -> OrderUpdate:
    """A ``trade_updates`` stream message as an ``OrderUpdate`` (status from the embedded order)."""
    return OrderUpdate(order=to_broker_order(update.order), event=_enum_value(update.event), at=update.timestamp)


def to_alpaca_request(req: OrderRequest) -> AlpacaOrderRequest:
    """alpaca-py's request models declare prices as floats (a JSON number on the wire): each decimal
    is converted there, and a six-decimal price below a million keeps its digits through a float."""
    common: dict[str, Any] = {
        "symbol": req.symbol, "qty": req.quantity, "side": OrderSide(req.side.value),
        "time_in_force": AlpacaTimeInForce(req.time_in_force.value), "client_order_id": req.client_order_id,
    }
    if req.take_profit is not None and req.stop_loss is not None:
        common |= {
            "order_class": AlpacaOrderClass.BRACKET,
            "take_profit": TakeProfitRequest(limit_price=float(req.take_profit.limit_price)),
            "stop_loss": StopLossRequest(stop_price=float(req.stop_loss.stop_price),
                                         limit_price=as_float(req.stop_loss.limit_price)),
        }
    if req.order_type is OrderType.MARKET:
        return MarketOrderRequest(**common)
    if req.order_type is OrderType.LIMIT:
        return LimitOrderRequest(limit_price=as_float(req.limit_price), **common)
    if req.order_type is OrderType.STOP:
        return StopOrderRequest(stop_price=as_float(req.stop_price), **common)
    return StopLimitOrderRequest(stop_price=as_float(req.stop_price), limit_price=as_float(req.limit_price), **common)


def _expect(kind: type[T], value: object) -> T:
    """alpaca-py types answers as "model or raw dict"; with raw_data off it must be the model."""
    if not isinstance(value, kind):
        raise BrokerTransientError(f"Alpaca answered {type(value).__name__}, expected {kind.__name__}")
    return value


def broker_error(exc: Exception) -> Exception:
    """alpaca-py / requests failures as broker errors (see ``catalyst.brokers.errors``)."""
    if isinstance(exc, APIError):
        status = exc.status_code
        body = api_error_body(exc)
        code, message = (None, str(exc)[:300]) if body is None else (body.get("code"), str(body.get("message", body)))
        if status == 429:
            return BrokerRateLimited(f"Alpaca rate limit: {message}", status=status)
        if status is None or status >= 500:
            return BrokerTransientError(f"Alpaca error {status}: {message}", status=status)
        if status == 404:
            return BrokerOrderNotFound(f"Alpaca: {message}", details={"broker_code": code})
        return BrokerRejected(message, broker_code=code, status=status)
    if isinstance(exc, requests.RequestException):
        return BrokerTransientError(f"Alpaca unreachable: {exc.__class__.__name__}")
    if isinstance(exc, ValidationError):
        return BrokerTransientError(f"Alpaca answered an unexpected body: {exc.error_count()} errors")
    return exc


def make_trading_client(settings: BrokerSettings, timeout_s: float = 10.0) -> TradingClient:
    keys = settings.alpaca.pair()
    if keys is None:
        raise ValueError("BROKER=alpaca needs ALPACA_API_KEY and ALPACA_SECRET_KEY")
    client = TradingClient(
        api_key=keys[0],
        secret_key=keys[1],
        paper=settings.alpaca_paper,
        url_override=settings.alpaca_base_url,
    )
    return configure_rest_client(client, timeout_s=timeout_s, retry_attempts=0)  # GuardedBroker retries


class AlpacaBroker(Broker):
    name: ClassVar[str] = "alpaca"

    def __init__(self, settings: BrokerSettings, *, timeout_s: float = 10.0, workers: int = 4,
                 client_factory: Callable[[], TradingClient] | None = None):
        self.settings = settings
        # The factory runs once now: missing credentials fail at start-up, not on the first order.
        self._clients = ClientPool(client_factory or (lambda: make_trading_client(settings, timeout_s)),
                                   workers=workers, thread_name_prefix="alpaca")
        self._stream: TradingStream | None = None
        self._stream_task: asyncio.Task[None] | None = None
        self._stream_queue: asyncio.Queue[OrderUpdate] = asyncio.Queue(maxsize=10_000)

    async def _run(self, call: Callable[[TradingClient], object]) -> object:
        return await self._clients.run(call, broker_error)

    async def aclose(self) -> None:
        if self._stream is not None:
            await self._stream.stop_ws()
        if self._stream_task is not None:
            self._stream_task.cancel()
        self._clients.shutdown()

    async def submit_order(self, request: OrderRequest) -> Order:
        alpaca_request = to_alpaca_request(request)
        try:
            order = _expect(AlpacaOrder, await self._run(lambda c: c.submit_order(alpaca_request)))
        except BrokerRejected:
            existing = await self.get_order_by_client_id(request.client_order_id)
            if existing is not None:  # Alpaca refused a duplicate client_order_id: it already has the order
                log.info("alpaca_duplicate_client_order_id", client_order_id=request.client_order_id)
                return existing
            raise
        return to_broker_order(order)

    async def get_order(self, broker_order_id: str) -> Order:
        return to_broker_order(_expect(AlpacaOrder, await self._run(lambda c: c.get_order_by_id(broker_order_id))))

    async def get_order_by_client_id(self, client_order_id: str) -> Order | None:
        try:
            found = await self._run(lambda c: c.get_order_by_client_id(client_order_id))
            return to_broker_order(_expect(AlpacaOrder, found))
        except BrokerOrderNotFound:
            return None

    async def list_orders(self, status: OrderQuery = "open", limit: int = 500) -> list[Order]:
        query = GetOrdersRequest(status=QueryOrderStatus(status), limit=min(limit, 500), nested=True)
        orders = await self._run(lambda c: c.get_orders(filter=query))
        return [mapped for o in _expect(list, orders) if (mapped := _supported(_expect(AlpacaOrder, o))) is not None]

    async def cancel_order(self, broker_order_id: str) -> None:
        await self._run(lambda c: c.cancel_order_by_id(broker_order_id))

    async def cancel_all(self) -> list[str]:
        responses = await self._run(lambda c: c.cancel_orders())
        return [str(_expect(CancelOrderResponse, r).id) for r in _expect(list, responses)]

    async def list_positions(self) -> list[Position]:
        positions = await self._run(lambda c: c.get_all_positions())
        return [to_broker_position(_expect(AlpacaPosition, p)) for p in _expect(list, positions)]

    async def close_position(self, symbol: str, quantity: float | None = None) -> Order:
        options = ClosePositionRequest(qty=str(quantity)) if quantity is not None else None
        closing = await self._run(lambda c: c.close_position(symbol, close_options=options))
        return to_broker_order(_expect(AlpacaOrder, closing))

    async def get_account(self) -> BrokerAccount:
        return to_broker_account(_expect(TradeAccount, await self._run(lambda c: c.get_account())))

    # ------------------------------------------------------------ order updates

    def _start_stream(self) -> None:
        s = self.settings
        if self._stream_task is not None or not s.alpaca_use_stream:
            return
        keys = s.alpaca.pair()
        assert keys is not None  # checked when the REST client was made
        self._stream = TradingStream(*keys,
                                     paper=s.alpaca_paper,
                                     url_override=s.alpaca_stream_url)  # type: ignore[arg-type]  # None: default

        async def on_trade_update(update: TradeUpdate) -> None:
            try:
                self._stream_queue.put_nowait(order_update_from_trade_update(update))
            except (asyncio.QueueFull, ValueError) as exc:
                log.warning("alpaca_stream_update_dropped", error=str(exc))

        self._stream.subscribe_trade_updates(on_trade_update)
        run_forever = self._stream._run_forever()  # type: ignore[no-untyped-call]  # run() would block in asyncio.run
        self._stream_task = asyncio.create_task(run_forever, name="alpaca-trade-stream")

    async def order_updates(self) -> AsyncIterator[OrderUpdate]:
        """Stream messages as they come; a poll of open orders every ``poll_interval_s`` besides."""
        self._start_stream()
        poller = OrderPoller(self)
        loop = asyncio.get_running_loop()
        next_poll = loop.time()
        while True:
            timeout = max(next_poll - loop.time(), 0.0)
            try:
                update = await asyncio.wait_for(self._stream_queue.get(), timeout=timeout)
            except TimeoutError:
                next_poll = loop.time() + self.settings.poll_interval_s
                try:
                    for polled in await poller.poll():
                        yield polled
                except (BrokerTransientError, BrokerRejected) as exc:
                    log.warning("alpaca_poll_failed", error=exc.message)
                continue
            yield update


class OrderPoller:
    """Polling fallback: open orders, plus a final look at each order that left the open list."""

    def __init__(self, broker: Broker):
        self.broker = broker
        self._seen: dict[str, tuple[OrderStatus, Decimal]] = {}

    async def poll(self) -> list[OrderUpdate]:
        now = datetime.now(UTC)
        open_orders = {o.broker_id: o for o in await self.broker.list_orders("open")}
        finished = []
        for gone in [i for i in self._seen if i not in open_orders]:
            try:
                finished.append(await self.broker.get_order(gone))
            except BrokerOrderNotFound:
                self._seen.pop(gone, None)
        updates = []
        for order in [*open_orders.values(), *finished]:
            state = (order.status, order.filled_quantity)
            if self._seen.get(order.broker_id) != state:
                updates.append(OrderUpdate(order=order, event="poll", at=now))
            if order.status.is_terminal:
                self._seen.pop(order.broker_id, None)
            else:
                self._seen[order.broker_id] = state
        return updates


def to_broker_position(p: AlpacaPosition) -> Position:
    size = abs(quantity(p.qty))  # Alpaca signs a short's qty too; the side says which
    signed = size if PositionSide(_enum_value(p.side)) is PositionSide.LONG else -size
    return Position(symbol=p.symbol, quantity=signed, avg_entry_price=money(p.avg_entry_price),
                    market_price=None if p.current_price is None else money(p.current_price))


def to_broker_account(a: TradeAccount) -> BrokerAccount:
    return BrokerAccount(
        account_id=str(a.id), status=_enum_value(a.status), currency=a.currency or "USD",
        cash=_decimal(a.cash) or ZERO, equity=_decimal(a.equity) or ZERO,
        buying_power=_decimal(a.buying_power) or ZERO,
        trading_blocked=bool(a.trading_blocked),
    )
