"""Reconciliation: the broker is the truth; every difference is fixed and logged as a ``risk_events`` row.

Runs at start-up (before the API serves) and every ``TRADING_RECONCILE_INTERVAL`` seconds.

Orders. Each non-terminal row is looked up at the broker by ``client_order_id``:

* found: the broker's state and fills are adopted (a terminal row the broker contradicts is
  corrected, outside the normal life cycle, with a critical risk event);
* not found and ``new`` (it never reached the broker: the process died between committing the
  row and the broker's answer): it is **sent now** if it is younger than
  ``TRADING_RESUBMIT_MAX_AGE`` and, for an entry, its approval has not expired; otherwise it is
  marked ``rejected`` (``NEVER_REACHED_BROKER``). Sending is safe because the broker dedupes on
  the same client id. The periodic pass leaves rows younger than ``TRADING_RECONCILE_GRACE``
  and rows being sent right now alone; at start-up nothing can be in flight, so no grace;
* not found but recorded as at the broker: corrected to ``canceled`` (critical risk event).

The rows come from one snapshot, and the submit path keeps working while the broker is asked:
it may have rejected a row meanwhile (and answered its caller 502, who may retry with a new
order). So before acting on a not-found row, reconciliation reads it again: under its row lock
where it writes (``rejected``, ``canceled``), freshly where it sends, with no ``await`` between
that last check and ``OrderCommands.send``. A row that is now terminal, being sent, or no longer
in the state it was looked up in is left alone (the next pass sees it as it is).

Then every open broker order unknown to the database is adopted.

Positions. After the orders, broker and database positions are compared per symbol; where they
differ, the live orders of that symbol are synced once more and the broker asked again, and only
a difference that persists unchanged is fixed (so a fill in flight is not counted twice).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from decimal import Decimal
from typing import Any

from prometheus_client import Counter

from catalyst.contracts.trading import ReconcileReport
from catalyst.domain.orders import Intent, OrderStatus, PositionSide
from catalyst.domain.position import Position
from catalyst.errors import CatalystError
from catalyst.logging import get_logger
from catalyst.orders.state_machine import advance
from catalyst.trading import repository as repo
from catalyst.trading.oms import OrderManager
from catalyst.trading.order_sync import position_update
from catalyst.trading.repository import OrderRow, PositionRow

log = get_logger(__name__)

RECONCILE_FIXES = Counter("catalyst_trading_reconcile_fixes_total", "Differences reconciliation fixed, by kind",
                          ["kind"])


class Reconciler:
    def __init__(self, oms: OrderManager):
        self._db = oms.db
        self._broker = oms.broker
        self._broker_name = oms.broker_name
        self._settings = oms.settings
        self._clock = oms.clock
        self._sync = oms.sync
        self._commands = oms.commands
        self._lock = asyncio.Lock()

    async def run(self, *, startup: bool = False) -> ReconcileReport:
        async with self._lock:
            report = ReconcileReport(started_at=self._clock.now(), finished_at=self._clock.now(),
                                     broker=self._broker_name)
            await self._orders(report, startup)
            await self._unknown_broker_orders(report)
            await self._positions(report)
            report.finished_at = self._clock.now()
        if report.events:
            log.warning("reconciliation_fixed", events=report.events)
        return report

    # ------------------------------------------------------------------ orders

    async def _orders(self, report: ReconcileReport, startup: bool) -> None:
        async with self._db.acquire() as conn:
            rows = await repo.live_orders(conn, self._broker_name)
        synced_parents: set[Any] = set()
        now = self._clock.now()
        for row in rows:
            report.orders_checked += 1
            if row.parent_order_id is not None and row.parent_order_id in synced_parents:
                continue  # refreshed together with its parent
            if self._commands.is_in_flight(row):
                continue
            young = (now - row.created_at).total_seconds() < self._settings.reconcile_grace_s
            if not startup and row.status is OrderStatus.NEW and young:
                continue
            found = await self._broker.get_order_by_client_id(row.client_order_id)
            if found is not None:
                outcome = await self._sync.apply(found, reconciling=True)
                synced_parents.add(row.order_id)
                report.orders_updated += int(outcome.updated)
                if outcome.corrected:
                    report.orders_corrected += 1
                    report.events.append(f"order {row.client_order_id}: state corrected from the broker")
            elif row.status is OrderStatus.NEW:
                await self._never_reached(row, report, now)
            else:
                await self._missing_at_broker(row, report)

    def _unchanged(self, row: OrderRow, current: OrderRow | None) -> OrderRow | None:
        """``current`` (``row`` read again) when it is still the row the broker was asked about and
        nothing else acts on it; None when it is now terminal, being sent, or written since."""
        if current is None or current.status.is_terminal or self._commands.is_in_flight(current):
            return None
        if (current.status, current.updated_at) != (row.status, row.updated_at):
            log.info("reconcile_row_moved_on", client_order_id=row.client_order_id,
                     looked_up=row.status.value, now=current.status.value)
            return None
        return current

    async def _never_reached(self, row: OrderRow, report: ReconcileReport, now: datetime) -> None:
        age = (now - row.created_at).total_seconds()
        approval_ok = row.intent is Intent.EXIT or (
            row.approval_expires_at is not None and now < row.approval_expires_at)
        if row.parent_order_id is None and age <= self._settings.resubmit_max_age_s and approval_ok:
            if self._commands.is_in_flight(row):
                return
            async with self._db.acquire() as conn:
                fresh = await repo.get_order_by_client_id(conn, row.client_order_id)
            # The last check: from here to send() (which marks the row in flight before its first
            # await) nothing else runs, so the row cannot be rejected or sent in between.
            current = self._unchanged(row, fresh)
            if current is None:
                return
            try:
                await self._commands.send(current, current.to_request())
            except CatalystError as exc:  # send already marked it rejected, with the reason
                log.warning("resubmit_failed", client_order_id=row.client_order_id, error=exc.message)
            await self._event(row, "ORDER_RESUBMITTED", f"order {row.client_order_id} never reached the broker; "
                              f"sent after {age:.1f} s", "warning")
            report.orders_resubmitted += 1
            report.events.append(f"order {row.client_order_id}: never reached the broker, sent now")
            RECONCILE_FIXES.labels("resubmitted").inc()
            return
        why = "approval expired" if not approval_ok else f"{age:.0f} s old"
        reason = f"NEVER_REACHED_BROKER: not found at the broker ({why}); not sent"
        async with self._db.transaction() as conn:
            current = self._unchanged(row, await repo.get_order_by_client_id(conn, row.client_order_id,
                                                                            for_update=True))
            if current is None:
                return
            await repo.update_order(conn, row.order_id, status=advance(current.status, OrderStatus.REJECTED),
                                    reject_reason=reason[:500])
            await repo.insert_risk_event(conn, "ORDER_NOT_SENT", f"order {row.client_order_id} never reached the "
                                         f"broker and was rejected ({why})", severity="warning",
                                         sid=row.security_id, details={"client_order_id": row.client_order_id,
                                                                       "order_id": str(row.order_id)})
        log.warning("order_rejected", client_order_id=row.client_order_id, reason=reason)
        report.orders_rejected += 1
        report.events.append(f"order {row.client_order_id}: never reached the broker, rejected ({why})")
        RECONCILE_FIXES.labels("rejected").inc()

    async def _missing_at_broker(self, row: OrderRow, report: ReconcileReport) -> None:
        async with self._db.transaction() as conn:
            locked = await repo.get_order_by_client_id(conn, row.client_order_id, for_update=True)
            if self._unchanged(row, locked) is None:
                return
            await repo.update_order(conn, row.order_id, status=OrderStatus.CANCELED, canceled_at=self._clock.now(),
                                    reject_reason="missing at the broker (reconciliation)")
            await repo.insert_risk_event(conn, "ORDER_MISSING_AT_BROKER",
                                         f"order {row.client_order_id} was {row.status.value} here but the broker "
                                         "does not know it; marked canceled", severity="critical",
                                         sid=row.security_id, details={"client_order_id": row.client_order_id})
        report.orders_corrected += 1
        report.events.append(f"order {row.client_order_id}: missing at the broker, marked canceled")
        RECONCILE_FIXES.labels("missing_at_broker").inc()

    async def _unknown_broker_orders(self, report: ReconcileReport) -> None:
        for order in await self._broker.list_orders("open"):
            async with self._db.acquire() as conn:
                known = await repo.get_order_by_client_id(conn, order.client_order_id)
            if known is not None and known.status is order.status and not known.status.is_terminal:
                continue
            outcome = await self._sync.apply(order, reconciling=True)
            if outcome.adopted:
                report.orders_adopted += 1
                report.events.append(f"broker order {order.client_order_id} unknown here: adopted")
                RECONCILE_FIXES.labels("adopted").inc()
            elif outcome.corrected:
                report.orders_corrected += 1
                report.events.append(f"order {order.client_order_id}: state corrected from the broker")

    async def _event(self, row: OrderRow, kind: str, message: str, severity: str) -> None:
        async with self._db.acquire() as conn:
            await repo.insert_risk_event(conn, kind, message, severity=severity, sid=row.security_id,
                                         details={"client_order_id": row.client_order_id,
                                                  "order_id": str(row.order_id)})

    # ------------------------------------------------------------------ positions

    async def _differences(self) -> dict[str, tuple[Decimal, Position | None]]:
        broker = {p.symbol: p for p in await self._broker.list_positions()}
        async with self._db.acquire() as conn:
            recorded = {p.symbol: p for p in await repo.list_positions(conn, "open")}
        out: dict[str, tuple[Decimal, Position | None]] = {}
        for symbol in sorted(broker.keys() | recorded.keys()):
            theirs = broker.get(symbol)
            broker_qty = theirs.quantity if theirs else Decimal(0)
            ours = recorded[symbol].signed_quantity if symbol in recorded else Decimal(0)
            if broker_qty != ours:
                out[symbol] = (broker_qty, theirs)
        return out

    async def _positions(self, report: ReconcileReport) -> None:
        first = await self._differences()
        if not first:
            return
        await self._resync_symbols(set(first))
        second = await self._differences()
        for symbol, (qty, broker_pos) in second.items():
            if symbol not in first or first[symbol][0] != qty:
                report.events.append(f"position {symbol}: still moving, left for the next pass")
                continue
            await self._fix_position(symbol, qty, broker_pos, report)

    async def _resync_symbols(self, symbols: set[str]) -> None:
        async with self._db.acquire() as conn:
            rows = [r for r in await repo.live_orders(conn, self._broker_name)
                    if r.symbol in symbols and r.parent_order_id is None and r.broker_order_id is not None]
        for row in rows:
            found = await self._broker.get_order_by_client_id(row.client_order_id)
            if found is not None:
                await self._sync.apply(found, reconciling=True)

    async def _fix_position(self, symbol: str, qty: Decimal, broker_pos: Position | None,
                            report: ReconcileReport) -> None:
        changed: list[PositionRow] = []
        now = self._clock.now()
        async with self._db.transaction() as conn:
            sid = await repo.security_id(conn, symbol)
            row = await repo.open_position(conn, sid, for_update=True)
            recorded = row.signed_quantity if row else Decimal(0)
            if row is not None and (qty == 0 or (qty > 0) != (recorded > 0)):
                changed.append(await repo.close_position_row(conn, row.position_id, closed_at=now))
                row = None
            if qty != 0 and broker_pos is not None:
                avg = broker_pos.avg_entry_price
                mark = broker_pos.market_price or avg
                side = PositionSide.LONG if qty > 0 else PositionSide.SHORT
                if row is None:
                    changed.append(await repo.insert_position(conn, sid=sid, side=side, quantity=abs(qty),
                                                              avg_price=avg, market_price=mark, opened_at=now))
                else:
                    changed.append(await repo.update_position(conn, row.position_id, quantity=abs(qty),
                                                              avg_entry_price=avg, market_price=mark))
            await repo.insert_risk_event(
                conn, "POSITION_MISMATCH", f"position {symbol}: recorded {recorded}, broker {qty}; broker wins",
                severity="critical", sid=sid, value=qty,
                details={"symbol": symbol, "recorded": str(recorded), "broker": str(qty)})
        report.positions_fixed += 1
        report.events.append(f"position {symbol}: recorded {recorded}, broker {qty}; fixed")
        RECONCILE_FIXES.labels("position").inc()
        self._sync.post(*(position_update(row_changed) for row_changed in changed))
