"""Database rows as the API's response models (``catalyst.contracts.trading``)."""

from __future__ import annotations

from catalyst.contracts.trading import OrderOut, PositionOut
from catalyst.trading.repository import OrderRow, PositionRow


def order_out(row: OrderRow, legs: list[OrderRow] | None = None) -> OrderOut:
    return OrderOut(
        order_id=row.order_id, client_order_id=row.client_order_id, broker_order_id=row.broker_order_id,
        broker=row.broker, symbol=row.symbol, side=row.side, quantity=row.quantity, order_type=row.order_type,
        order_class=row.order_class, time_in_force=row.time_in_force, limit_price=row.limit_price,
        stop_price=row.stop_price, take_profit=row.take_profit_price, stop_loss=row.stop_loss_price,
        intent=row.intent.value, status=row.status, filled_quantity=row.filled_quantity,
        filled_avg_price=row.filled_avg_price, commission=row.commission, reject_reason=row.reject_reason,
        parent_order_id=row.parent_order_id, position_id=row.position_id, created_at=row.created_at,
        updated_at=row.updated_at, submitted_at=row.submitted_at, filled_at=row.filled_at,
        canceled_at=row.canceled_at, legs=[order_out(leg) for leg in legs or []],
    )


def position_out(row: PositionRow) -> PositionOut:
    return PositionOut(
        position_id=row.position_id, symbol=row.symbol, side=row.side, quantity=row.quantity,
        avg_entry_price=row.avg_entry_price, market_price=row.market_price,
        unrealized_pnl=row.unrealized_pnl, realized_pnl=row.realized_pnl,
        exited_quantity=row.exited_quantity, avg_exit_price=row.avg_exit_price,
        status="open" if row.status == "open" else "closed", opened_at=row.opened_at, closed_at=row.closed_at,
    )
