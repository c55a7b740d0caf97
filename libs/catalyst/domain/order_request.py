"""What the OMS asks a broker to do: one order request, validated once, used by every broker.

Quantities are whole shares (Risk approves whole shares; fractional orders are out of scope).
Prices are ``Decimal``s at six decimals (``catalyst.domain.bounded.OrderPrice``: what
``numeric(18, 6)`` holds), the same values the database and the broker's fills carry, so the
bracket checks compare exactly. It is domain, not OMS, because the trading contract, the typed
client and every broker adapter speak it.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from catalyst.domain.bounded import OrderPrice, Shares
from catalyst.domain.market import SYMBOL_PATTERN as SYMBOL_PATTERN
from catalyst.domain.orders import OrderClass, OrderType, Side, TimeInForce

CLIENT_ORDER_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_\-:.]{0,63}$"
CALLER_ORDER_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_\-.]{0,60}$"
"""What a caller may name an order: no ``:``, and three characters shorter, so that a bracket's legs
(``<id>:sl``, ``<id>:tp``, derived by the OMS) can never take a caller's id or outgrow the pattern."""


def new_client_order_id() -> str:
    """A fresh id (``cat-`` + 32 hex): the key that makes a submission idempotent end to end."""
    return f"cat-{uuid.uuid4().hex}"


class TakeProfit(BaseModel):
    model_config = ConfigDict(frozen=True)

    limit_price: OrderPrice


class StopLoss(BaseModel):
    model_config = ConfigDict(frozen=True)

    stop_price: OrderPrice
    limit_price: OrderPrice | None = Field(None, description="Set for a stop-limit loss leg")


class OrderRequest(BaseModel):
    """One order as sent to a broker; ``client_order_id`` lets the broker deduplicate it."""

    model_config = ConfigDict(frozen=True)

    client_order_id: str = Field(default_factory=new_client_order_id, pattern=CLIENT_ORDER_ID_PATTERN)
    symbol: str = Field(pattern=SYMBOL_PATTERN)
    side: Side
    quantity: Shares
    order_type: OrderType = OrderType.MARKET
    time_in_force: TimeInForce = TimeInForce.DAY
    limit_price: OrderPrice | None = None
    stop_price: OrderPrice | None = None
    take_profit: TakeProfit | None = None
    stop_loss: StopLoss | None = None

    @property
    def order_class(self) -> OrderClass:
        return OrderClass.BRACKET if self.take_profit is not None else OrderClass.SIMPLE

    @model_validator(mode="after")
    def _prices_match_type(self) -> OrderRequest:
        needs_limit = self.order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT)
        needs_stop = self.order_type in (OrderType.STOP, OrderType.STOP_LIMIT)
        if needs_limit != (self.limit_price is not None):
            raise ValueError(f"limit_price is {'required' if needs_limit else 'not allowed'} "
                             f"for a {self.order_type.value} order")
        if needs_stop != (self.stop_price is not None):
            raise ValueError(f"stop_price is {'required' if needs_stop else 'not allowed'} "
                             f"for a {self.order_type.value} order")
        if (self.take_profit is None) != (self.stop_loss is None):
            raise ValueError("a bracket needs both take_profit and stop_loss")
        if self.take_profit is not None and self.stop_loss is not None:
            self._check_bracket(self.take_profit.limit_price, self.stop_loss.stop_price)
        return self

    def _check_bracket(self, tp: Decimal, sl: Decimal) -> None:
        if self.order_type not in (OrderType.MARKET, OrderType.LIMIT):
            raise ValueError("a bracket entry must be a market or limit order")
        if self.time_in_force is TimeInForce.IOC:
            raise ValueError("a bracket order cannot be ioc")
        buy = self.side is Side.BUY
        if (tp <= sl) if buy else (tp >= sl):
            raise ValueError("take_profit must be above stop_loss for a buy and below it for a sell")
        if self.limit_price is not None and not (
            (sl < self.limit_price < tp) if buy else (tp < self.limit_price < sl)
        ):
            raise ValueError("the entry limit price must lie between stop_loss and take_profit")

    @property
    def exit_side(self) -> Side:
        """The side of this order's bracket legs (they close what it opens)."""
        return Side.SELL if self.side is Side.BUY else Side.BUY

    @property
    def stop_loss_type(self) -> OrderType:
        """The order type of the bracket's stop-loss leg: a stop, or a stop-limit when it names a limit."""
        return OrderType.STOP if self.stop_loss is None or self.stop_loss.limit_price is None else OrderType.STOP_LIMIT

    def leg_client_order_id(self, role: Literal["sl", "tp"]) -> str:
        """A bracket leg's client order id, ``<id>:sl`` / ``<id>:tp``: the OMS records its legs under it and
        the simulated venue names them so, which is how broker sync matches the two."""
        return f"{self.client_order_id}:{role}"

    @property
    def worst_price(self) -> Decimal | None:
        """The least favourable price the order states (limit, else stop); None for market orders."""
        if self.limit_price is not None:
            return self.limit_price
        return self.stop_price
