"""``catalyst-mcp`` in front of the real Orchestration server (over the real Workflow and its services):
what Claude Desktop sees through the stdio proxy is the server's whole surface, the key passed on."""

from __future__ import annotations

import json

from mcp_types import TextResourceContents

from catalyst.contracts.mcp import PROMPT_NAMES, TOOL_NAMES, McpResource, McpTool
from tests.integration.mcp_proxy.conftest import ProxySession
from tests.integration.orchestration.conftest import (  # noqa: F401  # the MCP server's fixtures, shared
    API_KEY,
    McpRigFactory,
    mcp_rig,
    news_items,
    workflow_dsn,
    workflow_rig,
    workflow_template,
)
from tests.integration.workflow.conftest import DAY, ny
from tests.support.loopback import serving


async def test_the_stdio_proxy_relays_the_real_mcp_server(mcp_rig: McpRigFactory,  # noqa: F811
                                                          proxy_session: ProxySession) -> None:
    async with (mcp_rig(ny(DAY, 7, 0)) as rig, serving(rig.app, lifespan="off") as url,
                proxy_session("handshake", CATALYST_MCP_URL=f"{url}/mcp", CATALYST_MCP_API_KEY=API_KEY) as session):
        assert {t.name for t in (await session.list_tools()).tools} == set(TOOL_NAMES)
        assert {p.name for p in (await session.list_prompts()).prompts} == set(PROMPT_NAMES)
        started = await session.call_tool(McpTool.START_TRADING_SESSION, {"reason": "through the proxy"})
        assert not started.is_error, started.content
        assert started.structured_content is not None
        assert started.structured_content["state"] == "pre_market"
        read = await session.read_resource(McpResource.CURRENT_CYCLE)
        content = read.contents[0]
        assert isinstance(content, TextResourceContents)
        assert json.loads(content.text)["cycle"]["state"] == "pre_market"
