"""A stand-in for Orchestration's MCP server: a tool with an output schema, a resource, a resource template
and a prompt under Orchestration's names, behind the same key check (any HTTP request without the key is
a 401 in the error envelope). Its own module, not the conftest: fastmcp resolves the functions'
annotations through their module, and every test folder's conftest is imported as ``conftest``."""

from __future__ import annotations

from typing import Any

from fastmcp import FastMCP
from pydantic import BaseModel
from starlette.datastructures import Headers
from starlette.responses import JSONResponse

from catalyst.context import API_KEY_HEADER
from catalyst.contracts.mcp import McpPrompt, McpResource, McpTool

UPSTREAM_KEY = "trader-key-for-the-proxy-test"
UPSTREAM_NAME = "orchestration-stand-in"
UPSTREAM_INSTRUCTIONS = "Trades are previewed first; a preview's token confirms it."


class RiskStatus(BaseModel):
    mode: str
    state: str
    headroom_usd: float


def upstream_server() -> FastMCP:
    """A tool with an output schema, a resource, a resource template and a prompt, named as Orchestration's."""
    server = FastMCP(UPSTREAM_NAME, instructions=UPSTREAM_INSTRUCTIONS)

    @server.tool(name=McpTool.GET_RISK_STATUS.value, description="The risk state and the day's headroom.")
    def get_risk_status(account: str = "main") -> RiskStatus:
        return RiskStatus(mode="simulated", state="ACTIVE", headroom_usd=1500.0 if account == "main" else 0.0)

    @server.resource(McpResource.ACTIVE_ALERTS.value, mime_type="application/json")
    def active_alerts() -> dict[str, Any]:
        return {"alerts": [{"kind": "daily_loss", "level": "warning"}]}

    @server.resource(McpResource.POSITION_STATUS.value, mime_type="application/json")
    def position_status(position_id: str) -> dict[str, Any]:
        return {"position_id": position_id, "status": "open"}

    @server.prompt(name=McpPrompt.TRADE_CHECK.value, description="One candidate end to end.")
    def trade_check(symbol: str) -> str:
        return f"Check {symbol} end to end: scan verdict, pattern, indicators, the risk preview."

    return server


def requiring_key(app: Any, key: str) -> Any:
    """``app`` behind the API-key check Orchestration does: any HTTP request without ``key`` is a 401."""

    async def guarded(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and Headers(scope=scope).get(API_KEY_HEADER) != key:
            refused = {"error": {"code": "INVALID_API_KEY", "message": "missing or unknown API key", "details": {}}}
            await JSONResponse(refused, status_code=401)(scope, receive, send)
            return
        await app(scope, receive, send)

    return guarded
