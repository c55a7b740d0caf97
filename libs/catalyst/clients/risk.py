"""Typed client of the Risk Manager: calls through ``RiskRoutes`` (``catalyst.clients.base``)."""

from __future__ import annotations

from typing import Any

from catalyst.clients.base import TypedClient
from catalyst.contracts import risk as api
from catalyst.services import ServiceName


class RiskClient(TypedClient):
    peer = ServiceName.RISK

    async def validate(self, request: api.ValidateRequest) -> api.ValidateResponse:
        """Pre-trade check; tried once (each call may sign a fresh approval)."""
        return await self.call(api.RiskRoutes.validate, request)

    async def parameters(self) -> api.ActiveParameters:
        return await self.call(api.RiskRoutes.get_parameters)

    async def update_parameters(
        self, parameters: dict[str, Any], *, applied_by: str | None = None, source: str = "api",
        reason: str | None = None,
    ) -> api.ActiveParameters:
        body = api.ParametersUpdate.model_validate(
            {"parameters": parameters, "applied_by": applied_by, "source": source, "reason": reason}
        )
        return await self.call(api.RiskRoutes.put_parameters, body)

    async def status(self) -> api.RiskStatus:
        return await self.call(api.RiskRoutes.status)

    async def mark_to_market(self) -> api.RiskStatus:
        """Re-mark every open position now and re-check the limits; the status after it (alerts included)."""
        return await self.call(api.RiskRoutes.mark_to_market)

    async def emergency_stop(self, reason: str, *, requested_by: str | None = None) -> api.EmergencyStopResponse:
        return await self.call(api.RiskRoutes.emergency_stop, api.EmergencyStopRequest(reason=reason,
                                                                              requested_by=requested_by))

    async def reset(self, reason: str, *, requested_by: str | None = None) -> api.RiskStatus:
        return await self.call(api.RiskRoutes.reset, api.ResetRequest(reason=reason, requested_by=requested_by))
