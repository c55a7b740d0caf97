"""The one order: what was asked (``OrderRequest``'s fields), where it stands, and what has filled.

Fills are cumulative (``filled_quantity`` at ``filled_avg_price``, ``commission`` so far), as
brokers report them; the fill each report reveals is ``catalyst.domain.fill.Fill``. A broker
adapter maps its wire format to an ``Order`` at its edge (bracket legs nested in ``legs``); the
OMS's record (``catalyst.trading.repository.OrderRow``) is an ``Order`` plus what only the OMS
knows (its id, intent, approval, position), and the trading contract's ``OrderOut`` is the wire
view of that record. ``broker_order_id`` is None only for an order the broker has not received.

A pydantic model, not a dataclass: it is read from outside at both of its edges (a broker's
answer, a database row) and validated there once; ``Money`` and ``Quantity`` fields turn the
floats and numerics they are given into six-decimal ``Decimal``s. The vocabulary it uses (side,
type, status, the exit rule) is ``catalyst.domain.orders``.
"""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from catalyst.domain.money import ZERO, Money, Quantity
from catalyst.domain.orders import OrderClass, OrderStatus, OrderType, Side, TimeInForce


class Order(BaseModel):
    model_config = ConfigDict(frozen=True)

    broker_order_id: str | None = None
    client_order_id: str
    symbol: str
    side: Side
    quantity: Quantity = Field(gt=0)
    order_type: OrderType
    order_class: OrderClass = OrderClass.SIMPLE
    time_in_force: TimeInForce = TimeInForce.DAY
    limit_price: Money | None = None
    stop_price: Money | None = None
    status: OrderStatus
    filled_quantity: Quantity = Field(ZERO, ge=0)
    filled_avg_price: Money | None = None
    commission: Money = Field(ZERO, ge=0, description="Cumulative commission charged so far")
    submitted_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None
    reject_reason: str | None = None
    legs: tuple[Order, ...] = ()

    @property
    def broker_id(self) -> str:
        """The broker's id of an order a broker reported (which always has one)."""
        if self.broker_order_id is None:
            raise ValueError(f"order {self.client_order_id} has not reached a broker")
        return self.broker_order_id

    @property
    def remaining_quantity(self) -> Quantity:
        return max(self.quantity - self.filled_quantity, ZERO)

    @property
    def is_filled(self) -> bool:
        return self.filled_quantity >= self.quantity
