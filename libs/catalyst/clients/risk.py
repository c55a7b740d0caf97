"""Typed client of the Risk Manager, over ``catalyst.http.ServiceClient`` with the service's own models."""

from __future__ import annotations

from typing import Any

from catalyst.contracts.risk import (
    RISK_PATH,
    ActiveParameters,
    EmergencyStopRequest,
    EmergencyStopResponse,
    ParametersUpdate,
    ResetRequest,
    RiskStatus,
    ValidateRequest,
    ValidateResponse,
)
from catalyst.http import ServiceClient


class RiskClient:
    def __init__(self, client: ServiceClient):
        self._client = client

    async def validate(self, request: ValidateRequest) -> ValidateResponse:
        """Pre-trade check; not retried blindly (each call may sign a fresh approval)."""
        result: ValidateResponse = await self._client.post(
            f"{RISK_PATH}/validate", json=request, model=ValidateResponse, retry=False
        )
        return result

    async def parameters(self) -> ActiveParameters:
        result: ActiveParameters = await self._client.get(f"{RISK_PATH}/parameters", model=ActiveParameters)
        return result

    async def update_parameters(
        self, parameters: dict[str, Any], *, applied_by: str | None = None, source: str = "api",
        reason: str | None = None,
    ) -> ActiveParameters:
        body = ParametersUpdate.model_validate(
            {"parameters": parameters, "applied_by": applied_by, "source": source, "reason": reason}
        )
        result: ActiveParameters = await self._client.put(f"{RISK_PATH}/parameters", json=body, model=ActiveParameters)
        return result

    async def status(self) -> RiskStatus:
        result: RiskStatus = await self._client.get(f"{RISK_PATH}/status", model=RiskStatus)
        return result

    async def emergency_stop(self, reason: str, *, requested_by: str | None = None) -> EmergencyStopResponse:
        body = EmergencyStopRequest(reason=reason, requested_by=requested_by)
        result: EmergencyStopResponse = await self._client.post(
            f"{RISK_PATH}/emergency-stop", json=body, model=EmergencyStopResponse
        )
        return result

    async def reset(self, reason: str, *, requested_by: str | None = None) -> RiskStatus:
        body = ResetRequest(reason=reason, requested_by=requested_by)
        result: RiskStatus = await self._client.post(f"{RISK_PATH}/reset", json=body, model=RiskStatus, retry=False)
        return result
