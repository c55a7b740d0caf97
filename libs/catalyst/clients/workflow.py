"""Typed client of the Workflow service: calls through ``WorkflowRoutes`` (``catalyst.clients.base``).

Orchestration's one peer, and what ``catalyst phase`` (the CronJobs' command) calls with the operator's key.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal
from uuid import UUID

from catalyst.clients.base import TypedClient
from catalyst.contracts import reporting as reporting_api
from catalyst.contracts import risk as risk_api
from catalyst.contracts import scanner as scanner_api
from catalyst.contracts import trading as trading_api
from catalyst.contracts import workflow as api
from catalyst.domain.cycle import Phase
from catalyst.services import ServiceName


class WorkflowClient(TypedClient):
    peer = ServiceName.WORKFLOW

    async def run_phase(self, phase: Phase | str, *, reason: str | None = None, requested_by: str | None = None,
                        force: bool = False) -> api.PhaseResult:
        """Run one phase of today's cycle; ``ran`` is False (with the reason) when it did nothing.
        Raises ``Conflict`` (code ``ILLEGAL_TRANSITION``) when the cycle's state does not allow it."""
        body = api.PhaseRequest(reason=reason, requested_by=requested_by, force=force)
        return await self.call(api.WorkflowRoutes.run_phase, body, phase=Phase(phase).value)

    async def current_cycle(self) -> api.CycleOut:
        return await self.call(api.WorkflowRoutes.current_cycle)

    async def cycle(self, cycle_id: UUID | str) -> api.CycleOut:
        return await self.call(api.WorkflowRoutes.get_cycle, cycle_id=cycle_id)

    async def timeline(self, cycle_id: UUID | str) -> api.Timeline:
        return await self.call(api.WorkflowRoutes.cycle_timeline, cycle_id=cycle_id)

    async def request_trade(self, request: api.TradeRequest) -> api.TradeOutcome:
        return await self.call(api.WorkflowRoutes.request_trade, request)

    async def close_position(self, position_id: UUID | str, *, request_id: str, reason: str,
                             quantity: int | None = None) -> api.CloseOutcome:
        body = api.ClosePositionRequest(request_id=request_id, reason=reason, quantity=quantity)
        return await self.call(api.WorkflowRoutes.close_position, body, position_id=position_id)

    async def positions(self, status: Literal["open", "closed", "all"] = "open") -> trading_api.PositionList:
        return await self.call(api.WorkflowRoutes.positions, params={"status": status})

    async def position(self, position_id: UUID | str) -> trading_api.PositionOut:
        return await self.call(api.WorkflowRoutes.position, position_id=position_id)

    async def risk_status(self) -> risk_api.RiskStatus:
        return await self.call(api.WorkflowRoutes.risk_status)

    async def risk_parameters(self) -> risk_api.ActiveParameters:
        """The Risk Manager's active parameter set (what a change to one parameter starts from)."""
        return await self.call(api.WorkflowRoutes.risk_parameters)

    async def update_risk_parameters(self, parameters: dict[str, Any], *, applied_by: str | None = None,
                                     source: str = "mcp", reason: str | None = None) -> risk_api.ActiveParameters:
        body = risk_api.ParametersUpdate.model_validate(
            {"parameters": parameters, "applied_by": applied_by, "source": source, "reason": reason})
        return await self.call(api.WorkflowRoutes.update_risk_parameters, body)

    async def alerts(self, limit: int = 50) -> api.AlertsOut:
        return await self.call(api.WorkflowRoutes.alerts, params={"limit": limit})

    async def latest_scan(self) -> scanner_api.ScanResult:
        return await self.call(api.WorkflowRoutes.latest_scan)

    async def candidate(self, symbol: str) -> scanner_api.SymbolVerdict:
        """Where ``symbol`` left the latest scan and why, or its candidacy."""
        return await self.call(api.WorkflowRoutes.scan_candidate, symbol=symbol)

    async def daily_performance(self, day: date | None = None) -> reporting_api.PerformanceReport:
        return await self.call(api.WorkflowRoutes.daily_performance, params=_day(day))

    async def weekly_performance(self, day: date | None = None) -> reporting_api.PerformanceReport:
        return await self.call(api.WorkflowRoutes.weekly_performance, params=_day(day))

    async def trade_journal(self, start: date | None = None, end: date | None = None) -> reporting_api.TradeJournal:
        params = {k: v.isoformat() for k, v in (("start", start), ("end", end)) if v is not None}
        return await self.call(api.WorkflowRoutes.trade_journal, params=params)


def _day(day: date | None) -> dict[str, str]:
    return {} if day is None else {"day": day.isoformat()}
