"""The order manager: nothing lost, nothing doubled, risk enforced twice.

Submitting an order:

1. A known ``client_order_id`` returns the order already recorded (idempotent; 409 when the body
   differs). Otherwise, in one transaction under a per-security lock: classify the order (entry
   or exit against the recorded position and the exits already working), and for an entry read
   the Risk state (``risk_control``: entries only while active, only with an approval of the
   current epoch), verify the approval at the price the order can fill at, insert the row as
   ``new`` with the approval's nonce (UNIQUE: single use) and claim the approval's reservation
   (``risk_reservations``: a lapsed or revoked approval cannot be claimed). Commit. An approved
   market (stop) entry is recorded and sent as a limit (stop-limit) at the approval's bound.
2. Only then call the broker, with the same ``client_order_id`` (the broker dedupes too).
   Transient failures are retried by the broker guard; when every try fails the broker is asked
   once more whether the order arrived, and if not the row is marked ``rejected`` with the
   reason, never left pending. A broker refusal marks it ``rejected`` at once.
3. The broker's answer is applied like every later update (stream, poll, reconciliation):
   one transaction moves the order through the transition table, records the fill the cumulative
   figures reveal, and moves the position. Then ``OrderFilled`` and ``PositionUpdate`` go out.

If the process dies between 1 and 3, reconciliation finds the ``new`` row at start-up and asks
the broker by client id: found → adopted; not found → sent now if still fresh (see
``catalyst.trading.reconcile``).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from prometheus_client import Counter, Histogram

from catalyst.accounting import dec, fill_delta
from catalyst.brokers.base import Broker
from catalyst.brokers.errors import BrokerRejected
from catalyst.brokers.feeds import PriceFeed
from catalyst.brokers.models import BrokerOrder
from catalyst.bus import EventBus, OrderFilled, PositionUpdate
from catalyst.db import Database
from catalyst.domain.approvals import TradeApproval
from catalyst.domain.order_request import OrderRequest, new_client_order_id
from catalyst.domain.orders import OrderStatus, OrderType, Side, TimeInForce
from catalyst.errors import CatalystError, Conflict, Forbidden, InvalidInput, NotFound, UpstreamError
from catalyst.logging import get_logger
from catalyst.orders.state_machine import IllegalTransition, advance
from catalyst.trading import repository as repo
from catalyst.trading.approvals import (
    OrderIntent,
    classify,
    fillable_price,
    protect_entry,
    verify_entry_approval,
)
from catalyst.trading.config import TradingSettings
from catalyst.trading.positions import apply_fill_to_position
from catalyst.trading.repository import OrderRow, PositionRow

log = get_logger(__name__)

ORDERS_SUBMITTED = Counter("catalyst_trading_orders_total", "Orders by intent and outcome",
                           ["intent", "outcome"])
FILLS_RECORDED = Counter("catalyst_trading_fills_total", "Fills recorded, by side", ["side"])
SUBMIT_SECONDS = Histogram("catalyst_trading_submit_duration_seconds",
                           "Order submission: row committed to broker answer applied",
                           buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class SyncOutcome:
    """What applying one broker report changed."""

    updated: bool = False
    adopted: bool = False
    corrected: bool = False
    fills: list[OrderFilled] = field(default_factory=list)
    positions: list[PositionRow] = field(default_factory=list)


class OrderManager:
    def __init__(self, db: Database, broker: Broker, *, broker_name: str, feed: PriceFeed, bus: EventBus | None,
                 approval_secret: str, settings: TradingSettings | None = None,
                 clock: Callable[[], datetime] = utc_now):
        self.db = db
        self.broker = broker
        self.broker_name = broker_name
        self.feed = feed
        self.bus = bus
        self.approval_secret = approval_secret
        self.settings = settings or TradingSettings()
        self.clock = clock
        self.inflight: set[str] = set()
        self.cancel_generation = 0
        self._mutex = asyncio.Lock()  # one broker report applied at a time (stream, poll, reconcile)
        self._flatten = asyncio.Lock()  # one flatten at a time: a repeated one sees the exits of the first

    # ------------------------------------------------------------------ submit

    async def submit(self, request: OrderRequest, approval: TradeApproval | None) -> tuple[OrderRow, bool]:
        """Record and send ``request``; returns (order, created). ``created`` is False for a known id."""
        asked, request = request, protect_entry(request, approval)
        async with self.db.acquire() as conn:
            existing = await repo.get_order_by_client_id(conn, request.client_order_id)
        if existing is not None:
            return self._same_or_conflict(existing, request), False
        reference = await self.reference_price(request.symbol)
        try:
            row = await self._record(request, approval, fillable_price(asked, reference))
        except Exception as exc:
            if repo.is_unique_violation(exc, "orders_client_order_id_key"):
                async with self.db.acquire() as conn:
                    raced = await repo.get_order_by_client_id(conn, request.client_order_id)
                assert raced is not None
                return self._same_or_conflict(raced, request), False
            if repo.is_unique_violation(exc, "orders_approval_nonce_key"):
                ORDERS_SUBMITTED.labels("entry", "approval_reused").inc()
                raise _forbidden_reuse(approval) from exc
            raise
        return await self.send(row, request), True

    def _same_or_conflict(self, existing: OrderRow, request: OrderRequest) -> OrderRow:
        if not existing.same_order_as(request):
            raise Conflict("client_order_id already names a different order", code="CLIENT_ORDER_ID_CONFLICT",
                           details={"client_order_id": request.client_order_id, "order_id": str(existing.order_id)})
        return existing

    async def reference_price(self, symbol: str) -> Decimal | None:
        """Last bar close, if recent enough (the price a market order's approval is checked at)."""
        bar = await self.feed.latest_bar(symbol)
        if bar is None or (self.clock() - bar.ts).total_seconds() > self.settings.max_price_age_s:
            return None
        return dec(bar.close)

    async def _record(self, request: OrderRequest, approval: TradeApproval | None,
                      price: Decimal | None) -> OrderRow:
        """``price``: what the order as asked can fill at (its approval is checked there)."""
        async with self.db.transaction() as conn:
            sid = await repo.security_id(conn, request.symbol)
            await repo.lock_security(conn, sid)
            position = await repo.open_position(conn, sid)
            reserved = await repo.reserved_exit_quantity(conn, sid, request.side)
            held = position.signed_quantity if position else Decimal(0)
            intent = classify(held, reserved, request.side, Decimal(request.quantity))
            if intent is OrderIntent.ENTRY:
                try:
                    _refuse_oversized_exit(held, reserved, request, approval)
                    await self._check_entry(conn, approval, request, price)
                except CatalystError:
                    ORDERS_SUBMITTED.labels("entry", "refused").inc()
                    raise
            row = await repo.insert_order(conn, request, sid=sid, intent=intent, broker=self.broker_name,
                                          reference_price=price,
                                          approval=approval if intent is OrderIntent.ENTRY else None,
                                          created_at=self.clock())
            if intent is OrderIntent.ENTRY and approval is not None:
                status = await repo.claim_reservation(conn, approval, order_id=row.order_id, sid=sid)
                if status is not None:
                    ORDERS_SUBMITTED.labels("entry", "refused").inc()
                    raise _unclaimable(approval, status)
        log.info("order_recorded", client_order_id=request.client_order_id, symbol=request.symbol,
                 side=request.side.value, quantity=request.quantity, intent=intent.value)
        return row

    async def _check_entry(self, conn: Any, approval: TradeApproval | None, request: OrderRequest,
                           price: Decimal | None) -> None:
        """The Risk state allows entries, and the approval (of the current epoch) covers this one."""
        control = await repo.risk_control(conn)
        if control is None or not control.entries_allowed:
            raise Forbidden("the Risk Manager blocks new entries (emergency stop or daily loss limit)",
                            code="RISK_ENTRIES_BLOCKED",
                            details={"state": None if control is None else control.state})
        checked = verify_entry_approval(approval, request, price, secret=self.approval_secret, now=self.clock())
        if checked.epoch != control.epoch:
            raise Forbidden("approval was signed before the Risk state last blocked entries",
                            code="APPROVAL_REVOKED", details={"epoch": checked.epoch, "current": control.epoch})

    async def record_exit(self, symbol: str, side: Side, held: Decimal) -> OrderRow | None:
        """Record a market exit the OMS itself decided on (a flatten) of a position of ``held``
        shares (the broker's count), under the security's lock: it is cut to what no working exit
        already covers, and None when nothing is left (two flattens at once never sell twice)."""
        async with self.db.transaction() as conn:
            sid = await repo.security_id(conn, symbol)
            await repo.lock_security(conn, sid)
            reserved = await repo.reserved_exit_quantity(conn, sid, side)
            size = int(abs(held) - reserved)
            if size <= 0:
                return None
            request = OrderRequest(client_order_id=f"flat-{uuid.uuid4().hex}", symbol=symbol, side=side,
                                   quantity=size, order_type=OrderType.MARKET, time_in_force=TimeInForce.DAY)
            return await repo.insert_order(conn, request, sid=sid, intent=OrderIntent.EXIT, broker=self.broker_name,
                                           created_at=self.clock())

    async def send(self, row: OrderRow, request: OrderRequest) -> OrderRow:
        """Call the broker for a committed ``new`` row and apply its answer."""
        started = asyncio.get_running_loop().time()
        generation = self.cancel_generation
        self.inflight.add(request.client_order_id)
        try:
            if self.settings.test_submit_delay_s:
                await asyncio.sleep(self.settings.test_submit_delay_s)  # fault injection (tests only)
            answer = await self._submit_or_reject(row, request)
            await self.apply(answer)
        finally:
            self.inflight.discard(request.client_order_id)
        if generation != self.cancel_generation:
            await self._cancel_raced(request.client_order_id)
        SUBMIT_SECONDS.observe(asyncio.get_running_loop().time() - started)
        ORDERS_SUBMITTED.labels(row.intent.value, "sent").inc()
        return await self.get(row.order_id)

    async def _submit_or_reject(self, row: OrderRow, request: OrderRequest) -> BrokerOrder:
        try:
            return await self.broker.submit_order(request)
        except BrokerRejected as exc:
            await self.reject(row, f"{exc.code}: {exc.message}")
            ORDERS_SUBMITTED.labels(row.intent.value, "broker_rejected").inc()
            raise BrokerRejected(exc.message, broker_code=exc.broker_code, status=exc.status,
                                 details=await self._order_details(row.order_id)) from exc
        except CatalystError as exc:  # transient failures after every retry, or the breaker is open
            found = await self._last_look(request.client_order_id)
            if found is not None:
                return found
            await self.reject(row, f"{exc.code}: {exc.message}")
            ORDERS_SUBMITTED.labels(row.intent.value, "broker_unavailable").inc()
            raise UpstreamError(f"broker unavailable, order rejected: {exc.message}", code="BROKER_UNAVAILABLE",
                                details=await self._order_details(row.order_id)) from exc

    async def _last_look(self, client_order_id: str) -> BrokerOrder | None:
        try:
            return await self.broker.get_order_by_client_id(client_order_id)
        except CatalystError:
            return None

    async def _order_details(self, order_id: uuid.UUID) -> dict[str, Any]:
        order = await self.get(order_id)
        return {"order_id": str(order.order_id), "client_order_id": order.client_order_id,
                "status": order.status.value, "reject_reason": order.reject_reason}

    async def reject(self, row: OrderRow, reason: str) -> None:
        async with self._mutex, self.db.transaction() as conn:
            current = await repo.get_order_by_client_id(conn, row.client_order_id, for_update=True)
            if current is None or current.status.is_terminal:
                return
            await repo.update_order(conn, row.order_id, status=advance(current.status, OrderStatus.REJECTED),
                                    reject_reason=reason[:500])
        log.warning("order_rejected", client_order_id=row.client_order_id, reason=reason)

    # ------------------------------------------------------------------ broker reports

    async def apply(self, order: BrokerOrder, *, reconciling: bool = False) -> SyncOutcome:
        """Apply one broker report (and its legs) to orders, fills and positions; publish the fills."""
        if self.settings.test_answer_delay_s and not reconciling:
            await asyncio.sleep(self.settings.test_answer_delay_s)  # fault injection (tests only)
        async with self._mutex, self.db.transaction() as conn:
            outcome = await self._apply_tree(conn, order, reconciling)
        await self._publish(outcome)
        return outcome

    async def _apply_tree(self, conn: Any, order: BrokerOrder, reconciling: bool) -> SyncOutcome:
        outcome = SyncOutcome()
        row = await repo.get_order_by_client_id(conn, order.client_order_id, for_update=True)
        if row is None:
            row = await self._adopt(conn, order, parent=None)
            outcome.adopted = True
        await self._apply_one(conn, row, order, reconciling, outcome)
        for leg in order.legs:
            leg_row = await repo.get_order_by_client_id(conn, leg.client_order_id, for_update=True)
            if leg_row is None:
                leg_row = await self._adopt(conn, leg, parent=row)
            await self._apply_one(conn, leg_row, leg, reconciling, outcome)
        return outcome

    async def _adopt(self, conn: Any, order: BrokerOrder, parent: OrderRow | None) -> OrderRow:
        """Record an order the broker has and the database lacks (a bracket leg, or one placed elsewhere)."""
        sid = await repo.security_id(conn, order.symbol)
        # The broker's record as it is (its client id need not follow Catalyst's pattern): not validated.
        request = OrderRequest.model_construct(
            client_order_id=order.client_order_id[:128], symbol=order.symbol, side=order.side,
            quantity=1, order_type=order.order_type, time_in_force=order.time_in_force,
            limit_price=order.limit_price, stop_price=order.stop_price, take_profit=None, stop_loss=None)
        row = await repo.insert_order(conn, request, sid=sid, intent=OrderIntent.EXIT if parent else OrderIntent.ENTRY,
                                      broker=self.broker_name, parent_order_id=parent.order_id if parent else None,
                                      order_class=order.order_class, created_at=self.clock(),
                                      quantity=dec(order.quantity))
        if parent is None:
            await repo.insert_risk_event(conn, "ORDER_ADOPTED", f"broker order {order.broker_order_id} was not in "
                                         "the database; recorded from the broker", sid=sid,
                                         details=order.model_dump(mode="json", exclude={"legs"}))
            log.warning("order_adopted", client_order_id=order.client_order_id, symbol=order.symbol)
        return row

    async def _apply_one(self, conn: Any, row: OrderRow, order: BrokerOrder, reconciling: bool,
                         outcome: SyncOutcome) -> None:
        reported = dec(order.filled_quantity)
        if reported < row.filled_quantity:
            if reconciling:
                await repo.insert_risk_event(conn, "FILL_REGRESSION", "broker reports less filled than recorded",
                                             sid=row.security_id, details={"client_order_id": row.client_order_id,
                                                                           "recorded": str(row.filled_quantity),
                                                                           "broker": str(reported)})
            return  # a stale report: never un-fill
        status = await self._next_status(conn, row, order.status, reconciling, outcome)
        changes: dict[str, Any] = {}
        if row.broker_order_id is None:
            changes |= {"broker_order_id": order.broker_order_id, "submitted_at": order.submitted_at or self.clock()}
        if dec(order.quantity) != row.quantity and dec(order.quantity) >= reported:
            changes["quantity"] = dec(order.quantity)  # a bracket leg shrunk by its sibling's fill
        fill = fill_delta(row.filled_quantity, row.filled_avg_price, reported,
                          None if order.filled_avg_price is None else dec(order.filled_avg_price))
        if fill is not None:
            changes |= await self._record_fill(conn, row, order, fill, outcome)
        if status is not None:
            changes["status"] = status
            if status is OrderStatus.CANCELED or status is OrderStatus.EXPIRED:
                changes["canceled_at"] = self.clock()
            if status is OrderStatus.REJECTED and order.reject_reason:
                changes["reject_reason"] = order.reject_reason[:500]
        if changes:
            await repo.update_order(conn, row.order_id, **changes)
            outcome.updated = True

    async def _next_status(self, conn: Any, row: OrderRow, observed: OrderStatus, reconciling: bool,
                           outcome: SyncOutcome) -> OrderStatus | None:
        try:
            return advance(row.status, observed)
        except IllegalTransition:
            if not reconciling:
                log.info("stale_order_update_ignored", client_order_id=row.client_order_id,
                         recorded=row.status.value, reported=observed.value)
                return None
        # Reconciliation: the broker is the truth, even against a terminal row (a "rejected" order
        # that reached the broker after all). Corrected and logged, outside the normal life cycle.
        await repo.insert_risk_event(conn, "ORDER_STATE_CORRECTED",
                                     f"order {row.client_order_id}: recorded {row.status.value}, broker says "
                                     f"{observed.value}", severity="critical", sid=row.security_id,
                                     details={"client_order_id": row.client_order_id, "from": row.status.value,
                                              "to": observed.value})
        outcome.corrected = True
        return observed

    async def _record_fill(self, conn: Any, row: OrderRow, order: BrokerOrder, fill: tuple[Decimal, Decimal],
                           outcome: SyncOutcome) -> dict[str, Any]:
        qty, price = fill
        cumulative = row.filled_quantity + qty
        commission = max(dec(order.commission) - row.commission, Decimal(0))
        at = order.updated_at or self.clock()
        fill_id = await repo.insert_fill(conn, row.order_id, quantity=qty, price=price, commission=commission,
                                         broker_fill_id=f"{order.broker_order_id}:{cumulative}", filled_at=at)
        changes: dict[str, Any] = {"filled_quantity": cumulative, "filled_avg_price": dec(order.filled_avg_price or 0),
                                   "commission": row.commission + commission}
        if fill_id is None:
            return changes
        stop = row.approval_stop if row.intent is OrderIntent.ENTRY else None
        effect = await apply_fill_to_position(conn, row.security_id, row.side, qty, price, at, stop=stop)
        if effect.realized_pnl:
            await repo.set_fill_realized(conn, fill_id, effect.realized_pnl)
        positions = effect.positions
        if row.position_id is None:
            changes["position_id"] = positions[0].position_id
        if cumulative >= dec(order.quantity):
            changes["filled_at"] = at
        FILLS_RECORDED.labels(row.side.value).inc()
        outcome.positions.extend(positions)
        outcome.fills.append(OrderFilled(
            order_id=str(row.order_id), client_order_id=row.client_order_id, symbol=row.symbol,
            side=row.side.value, filled_quantity=float(qty), cumulative_quantity=float(cumulative),
            fill_price=float(price), status="filled" if cumulative >= dec(order.quantity) else "partially_filled",
        ))
        return changes

    async def _publish(self, outcome: SyncOutcome) -> None:
        if self.bus is None:
            return
        try:
            for filled in outcome.fills:
                await self.bus.publish(filled)
            for position in outcome.positions:
                await self.bus.publish(position_update(position))
        except Exception as exc:  # the database already holds the truth; Risk reloads it on start-up
            log.warning("trading_event_publish_failed", error=str(exc))

    # ------------------------------------------------------------------ cancel, flatten, close

    async def get(self, order_id: uuid.UUID) -> OrderRow:
        async with self.db.acquire() as conn:
            row = await repo.get_order(conn, order_id)
        if row is None:
            raise NotFound(f"order {order_id} not found", code="ORDER_NOT_FOUND")
        return row

    async def cancel(self, order_id: uuid.UUID) -> OrderRow:
        row = await self.get(order_id)
        if row.status.is_terminal:
            raise Conflict(f"order is already {row.status.value}", code="ORDER_NOT_OPEN",
                           details={"order_id": str(order_id), "status": row.status.value})
        if row.broker_order_id is None:
            if row.client_order_id in self.inflight:
                raise Conflict("order is being sent to the broker; cancel it once it is accepted",
                               code="ORDER_IN_FLIGHT", details={"order_id": str(order_id)})
            found = await self.broker.get_order_by_client_id(row.client_order_id)
            if found is None:
                await self._cancel_unsent(row)
                return await self.get(order_id)
            await self.apply(found, reconciling=True)
            row = await self.get(order_id)
        assert row.broker_order_id is not None
        try:
            await self.broker.cancel_order(row.broker_order_id)
        except BrokerRejected as exc:
            await self.apply(await self.broker.get_order(row.broker_order_id))
            raise Conflict(f"broker refused the cancel: {exc.message}", code="ORDER_NOT_CANCELABLE",
                           details=await self._order_details(order_id)) from exc
        root = row if row.parent_order_id is None else await self.get(row.parent_order_id)
        assert root.broker_order_id is not None
        await self.apply(await self.broker.get_order(root.broker_order_id))
        return await self.get(order_id)

    async def _cancel_unsent(self, row: OrderRow) -> None:
        async with self._mutex, self.db.transaction() as conn:
            current = await repo.get_order_by_client_id(conn, row.client_order_id, for_update=True)
            if current is not None and not current.status.is_terminal:
                await repo.update_order(conn, row.order_id, status=advance(current.status, OrderStatus.CANCELED),
                                        canceled_at=self.clock(), reject_reason="canceled before reaching the broker")

    async def _cancel_raced(self, client_order_id: str) -> None:
        """An order answered after a cancel-all started: cancel it too (emergency stops win)."""
        async with self.db.acquire() as conn:
            row = await repo.get_order_by_client_id(conn, client_order_id)
        if row is not None and not row.status.is_terminal and row.broker_order_id is not None:
            log.warning("order_canceled_after_cancel_all", client_order_id=client_order_id)
            with contextlib.suppress(Conflict):
                await self.cancel(row.order_id)

    async def cancel_all(self, reason: str) -> tuple[int, list[OrderRow]]:
        self.cancel_generation += 1
        asked = await self.broker.cancel_all()
        async with self.db.acquire() as conn:
            live = await repo.live_orders(conn, self.broker_name)
            await repo.insert_risk_event(conn, "CANCEL_ALL", f"cancel all orders: {reason}", severity="critical",
                                         rule="trading.emergency", details={"broker_canceled": len(asked)})
        live_ids = {r.order_id for r in live}
        for row in live:
            if row.parent_order_id in live_ids:
                continue  # refreshed with its parent (a filled parent's legs are refreshed on their own)
            found = await self.broker.get_order_by_client_id(row.client_order_id)
            if found is not None:
                await self.apply(found, reconciling=True)
            elif row.client_order_id not in self.inflight:
                await self._cancel_unsent(row)
        log.warning("orders_canceled_all", reason=reason, broker_canceled=len(asked), recorded=len(live))
        return len(asked), [await self.get(r.order_id) for r in live]

    async def flatten(self, reason: str) -> tuple[int, list[OrderRow], list[OrderRow]]:
        """Cancel everything, then one market exit per broker position (the broker's quantities)
        for what no working exit already covers. One flatten at a time: a repeated or retried one
        finds the first one's exits working (or filled) and sends only what is still uncovered."""
        async with self._flatten:
            return await self._flatten_once(reason)

    async def _flatten_once(self, reason: str) -> tuple[int, list[OrderRow], list[OrderRow]]:
        asked, canceled = await self.cancel_all(reason)
        exits: list[OrderRow] = []
        for position in await self.broker.list_positions():
            side = Side.SELL if position.signed_quantity > 0 else Side.BUY
            row = await self.record_exit(position.symbol, side, Decimal(str(position.quantity)))
            if row is None:
                continue
            try:
                exits.append(await self.send(row, row.to_request()))
            except CatalystError as exc:
                log.error("flatten_exit_failed", symbol=position.symbol, error=exc.message)
                exits.append(await self.get(row.order_id))
        async with self.db.acquire() as conn:
            await repo.insert_risk_event(conn, "FLATTEN", f"flatten all positions: {reason}", severity="critical",
                                         rule="trading.emergency", details={"exit_orders": len(exits)})
        return asked, canceled, exits

    async def close_position(self, position_id: uuid.UUID, quantity: int | None) -> OrderRow:
        """Exit all (or ``quantity``) of an open position with a market order; no approval needed."""
        async with self.db.acquire() as conn:
            position = await repo.get_position(conn, position_id)
        if position is None:
            raise NotFound(f"position {position_id} not found", code="POSITION_NOT_FOUND")
        if position.status != "open":
            raise Conflict("position is already closed", code="POSITION_CLOSED")
        size = quantity if quantity is not None else int(position.quantity)
        if size > position.quantity or size != int(size) or size <= 0:
            raise InvalidInput("quantity must be a whole number of shares within the position",
                               code="QUANTITY_EXCEEDS_POSITION",
                               details={"quantity": size, "position": float(position.quantity)})
        await self._cancel_exits(position.security_id)
        request = OrderRequest(client_order_id=new_client_order_id(), symbol=position.symbol,
                               side=Side.SELL if position.signed_quantity > 0 else Side.BUY, quantity=size)
        row, _ = await self.submit(request, None)
        return row

    async def _cancel_exits(self, sid: int) -> None:
        """Working exits (bracket legs) hold the shares; a manual close replaces them."""
        async with self.db.acquire() as conn:
            rows = [r for r in await repo.live_orders(conn, self.broker_name)
                    if r.security_id == sid and r.intent is OrderIntent.EXIT]
        for row in rows:
            latest = await self.get(row.order_id)
            if not latest.status.is_terminal:
                with contextlib.suppress(Conflict):
                    await self.cancel(row.order_id)


def _refuse_oversized_exit(held: Decimal, reserved: Decimal, request: OrderRequest,
                           approval: TradeApproval | None) -> None:
    """An unapproved order against the position that is larger than what is free to exit: it would
    flip the position, so it is an entry and needs an approval (403, saying why)."""
    opposite = (held > 0 and request.side is Side.SELL) or (held < 0 and request.side is Side.BUY)
    if opposite and approval is None:
        raise Forbidden("exit is larger than the position not already being exited (it would open the other "
                        "side): that part is an entry and needs a Risk Manager approval", code="APPROVAL_REQUIRED",
                       details={"symbol": request.symbol, "quantity": request.quantity, "held": float(abs(held)),
                                "being_exited": float(reserved)})


def _unclaimable(approval: TradeApproval, status: str) -> CatalystError:
    code = {"used": "APPROVAL_REUSED", "released": "APPROVAL_REUSED", "expired": "APPROVAL_EXPIRED",
            "revoked": "APPROVAL_REVOKED"}.get(status, "APPROVAL_REVOKED")
    return Forbidden(f"approval can no longer be used (its reservation is {status})", code=code,
                     details={"nonce": approval.nonce, "reservation": status})


def _forbidden_reuse(approval: TradeApproval | None) -> CatalystError:
    return Forbidden("approval was already used by another order", code="APPROVAL_REUSED",
                     details={"nonce": approval.nonce if approval else None})


def position_update(p: PositionRow) -> PositionUpdate:
    open_ = p.status == "open"
    market = p.market_price or p.avg_entry_price
    return PositionUpdate(
        position_id=str(p.position_id), symbol=p.symbol, side=p.side.value,
        quantity=float(p.quantity) if open_ else 0.0, avg_entry_price=float(p.avg_entry_price),
        market_price=float(market), unrealized_pnl=float(p.unrealized_pnl) if open_ else 0.0,
        realized_pnl=float(p.realized_pnl), status="open" if open_ else "closed",
    )
