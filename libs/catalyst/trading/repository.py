"""The OMS's database edge: orders, fills, positions and risk events (asyncpg, no logic beyond SQL).

Every write takes the caller's connection so the OMS decides what is one transaction: an order
row (with its bracket legs) is committed before the broker is called; a broker answer (status, fill, position) is
applied in one transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
from pydantic import BaseModel, ConfigDict

from catalyst.domain.approvals import TradeApproval
from catalyst.domain.fill import Fill
from catalyst.domain.money import Money, Quantity, optional_money
from catalyst.domain.order import Order
from catalyst.domain.order_request import OrderRequest, StopLoss, TakeProfit
from catalyst.domain.orders import Intent, OrderClass, PositionSide, Side
from catalyst.domain.position import Position

LIVE_STATUSES = ("new", "accepted", "partially_filled")

_ORDER_COLUMNS = """
SELECT o.order_id, o.client_order_id, o.broker_order_id, o.position_id, o.security_id, s.symbol, o.side,
       o.order_type, o.order_class, o.time_in_force, o.quantity, o.limit_price, o.stop_price,
       o.take_profit_price, o.stop_loss_price, o.parent_order_id, o.status, o.filled_quantity,
       o.filled_avg_price, o.approval_nonce, o.reject_reason, o.created_at, o.updated_at, o.submitted_at,
       o.filled_at, o.canceled_at, o.intent, o.broker, o.reference_price, o.approval_expires_at, o.commission,
       o.approval_stop
"""
_ORDER_SELECT = _ORDER_COLUMNS + "FROM orders o JOIN securities s USING (security_id)\n"

_POSITION_COLUMNS = """
SELECT p.position_id, p.security_id, s.symbol, p.side, p.quantity, p.avg_entry_price, p.status, p.realized_pnl,
       p.unrealized_pnl, p.market_price, p.exited_quantity, p.avg_exit_price, p.stop_loss, p.take_profit,
       p.opened_at, p.closed_at, p.updated_at
"""
_POSITION_SELECT = _POSITION_COLUMNS + "FROM positions p JOIN securities s USING (security_id)\n"
_POSITION_RETURNED = _POSITION_COLUMNS + "FROM p JOIN securities s USING (security_id)"


class OrderRow(Order):
    """The OMS's record of an order (``orders``): the domain ``Order`` plus what only the OMS knows
    (its id, security, intent, approval, position, parent and times). Bracket legs are rows of
    their own (``parent_order_id``), so ``legs`` stays empty here."""

    order_id: UUID
    position_id: UUID | None
    security_id: int
    take_profit_price: Money | None
    stop_loss_price: Money | None
    parent_order_id: UUID | None
    approval_nonce: str | None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    filled_at: datetime | None
    canceled_at: datetime | None
    intent: Intent
    broker: str
    reference_price: Money | None
    approval_expires_at: datetime | None
    approval_stop: Money | None = None

    def to_request(self) -> OrderRequest:
        """The broker request this row stands for (to send it again after a restart)."""
        tp, sl = self.take_profit_price, self.stop_loss_price
        bracket = tp is not None and sl is not None
        return OrderRequest(
            client_order_id=self.client_order_id, symbol=self.symbol, side=self.side, quantity=int(self.quantity),
            order_type=self.order_type, time_in_force=self.time_in_force,
            limit_price=self.limit_price, stop_price=self.stop_price,
            take_profit=TakeProfit(limit_price=tp) if tp is not None and bracket else None,
            stop_loss=StopLoss(stop_price=sl) if sl is not None and bracket else None,
        )

    def same_order_as(self, request: OrderRequest) -> bool:
        return (self.symbol, self.side, int(self.quantity), self.order_type, self.limit_price,
                self.stop_price) == (request.symbol, request.side, request.quantity, request.order_type,
                                     request.limit_price, request.stop_price)


class PositionRow(BaseModel):
    """The OMS's record of a position (``positions``): one row per open-to-close life of a holding,
    with its id, status, exit averages, stops and times. ``quantity`` is the absolute size (a
    closed row keeps the size it had); what it holds now is ``holding``, the domain ``Position``."""

    model_config = ConfigDict(frozen=True)

    position_id: UUID
    security_id: int
    symbol: str
    side: PositionSide
    quantity: Quantity
    avg_entry_price: Money
    status: str
    realized_pnl: Money
    unrealized_pnl: Money
    market_price: Money | None
    exited_quantity: Quantity
    avg_exit_price: Money | None
    stop_loss: Money | None
    take_profit: Money | None
    opened_at: datetime
    closed_at: datetime | None
    updated_at: datetime

    @property
    def signed_quantity(self) -> Decimal:
        """What is held now: + long, − short, 0 once closed."""
        if self.status != "open":
            return Decimal(0)
        return self.quantity if self.side is PositionSide.LONG else -self.quantity

    @property
    def holding(self) -> Position:
        return Position(self.symbol, self.signed_quantity, self.avg_entry_price, self.realized_pnl,
                        self.market_price)


# ------------------------------------------------------------------------------------------ orders


async def get_order(conn: Any, order_id: UUID) -> OrderRow | None:
    row = await conn.fetchrow(_ORDER_SELECT + " WHERE o.order_id = $1", order_id)
    return None if row is None else OrderRow(**dict(row))


async def get_order_by_client_id(conn: Any, client_order_id: str, *, for_update: bool = False) -> OrderRow | None:
    lock = " FOR UPDATE OF o" if for_update else ""
    row = await conn.fetchrow(_ORDER_SELECT + " WHERE o.client_order_id = $1" + lock, client_order_id)
    return None if row is None else OrderRow(**dict(row))


async def lock_order_tree(conn: Any, client_order_id: str, leg_client_ids: list[str]) -> list[OrderRow]:
    """The order recorded under ``client_order_id``, every leg recorded under it and any order named in
    ``leg_client_ids``, locked FOR UPDATE in one statement."""
    rows = await conn.fetch(
        _ORDER_SELECT + " WHERE o.client_order_id = ANY($1::text[])"
        " OR o.parent_order_id = (SELECT order_id FROM orders WHERE client_order_id = $2)"
        " ORDER BY o.order_id FOR UPDATE OF o", [client_order_id, *leg_client_ids], client_order_id)
    return [OrderRow(**dict(r)) for r in rows]


async def get_order_tree(conn: Any, order_id: UUID) -> list[OrderRow]:
    """The order and its bracket legs, in one statement (empty for an unknown id)."""
    rows = await conn.fetch(_ORDER_SELECT + " WHERE o.order_id = $1 OR o.parent_order_id = $1", order_id)
    return [OrderRow(**dict(r)) for r in rows]


async def list_orders(conn: Any, *, statuses: tuple[str, ...] | None = None, limit: int = 100,
                      parent_order_id: UUID | None = None) -> list[OrderRow]:
    clauses: list[str] = []
    args: list[Any] = []
    if statuses is not None:
        args.append(list(statuses))
        clauses.append(f"o.status = ANY(${len(args)}::text[])")
    if parent_order_id is not None:
        args.append(parent_order_id)
        clauses.append(f"o.parent_order_id = ${len(args)}")
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    args.append(limit)
    rows = await conn.fetch(_ORDER_SELECT + where + f" ORDER BY o.created_at DESC, o.order_id LIMIT ${len(args)}",
                            *args)
    return [OrderRow(**dict(r)) for r in rows]


async def live_orders(conn: Any, broker: str) -> list[OrderRow]:
    """Non-terminal orders sent (or to be sent) to ``broker``, oldest first; parents before legs."""
    rows = await conn.fetch(
        _ORDER_SELECT + " WHERE o.broker = $1 AND o.status = ANY($2::text[])"
        " ORDER BY (o.parent_order_id IS NOT NULL), o.created_at, o.order_id",
        broker, list(LIVE_STATUSES))
    return [OrderRow(**dict(r)) for r in rows]


async def security_id(conn: Any, symbol: str) -> int:
    sid: int = await conn.fetchval("SELECT get_or_create_security($1)", symbol)
    return sid


async def lock_security(conn: Any, symbol: str) -> int:
    """The security's id (made if new), locked for order creation until the transaction ends
    (entry/exit classification is serialized per security). One statement: the lock is taken
    before anything it guards is read, by the statements that follow."""
    sid: int = await conn.fetchval(
        "SELECT s.sid FROM get_or_create_security($1) AS s(sid),"
        " LATERAL pg_advisory_xact_lock(hashtext('catalyst.trading'), s.sid)", symbol)
    return sid


@dataclass(frozen=True, slots=True)
class RecordingContext:
    """What recording an order reads under the security's lock: the order already recorded under its
    client id, the open position and what working orders on its side may still sell (buy) of it."""

    known_order_id: UUID | None
    position: PositionRow | None
    reserved: Decimal


async def recording_context(conn: Any, sid: int, side: Side, client_order_id: str) -> RecordingContext:
    """:class:`RecordingContext` in one statement (``reserved`` as in :func:`reserved_exit_quantity`)."""
    row = await conn.fetchrow(
        _POSITION_COLUMNS + """, k.order_id AS known_order_id, w.quantity AS reserved
        FROM (VALUES (1)) AS one (x)
        LEFT JOIN orders k ON k.client_order_id = $3
        LEFT JOIN working_exits w ON w.security_id = $1 AND w.side = $2
        LEFT JOIN (positions p JOIN securities s USING (security_id)) ON p.security_id = $1 AND p.status = 'open'""",
        sid, side.value, client_order_id)
    return RecordingContext(known_order_id=row["known_order_id"],
                            position=None if row["position_id"] is None else PositionRow(**dict(row)),
                            reserved=Decimal(0) if row["reserved"] is None else Decimal(row["reserved"]))


async def reserved_exit_quantity(conn: Any, sid: int, side: Side) -> Decimal:
    """What working orders on ``side`` may still sell (buy) of the position, exits and entries alike
    (view ``working_exits``, which the Risk Manager's book counts too)."""
    value = await conn.fetchval("SELECT quantity FROM working_exits WHERE security_id = $1 AND side = $2",
                                sid, side.value)
    return Decimal(0) if value is None else Decimal(value)


async def insert_order(conn: Any, request: OrderRequest, *, sid: int, intent: Intent, broker: str,
                       reference_price: Decimal | None = None, approval: TradeApproval | None = None,
                       parent_order_id: UUID | None = None, order_class: OrderClass | None = None,
                       created_at: datetime | None = None, quantity: Decimal | None = None) -> OrderRow:
    """Insert as ``new``; ``created_at`` is the OMS clock (a replay's simulated time), else now().

    ``quantity`` overrides the request's whole shares (an adopted broker order may be fractional).
    """
    inserted = await conn.fetchrow(
        """WITH o AS (
           INSERT INTO orders (client_order_id, security_id, side, order_type, order_class, time_in_force, quantity,
                               limit_price, stop_price, take_profit_price, stop_loss_price, parent_order_id, status,
                               approval_nonce, approval_expires_at, intent, broker, reference_price, created_at,
                               approval_stop)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'new', $13, $14, $15, $16, $17,
                   coalesce($18, now()), $19)
           RETURNING *)""" + _ORDER_COLUMNS + "FROM o JOIN securities s USING (security_id)",
        request.client_order_id, sid, request.side.value, request.order_type.value,
        (order_class or request.order_class).value, request.time_in_force.value,
        quantity if quantity is not None else Decimal(request.quantity),
        request.limit_price, request.stop_price,
        request.take_profit.limit_price if request.take_profit else None,
        request.stop_loss.stop_price if request.stop_loss else None, parent_order_id,
        approval.nonce if approval else None, approval.expires_at if approval else None, intent.value, broker,
        reference_price, created_at, optional_money(approval.stop) if approval else None,
    )
    return OrderRow(**dict(inserted))


async def update_order(conn: Any, order_id: UUID, **fields: Any) -> OrderRow | None:
    """The row as updated (returned by the UPDATE itself); None without ``fields`` or for an unknown id."""
    if not fields:
        return None
    sets = ", ".join(f"{name} = ${i + 2}" for i, name in enumerate(fields))
    row = await conn.fetchrow(f"WITH o AS (UPDATE orders SET {sets} WHERE order_id = $1 RETURNING *)"
                              + _ORDER_COLUMNS + "FROM o JOIN securities s USING (security_id)", order_id,
                              *[getattr(v, "value", v) for v in fields.values()])
    return None if row is None else OrderRow(**dict(row))


async def end_unsent_legs(conn: Any, parent_order_id: UUID, status: str, reason: str,
                          canceled_at: datetime | None) -> None:
    """End the legs, recorded with their parent, of a bracket the broker never received."""
    await conn.execute(
        "UPDATE orders SET status = $2, reject_reason = $3, canceled_at = $4"
        " WHERE parent_order_id = $1 AND broker_order_id IS NULL AND status = 'new'",
        parent_order_id, status, reason[:500], canceled_at)


async def insert_fill(conn: Any, order_id: UUID, fill: Fill, *, broker_fill_id: str) -> UUID | None:
    """Record one fill of order ``order_id``; None when this broker fill was recorded already
    (a replayed update)."""
    fill_id: UUID | None = await conn.fetchval(
        """INSERT INTO fills (order_id, quantity, price, commission, broker_fill_id, filled_at)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (broker_fill_id) DO NOTHING RETURNING fill_id""",
        order_id, fill.quantity, fill.price, fill.commission, broker_fill_id, fill.at)
    return fill_id


async def set_fill_realized(conn: Any, fill_id: UUID, realized_pnl: Decimal) -> None:
    await conn.execute("UPDATE fills SET realized_pnl = $2 WHERE fill_id = $1", fill_id, realized_pnl)


# ------------------------------------------------------------------------------------------ positions


async def open_position(conn: Any, sid: int, *, for_update: bool = False) -> PositionRow | None:
    lock = " FOR UPDATE OF p" if for_update else ""
    row = await conn.fetchrow(_POSITION_SELECT + " WHERE p.security_id = $1 AND p.status = 'open'" + lock, sid)
    return None if row is None else PositionRow(**dict(row))


async def get_position(conn: Any, position_id: UUID) -> PositionRow | None:
    row = await conn.fetchrow(_POSITION_SELECT + " WHERE p.position_id = $1", position_id)
    return None if row is None else PositionRow(**dict(row))


async def list_positions(conn: Any, status: str | None = "open", limit: int = 500) -> list[PositionRow]:
    if status is None:
        rows = await conn.fetch(_POSITION_SELECT + " ORDER BY p.opened_at DESC LIMIT $1", limit)
    else:
        rows = await conn.fetch(_POSITION_SELECT + " WHERE p.status = $1 ORDER BY p.opened_at DESC LIMIT $2",
                                status, limit)
    return [PositionRow(**dict(r)) for r in rows]


async def insert_position(conn: Any, *, sid: int, side: PositionSide, quantity: Decimal, avg_price: Decimal,
                          market_price: Decimal | None = None, opened_at: datetime | None = None,
                          stop_loss: Decimal | None = None) -> PositionRow:
    """Open a row; ``opened_at`` is the market time of the fill that opened it (else now()), so the
    Risk Manager's trading day of a position is the market's, in a replay too."""
    row = await conn.fetchrow(
        """WITH p AS (
           INSERT INTO positions (security_id, side, quantity, avg_entry_price, market_price, opened_at, stop_loss)
           VALUES ($1, $2, $3, $4, $5, coalesce($6, now()), $7) RETURNING *)""" + _POSITION_RETURNED,
        sid, side.value, quantity, avg_price, market_price, opened_at, stop_loss)
    return PositionRow(**dict(row))


async def update_position(conn: Any, position_id: UUID, **fields: Any) -> PositionRow:
    """The row as updated (returned by the UPDATE itself)."""
    if not fields:
        row = await get_position(conn, position_id)
        assert row is not None
        return row
    return await _set_position(conn, position_id, [], [], fields)


async def close_position_row(conn: Any, position_id: UUID, *, closed_at: datetime | None = None,
                             **fields: Any) -> PositionRow:
    """Close the row (it keeps the quantity it had); ``closed_at`` is the market time of the closing
    fill (else the database's now()), never before the row was opened."""
    closing = ["status = 'closed'", "closed_at = greatest(coalesce($2, now()), opened_at)", "unrealized_pnl = 0"]
    return await _set_position(conn, position_id, closing, [closed_at], fields)


async def _set_position(conn: Any, position_id: UUID, fixed: list[str], fixed_args: list[Any],
                        fields: dict[str, Any]) -> PositionRow:
    """One UPDATE of the row (``fixed`` SET clauses with their arguments from $2, then ``fields``), returning it."""
    first = 2 + len(fixed_args)
    sets = ", ".join([*fixed, *(f"{name} = ${first + i}" for i, name in enumerate(fields))])
    row = await conn.fetchrow(f"WITH p AS (UPDATE positions SET {sets} WHERE position_id = $1 RETURNING *)"
                              + _POSITION_RETURNED, position_id, *fixed_args,
                              *[getattr(v, "value", v) for v in fields.values()])
    assert row is not None
    return PositionRow(**dict(row))


# ------------------------------------------------------------------------------------------ risk authority


class RiskControl(BaseModel):
    """The Risk state Trading obeys (``risk_control``): entries only while ``active``, only in ``epoch``."""

    model_config = ConfigDict(frozen=True)

    epoch: int
    state: str

    @property
    def entries_allowed(self) -> bool:
        return self.state == "active"


async def risk_control(conn: Any) -> RiskControl | None:
    """Read under a share lock: a halt committing meanwhile waits for this order's transaction,
    then revokes what it did not use and cancels what it placed."""
    row = await conn.fetchrow("SELECT epoch, state FROM risk_control WHERE id = 1 FOR SHARE")
    return None if row is None else RiskControl(epoch=row["epoch"], state=row["state"])


async def claim_reservation(conn: Any, approval: TradeApproval, *, order_id: UUID, sid: int) -> str | None:
    """Mark the approval's reservation used by ``order_id``; None when claimed, else its status.

    An approval Risk signed without a row (an older Risk Manager) is recorded as used here: its
    epoch was checked, so a halt cannot be bypassed that way.
    """
    claimed = await conn.fetchval(
        """UPDATE risk_reservations SET status = 'used', order_id = $2
           WHERE nonce = $1 AND status = 'reserved' RETURNING nonce""", approval.nonce, order_id)
    if claimed is not None:
        return None
    status: str | None = await conn.fetchval("SELECT status FROM risk_reservations WHERE nonce = $1", approval.nonce)
    if status is not None:
        return status
    await conn.execute(
        """INSERT INTO risk_reservations (nonce, security_id, side, intent, quantity, price_bound, stop_price,
                                          epoch, status, order_id, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'used', $9, $10)""",
        approval.nonce, sid, approval.side.value, approval.intent.value, approval.max_quantity,
        optional_money(approval.price_bound), optional_money(approval.stop), approval.epoch, order_id,
        approval.expires_at)
    return None


# ------------------------------------------------------------------------------------------ risk events


async def insert_risk_event(conn: Any, event_type: str, message: str, *, severity: str = "warning",
                            sid: int | None = None, details: dict[str, Any] | None = None,
                            value: Decimal | None = None, rule: str = "trading.reconciliation") -> None:
    await conn.execute(
        """INSERT INTO risk_events (security_id, event_type, severity, rule, message, value, details)
           VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)""",
        sid, event_type, severity, rule, message, value, json.dumps(details or {}, default=str))


def is_unique_violation(exc: BaseException, constraint: str) -> bool:
    return isinstance(exc, asyncpg.UniqueViolationError) and exc.constraint_name == constraint
