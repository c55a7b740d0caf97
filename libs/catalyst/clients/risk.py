"""Typed client of the Risk Manager: calls through ``RiskRoutes`` (``catalyst.clients.base``)."""

from __future__ import annotations

from typing import Any

from catalyst.clients.base import TypedClient
from catalyst.contracts.risk import (
    ActiveParameters,
    EmergencyStopRequest,
    EmergencyStopResponse,
    ParametersUpdate,
    ResetRequest,
    RiskRoutes,
    RiskStatus,
    ValidateRequest,
    ValidateResponse,
)


class RiskClient(TypedClient):
    async def validate(self, request: ValidateRequest) -> ValidateResponse:
        """Pre-trade check; tried once (each call may sign a fresh approval)."""
        return await self.call(RiskRoutes.validate, request)

    async def parameters(self) -> ActiveParameters:
        return await self.call(RiskRoutes.get_parameters)

    async def update_parameters(
        self, parameters: dict[str, Any], *, applied_by: str | None = None, source: str = "api",
        reason: str | None = None,
    ) -> ActiveParameters:
        body = ParametersUpdate.model_validate(
            {"parameters": parameters, "applied_by": applied_by, "source": source, "reason": reason}
        )
        return await self.call(RiskRoutes.put_parameters, body)

    async def status(self) -> RiskStatus:
        return await self.call(RiskRoutes.status)

    async def emergency_stop(self, reason: str, *, requested_by: str | None = None) -> EmergencyStopResponse:
        return await self.call(RiskRoutes.emergency_stop, EmergencyStopRequest(reason=reason,
                                                                              requested_by=requested_by))

    async def reset(self, reason: str, *, requested_by: str | None = None) -> RiskStatus:
        return await self.call(RiskRoutes.reset, ResetRequest(reason=reason, requested_by=requested_by))
