"""``catalyst-mcp`` over stdio relays every request to the HTTP endpoint with the key (``X-API-Key``):
tools, resources, templates and prompts pass through in both protocol eras; a refused key is an error
that says so; without a key (or with a URL that is not http) the command exits 2 before serving."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import pytest
from mcp.shared.exceptions import MCPError
from mcp_types import TextContent, TextResourceContents

from catalyst.contracts.mcp import McpPrompt, McpResource, McpTool
from catalyst.mcp_proxy import EXIT_USAGE, KEY_REFUSED
from tests.integration.mcp_proxy.conftest import Era, ProxySession, console_script, proxy_env
from tests.integration.mcp_proxy.stand_in import UPSTREAM_INSTRUCTIONS, UPSTREAM_KEY, UPSTREAM_NAME


def _text(contents: object) -> str:
    assert isinstance(contents, TextResourceContents | TextContent), contents
    return contents.text


@pytest.mark.parametrize("era", ["handshake", "modern"])
async def test_tools_resources_and_prompts_pass_through_with_the_key(
        era: Era, upstream_url: str, proxy_session: ProxySession, tmp_path: Path) -> None:
    async with proxy_session(era, CATALYST_MCP_URL=upstream_url, CATALYST_MCP_API_KEY=UPSTREAM_KEY) as session:
        assert session.server_info is not None
        assert session.server_info.name == UPSTREAM_NAME
        if era == "handshake":
            assert session.initialize_result is not None
            assert session.initialize_result.instructions == UPSTREAM_INSTRUCTIONS

        [tool] = (await session.list_tools()).tools
        assert tool.name == McpTool.GET_RISK_STATUS
        assert tool.description == "The risk state and the day's headroom."
        assert tool.output_schema is not None
        assert tool.output_schema["required"] == ["mode", "state", "headroom_usd"]

        called = await session.call_tool(McpTool.GET_RISK_STATUS, {"account": "main"})
        assert not called.is_error
        assert called.structured_content == {"mode": "simulated", "state": "ACTIVE", "headroom_usd": 1500.0}

        alerts = await session.read_resource(McpResource.ACTIVE_ALERTS)
        assert json.loads(_text(alerts.contents[0])) == {"alerts": [{"kind": "daily_loss", "level": "warning"}]}
        position = await session.read_resource(McpResource.POSITION_STATUS.format(position_id="P-7"))
        assert json.loads(_text(position.contents[0])) == {"position_id": "P-7", "status": "open"}
        [template] = (await session.list_resource_templates()).resource_templates
        assert template.uri_template == McpResource.POSITION_STATUS

        prompt = await session.get_prompt(McpPrompt.TRADE_CHECK, {"symbol": "AAPL"})
        assert _text(prompt.messages[0].content).startswith("Check AAPL end to end")

    logged = [json.loads(line) for line in (tmp_path / "stderr.log").read_text().splitlines()]  # JSON lines only
    assert any(entry["event"] == "mcp_proxy_starting" and entry.get("upstream") == upstream_url for entry in logged)


async def test_a_refused_key_is_an_error_that_says_so(upstream_url: str, proxy_session: ProxySession) -> None:
    async with proxy_session(CATALYST_MCP_URL=upstream_url, CATALYST_MCP_API_KEY="not-the-traders-key") as session:
        for request in (session.list_tools(), session.call_tool(McpTool.GET_RISK_STATUS, {}),
                        session.read_resource(McpResource.ACTIVE_ALERTS)):
            with pytest.raises(MCPError) as refused:
                await request
            assert refused.value.error.code == KEY_REFUSED
            assert refused.value.error.message == ("Catalyst refused the API key (HTTP 401: missing or unknown "
                                                   "API key); check CATALYST_MCP_API_KEY")


async def test_an_unreachable_endpoint_is_an_error_not_a_hang(proxy_session: ProxySession) -> None:
    with socket.socket() as unused:  # a loopback port nothing listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    nowhere = f"http://127.0.0.1:{port}/mcp"
    async with proxy_session(CATALYST_MCP_URL=nowhere, CATALYST_MCP_API_KEY=UPSTREAM_KEY) as session:
        with pytest.raises(MCPError, match="failed to connect"):
            await session.list_tools()


@pytest.mark.parametrize(("env", "said"), [
    ({}, "CATALYST_MCP_API_KEY is not set"),
    ({"CATALYST_MCP_API_KEY": "  "}, "CATALYST_MCP_API_KEY is not set"),
    ({"CATALYST_MCP_API_KEY": UPSTREAM_KEY, "CATALYST_MCP_URL": "127.0.0.1:5000/mcp"},
     "CATALYST_MCP_URL must be an http:// or https:// URL"),
    ({"CATALYST_MCP_API_KEY": UPSTREAM_KEY, "CATALYST_MCP_LOG_LEVEL": "loud"}, "Input should be 'DEBUG'"),
])
async def test_without_a_usable_configuration_it_exits_2_and_says_why_on_stderr(env: dict[str, str], said: str) -> None:
    process = await asyncio.create_subprocess_exec(
        *console_script("catalyst-mcp"), env=proxy_env(**env), stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await process.communicate()
    assert process.returncode == EXIT_USAGE
    assert stdout == b""
    assert stderr.decode().startswith(f"catalyst-mcp: {said}")
