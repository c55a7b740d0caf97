"""Trading API (port 5005): request and response models, shared by the service and its client.

Its operations are ``TradingRoutes`` (end of this module; ``X-API-Key`` required). A submit answers
201 for a new order and 200 with the existing order for a known ``client_order_id``; cancelling an
order already done is a 409; cancel-all, flatten and closing a position need no approval. Closing a
position is idempotent by ``client_order_id`` like a submit (201 for a new exit, 200 for a known id).

Entry orders (opening or adding to a position) carry the Risk Manager's ``approval``; a
missing, forged, expired, reused or insufficient one is refused with 403. Exits need none.

Prices, commissions and P&L are JSON numbers on the wire and six-decimal ``Decimal``s in Python
(``OrderPrice`` in, ``WireMoney`` out): what a caller sends is what the books and the broker get.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from catalyst.contracts.endpoints import RouteTable, endpoint
from catalyst.domain.approvals import TradeApproval
from catalyst.domain.bounded import NO_NUL_PATTERN, OrderPrice, Reason, Shares
from catalyst.domain.money import WireMoney, WireQuantity
from catalyst.domain.order_request import CALLER_ORDER_ID_PATTERN, SYMBOL_PATTERN, OrderRequest, StopLoss, TakeProfit
from catalyst.domain.orders import OrderClass, OrderStatus, OrderType, PositionSide, Side, TimeInForce

ORDERS_PATH = "/api/v1/orders"
POSITIONS_PATH = "/api/v1/positions"
RECONCILE_PATH = "/api/v1/reconcile"
ACCOUNT_PATH = "/api/v1/account"

OrderIntentName = Literal["entry", "exit"]


class SubmitOrderBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    symbol: str = Field(pattern=SYMBOL_PATTERN, examples=["AAPL"])
    side: Side
    quantity: Shares = Field(description="Whole shares")
    order_type: OrderType = OrderType.MARKET
    time_in_force: TimeInForce = TimeInForce.DAY
    limit_price: OrderPrice | None = Field(None, description="Required for limit and stop_limit orders")
    stop_price: OrderPrice | None = Field(None, description="Required for stop and stop_limit orders")
    take_profit: OrderPrice | None = Field(None, description="Bracket: limit price of the take-profit leg")
    stop_loss: OrderPrice | None = Field(None, description="Bracket: stop price of the stop-loss leg")
    client_order_id: str | None = Field(
        None, pattern=CALLER_ORDER_ID_PATTERN,
        description="Idempotency key; generated when absent. Sending a known one returns that order.")
    approval: TradeApproval | None = Field(None, description="Risk Manager approval; required for entries")

    @model_validator(mode="after")
    def _consistent(self) -> SubmitOrderBody:
        self.to_request()  # the order model's rules (prices per type, bracket sides) as 400s
        return self

    def to_request(self, client_order_id: str | None = None) -> OrderRequest:
        values = {
            "symbol": self.symbol, "side": self.side, "quantity": self.quantity, "order_type": self.order_type,
            "time_in_force": self.time_in_force, "limit_price": self.limit_price, "stop_price": self.stop_price,
            "take_profit": TakeProfit(limit_price=self.take_profit) if self.take_profit is not None else None,
            "stop_loss": StopLoss(stop_price=self.stop_loss) if self.stop_loss is not None else None,
        }
        cid = client_order_id or self.client_order_id
        if cid is not None:
            values["client_order_id"] = cid
        return OrderRequest.model_validate(values)


class OrderOut(BaseModel):
    order_id: UUID
    client_order_id: str
    broker_order_id: str | None
    broker: str
    symbol: str
    side: Side
    quantity: WireQuantity
    order_type: OrderType
    order_class: OrderClass
    time_in_force: TimeInForce
    limit_price: WireMoney | None
    stop_price: WireMoney | None
    take_profit: WireMoney | None
    stop_loss: WireMoney | None
    intent: OrderIntentName
    status: OrderStatus
    filled_quantity: WireQuantity
    filled_avg_price: WireMoney | None
    commission: WireMoney
    reject_reason: str | None
    parent_order_id: UUID | None
    position_id: UUID | None
    created_at: AwareDatetime
    updated_at: AwareDatetime
    submitted_at: AwareDatetime | None
    filled_at: AwareDatetime | None
    canceled_at: AwareDatetime | None
    legs: list[OrderOut] = Field(default_factory=list, description="Bracket legs (take-profit, stop-loss)")


class OrderList(BaseModel):
    orders: list[OrderOut]
    count: int


class PositionOut(BaseModel):
    position_id: UUID
    symbol: str
    side: PositionSide
    quantity: WireQuantity = Field(description="Open quantity; a closed position keeps the size it had at its close")
    avg_entry_price: WireMoney
    market_price: WireMoney | None
    unrealized_pnl: WireMoney
    realized_pnl: WireMoney
    exited_quantity: WireQuantity
    avg_exit_price: WireMoney | None
    status: Literal["open", "closed"]
    opened_at: AwareDatetime
    closed_at: AwareDatetime | None


class PositionList(BaseModel):
    positions: list[PositionOut]
    count: int


class ReasonBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason


class ClosePositionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quantity: Shares | None = Field(None, description="Shares to close; the whole position when absent")
    reason: str | None = Field(None, max_length=500, pattern=NO_NUL_PATTERN)
    client_order_id: str | None = Field(
        None, pattern=CALLER_ORDER_ID_PATTERN,
        description="Idempotency key of the exit; generated when absent. A known one returns that exit.")


class CancelAllResult(BaseModel):
    reason: str
    broker_canceled: int = Field(description="Orders the broker was asked to cancel")
    orders: list[OrderOut] = Field(description="Orders that were open, as they stand now")


class FlattenResult(BaseModel):
    reason: str
    canceled: CancelAllResult
    orders: list[OrderOut] = Field(description="The exit orders placed, one per broker position")


class ReconcileReport(BaseModel):
    started_at: AwareDatetime
    finished_at: AwareDatetime
    broker: str
    orders_checked: int = 0
    orders_updated: int = 0
    orders_adopted: int = 0
    orders_resubmitted: int = 0
    orders_rejected: int = 0
    orders_corrected: int = 0
    positions_fixed: int = 0
    events: list[str] = Field(default_factory=list, description="One line per difference found and fixed")


class AccountOut(BaseModel):
    """The broker account as the broker reports it now (the Risk Manager's capital)."""

    broker: str
    account_id: str
    status: str
    currency: str
    cash: WireMoney
    equity: WireMoney
    buying_power: WireMoney
    trading_blocked: bool


class TradingRoutes(RouteTable):
    """Trading's operations. A submit and a close are safe to retry once their ``client_order_id`` is
    fixed (the client fixes it before the first try): a known id answers the order it names."""

    submit_order = endpoint("POST", ORDERS_PATH, OrderOut, request=SubmitOrderBody, status_code=201)
    cancel_all_orders = endpoint("POST", f"{ORDERS_PATH}/cancel-all", CancelAllResult, request=ReasonBody)
    list_orders = endpoint("GET", ORDERS_PATH, OrderList)
    get_order = endpoint("GET", f"{ORDERS_PATH}/{{order_id}}", OrderOut)
    find_order = endpoint("GET", f"{ORDERS_PATH}/by-client-id/{{client_order_id}}", OrderOut)
    cancel_order = endpoint("DELETE", f"{ORDERS_PATH}/{{order_id}}", OrderOut)
    list_positions = endpoint("GET", POSITIONS_PATH, PositionList)
    flatten_positions = endpoint("POST", f"{POSITIONS_PATH}/flatten", FlattenResult, request=ReasonBody)
    close_position = endpoint("POST", f"{POSITIONS_PATH}/{{position_id}}/close", OrderOut,
                              request=ClosePositionBody, status_code=201)
    reconcile = endpoint("POST", RECONCILE_PATH, ReconcileReport)
    get_account = endpoint("GET", ACCOUNT_PATH, AccountOut)
