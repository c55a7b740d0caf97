"""Open positions at a period's end, marked (pure): unrealized P&L from a bar's close, and no mark
where no bar is stored, never a guess."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from catalyst.contracts.reporting import OpenPosition
from catalyst.domain.orders import PositionSide


def marked(position: OpenPosition, mark: tuple[datetime, Decimal | float] | None) -> OpenPosition:
    """``position`` at ``mark`` (when the price was printed, the price); unchanged without one.
    The report's positions are floats (``catalyst.contracts.reporting``): a decimal mark is taken as its float."""
    if mark is None:
        return position
    at, price = mark[0], float(mark[1])
    sign = 1 if position.side is PositionSide.LONG else -1
    return position.model_copy(update={"mark_price": price, "marked_at": at,
                                       "unrealized_pnl": (price - position.avg_entry_price) * position.quantity * sign})


def unrealized_total(positions: Sequence[OpenPosition]) -> float:
    """The unrealized P&L of the positions that have a mark."""
    return sum(p.unrealized_pnl for p in positions if p.unrealized_pnl is not None)
