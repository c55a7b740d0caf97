"""Broker sync: every broker report (the submit's answer, the update stream, a poll, reconciliation)
applied to the books the same way.

One transaction per report moves the order (and its bracket legs) through the transition table
(a leg recorded with its parent is matched to the broker's by client id, else by role: the limit
is the take-profit, the stop the stop-loss; a leg the database lacks is adopted),
records the fill the cumulative figures reveal, and moves the position; then ``OrderFilled`` and
``PositionUpdate`` are posted, in commit order, to a background publisher: the report's caller (a
submit's request) does not wait on Redis, and the service flushes it at shutdown. The sync lock
lets one report (or a reject, or a cancel of an unsent row) write at a time, so two reports of the
same fill never both see it as new.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from catalyst.accounting import fill_delta
from catalyst.bus import BackgroundPublisher, Event, EventBus, OrderFilled, PositionUpdate
from catalyst.clock import Clock
from catalyst.db import Database
from catalyst.domain.fill import Fill
from catalyst.domain.money import ZERO
from catalyst.domain.order import Order
from catalyst.domain.order_request import OrderRequest
from catalyst.domain.orders import Intent, OrderStatus, OrderType
from catalyst.logging import get_logger
from catalyst.orders.state_machine import IllegalTransition, advance
from catalyst.trading import repository as repo
from catalyst.trading.config import TradingSettings
from catalyst.trading.metrics import FILLS_RECORDED
from catalyst.trading.positions import apply_fill_to_position
from catalyst.trading.repository import OrderRow, PositionRow

log = get_logger(__name__)


@dataclass
class SyncOutcome:
    """What applying one broker report changed, and its order tree as the report left it (root first)."""

    updated: bool = False
    adopted: bool = False
    corrected: bool = False
    fills: list[OrderFilled] = field(default_factory=list)
    positions: list[PositionRow] = field(default_factory=list)
    orders: list[OrderRow] = field(default_factory=list)


class OrderSync:
    def __init__(self, db: Database, *, broker_name: str, bus: EventBus | None, settings: TradingSettings,
                 clock: Clock):
        self._db = db
        self._broker_name = broker_name
        self._events = None if bus is None else BackgroundPublisher(bus)
        self._settings = settings
        self._clock = clock
        self._lock = asyncio.Lock()  # one broker report applied at a time (stream, poll, reconcile)

    async def apply(self, order: Order, *, reconciling: bool = False) -> SyncOutcome:
        """Apply one broker report (and its legs) to orders, fills and positions; publish the fills."""
        if self._settings.test_answer_delay_s and not reconciling:
            await asyncio.sleep(self._settings.test_answer_delay_s)  # fault injection (tests only)
        async with self._lock, self._db.transaction() as conn:
            outcome = await self._apply_tree(conn, order, reconciling)
        self.post(*outcome.fills, *(position_update(p) for p in outcome.positions))  # committed, in order
        return outcome

    def post(self, *events: Event) -> None:
        """Publish ``events`` after those already posted, off the caller's path (``flush`` waits for them)."""
        if self._events is not None:
            self._events.post(*events)

    async def flush(self) -> None:
        """Wait until every posted event has gone out (shutdown, before the bus closes)."""
        if self._events is not None:
            await self._events.flush()

    async def _apply_tree(self, conn: Any, order: Order, reconciling: bool) -> SyncOutcome:
        outcome = SyncOutcome()
        leg_ids = [leg.client_order_id for leg in order.legs]
        tree = await repo.lock_order_tree(conn, order.client_order_id, leg_ids)
        recorded = {r.client_order_id: r for r in tree}
        row = recorded.get(order.client_order_id)
        if row is None:
            row = await self._adopt(conn, order, parent=None)
            outcome.adopted = True
        outcome.orders.append(await self._apply_one(conn, row, order, reconciling, outcome))
        unnamed = [r for r in tree if r.parent_order_id == row.order_id and r.broker_order_id is None
                   and r.client_order_id not in leg_ids]
        for leg in order.legs:
            leg_row = recorded.get(leg.client_order_id) or _take_same_role(unnamed, leg)
            if leg_row is None:
                leg_row = await self._adopt(conn, leg, parent=row)
            outcome.orders.append(await self._apply_one(conn, leg_row, leg, reconciling, outcome))
        return outcome

    async def _adopt(self, conn: Any, order: Order, parent: OrderRow | None) -> OrderRow:
        """Record an order the broker has and the database lacks (a bracket leg, or one placed elsewhere)."""
        sid = parent.security_id if parent is not None else await repo.security_id(conn, order.symbol)
        # The broker's record as it is (its client id need not follow Catalyst's pattern): not validated.
        request = OrderRequest.model_construct(
            client_order_id=order.client_order_id[:128], symbol=order.symbol, side=order.side,
            quantity=1, order_type=order.order_type, time_in_force=order.time_in_force,
            limit_price=order.limit_price, stop_price=order.stop_price, take_profit=None,
            stop_loss=None)
        row = await repo.insert_order(conn, request, sid=sid, intent=Intent.EXIT if parent else Intent.ENTRY,
                                      broker=self._broker_name, parent_order_id=parent.order_id if parent else None,
                                      order_class=order.order_class, created_at=self._clock.now(),
                                      quantity=order.quantity)
        if parent is None:
            await repo.insert_risk_event(conn, "ORDER_ADOPTED", f"broker order {order.broker_order_id} was not in "
                                         "the database; recorded from the broker", sid=sid,
                                         details=order.model_dump(mode="json", exclude={"legs"}))
            log.warning("order_adopted", client_order_id=order.client_order_id, symbol=order.symbol)
        return row

    async def _apply_one(self, conn: Any, row: OrderRow, order: Order, reconciling: bool,
                         outcome: SyncOutcome) -> OrderRow:
        """Apply the report of one order to its (locked) row; returns the row as it is now."""
        reported = order.filled_quantity
        if reported < row.filled_quantity:
            if reconciling:
                await repo.insert_risk_event(conn, "FILL_REGRESSION", "broker reports less filled than recorded",
                                             sid=row.security_id, details={"client_order_id": row.client_order_id,
                                                                           "recorded": str(row.filled_quantity),
                                                                           "broker": str(reported)})
            return row  # a stale report: never un-fill
        status = await self._next_status(conn, row, order.status, reconciling, outcome)
        changes: dict[str, Any] = {}
        if row.broker_order_id is None:
            changes |= {"broker_order_id": order.broker_order_id,
                        "submitted_at": order.submitted_at or self._clock.now()}
            if row.client_order_id != order.client_order_id[:128]:  # a leg recorded before the broker named it
                changes["client_order_id"] = order.client_order_id[:128]
        if order.quantity != row.quantity and order.quantity >= reported:
            changes["quantity"] = order.quantity  # a bracket leg shrunk by its sibling's fill
        fill = fill_delta(row.filled_quantity, row.filled_avg_price, reported, order.filled_avg_price)
        if fill is not None:
            changes |= await self._record_fill(conn, row, order, fill, outcome)
        if status is not None:
            changes["status"] = status
            if status is OrderStatus.CANCELED or status is OrderStatus.EXPIRED:
                changes["canceled_at"] = self._clock.now()
            if status is OrderStatus.REJECTED and order.reject_reason:
                changes["reject_reason"] = order.reject_reason[:500]
        if not changes:
            return row
        updated = await repo.update_order(conn, row.order_id, **changes)
        assert updated is not None
        outcome.updated = True
        return updated

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

    async def _record_fill(self, conn: Any, row: OrderRow, order: Order, fill: tuple[Decimal, Decimal],
                           outcome: SyncOutcome) -> dict[str, Any]:
        qty, price = fill
        cumulative = row.filled_quantity + qty
        made = Fill(broker_order_id=order.broker_id, client_order_id=row.client_order_id,
                    symbol=row.symbol, side=row.side, quantity=qty, price=price,
                    commission=max(order.commission - row.commission, ZERO),
                    at=order.updated_at or self._clock.now())
        fill_id = await repo.insert_fill(conn, row.order_id, made,
                                         broker_fill_id=f"{order.broker_order_id}:{cumulative}")
        changes: dict[str, Any] = {"filled_quantity": cumulative, "filled_avg_price": order.filled_avg_price or ZERO,
                                   "commission": row.commission + made.commission}
        if fill_id is None:
            return changes
        stop = row.approval_stop if row.intent is Intent.ENTRY else None
        effect = await apply_fill_to_position(conn, row.security_id, made, stop=stop)
        if effect.realized_pnl:
            await repo.set_fill_realized(conn, fill_id, effect.realized_pnl)
        positions = effect.positions
        if row.position_id is None:
            changes["position_id"] = positions[0].position_id
        if cumulative >= order.quantity:
            changes["filled_at"] = made.at
        FILLS_RECORDED.labels(row.side.value).inc()
        outcome.positions.extend(positions)
        outcome.fills.append(OrderFilled.of(made, order_id=str(row.order_id), cumulative=cumulative,
                                            done=cumulative >= order.quantity))
        return changes

    async def reject(self, row: OrderRow, reason: str) -> None:
        """Mark ``row`` rejected with ``reason``, unless it has ended meanwhile."""
        async with self._lock, self._db.transaction() as conn:
            current = await repo.get_order_by_client_id(conn, row.client_order_id, for_update=True)
            if current is None or current.status.is_terminal:
                return
            await repo.update_order(conn, row.order_id, status=advance(current.status, OrderStatus.REJECTED),
                                    reject_reason=reason[:500])
            await repo.end_unsent_legs(conn, row.order_id, OrderStatus.REJECTED.value, reason, None)
        log.warning("order_rejected", client_order_id=row.client_order_id, reason=reason)

    async def cancel_unsent(self, row: OrderRow) -> None:
        """Cancel a row the broker never received (it is not at the broker, and not being sent)."""
        async with self._lock, self._db.transaction() as conn:
            current = await repo.get_order_by_client_id(conn, row.client_order_id, for_update=True)
            if current is not None and not current.status.is_terminal:
                await repo.update_order(conn, row.order_id, status=advance(current.status, OrderStatus.CANCELED),
                                        canceled_at=self._clock.now(),
                                        reject_reason="canceled before reaching the broker")
                await repo.end_unsent_legs(conn, row.order_id, OrderStatus.CANCELED.value,
                                           "canceled before reaching the broker", self._clock.now())


def _take_same_role(unnamed: list[OrderRow], leg: Order) -> OrderRow | None:
    """The leg recorded with its parent that plays the role of the broker's ``leg`` (take-profit: the
    limit order; stop-loss: the stop or stop-limit), taken from ``unnamed``; None if none is left."""
    is_target = leg.order_type is OrderType.LIMIT
    for row in unnamed:
        if (row.order_type is OrderType.LIMIT) == is_target:
            unnamed.remove(row)
            return row
    return None


def position_update(p: PositionRow) -> PositionUpdate:
    open_ = p.status == "open"
    market = p.market_price or p.avg_entry_price
    return PositionUpdate(
        position_id=str(p.position_id), symbol=p.symbol, side=p.side.value,
        quantity=p.quantity if open_ else ZERO, avg_entry_price=p.avg_entry_price, market_price=market,
        unrealized_pnl=p.unrealized_pnl if open_ else ZERO, realized_pnl=p.realized_pnl,
        status="open" if open_ else "closed",
    )
