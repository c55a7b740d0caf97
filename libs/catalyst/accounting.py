"""Position accounting as pure functions over ``Decimal`` (average price, realized P&L, fill deltas).

A position (``catalyst.domain.position.Position``) is a signed quantity (long > 0, short < 0) at
an average entry price. A fill in the position's direction (or from flat) moves the average; a
fill against it realizes P&L on the closed part at the average price, and whatever exceeds the
position opens the other side at the fill price. Realized P&L is gross: commissions are recorded
per fill and reported apart.

Pure logic under both the OMS and the simulated broker (which books its own fills with it), so
neither adapter nor service imports the other for it.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from catalyst.domain.money import QUANTUM, ZERO
from catalyst.domain.orders import Side
from catalyst.domain.position import Position


def signed(side: Side, quantity: Decimal) -> Decimal:
    return quantity if side is Side.BUY else -quantity


def apply_fill(pos: Position, side: Side, quantity: Decimal, price: Decimal) -> Position:
    """The position after one fill of ``quantity`` (> 0) at ``price`` (> 0)."""
    if quantity <= 0 or price <= 0:
        raise ValueError("a fill needs a positive quantity and price")
    delta = signed(side, quantity)
    if pos.quantity == 0 or (pos.quantity > 0) == (delta > 0):
        new_qty = pos.quantity + delta
        avg = (abs(pos.quantity) * pos.avg_entry_price + quantity * price) / abs(new_qty)
        return replace(pos, quantity=new_qty, avg_entry_price=avg.quantize(QUANTUM))
    closed = min(abs(pos.quantity), quantity)
    direction = Decimal(1) if pos.quantity > 0 else Decimal(-1)
    realized = pos.realized_pnl + (price - pos.avg_entry_price) * closed * direction
    new_qty = pos.quantity + delta
    if new_qty == 0:
        return replace(pos, quantity=ZERO, avg_entry_price=ZERO, realized_pnl=realized)
    if (new_qty > 0) == (pos.quantity > 0):
        return replace(pos, quantity=new_qty, realized_pnl=realized)
    # flipped: the excess opened at the fill price
    return replace(pos, quantity=new_qty, avg_entry_price=price, realized_pnl=realized)


def commission(quantity: Decimal, per_share: Decimal, minimum: Decimal = ZERO) -> Decimal:
    return max(quantity * per_share, minimum).quantize(Decimal("0.0001"))


def fill_delta(prev_qty: Decimal, prev_avg: Decimal | None, new_qty: Decimal,
               new_avg: Decimal | None) -> tuple[Decimal, Decimal] | None:
    """The fill hidden between two cumulative broker reports, as (quantity, price); None if none.

    Brokers report ``filled_qty`` at ``filled_avg_price`` so far; the new fill's price is what
    makes the averages add up: ``(new_avg·new_qty − prev_avg·prev_qty) / (new_qty − prev_qty)``.
    """
    if new_qty <= prev_qty or new_avg is None:
        return None
    qty = new_qty - prev_qty
    price = (new_avg * new_qty - (prev_avg or ZERO) * prev_qty) / qty
    if price <= 0:  # inconsistent reports (rounded averages): fall back to the new average
        price = new_avg
    return qty, price.quantize(QUANTUM)
