"""Pure mappings of AlpacaBroker: statuses, stream messages, order requests, error bodies."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import requests
from alpaca.common.exceptions import APIError
from alpaca.trading.models import TradeUpdate
from alpaca.trading.requests import LimitOrderRequest, MarketOrderRequest, StopLimitOrderRequest

from catalyst.brokers.alpaca import (
    broker_error,
    make_trading_client,
    map_alpaca_status,
    order_update_from_trade_update,
    to_alpaca_request,
)
from catalyst.brokers.config import BrokerSettings
from catalyst.brokers.errors import BrokerOrderNotFound, BrokerRateLimited, BrokerRejected, BrokerTransientError
from catalyst.config import AlpacaCredentials
from catalyst.domain.order_request import OrderRequest, StopLoss, TakeProfit
from catalyst.domain.orders import OrderStatus as S
from catalyst.domain.orders import OrderType, Side


@pytest.mark.parametrize(("alpaca", "filled", "ours"), [
    ("new", 0, S.ACCEPTED), ("pending_new", 0, S.ACCEPTED), ("accepted", 0, S.ACCEPTED), ("held", 0, S.ACCEPTED),
    ("new", 5, S.PARTIALLY_FILLED), ("partially_filled", 5, S.PARTIALLY_FILLED), ("pending_cancel", 2,
                                                                                  S.PARTIALLY_FILLED),
    ("filled", 10, S.FILLED), ("canceled", 0, S.CANCELED), ("canceled", 3, S.CANCELED), ("expired", 0, S.EXPIRED),
    ("rejected", 0, S.REJECTED), ("replaced", 0, S.CANCELED), ("done_for_day", 0, S.ACCEPTED),
])
def test_status_mapping(alpaca, filled, ours):
    assert map_alpaca_status(alpaca, filled) is ours


def test_unknown_status_is_an_error_not_a_guess():
    with pytest.raises(ValueError, match="unknown"):
        map_alpaca_status("teleported", Decimal(0))


def _order(status: str = "filled", filled: str = "10", avg: str | None = "101.5") -> dict[str, Any]:
    now = datetime(2026, 3, 2, 15, 0, tzinfo=UTC).isoformat()
    return {
        "id": "61e69015-8549-4bfd-b9c3-01e75843f47d", "client_order_id": "cid-1", "created_at": now,
        "updated_at": now, "submitted_at": now, "symbol": "AAPL", "asset_class": "us_equity", "qty": "10",
        "filled_qty": filled, "filled_avg_price": avg, "order_class": "", "order_type": "market", "type": "market",
        "side": "buy", "time_in_force": "day", "status": status, "extended_hours": False, "legs": None,
    }


@pytest.mark.parametrize(("event", "status", "filled", "expected"), [
    ("fill", "filled", "10", S.FILLED),
    ("partial_fill", "partially_filled", "4", S.PARTIALLY_FILLED),
    ("canceled", "canceled", "0", S.CANCELED),
    ("new", "new", "0", S.ACCEPTED),
    ("rejected", "rejected", "0", S.REJECTED),
    ("expired", "expired", "0", S.EXPIRED),
])
def test_trade_update_to_order_update(event, status, filled, expected):
    msg = {"event": event, "order": _order(status, filled, "101.5" if filled != "0" else None),
           "timestamp": "2026-03-02T15:00:01Z", "qty": filled, "price": "101.5"}
    update = order_update_from_trade_update(TradeUpdate(**msg))
    assert update.event == event
    assert update.order.status is expected
    assert update.order.filled_quantity == float(filled)
    assert update.order.client_order_id == "cid-1"


def test_order_requests_map_to_alpaca_request_classes():
    market = to_alpaca_request(OrderRequest(client_order_id="c1", symbol="AAPL", side=Side.BUY, quantity=5))
    assert isinstance(market, MarketOrderRequest)
    assert market.to_request_fields() == {"symbol": "AAPL", "qty": 5.0, "side": "buy", "type": "market",
                                          "time_in_force": "day", "client_order_id": "c1"}
    bracket = to_alpaca_request(OrderRequest(
        client_order_id="c2", symbol="AAPL", side=Side.BUY, quantity=5, order_type=OrderType.LIMIT,
        limit_price=100, take_profit=TakeProfit(limit_price=110), stop_loss=StopLoss(stop_price=95)))
    assert isinstance(bracket, LimitOrderRequest)
    fields = bracket.to_request_fields()
    assert fields["order_class"] == "bracket"
    assert fields["take_profit"] == {"limit_price": 110.0}
    assert fields["stop_loss"] == {"stop_price": 95.0}
    stop_limit = to_alpaca_request(OrderRequest(symbol="AAPL", side=Side.SELL, quantity=1,
                                                order_type=OrderType.STOP_LIMIT, stop_price=9, limit_price=8.9))
    assert isinstance(stop_limit, StopLimitOrderRequest)


def test_prices_go_to_alpaca_as_the_numbers_the_books_keep():
    request = OrderRequest(client_order_id="c3", symbol="AAPL", side=Side.BUY, quantity=5, order_type=OrderType.LIMIT,
                           limit_price=187.123456, take_profit=TakeProfit(limit_price=190.1 + 0.2),
                           stop_loss=StopLoss(stop_price=180.1234564, limit_price=180))
    wire = json.loads(json.dumps(to_alpaca_request(request).to_request_fields()))  # what requests sends
    assert (wire["limit_price"], wire["take_profit"], wire["stop_loss"]) == (
        187.123456, {"limit_price": 190.3}, {"stop_price": 180.123456, "limit_price": 180.0})


def test_alpaca_order_numbers_become_decimals_without_a_float_on_the_way():
    order = order_update_from_trade_update(TradeUpdate(**{
        "event": "fill", "order": _order(filled="10", avg="187.123456") | {"limit_price": "187.123456"},
        "timestamp": "2026-03-02T15:00:01Z"})).order
    assert (order.limit_price, order.filled_avg_price, order.filled_quantity) == (
        Decimal("187.123456"), Decimal("187.123456"), Decimal(10))
    assert isinstance(order.limit_price, Decimal)


class _Resp:
    def __init__(self, status):
        self.status_code = status


class _HTTPError(requests.HTTPError):
    def __init__(self, status):
        super().__init__(response=_Resp(status))


@pytest.mark.parametrize(("status", "kind"), [
    (429, BrokerRateLimited), (500, BrokerTransientError), (504, BrokerTransientError),
    (404, BrokerOrderNotFound), (422, BrokerRejected), (403, BrokerRejected),
])
def test_error_mapping(status, kind):
    err = broker_error(APIError(json.dumps({"code": 40310000, "message": "nope"}), _HTTPError(status)))
    assert type(err) is kind


def test_non_json_error_bodies_and_connection_errors():
    assert isinstance(broker_error(APIError("<html>bad gateway</html>", _HTTPError(502))), BrokerTransientError)
    assert isinstance(broker_error(requests.ConnectionError("refused")), BrokerTransientError)
    assert isinstance(broker_error(requests.Timeout("slow")), BrokerTransientError)
    other = KeyError("x")
    assert broker_error(other) is other


def test_the_alpaca_py_internals_we_rely_on_exist():
    """alpaca-py's own retry and session are switched off/replaced; fail loudly if they move."""
    client = make_trading_client(BrokerSettings(alpaca=AlpacaCredentials(api_key="k", secret_key="s")))
    assert client._retry == 0
    assert client._base_url == "https://paper-api.alpaca.markets"
    keys = AlpacaCredentials(api_key="k", secret_key="s")
    live = make_trading_client(BrokerSettings(alpaca=keys, ALPACA_PAPER=False))
    assert live._base_url == "https://api.alpaca.markets"
