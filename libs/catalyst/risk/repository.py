"""Risk Manager's database edge: the book it copies, the reservations and control state it writes,
and its risk events and parameter sets.

The one write on the validation path is the reservation of an approval (it must be committed
before Trading can see the approval); the book is read by ``load_snapshot`` off that path.

Money and share counts are ``numeric`` columns, which asyncpg returns as ``Decimal``: they reach
the book as they are stored (a market price derived by division is rounded to six decimals).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from catalyst.db import Database, HeldConnection
from catalyst.domain.approvals import TradeApproval
from catalyst.domain.calendar import day_end, day_start
from catalyst.domain.money import money
from catalyst.domain.orders import Intent, PositionSide, Side
from catalyst.domain.risk import RiskState
from catalyst.risk.book import Reservation, Snapshot
from catalyst.risk.engine import PositionMark

_OPEN_POSITIONS = """
SELECT p.position_id::text AS position_id, s.symbol, p.side, p.quantity,
       p.avg_entry_price, p.stop_loss,
       coalesce(p.market_price, p.avg_entry_price + p.unrealized_pnl / p.quantity
                * CASE p.side WHEN 'long' THEN 1 ELSE -1 END) AS market_price,
       CASE WHEN p.opened_at >= $1 THEN p.avg_entry_price
            ELSE coalesce(prior_close(p.security_id, $1), p.avg_entry_price) END AS reference_price
FROM positions p JOIN securities s USING (security_id)
WHERE p.status = 'open'
ORDER BY p.opened_at
"""

# An exit fill of a position carried into today realizes, today, its move from the prior close:
# realized_pnl (from the entry) + (entry - prior close) x quantity x direction.
_TODAY_FILLS = """
SELECT coalesce(sum(f.realized_pnl + CASE
           WHEN p.opened_at < $1 AND o.side = CASE p.side WHEN 'long' THEN 'sell' ELSE 'buy' END
           THEN (p.avg_entry_price - coalesce(prior_close(p.security_id, $1), p.avg_entry_price))
                * f.quantity * CASE p.side WHEN 'long' THEN 1 ELSE -1 END
           ELSE 0 END), 0) AS realized,
       coalesce(sum(f.commission), 0) AS commission
FROM fills f JOIN orders o USING (order_id) LEFT JOIN positions p USING (position_id)
WHERE f.filled_at >= $1 AND f.filled_at < $2
"""

_OUTSTANDING = """
SELECT r.nonce, s.symbol, r.side, r.intent, r.price_bound, r.stop_price AS stop,
       r.status = 'used' AS used,
       CASE WHEN r.status = 'used' THEN o.quantity - o.filled_quantity ELSE r.quantity END AS quantity
FROM risk_reservations r JOIN securities s USING (security_id) LEFT JOIN orders o USING (order_id)
WHERE r.status = 'reserved' OR (r.status = 'used' AND o.status IN ('new', 'accepted', 'partially_filled'))
"""

_WORKING_EXITS = """
SELECT s.symbol, w.quantity
FROM working_exits w JOIN securities s USING (security_id)
JOIN positions p ON p.security_id = w.security_id AND p.status = 'open'
WHERE w.side = CASE p.side WHEN 'long' THEN 'sell' ELSE 'buy' END
"""

def _position(row: Any) -> PositionMark:
    quantity: Decimal = row["quantity"]
    return PositionMark(row["position_id"], row["symbol"],
                        quantity if row["side"] == PositionSide.LONG.value else -quantity,
                        row["avg_entry_price"], row["reference_price"], money(row["market_price"]),
                        row["stop_loss"])


def _reservation(row: Any) -> Reservation:
    return Reservation(row["nonce"], row["symbol"], Side(row["side"]), Intent(row["intent"]), Decimal(row["quantity"]),
                       row["price_bound"], row["stop"], row["used"])


async def load_snapshot(db: Database, day: date, now: datetime) -> Snapshot:
    """The committed state the book copies, read in one repeatable-read transaction: open
    positions with today's reference prices, today's fills, outstanding reservations (expiring
    the lapsed ones first) and working exit orders."""
    start, end = day_start(day), day_end(day)
    async with db.acquire() as conn:  # its own statement: a claim racing it just waits for the row
        await conn.execute("UPDATE risk_reservations SET status = 'expired' WHERE status = 'reserved' "
                           "AND expires_at <= $1", now)
    async with db.transaction(isolation="repeatable_read") as conn:
        positions = await conn.fetch(_OPEN_POSITIONS, start)
        fills = await conn.fetchrow(_TODAY_FILLS, start, end)
        reservations = await conn.fetch(_OUTSTANDING)
        exits = await conn.fetch(_WORKING_EXITS)
    return Snapshot(day, tuple(_position(r) for r in positions), fills["realized"],
                    fills["commission"], tuple(_reservation(r) for r in reservations if r["quantity"] > 0),
                    {r["symbol"]: r["quantity"] for r in exits})


async def insert_reservation(conn: HeldConnection, approval: TradeApproval) -> None:
    """Record the exposure an approval reserves, before the approval leaves the Risk Manager."""
    await conn.execute(
        """INSERT INTO risk_reservations (nonce, security_id, side, intent, quantity, price_bound, stop_price,
                                          epoch, expires_at)
           VALUES ($1, get_or_create_security($2), $3, $4, $5, $6, $7, $8, $9)""",
        approval.nonce, approval.symbol, approval.side.value, approval.intent.value, approval.max_quantity,
        approval.price_bound, approval.stop, approval.epoch, approval.expires_at)


async def write_control(db: Database, state: RiskState, reason: str | None) -> int:
    """Publish the Risk state to Trading; a state that blocks entries moves the epoch on and
    revokes every approval not yet used (one transaction). Returns the epoch now in force."""
    blocks = state is not RiskState.ACTIVE
    async with db.transaction() as conn:
        epoch: int = await conn.fetchval(
            """INSERT INTO risk_control (id, epoch, state, reason) VALUES (1, 0, $1, $2)
               ON CONFLICT (id) DO UPDATE SET state = $1, reason = $2,
                   epoch = risk_control.epoch + CASE WHEN $3 AND risk_control.state <> $1 THEN 1 ELSE 0 END
               RETURNING epoch""", state.value, reason, blocks)
        if blocks:
            await conn.execute("UPDATE risk_reservations SET status = 'revoked' WHERE status = 'reserved'")
    return epoch


async def read_epoch(db: Database) -> int:
    async with db.acquire() as conn:
        epoch: int | None = await conn.fetchval("SELECT epoch FROM risk_control WHERE id = 1")
    return 0 if epoch is None else epoch


async def load_recent_closed_pnls(db: Database, limit: int) -> list[Decimal]:
    """Realized P&L of the latest ``limit`` closed positions, newest first (Kelly's evidence)."""
    async with db.acquire() as conn:
        rows = await conn.fetch(
            """SELECT realized_pnl AS pnl FROM positions WHERE status = 'closed'
               ORDER BY closed_at DESC, position_id LIMIT $1""",
            limit,
        )
    return [r["pnl"] for r in rows]


async def insert_risk_event(
    db: Database, *, event_type: str, severity: str, message: str, rule: str | None = None,
    value: Decimal | None = None, limit: Decimal | None = None, symbol: str | None = None,
    details: dict[str, Any] | None = None,
) -> int:
    """Append one row to ``risk_events`` (severity: info, warning or critical)."""
    async with db.acquire() as conn:
        event_id: int = await conn.fetchval(
            """INSERT INTO risk_events (security_id, event_type, severity, rule, message, value, limit_value,
                                        details)
               VALUES (CASE WHEN $1::text IS NULL THEN NULL ELSE get_or_create_security($1::text) END,
                       $2, $3, $4, $5, $6, $7, $8::jsonb)
               RETURNING event_id""",
            symbol, event_type, severity, rule, message, value, limit, json.dumps(details or {}, default=str),
        )
    return event_id


@dataclass(frozen=True, slots=True)
class StoredParameters:
    version: int
    parameters: dict[str, Any]
    applied_by: str
    source: str
    reason: str | None
    applied_at: datetime


async def persist_parameters(
    db: Database, parameters: dict[str, Any], *, applied_by: str, source: str, reason: str | None
) -> StoredParameters:
    """Record a set as the active one (``apply_risk_parameters``: atomic switch, history kept)."""
    async with db.transaction() as conn:
        version = await conn.fetchval(
            "SELECT apply_risk_parameters($1::jsonb, $2, $3, $4)",
            json.dumps(parameters), applied_by, source, reason,
        )
        applied_at = await conn.fetchval("SELECT applied_at FROM risk_parameters WHERE version = $1", version)
    return StoredParameters(int(version), parameters, applied_by, source, reason, applied_at)


async def load_active_parameters(db: Database) -> StoredParameters | None:
    async with db.acquire() as conn:
        row = await conn.fetchrow(
            """SELECT version, parameters::text AS parameters, applied_by, source, reason, applied_at
               FROM risk_parameters WHERE is_active"""
        )
    if row is None:
        return None
    return StoredParameters(row["version"], json.loads(row["parameters"]), row["applied_by"], row["source"],
                            row["reason"], row["applied_at"])


@dataclass(frozen=True, slots=True)
class StoredState:
    state: RiskState
    trading_day: date
    reason: str | None


async def load_last_state(db: Database) -> StoredState | None:
    """The latest recorded risk state change (so a restart keeps a halt)."""
    async with db.acquire() as conn:
        row = await conn.fetchrow(
            """SELECT details::text AS details FROM risk_events WHERE event_type = 'state_change'
               ORDER BY event_id DESC LIMIT 1"""
        )
    if row is None:
        return None
    details = json.loads(row["details"])
    return StoredState(RiskState(details["to"]), date.fromisoformat(details["trading_day"]), details.get("reason"))
