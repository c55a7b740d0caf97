"""The Risk contract: money is a Decimal inside and a JSON number on the wire and in the documents."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal as D

from catalyst.contracts.risk import PositionExposure, RiskStatus, ValidateRequest
from catalyst.domain.risk import RiskParameters, RiskState


def test_a_request_s_prices_are_the_decimals_written() -> None:
    r = ValidateRequest.model_validate_json('{"symbol": "AAPL", "side": "buy", "quantity": 3, "entry": 0.1, '
                                            '"stop": 0.09, "target": 187.25, "atr": 0.02}')
    assert (r.entry, r.stop, r.target) == (D("0.1"), D("0.09"), D("187.25"))
    assert r.atr == 0.02  # advisory, a statistic: a float


def test_the_status_is_numbers_on_the_wire() -> None:
    position = PositionExposure(symbol="AAPL", quantity=D("-10"), market_price=D("187.25"), notional=D("1872.50"),
                                unrealized_pnl=D("-0.3"), unrealized_pnl_today=D("0"), stop=D("190"))
    status = RiskStatus(ready=True, state=RiskState.ACTIVE, trading_day=date(2026, 3, 10), daily_pnl=D("-0.30"),
                        realized_pnl_today=D("-0.10"), unrealized_pnl=D("-0.20"), daily_loss=D("0.30"),
                        committed_loss=D("0.30"), gross_exposure=D("1872.5"), net_exposure=D("-1872.5"),
                        open_positions=1, reservations=0, positions=[position], limits=[], active_alerts=[],
                        parameters_version=1, epoch=0, account_equity=D("100000"), broker_equity=None,
                        updated_at=datetime(2026, 3, 10, 15, tzinfo=UTC))
    wire = json.loads(status.model_dump_json())
    assert (wire["daily_pnl"], wire["daily_loss"], wire["account_equity"]) == (-0.3, 0.3, 100000.0)
    assert wire["positions"][0] == {"symbol": "AAPL", "quantity": -10.0, "market_price": 187.25, "notional": 1872.5,
                                    "unrealized_pnl": -0.3, "unrealized_pnl_today": 0.0, "stop": 190.0}
    assert RiskStatus.model_validate_json(status.model_dump_json()).daily_loss == D("0.3")


def test_the_documents_show_numbers() -> None:
    request = ValidateRequest.model_json_schema()["properties"]
    assert request["entry"]["type"] == "number"
    status = RiskStatus.model_json_schema(mode="serialization")["properties"]
    assert status["daily_pnl"]["type"] == "number"
    params = RiskParameters.model_json_schema()["properties"]
    assert (params["account_equity"]["type"], params["account_equity"]["default"]) == ("number", 100_000.0)
    assert params["daily_loss_limit"]["default"] == 2_000.0
