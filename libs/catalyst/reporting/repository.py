"""What Reporting reads from the trading tables (asyncpg, read only): fills, closed and open positions.

The rows are as Trading writes them (``catalyst.trading.repository``): a fill carries the P&L it
realized and its commission; an order points at the position its first fill moved. The pattern
and catalyst of a trade are what the submitter recorded for its entry order in ``decision_logs``
(the row whose ``context.client_order_id`` is the entry's): ``context.pattern`` /
``context.catalyst_type``, or the Workflow trade desk's ``analysis`` (the detected pattern, else
the scan candidate's pattern and catalyst type). Why a position was closed is the reasoning of the
``position_closed`` decision naming its closing order. A trade's commission is that of every fill of
the orders pointing at its position (an order that flipped a position is its closed side's). Nothing
here writes.
"""

from __future__ import annotations

from datetime import datetime

from catalyst.contracts.reporting import JournalTrade, OpenPosition
from catalyst.db import Database
from catalyst.reporting.journal import journal_trade
from catalyst.reporting.performance import LedgerEntry

_CLOSED_POSITIONS = """
SELECT p.position_id, s.symbol, p.side, p.quantity, p.exited_quantity, p.avg_entry_price, p.avg_exit_price,
       p.realized_pnl, p.opened_at, p.closed_at, coalesce(c.commission, 0) AS commission,
       e.order_id AS entry_order_id, x.order_type AS exit_order_type, x.parent_order_id AS exit_parent_order_id,
       x.client_order_id AS exit_client_order_id, n.reasoning AS exit_note, d.pattern, d.catalyst_type
FROM positions p
JOIN securities s USING (security_id)
LEFT JOIN LATERAL (
    SELECT sum(f.commission) AS commission FROM orders o JOIN fills f USING (order_id)
    WHERE o.position_id = p.position_id) c ON true
LEFT JOIN LATERAL (
    SELECT o.order_id, o.client_order_id FROM orders o
    WHERE o.position_id = p.position_id AND o.intent = 'entry' AND o.parent_order_id IS NULL
    ORDER BY o.created_at, o.order_id LIMIT 1) e ON true
LEFT JOIN LATERAL (
    SELECT o.order_id, o.order_type, o.parent_order_id, o.client_order_id FROM orders o JOIN fills f USING (order_id)
    WHERE o.position_id = p.position_id
    ORDER BY f.filled_at DESC, f.created_at DESC LIMIT 1) x ON true
LEFT JOIN LATERAL (
    SELECT coalesce(l.context->>'pattern', l.context->'analysis'->'pattern'->>'pattern',
                    l.context->'analysis'->'candidate'->>'pattern') AS pattern,
           coalesce(l.context->>'catalyst_type', l.context->'analysis'->'candidate'->>'catalyst_type') AS catalyst_type
    FROM decision_logs l WHERE l.context->>'client_order_id' = e.client_order_id
    ORDER BY (l.decision = 'trade_placed') DESC, l.decision_id DESC LIMIT 1) d ON true
LEFT JOIN LATERAL (
    SELECT l.reasoning FROM decision_logs l
    WHERE l.decision = 'position_closed' AND l.context->>'order_id' = x.order_id::text
    ORDER BY l.decision_id DESC LIMIT 1) n ON true
WHERE p.status = 'closed' AND p.closed_at >= $1 AND p.closed_at < $2
ORDER BY p.closed_at, p.position_id
"""


class ReportingRepository:
    def __init__(self, db: Database):
        self._db = db

    async def ledger(self, start: datetime, end: datetime) -> list[LedgerEntry]:
        """Every fill made in ``[start, end)``, in time order."""
        async with self._db.acquire() as conn:
            rows = await conn.fetch(
                """SELECT filled_at, realized_pnl, commission FROM fills
                   WHERE filled_at >= $1 AND filled_at < $2 ORDER BY filled_at, created_at, fill_id""", start, end)
        return [LedgerEntry(r["filled_at"], float(r["realized_pnl"]), float(r["commission"])) for r in rows]

    async def net_before(self, at: datetime) -> float:
        """Net realized P&L (less commissions) of every fill before ``at``."""
        async with self._db.acquire() as conn:
            value = await conn.fetchval(
                "SELECT coalesce(sum(realized_pnl - commission), 0) FROM fills WHERE filled_at < $1", at)
        return float(value)

    async def closed_positions(self, start: datetime, end: datetime) -> list[JournalTrade]:
        """Positions closed in ``[start, end)``, in closing order, as journal lines."""
        async with self._db.acquire() as conn:
            rows = await conn.fetch(_CLOSED_POSITIONS, start, end)
        return [journal_trade(r) for r in rows]

    async def open_positions_at(self, at: datetime) -> list[OpenPosition]:
        """Positions open at ``at`` (opened before it, not closed by then), oldest first, not marked."""
        async with self._db.acquire() as conn:
            rows = await conn.fetch(
                """SELECT p.position_id, s.symbol, p.side, p.quantity::float8, p.avg_entry_price::float8, p.opened_at
                   FROM positions p JOIN securities s USING (security_id)
                   WHERE p.opened_at < $1 AND (p.closed_at IS NULL OR p.closed_at >= $1)
                   ORDER BY p.opened_at, p.position_id""", at)
        return [OpenPosition(position_id=r["position_id"], symbol=r["symbol"], side=r["side"],
                             quantity=r["quantity"], avg_entry_price=r["avg_entry_price"], opened_at=r["opened_at"])
                for r in rows]
