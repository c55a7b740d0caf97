"""The typed RiskClient against the real service: same models both sides, errors as exceptions."""

from __future__ import annotations

import httpx
import pytest

from catalyst.clients.risk import RiskClient
from catalyst.clients.trading import TradingClient
from catalyst.contracts.risk import ValidateRequest
from catalyst.domain.orders import Side
from catalyst.domain.risk import RiskState
from catalyst.errors import InvalidInput, UpstreamError
from catalyst.http import ServiceClient
from catalyst.services import ServiceName


async def test_client_round_trip(make_risk_app, run_risk, risk_settings, monkeypatch):
    monkeypatch.setenv("RISK_EMERGENCY_DEADLINE", "0.5")  # Trading stays unreachable: do not retry for 30 s
    trading = TradingClient(ServiceClient(ServiceName.TRADING, "http://127.0.0.1:9", "k", attempts=1, timeout=2.0))
    app = make_risk_app(watch=False, trading=trading)
    async with run_risk(app):
        service = ServiceClient(ServiceName.RISK, "http://risk", risk_settings.api_key(ServiceName.WORKFLOW),
                                attempts=1, transport=httpx.ASGITransport(app=app))
        risk = RiskClient(service)
        try:
            decision = await risk.validate(ValidateRequest(symbol="AAPL", side=Side.BUY, quantity=10, entry=100.0,
                                                           stop=98.0, target=104.0, atr=1.5))
            updated = await risk.update_parameters({"max_positions": 3}, applied_by="trader", source="mcp")
            with pytest.raises(InvalidInput) as bad:
                await risk.update_parameters({"max_positions": 0})
            active = await risk.parameters()
            with pytest.raises(UpstreamError):  # Trading is unreachable: halted, but reported as incomplete
                await risk.emergency_stop("drill", requested_by="trader")
            halted = await risk.status()
            reset = await risk.reset("drill over")
        finally:
            await service.aclose()
    assert decision.approved
    assert decision.approval is not None
    assert (updated.version, updated.source, updated.applied_by) == (2, "mcp", "trader")
    assert bad.value.code == "INVALID_RISK_PARAMETERS"
    assert bad.value.details["fields"] == ["max_positions"]
    assert active.parameters.max_positions == 3
    assert halted.state is RiskState.HALTED
    assert reset.state is RiskState.ACTIVE
