"""Trading's contract: prices are JSON numbers in the OpenAPI document, both ways, and Decimals in Python."""

from decimal import Decimal
from typing import Any

from catalyst.config import Settings
from catalyst.contracts.trading import SubmitOrderBody
from catalyst.services import ServiceName
from services.trading.app import build_app


def _openapi_schemas() -> dict[str, Any]:
    settings = Settings(CATALYST_SERVICE=ServiceName.TRADING, CATALYST_ENV="test", LOG_LEVEL="WARNING")
    schemas: dict[str, Any] = build_app(settings).openapi()["components"]["schemas"]
    return schemas


def test_prices_are_documented_as_numbers_in_and_out() -> None:
    schemas = _openapi_schemas()
    body = schemas["SubmitOrderBody"]["properties"]
    for name in ("limit_price", "stop_price", "take_profit", "stop_loss"):
        assert body[name]["anyOf"] == [{"type": "number", "minimum": 1e-06, "maximum": 1_000_000}, {"type": "null"}]
    order = schemas["OrderOut"]["properties"]
    assert order["commission"]["type"] == "number"
    assert order["filled_avg_price"]["anyOf"] == [{"type": "number"}, {"type": "null"}]
    position = schemas["PositionOut"]["properties"]
    assert (position["avg_entry_price"]["type"], position["realized_pnl"]["type"]) == ("number", "number")


def test_a_body_read_from_json_holds_the_books_decimals() -> None:
    body = SubmitOrderBody.model_validate_json(
        '{"symbol": "AAPL", "side": "buy", "quantity": 1, "order_type": "limit", "limit_price": 0.30000000000000004}')
    assert body.limit_price == Decimal("0.3")
    assert body.to_request().limit_price == Decimal("0.3")
    assert body.model_dump(mode="json")["limit_price"] == 0.3
