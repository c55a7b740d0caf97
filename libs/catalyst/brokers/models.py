"""What a broker answers, in the system's own vocabulary (each adapter maps its wire format here)."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from catalyst.domain.orders import OrderClass, OrderStatus, OrderType, PositionSide, Side, TimeInForce


class BrokerOrder(BaseModel):
    """An order as the broker knows it; fills are cumulative (``filled_quantity`` at ``filled_avg_price``)."""

    model_config = ConfigDict(frozen=True)

    broker_order_id: str
    client_order_id: str
    symbol: str
    side: Side
    quantity: float = Field(gt=0)
    order_type: OrderType
    order_class: OrderClass = OrderClass.SIMPLE
    time_in_force: TimeInForce = TimeInForce.DAY
    limit_price: float | None = None
    stop_price: float | None = None
    status: OrderStatus
    filled_quantity: float = Field(0.0, ge=0)
    filled_avg_price: float | None = None
    commission: float = Field(0.0, ge=0, description="Cumulative commission charged so far")
    submitted_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None
    legs: tuple[BrokerOrder, ...] = ()
    reject_reason: str | None = None

    @property
    def remaining_quantity(self) -> float:
        return max(self.quantity - self.filled_quantity, 0.0)


class BrokerPosition(BaseModel):
    model_config = ConfigDict(frozen=True)

    symbol: str
    side: PositionSide
    quantity: float = Field(gt=0, description="Absolute quantity; the side says long or short")
    avg_entry_price: float = Field(gt=0)
    market_price: float | None = None
    unrealized_pnl: float | None = None

    @property
    def signed_quantity(self) -> float:
        return self.quantity if self.side is PositionSide.LONG else -self.quantity


class BrokerAccount(BaseModel):
    model_config = ConfigDict(frozen=True)

    account_id: str
    status: str
    currency: str = "USD"
    cash: float
    equity: float
    buying_power: float
    trading_blocked: bool = False


class OrderUpdate(BaseModel):
    """One change of one order pushed by a stream or found by a poll."""

    model_config = ConfigDict(frozen=True)

    order: BrokerOrder
    event: str = Field(description="What happened (Alpaca trade event name, or 'poll')")
    at: datetime
