"""Trading's check of an entry against its approval compares the order's decimals exactly."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from catalyst.domain.approvals import TradeApproval
from catalyst.domain.order_request import OrderRequest, StopLoss, TakeProfit
from catalyst.domain.orders import OrderType, Side
from catalyst.risk.approvals import ApprovalProblem, check_approval, sign_approval
from catalyst.trading.approvals import fillable_price, protect_entry, verify_entry_approval

SECRET = "test-secret"
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(("side", "entry", "target", "stop"), [
    (Side.BUY, 181.5, 185.0, 180.3),  # float(180.3) lies above 180.3: a decimal stop of 180.3 would look lower
    (Side.SELL, 0.25, 0.2, 0.3),  # float(0.3) lies below 0.3: a decimal stop of 0.3 would look higher
])
def test_a_bracket_stop_equal_to_the_approved_stop_is_not_wider(side: Side, entry: float, target: float,
                                                                stop: float) -> None:
    request = OrderRequest(symbol="AAPL", side=side, quantity=10, order_type=OrderType.LIMIT, limit_price=entry,
                           take_profit=TakeProfit(limit_price=target), stop_loss=StopLoss(stop_price=stop))
    approval = sign_approval(symbol="AAPL", side=side, max_quantity=10, price_bound=entry, stop=stop,
                             secret=SECRET, now=NOW)
    price = fillable_price(request, None)
    assert price == Decimal(str(entry))
    assert verify_entry_approval(approval, request, price, secret=SECRET, now=NOW) is approval


def test_a_protected_market_entry_is_limited_at_the_bound_as_a_decimal() -> None:
    approval = sign_approval(symbol="AAPL", side=Side.BUY, max_quantity=10, price_bound=187.123456,
                             secret=SECRET, now=NOW)
    protected = protect_entry(OrderRequest(symbol="AAPL", side=Side.BUY, quantity=10), approval)
    assert protected.order_type is OrderType.LIMIT
    assert protected.limit_price == Decimal("187.123456")
    assert isinstance(protected.limit_price, Decimal)


@pytest.mark.parametrize("side", [Side.BUY, Side.SELL])
def test_a_decimal_price_exactly_at_the_bound_is_covered(side: Side) -> None:
    """The bound is the books' decimal, so a price equal to it is inside whichever way a float of it
    would round (float(100.3) lies below 100.3: a buy at 100.3 would look out of bound)."""
    approval = sign_approval(symbol="AAPL", side=side, max_quantity=10, price_bound=Decimal("100.3"),
                             secret=SECRET, now=NOW)
    assert approval.price_bound == Decimal("100.3")
    assert isinstance(approval.price_bound, Decimal)
    assert check_approval(approval, symbol="AAPL", side=side, quantity=Decimal(10), price=Decimal("100.3"),
                          secret=SECRET, now=NOW) == []
    beyond = Decimal("100.300001") if side is Side.BUY else Decimal("100.299999")
    assert check_approval(approval, symbol="AAPL", side=side, quantity=Decimal(10), price=beyond,
                          secret=SECRET, now=NOW) == [ApprovalProblem.PRICE_OUT_OF_BOUND]


def test_an_approval_travels_as_json_numbers_and_still_verifies() -> None:
    approval = sign_approval(symbol="AAPL", side=Side.BUY, max_quantity=10, price_bound=187.123456, stop=180.3,
                             secret=SECRET, now=NOW)
    wire = approval.model_dump(mode="json")
    assert (wire["price_bound"], wire["stop"]) == (187.123456, 180.3)
    back = TradeApproval.model_validate_json(approval.model_dump_json())
    assert back == approval
    assert check_approval(back, symbol="AAPL", side=Side.BUY, quantity=10, price=187.0, secret=SECRET, now=NOW) == []
