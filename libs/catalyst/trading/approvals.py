"""Risk enforced twice: Trading checks the Risk Manager's signed approval on every entry order.

An order is an *exit* when it reduces an existing position and fits in what is not already being
exited by other open orders (``catalyst.domain.orders.classify_intent``); anything else (opening,
adding, flipping, or an "exit" larger than the position) is an *entry* and needs an ``entry``
approval that covers its symbol, side, quantity and the price it can fill at:

* a limit or stop-limit order at its limit;
* a market order at the reference price (the last complete bar's close when it arrives);
* a stop order at the worse of its stop and the reference price (a buy-stop below the market
  triggers at once and fills at the market, not at its stop).

An approved market or stop entry is then sent as a limit (stop-limit) order at the approval's
price bound (``protect_entry``), so however the market moves before it reaches the broker, it can
never fill beyond the price Risk sized it at. Single use, expiry races and halts are settled in
the database (``risk_reservations``, ``risk_control``) in the transaction that records the order.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from catalyst.domain.approvals import TradeApproval
from catalyst.domain.order_request import OrderRequest
from catalyst.domain.orders import Intent, OrderType, Side
from catalyst.errors import Forbidden
from catalyst.risk.approvals import ApprovalProblem, check_approval


def fillable_price(request: OrderRequest, reference_price: Decimal | None) -> Decimal | None:
    """The least favourable price ``request`` can fill at (None: unknown without a reference)."""
    if request.order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT):
        assert request.limit_price is not None
        return request.limit_price
    if request.order_type is OrderType.STOP:
        stop = request.stop_price
        assert stop is not None
        if reference_price is None:
            return None
        return max(stop, reference_price) if request.side is Side.BUY else min(stop, reference_price)
    return reference_price


def protect_entry(request: OrderRequest, approval: TradeApproval | None) -> OrderRequest:
    """A market (stop) entry under an entry approval becomes a limit (stop-limit) at the bound (already
    the books' decimal: ``model_copy`` does not validate)."""
    if approval is None or approval.intent is not Intent.ENTRY:
        return request
    if request.order_type is OrderType.MARKET:
        return request.model_copy(update={"order_type": OrderType.LIMIT, "limit_price": approval.price_bound})
    if request.order_type is OrderType.STOP:
        return request.model_copy(update={"order_type": OrderType.STOP_LIMIT, "limit_price": approval.price_bound})
    return request


def verify_entry_approval(approval: TradeApproval | None, request: OrderRequest, price: Decimal | None, *,
                          secret: str, now: datetime) -> TradeApproval:
    """Raise ``Forbidden`` (403) unless ``approval`` covers this entry order at ``price``."""
    if approval is None:
        raise Forbidden("an entry order needs a Risk Manager approval", code="APPROVAL_REQUIRED",
                        details={"symbol": request.symbol, "side": request.side.value})
    if price is None:
        raise Forbidden("no reference price to check the approval of a market or stop order against",
                        code="APPROVAL_PRICE_UNKNOWN", details={"symbol": request.symbol})
    problems = check_approval(approval, symbol=request.symbol, side=request.side, quantity=request.quantity,
                              price=price, secret=secret, now=now)
    if problems != [ApprovalProblem.FORGED]:
        if approval.intent is not Intent.ENTRY:
            problems.append(ApprovalProblem.INTENT_MISMATCH)
        if _stop_wider(request, approval):
            problems.append(ApprovalProblem.STOP_WIDER)
    if problems:
        raise Forbidden(f"approval does not cover this order: {', '.join(p.value for p in problems)}",
                        code=problems[0].value,
                        details={"problems": [p.value for p in problems], "price_checked": float(price),
                                 "quantity": request.quantity, "max_quantity": approval.max_quantity,
                                 "price_bound": float(approval.price_bound), "intent": approval.intent.value})
    return approval


def _stop_wider(request: OrderRequest, approval: TradeApproval) -> bool:
    """A bracket's stop-loss further from the entry than the stop Risk sized the trade with (compared
    as decimals of the same scale: a float's binary value would make an equal stop look wider)."""
    if request.stop_loss is None or approval.stop is None:
        return False
    if request.side is Side.BUY:
        return request.stop_loss.stop_price < approval.stop
    return request.stop_loss.stop_price > approval.stop
