"""The Orchestration stand-in (``stand_in``) served over streamable HTTP at ``/mcp`` by uvicorn on
loopback, and ``catalyst-mcp`` started against it as Claude Desktop starts it: the console script
pyproject declares, in a subprocess, spoken to over stdio with the official ``mcp`` SDK."""

from __future__ import annotations

import sys
import tomllib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Literal

import pytest
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from catalyst.contracts.mcp import MCP_PATH
from tests.integration.mcp_proxy.stand_in import UPSTREAM_KEY, requiring_key, upstream_server
from tests.support.loopback import serving

ROOT = Path(__file__).resolve().parents[3]


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
