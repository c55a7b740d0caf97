"""Order commands: submit, cancel, cancel-all, flatten and close, each recorded before the broker hears of it.

Submit is idempotent by ``client_order_id``: a known id returns the order already recorded (409
when the body differs), looked up in the recording transaction under the security's lock, so two
submits of it racing find one order (of two symbols: the UNIQUE index decides). The row is committed
first (``OrderRecorder``), then sent; the broker's answer goes through broker sync like any later
report. Which orders are being sent right now is tracked here (reconciliation and cancel leave
those alone), and a cancel-all moves a generation on so that an order answered after it started
is cancelled too. Flattens run one at a time: a repeated one sees the first one's exits working.
A close of one position is idempotent by its ``client_order_id`` too, and closes of one position
run one at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
import weakref
from collections.abc import AsyncIterator, Iterator

from catalyst.brokers.base import Broker
from catalyst.brokers.errors import BrokerRejected
from catalyst.db import Database
from catalyst.domain.approvals import TradeApproval
from catalyst.domain.order import Order
from catalyst.domain.order_request import OrderRequest, new_client_order_id
from catalyst.domain.orders import Intent, Side
from catalyst.errors import CatalystError, Conflict, InvalidInput, NotFound, UpstreamError
from catalyst.logging import get_logger
from catalyst.trading import repository as repo
from catalyst.trading.approvals import fillable_price, protect_entry
from catalyst.trading.config import TradingSettings
from catalyst.trading.metrics import ORDERS_SUBMITTED, SUBMIT_SECONDS
from catalyst.trading.order_queries import OrderQueries, sort_legs
from catalyst.trading.order_recorder import OrderRecorder, approval_reused
from catalyst.trading.order_sync import OrderSync
from catalyst.trading.repository import OrderRow, PositionRow

log = get_logger(__name__)


class OrderCommands:
    def __init__(self, db: Database, broker: Broker, *, broker_name: str, recorder: OrderRecorder,
                 sync: OrderSync, queries: OrderQueries, settings: TradingSettings):
        self._db = db
        self._broker = broker
        self._broker_name = broker_name
        self._recorder = recorder
        self._sync = sync
        self._queries = queries
        self._settings = settings
        self._inflight: set[str] = set()
        self._inflight_orders: set[uuid.UUID] = set()
        self._cancel_generation = 0
        self._flatten_lock = asyncio.Lock()  # one flatten at a time: a repeated one sees the exits of the first
        self._close_locks: weakref.WeakValueDictionary[uuid.UUID, asyncio.Lock] = weakref.WeakValueDictionary()

    # ------------------------------------------------------------------ submit

    async def submit(self, request: OrderRequest, approval: TradeApproval | None) -> tuple[OrderRow, bool]:
        """Record and send ``request``; returns (order, created). ``created`` is False for a known id."""
        order, _, created = await self.place(request, approval)
        return order, created

    async def place(self, request: OrderRequest,
                    approval: TradeApproval | None) -> tuple[OrderRow, list[OrderRow], bool]:
        """``submit``, answering the order with its bracket legs: as broker sync left them for a new
        order (no read after it), as recorded for a known id."""
        asked, request = request, protect_entry(request, approval)
        reference = await self._recorder.reference_price(request.symbol)
        try:
            row, created = await self._recorder.record(request, approval, fillable_price(asked, reference))
        except Exception as exc:  # a known id of another symbol (another lock) meets the UNIQUE index
            if repo.is_unique_violation(exc, "orders_client_order_id_key"):
                raced = await self._queries.by_client_id(request.client_order_id)
                assert raced is not None
                return await self._known(raced, request)
            if repo.is_unique_violation(exc, "orders_approval_nonce_key"):
                ORDERS_SUBMITTED.labels("entry", "approval_reused").inc()
                raise approval_reused(approval) from exc
            raise
        if not created:
            return await self._known(row, request)
        return *await self.send(row, request), True

    async def _known(self, row: OrderRow, request: OrderRequest) -> tuple[OrderRow, list[OrderRow], bool]:
        _same_or_conflict(row, request)
        return *await self._queries.with_legs(row.order_id), False

    def is_in_flight(self, row: OrderRow) -> bool:
        """Whether the order (or the bracket this leg is part of) is being sent to the broker right now
        (its answer not yet applied)."""
        return row.client_order_id in self._inflight or row.parent_order_id in self._inflight_orders

    @contextlib.contextmanager
    def sending(self, row: OrderRow) -> Iterator[None]:
        """Mark the order and its legs in flight for the block (reconciliation and cancel leave them
        alone meanwhile)."""
        self._inflight.add(row.client_order_id)
        self._inflight_orders.add(row.order_id)
        try:
            yield
        finally:
            self._inflight.discard(row.client_order_id)
            self._inflight_orders.discard(row.order_id)

    async def send(self, row: OrderRow, request: OrderRequest) -> tuple[OrderRow, list[OrderRow]]:
        """Call the broker for a committed ``new`` row and apply its answer; returns the order and
        its bracket legs as that answer left them."""
        started = asyncio.get_running_loop().time()
        generation = self._cancel_generation
        with self.sending(row):
            if self._settings.test_submit_delay_s:
                await asyncio.sleep(self._settings.test_submit_delay_s)  # fault injection (tests only)
            answer = await self._submit_or_reject(row, request)
            outcome = await self._sync.apply(answer)
        raced = generation != self._cancel_generation
        if raced:
            await self._cancel_raced(request.client_order_id)
        SUBMIT_SECONDS.observe(asyncio.get_running_loop().time() - started)
        ORDERS_SUBMITTED.labels(row.intent.value, "sent").inc()
        if raced:  # the cancel moved it on
            return await self._queries.with_legs(row.order_id)
        return outcome.orders[0], sort_legs(outcome.orders[1:])

    async def _submit_or_reject(self, row: OrderRow, request: OrderRequest) -> Order:
        try:
            return await self._broker.submit_order(request)
        except BrokerRejected as exc:
            await self._sync.reject(row, f"{exc.code}: {exc.message}")
            ORDERS_SUBMITTED.labels(row.intent.value, "broker_rejected").inc()
            raise BrokerRejected(exc.message, broker_code=exc.broker_code, status=exc.status,
                                 details=await self._queries.details(row.order_id)) from exc
        except CatalystError as exc:  # transient failures after every retry, or the breaker is open
            found = await self._last_look(request.client_order_id)
            if found is not None:
                return found
            await self._sync.reject(row, f"{exc.code}: {exc.message}")
            ORDERS_SUBMITTED.labels(row.intent.value, "broker_unavailable").inc()
            raise UpstreamError(f"broker unavailable, order rejected: {exc.message}", code="BROKER_UNAVAILABLE",
                                details=await self._queries.details(row.order_id)) from exc

    async def _last_look(self, client_order_id: str) -> Order | None:
        try:
            return await self._broker.get_order_by_client_id(client_order_id)
        except CatalystError:
            return None

    # ------------------------------------------------------------------ cancel

    async def cancel(self, order_id: uuid.UUID) -> OrderRow:
        row = await self._queries.get(order_id)
        if row.status.is_terminal:
            raise Conflict(f"order is already {row.status.value}", code="ORDER_NOT_OPEN",
                           details={"order_id": str(order_id), "status": row.status.value})
        if row.broker_order_id is None:
            if self.is_in_flight(row):
                raise Conflict("order is being sent to the broker; cancel it once it is accepted",
                               code="ORDER_IN_FLIGHT", details={"order_id": str(order_id)})
            found = await self._broker.get_order_by_client_id(row.client_order_id)
            if found is None:
                await self._sync.cancel_unsent(row)
                return await self._queries.get(order_id)
            await self._sync.apply(found, reconciling=True)
            row = await self._queries.get(order_id)
        assert row.broker_order_id is not None
        try:
            await self._broker.cancel_order(row.broker_order_id)
        except BrokerRejected as exc:
            await self._sync.apply(await self._broker.get_order(row.broker_order_id))
            raise Conflict(f"broker refused the cancel: {exc.message}", code="ORDER_NOT_CANCELABLE",
                           details=await self._queries.details(order_id)) from exc
        root = row if row.parent_order_id is None else await self._queries.get(row.parent_order_id)
        assert root.broker_order_id is not None
        await self._sync.apply(await self._broker.get_order(root.broker_order_id))
        return await self._queries.get(order_id)

    async def _cancel_raced(self, client_order_id: str) -> None:
        """An order answered after a cancel-all started: cancel it too (emergency stops win)."""
        row = await self._queries.by_client_id(client_order_id)
        if row is not None and not row.status.is_terminal and row.broker_order_id is not None:
            log.warning("order_canceled_after_cancel_all", client_order_id=client_order_id)
            with contextlib.suppress(Conflict):
                await self.cancel(row.order_id)

    async def cancel_all(self, reason: str) -> tuple[int, list[OrderRow]]:
        self._cancel_generation += 1
        asked = await self._broker.cancel_all()
        async with self._db.acquire() as conn:
            live = await repo.live_orders(conn, self._broker_name)
            await repo.insert_risk_event(conn, "CANCEL_ALL", f"cancel all orders: {reason}", severity="critical",
                                         rule="trading.emergency", details={"broker_canceled": len(asked)})
        live_ids = {r.order_id for r in live}
        for row in live:
            if row.parent_order_id in live_ids:
                continue  # refreshed with its parent (a filled parent's legs are refreshed on their own)
            found = await self._broker.get_order_by_client_id(row.client_order_id)
            if found is not None:
                await self._sync.apply(found, reconciling=True)
            elif not self.is_in_flight(row):
                await self._sync.cancel_unsent(row)
        log.warning("orders_canceled_all", reason=reason, broker_canceled=len(asked), recorded=len(live))
        return len(asked), [await self._queries.get(r.order_id) for r in live]

    # ------------------------------------------------------------------ flatten, close

    async def flatten(self, reason: str) -> tuple[int, list[OrderRow], list[OrderRow]]:
        """Cancel everything, then one market exit per broker position (the broker's quantities)
        for what no working exit already covers. One flatten at a time: a repeated or retried one
        finds the first one's exits working (or filled) and sends only what is still uncovered."""
        async with self._flatten_lock:
            return await self._flatten_once(reason)

    async def _flatten_once(self, reason: str) -> tuple[int, list[OrderRow], list[OrderRow]]:
        asked, canceled = await self.cancel_all(reason)
        exits: list[OrderRow] = []
        for position in await self._broker.list_positions():
            row = await self._recorder.record_exit(position.symbol, position.closing_side, position.size)
            if row is None:
                continue
            try:
                exits.append((await self.send(row, row.to_request()))[0])
            except CatalystError as exc:
                log.error("flatten_exit_failed", symbol=position.symbol, error=exc.message)
                exits.append(await self._queries.get(row.order_id))
        async with self._db.acquire() as conn:
            await repo.insert_risk_event(conn, "FLATTEN", f"flatten all positions: {reason}", severity="critical",
                                         rule="trading.emergency", details={"exit_orders": len(exits)})
        return asked, canceled, exits

    async def close_position(self, position_id: uuid.UUID, quantity: int | None,
                             client_order_id: str | None = None) -> tuple[OrderRow, bool]:
        """Exit all (or ``quantity``) of an open position with a market order; no approval needed.
        Returns (exit, created). Idempotent by ``client_order_id`` as a submit is: a known id answers the
        exit it names (also once that exit has closed the position), so a retried close never sends a
        second one. Closes of one position run one at a time, so a repeat waits for the first's exit."""
        cid = client_order_id or new_client_order_id()
        async with self._closing(position_id):
            async with self._db.acquire() as conn:
                position = await repo.get_position(conn, position_id)
            if position is None:
                raise NotFound(f"position {position_id} not found", code="POSITION_NOT_FOUND")
            known = await self._queries.by_client_id(cid)
            if known is not None:
                return _same_close_or_conflict(known, position, quantity), False
            if position.status != "open":
                raise Conflict("position is already closed", code="POSITION_CLOSED")
            size = quantity if quantity is not None else int(position.quantity)
            if size > position.quantity or size != int(size) or size <= 0:
                raise InvalidInput("quantity must be a whole number of shares within the position",
                                   code="QUANTITY_EXCEEDS_POSITION",
                                   details={"quantity": size, "position": float(position.quantity)})
            await self._cancel_exits(position.security_id)
            request = OrderRequest(client_order_id=cid, symbol=position.symbol,
                                   side=Side.SELL if position.signed_quantity > 0 else Side.BUY, quantity=size)
            return await self.submit(request, None)

    @contextlib.asynccontextmanager
    async def _closing(self, position_id: uuid.UUID) -> AsyncIterator[None]:
        """Hold the position's close lock (the OMS is one process: its in-flight orders are kept here too)."""
        lock = self._close_locks.setdefault(position_id, asyncio.Lock())
        async with lock:
            yield

    async def _cancel_exits(self, sid: int) -> None:
        """Working exits (bracket legs) hold the shares; a manual close replaces them."""
        async with self._db.acquire() as conn:
            rows = [r for r in await repo.live_orders(conn, self._broker_name)
                    if r.security_id == sid and r.intent is Intent.EXIT]
        for row in rows:
            latest = await self._queries.get(row.order_id)
            if not latest.status.is_terminal:
                with contextlib.suppress(Conflict):
                    await self.cancel(row.order_id)


def _same_or_conflict(existing: OrderRow, request: OrderRequest) -> OrderRow:
    if not existing.same_order_as(request):
        raise _id_conflict(existing)
    return existing


def _same_close_or_conflict(existing: OrderRow, position: PositionRow, quantity: int | None) -> OrderRow:
    """A known close id must name an exit of this position's symbol (of ``quantity``, when one is asked)."""
    if (existing.intent is not Intent.EXIT or existing.symbol != position.symbol
            or (quantity is not None and int(existing.quantity) != quantity)):
        raise _id_conflict(existing)
    return existing


def _id_conflict(existing: OrderRow) -> Conflict:
    return Conflict("client_order_id already names a different order", code="CLIENT_ORDER_ID_CONFLICT",
                    details={"client_order_id": existing.client_order_id, "order_id": str(existing.order_id)})
