"""Risk enforced twice: Trading checks the Risk Manager's signed approval on every entry order.

An order is an *exit* when it reduces an existing position and fits in what is not already being
exited by other open orders; anything else (opening, adding, flipping, or an "exit" larger than
the position) is an *entry* and needs an approval that covers its symbol, side, quantity and
price. The price checked is the order's worst stated price (limit, else stop); a market order has
none, so it is checked at the reference price, the last bar close when the order arrives. Single
use is enforced by the database (``orders.approval_nonce`` is UNIQUE).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from catalyst.domain.orders import Side
from catalyst.errors import Forbidden
from catalyst.orders.models import OrderRequest
from catalyst.risk.approvals import TradeApproval, check_approval
from catalyst.trading.accounting import is_reducing


class OrderIntent(StrEnum):
    ENTRY = "entry"
    EXIT = "exit"


def classify(position_qty: Decimal, reserved_exit_qty: Decimal, side: Side, quantity: Decimal) -> OrderIntent:
    """Exit only if it reduces the position within what other open exits leave free."""
    free = abs(position_qty) - reserved_exit_qty
    if is_reducing(position_qty, side, quantity) and quantity <= free:
        return OrderIntent.EXIT
    return OrderIntent.ENTRY


def approval_price(request: OrderRequest, reference_price: Decimal | None) -> Decimal | None:
    worst = request.worst_price
    return Decimal(str(worst)) if worst is not None else reference_price


def verify_entry_approval(approval: TradeApproval | None, request: OrderRequest, price: Decimal | None, *,
                          secret: str, now: datetime) -> None:
    """Raise ``Forbidden`` (403) unless ``approval`` covers this entry order at ``price``."""
    if approval is None:
        raise Forbidden("an entry order needs a Risk Manager approval", code="APPROVAL_REQUIRED",
                        details={"symbol": request.symbol, "side": request.side.value})
    if price is None:
        raise Forbidden("no reference price to check the approval of a market order against",
                        code="APPROVAL_PRICE_UNKNOWN", details={"symbol": request.symbol})
    problems = check_approval(approval, symbol=request.symbol, side=request.side, quantity=request.quantity,
                              price=float(price), secret=secret, now=now)
    if problems:
        raise Forbidden(f"approval does not cover this order: {', '.join(p.value for p in problems)}",
                        code=problems[0].value,
                        details={"problems": [p.value for p in problems], "price_checked": float(price),
                                 "quantity": request.quantity, "max_quantity": approval.max_quantity,
                                 "price_bound": approval.price_bound})
