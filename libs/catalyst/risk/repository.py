"""Risk Manager's database edge: positions it reads, and the risk events and parameter sets it writes.

Every query is here, none on the validation hot path: positions are loaded at start-up (so a
restart forgets nothing) and the book then follows the bus; closed-trade P&L is re-read when a
position closes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from catalyst.db import Database
from catalyst.domain.orders import PositionSide
from catalyst.risk.book import PositionMark
from catalyst.risk.state import RiskState

_OPEN_POSITIONS = """
SELECT p.position_id::text AS position_id, s.symbol, p.side, p.quantity::float8 AS quantity,
       p.avg_entry_price::float8 AS avg_entry_price, p.unrealized_pnl::float8 AS unrealized_pnl,
       p.realized_pnl::float8 AS realized_pnl,
       (p.opened_at AT TIME ZONE 'America/New_York')::date AS opened_day
FROM positions p JOIN securities s USING (security_id)
WHERE p.status = 'open' {symbol_filter}
ORDER BY p.opened_at
"""


def _mark(row: Any, day: date) -> PositionMark:
    side = PositionSide(row["side"])
    qty = float(row["quantity"])
    avg = float(row["avg_entry_price"])
    unrealized = float(row["unrealized_pnl"])
    # The table keeps unrealized P&L, not the mark: recover the price it was computed at.
    price = avg + unrealized / qty if side is PositionSide.LONG else avg - unrealized / qty
    realized = float(row["realized_pnl"])
    base = realized if row["opened_day"] < day else 0.0
    return PositionMark(row["position_id"], row["symbol"], side, qty, avg, price, unrealized, realized, base)


async def load_open_positions(db: Database, day: date, symbol: str | None = None) -> list[PositionMark]:
    """Open positions (all, or one symbol's); realized P&L of positions opened before ``day``
    counts as before today."""
    async with db.acquire() as conn:
        if symbol is None:
            rows = await conn.fetch(_OPEN_POSITIONS.format(symbol_filter=""))
        else:
            rows = await conn.fetch(_OPEN_POSITIONS.format(symbol_filter="AND s.symbol = $1"), symbol)
    return [_mark(r, day) for r in rows]


async def load_closed_today(db: Database, day: date) -> dict[str, float]:
    """Realized P&L of the positions closed on trading day ``day``, by position id."""
    async with db.acquire() as conn:
        rows = await conn.fetch(
            """SELECT position_id::text AS position_id, realized_pnl::float8 AS realized_pnl
               FROM positions
               WHERE status = 'closed' AND (closed_at AT TIME ZONE 'America/New_York')::date = $1""",
            day,
        )
    return {r["position_id"]: float(r["realized_pnl"]) for r in rows}


async def load_recent_closed_pnls(db: Database, limit: int) -> list[float]:
    """Realized P&L of the latest ``limit`` closed positions, newest first (Kelly's evidence)."""
    async with db.acquire() as conn:
        rows = await conn.fetch(
            """SELECT realized_pnl::float8 AS pnl FROM positions WHERE status = 'closed'
               ORDER BY closed_at DESC, position_id LIMIT $1""",
            limit,
        )
    return [float(r["pnl"]) for r in rows]


async def insert_risk_event(
    db: Database, *, event_type: str, severity: str, message: str, rule: str | None = None,
    value: float | None = None, limit: float | None = None, symbol: str | None = None,
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
