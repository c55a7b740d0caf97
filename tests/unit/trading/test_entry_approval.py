"""Trading's check of an entry against its approval compares the order's decimals exactly."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from catalyst.domain.order_request import OrderRequest, StopLoss, TakeProfit
from catalyst.domain.orders import OrderType, Side
from catalyst.risk.approvals import sign_approval
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
