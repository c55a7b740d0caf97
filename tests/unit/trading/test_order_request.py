from decimal import Decimal

import pytest
from pydantic import ValidationError

from catalyst.domain.order_request import OrderRequest, StopLoss, TakeProfit, new_client_order_id
from catalyst.domain.orders import OrderClass, OrderType, Side, TimeInForce


def test_defaults_to_a_day_market_order_with_a_fresh_client_id():
    a = OrderRequest(symbol="AAPL", side=Side.BUY, quantity=10)
    b = OrderRequest(symbol="AAPL", side=Side.BUY, quantity=10)
    assert a.order_type is OrderType.MARKET
    assert a.time_in_force is TimeInForce.DAY
    assert a.client_order_id != b.client_order_id
    assert a.order_class is OrderClass.SIMPLE
    assert new_client_order_id().startswith("cat-")


@pytest.mark.parametrize("kwargs", [
    {"order_type": "limit"},
    {"order_type": "market", "limit_price": 10},
    {"order_type": "stop", "limit_price": 10},
    {"order_type": "stop_limit", "stop_price": 10},
    {"quantity": 0},
    {"quantity": -5},
    {"symbol": "aapl"},
    {"client_order_id": "has space"},
    {"client_order_id": "x" * 65},
    {"take_profit": {"limit_price": 110}},
])
def test_inconsistent_requests_are_refused(kwargs):
    base = {"symbol": "AAPL", "side": "buy", "quantity": 10}
    with pytest.raises(ValidationError):
        OrderRequest(**(base | kwargs))


def test_bracket_legs_must_sit_on_the_right_sides():
    ok = OrderRequest(symbol="AAPL", side=Side.BUY, quantity=10, order_type=OrderType.LIMIT, limit_price=100,
                      take_profit=TakeProfit(limit_price=110), stop_loss=StopLoss(stop_price=95))
    assert ok.order_class is OrderClass.BRACKET
    sell = OrderRequest(symbol="AAPL", side=Side.SELL, quantity=10,
                        take_profit=TakeProfit(limit_price=90), stop_loss=StopLoss(stop_price=105))
    assert sell.order_class is OrderClass.BRACKET
    with pytest.raises(ValidationError, match="above stop_loss"):
        OrderRequest(symbol="AAPL", side=Side.BUY, quantity=10,
                     take_profit=TakeProfit(limit_price=95), stop_loss=StopLoss(stop_price=95))
    with pytest.raises(ValidationError, match="between"):
        OrderRequest(symbol="AAPL", side=Side.BUY, quantity=10, order_type=OrderType.LIMIT, limit_price=111,
                     take_profit=TakeProfit(limit_price=110), stop_loss=StopLoss(stop_price=95))
    with pytest.raises(ValidationError, match="ioc"):
        OrderRequest(symbol="AAPL", side=Side.BUY, quantity=10, time_in_force=TimeInForce.IOC,
                     take_profit=TakeProfit(limit_price=110), stop_loss=StopLoss(stop_price=95))


def test_worst_price_is_the_limit_then_the_stop():
    assert OrderRequest(symbol="A", side="buy", quantity=1).worst_price is None
    assert OrderRequest(symbol="A", side="buy", quantity=1, order_type="stop", stop_price=5).worst_price == 5
    assert OrderRequest(symbol="A", side="buy", quantity=1, order_type="stop_limit", stop_price=5,
                        limit_price=6).worst_price == 6


def test_prices_are_the_books_decimals_as_written():
    req = OrderRequest(symbol="AAPL", side=Side.BUY, quantity=1, order_type=OrderType.STOP_LIMIT,
                       stop_price=0.1 + 0.2, limit_price=187.123456)
    assert (req.stop_price, req.limit_price) == (Decimal("0.3"), Decimal("187.123456"))
    assert all(isinstance(p, Decimal) and p.as_tuple().exponent == -6 for p in (req.stop_price, req.limit_price))
    assert isinstance(req.worst_price, Decimal)
    bracket = OrderRequest(symbol="AAPL", side=Side.BUY, quantity=1, take_profit=TakeProfit(limit_price="190.5"),
                           stop_loss=StopLoss(stop_price=180.25, limit_price=180))
    assert bracket.take_profit is not None
    assert bracket.stop_loss is not None
    assert (bracket.take_profit.limit_price, bracket.stop_loss.stop_price, bracket.stop_loss.limit_price) == (
        Decimal("190.5"), Decimal("180.25"), Decimal("180"))
    assert bracket.model_dump(mode="json")["take_profit"] == {"limit_price": 190.5}  # a JSON number


def test_the_bracket_check_compares_the_prices_the_books_keep():
    # 0.1 + 0.2 is 0.30000000000000004 as a float, 0.300000 in the books: the entry sits on the stop
    with pytest.raises(ValidationError, match="between"):
        OrderRequest(symbol="AAPL", side=Side.BUY, quantity=10, order_type=OrderType.LIMIT, limit_price=0.1 + 0.2,
                     take_profit=TakeProfit(limit_price=0.5), stop_loss=StopLoss(stop_price=0.3))
    with pytest.raises(ValidationError, match="below it for a sell"):
        OrderRequest(symbol="AAPL", side=Side.SELL, quantity=10,
                     take_profit=TakeProfit(limit_price=0.1 + 0.2), stop_loss=StopLoss(stop_price=0.3))
