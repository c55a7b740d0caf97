"""What a broker answers beyond the domain's ``Order`` and ``Position`` (each adapter maps its wire format
to these at its edge): the account, and one order change as a stream or poll reports it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from catalyst.domain.money import Money
from catalyst.domain.order import Order


class BrokerAccount(BaseModel):
    model_config = ConfigDict(frozen=True)

    account_id: str
    status: str
    currency: str = "USD"
    cash: Money
    equity: Money
    buying_power: Money
    trading_blocked: bool = False


class OrderUpdate(BaseModel):
    """One change of one order pushed by a stream or found by a poll."""

    model_config = ConfigDict(frozen=True)

    order: Order
    event: str = Field(description="What happened (Alpaca trade event name, or 'poll')")
    at: datetime
