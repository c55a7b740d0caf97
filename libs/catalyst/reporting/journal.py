"""A closed position as a journal line (pure): its P&L net of commissions, its hold time and why it ended."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from catalyst.contracts.reporting import ExitReason, JournalTrade
from catalyst.domain.orders import OrderType

FLATTEN_ORDER_PREFIX = "flat-"  # the client order id of the exits a flatten places (catalyst.trading.order_recorder)


def exit_reason(order_type: str | None, parent_order_id: object, client_order_id: str | None) -> ExitReason:
    """What closed the position, from the order of its last fill: a bracket leg (its limit is the
    target, its stop the stop loss), a flatten's market exit, else a market close."""
    if parent_order_id is not None and order_type == OrderType.LIMIT.value:
        return "take_profit"
    if parent_order_id is not None and order_type in (OrderType.STOP.value, OrderType.STOP_LIMIT.value):
        return "stop_loss"
    if client_order_id is not None and client_order_id.startswith(FLATTEN_ORDER_PREFIX):
        return "flatten"
    return "close"


def journal_trade(row: Mapping[str, Any]) -> JournalTrade:
    """A row of ``catalyst.reporting.repository.closed_positions`` as a journal line."""
    gross = float(row["realized_pnl"])
    commission = float(row["commission"])
    exited = float(row["exited_quantity"]) or float(row["quantity"])
    return JournalTrade(
        position_id=row["position_id"], symbol=row["symbol"], side=row["side"], quantity=exited,
        entry_price=float(row["avg_entry_price"]),
        exit_price=None if row["avg_exit_price"] is None else float(row["avg_exit_price"]),
        opened_at=row["opened_at"], closed_at=row["closed_at"],
        hold_seconds=(row["closed_at"] - row["opened_at"]).total_seconds(),
        gross_pnl=gross, commission=commission, pnl=gross - commission,
        exit_reason=exit_reason(row["exit_order_type"], row["exit_parent_order_id"], row["exit_client_order_id"]),
        exit_note=row["exit_note"], pattern=row["pattern"], catalyst_type=row["catalyst_type"],
        entry_order_id=row["entry_order_id"],
    )
