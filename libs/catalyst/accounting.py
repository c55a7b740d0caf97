"""Position accounting as pure functions over ``Decimal`` (average price, realized P&L, fill deltas).

A position is a signed quantity (long > 0, short < 0) at an average entry price. A fill in the
position's direction (or from flat) moves the average; a fill against it realizes P&L on the
closed part at the average price, and whatever exceeds the position opens the other side at the
fill price. Realized P&L is gross: commissions are recorded per fill and reported apart.

Pure logic under both the OMS and the simulated broker (which books its own fills with it), so
neither adapter nor service imports the other for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from catalyst.domain.orders import PositionSide, Side

ZERO = Decimal(0)
PRICE_QUANTUM = Decimal("0.000001")


def dec(value: float | int | str | Decimal) -> Decimal:
    """Exact decimal of a float as written (``0.1`` → ``Decimal('0.1')``, not its binary value)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass(frozen=True, slots=True)
class PositionState:
    quantity: Decimal = ZERO  # signed
    avg_price: Decimal = ZERO
    realized_pnl: Decimal = ZERO

    @property
    def side(self) -> PositionSide | None:
        if self.quantity > 0:
            return PositionSide.LONG
        if self.quantity < 0:
            return PositionSide.SHORT
        return None

    @property
    def is_flat(self) -> bool:
        return self.quantity == 0


def signed(side: Side, quantity: Decimal) -> Decimal:
    return quantity if side is Side.BUY else -quantity


def apply_fill(pos: PositionState, side: Side, quantity: Decimal, price: Decimal) -> PositionState:
    """The position after one fill of ``quantity`` (> 0) at ``price`` (> 0)."""
    if quantity <= 0 or price <= 0:
        raise ValueError("a fill needs a positive quantity and price")
    delta = signed(side, quantity)
    if pos.quantity == 0 or (pos.quantity > 0) == (delta > 0):
        new_qty = pos.quantity + delta
        avg = (abs(pos.quantity) * pos.avg_price + quantity * price) / abs(new_qty)
        return PositionState(new_qty, avg.quantize(PRICE_QUANTUM), pos.realized_pnl)
    closed = min(abs(pos.quantity), quantity)
    direction = Decimal(1) if pos.quantity > 0 else Decimal(-1)
    realized = pos.realized_pnl + (price - pos.avg_price) * closed * direction
    new_qty = pos.quantity + delta
    if new_qty == 0:
        return PositionState(ZERO, ZERO, realized)
    if (new_qty > 0) == (pos.quantity > 0):
        return PositionState(new_qty, pos.avg_price, realized)
    return PositionState(new_qty, price, realized)  # flipped: the excess opened at the fill price


def unrealized_pnl(pos: PositionState, market_price: Decimal) -> Decimal:
    return (market_price - pos.avg_price) * pos.quantity


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
    return qty, price.quantize(PRICE_QUANTUM)
