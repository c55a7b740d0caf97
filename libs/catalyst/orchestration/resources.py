"""The MCP resources (``catalyst://…``): JSON documents read from Workflow when asked, so each is current.

Every document carries the ``trading_mode``; outside text in it (headlines, broker messages) is in
the untrusted envelope. ``alerts/active`` is the Risk Manager's alerts in force plus the latest risk
events, read on every request, and the alerts the bus announced since this server started.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from uuid import UUID

from fastmcp import FastMCP
from fastmcp.exceptions import ResourceError
from pydantic import BaseModel

from catalyst.contracts.mcp import RESOURCE_URIS, McpResource
from catalyst.errors import CatalystError
from catalyst.orchestration.desk import Desk
from catalyst.orchestration.views import outside_text_view

DeskSource = Callable[[], Desk]
M = TypeVar("M", bound=BaseModel)

JSON = "application/json"
URIS = RESOURCE_URIS  # the one list: catalyst.contracts.mcp


async def _document(desk: Desk, call: Awaitable[M], key: str, **extra: Any) -> dict[str, Any]:
    try:
        answer = await call
    except CatalystError as exc:
        raise ResourceError(f"{exc.code}: {exc.message}") from exc
    return {"trading_mode": desk.mode, key: outside_text_view(answer.model_dump(mode="json")), **extra}


def _uuid(value: str, what: str) -> str:
    try:
        return str(UUID(value))
    except ValueError as exc:
        raise ResourceError(f"INVALID_{what.upper()}: {value!r} is not a {what}") from exc


def register(server: FastMCP, desk: DeskSource, recent_alerts: Callable[[], list[dict[str, Any]]]) -> None:
    def resource(uri: McpResource, description: str) -> Callable[[Callable[..., Any]], Any]:
        return server.resource(uri.value, mime_type=JSON, description=description)

    @resource(McpResource.CURRENT_CYCLE, "Today's trading cycle: state, phases run, allowed phases")
    async def current_cycle() -> dict[str, Any]:
        d = desk()
        return await _document(d, d.workflow.current_cycle(), "cycle")

    @resource(McpResource.CYCLE_TIMELINE, "Every transition and decision of one cycle")
    async def cycle_timeline(cycle_id: str) -> dict[str, Any]:
        d = desk()
        return await _document(d, d.workflow.timeline(_uuid(cycle_id, "cycle_id")), "timeline")

    @resource(McpResource.LATEST_SCAN, "The latest scan: stage counts and ranked candidates")
    async def latest_scan() -> dict[str, Any]:
        d = desk()
        return await _document(d, d.workflow.latest_scan(), "scan")

    @resource(McpResource.SCAN_CANDIDATE, "One symbol in the latest scan: candidacy or why not")
    async def candidate(symbol: str) -> dict[str, Any]:
        d = desk()
        return await _document(d, d.workflow.candidate(symbol.strip().upper()), "verdict")

    @resource(McpResource.CURRENT_POSITIONS, "Open positions with their P&L")
    async def positions() -> dict[str, Any]:
        d = desk()
        return await _document(d, d.workflow.positions("open"), "positions")

    @resource(McpResource.POSITION_STATUS, "One position: quantity, prices, P&L, stops, state")
    async def position(position_id: str) -> dict[str, Any]:
        d = desk()
        return await _document(d, d.workflow.position(_uuid(position_id, "position_id")), "position")

    @resource(McpResource.DAILY_PERFORMANCE, "Today's performance report")
    async def daily() -> dict[str, Any]:
        d = desk()
        return await _document(d, d.workflow.daily_performance(), "report")

    @resource(McpResource.WEEKLY_PERFORMANCE, "This week's performance report")
    async def weekly() -> dict[str, Any]:
        d = desk()
        return await _document(d, d.workflow.weekly_performance(), "report")

    @resource(McpResource.ACTIVE_ALERTS, "Risk alerts in force now, the latest risk events, and bus alerts")
    async def alerts() -> dict[str, Any]:
        d = desk()
        return await _document(d, d.workflow.alerts(d.settings.alerts_limit), "alerts", announced=recent_alerts())
