"""An MCP server standing in for Orchestration (fastmcp, streamable HTTP at ``/mcp`` under uvicorn on
loopback, refusing any request without its key with a 401), and ``catalyst-mcp`` started against it
as Claude Desktop starts it: the console script pyproject declares, in a subprocess, spoken to over
stdio with the official ``mcp`` SDK."""

from __future__ import annotations

import sys
import tomllib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, Literal

import pytest
from fastmcp import FastMCP
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from pydantic import BaseModel
from starlette.datastructures import Headers
from starlette.responses import JSONResponse

from catalyst.context import API_KEY_HEADER
from catalyst.contracts.mcp import MCP_PATH, McpPrompt, McpResource, McpTool
from tests.support.loopback import serving

ROOT = Path(__file__).resolve().parents[3]
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


@pytest.fixture
async def upstream_url() -> AsyncIterator[str]:
    async with serving(requiring_key(upstream_server().http_app(path=MCP_PATH), UPSTREAM_KEY)) as base:
        yield f"{base}{MCP_PATH}"


def console_script(name: str) -> list[str]:
    """The command line that runs pyproject's console script ``name`` with this interpreter: what the
    wrapper pip writes does (the installed wrapper may belong to another checkout)."""
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    module, function = scripts[name].split(":")
    return [sys.executable, "-c", f"import sys; from {module} import {function}; sys.exit({function}())"]


def proxy_env(**env: str) -> dict[str, str]:
    return {"PYTHONPATH": f"{ROOT / 'libs'}:{ROOT}", "CATALYST_MCP_LOG_LEVEL": "INFO", **env}


Era = Literal["handshake", "modern"]
ProxySession = Callable[..., AbstractAsyncContextManager[ClientSession]]


@pytest.fixture
def proxy_session(tmp_path: Path) -> ProxySession:
    """``proxy_session(era, **env)``: ``catalyst-mcp`` with ``env``, an ``mcp`` SDK session over its stdio
    that has negotiated ``era`` (``initialize``, as Claude Desktop does today, or ``server/discover``);
    the command's stderr goes to ``tmp_path / "stderr.log"``."""

    @asynccontextmanager
    async def open_session(era: Era = "handshake", **env: str) -> AsyncIterator[ClientSession]:
        command, *args = console_script("catalyst-mcp")
        params = StdioServerParameters(command=command, args=args, env=proxy_env(**env), cwd=tmp_path)
        with (tmp_path / "stderr.log").open("w") as errlog:
            async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(read, write) as session:
                await (session.initialize() if era == "handshake" else session.discover())
                yield session

    return open_session
