"""The MCP endpoint over streamable HTTP on loopback (uvicorn on an ephemeral port), through the official
``mcp`` SDK client: ``tools/list``, ``resources/read``, ``tools/call``; the key refused before any MCP
message is read; the kit's ``/health`` and per-tool ``/metrics`` beside it."""

from __future__ import annotations

import json
from typing import Any

import httpx
import httpx2
import pytest
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import LoggingMessageNotificationParams, TextResourceContents

from catalyst.bus import OrderFilled
from tests.integration.orchestration.conftest import API_KEY, TOP, McpRigFactory
from tests.integration.workflow.conftest import DAY, ny
from tests.support.loopback import serving
from tests.support.waiting import eventually


def sdk_client(url: str, headers: dict[str, str], **options: Any) -> Client:
    return Client(streamable_http_client(f"{url}/mcp", http_client=httpx2.AsyncClient(headers=headers, timeout=60)),
                  **options)


async def test_a_bus_event_reaches_a_session_connected_over_http(mcp_rig: McpRigFactory) -> None:
    """Answers are JSON bodies, not per-request streams: the live events still reach the session, on
    its standing GET stream (the session-based protocol, as Claude Desktop speaks it)."""
    got: list[dict[str, Any]] = []

    async def collect(params: LoggingMessageNotificationParams) -> None:
        if isinstance(params.data, dict):
            got.append(params.data)

    async with mcp_rig(ny(DAY, 7, 0)) as rig, serving(rig.app, lifespan="off") as url, \
            sdk_client(url, {"X-API-Key": API_KEY}, mode="legacy", logging_callback=collect) as client:
        assert (await client.call_tool("get_risk_status", {})).structured_content is not None
        fill = OrderFilled(order_id="o-1", client_order_id="cat-http-events", symbol=TOP, side="buy",
                           filled_quantity=5, cumulative_quantity=5, fill_price=10.5, status="filled")
        await rig.app.state.runtime.bus.publish(fill)
        [seen] = await eventually(lambda: [m for m in got if m.get("client_order_id") == "cat-http-events"],
                                  what="the fill forwarded over the GET stream")
        assert (seen["event"], seen["symbol"], seen["fill_price"]) == ("order_filled", TOP, 10.5)



async def test_the_sdk_client_lists_reads_and_calls_over_http(mcp_rig: McpRigFactory) -> None:
    async with mcp_rig(ny(DAY, 7, 0), WORKFLOW_WATCHLIST=TOP) as rig, serving(rig.app, lifespan="off") as url:
        async with sdk_client(url, {"X-API-Key": API_KEY}) as client:
            tools = await client.list_tools()
            assert "execute_trade" in {t.name for t in tools.tools}
            started = await client.call_tool("start_trading_session", {"reason": "over http"})
            assert not started.is_error
            assert started.structured_content is not None
            assert started.structured_content["state"] == "pre_market"
            read = await client.read_resource("catalyst://trading-cycle/current")
            content = read.contents[0]
            assert isinstance(content, TextResourceContents)
            assert json.loads(content.text)["cycle"]["state"] == "pre_market"
        async with sdk_client(url, {"Authorization": f"Bearer {API_KEY}"}) as bearer:
            assert (await bearer.call_tool("get_risk_status", {})).structured_content is not None
            no_scan = await bearer.call_tool("get_scan_results", {})
            assert no_scan.is_error

        async with httpx.AsyncClient(base_url=url) as http:
            assert (await http.get("/live")).status_code == 200
            health = (await http.get("/health")).json()  # probes WORKFLOW_URL; the test's Workflow is in process
            assert set(health["dependencies"]) == {"workflow"}
            assert health["database"] == "not_used"
            metrics = (await http.get("/metrics")).text
            assert 'catalyst_mcp_tool_calls_total{outcome="ok",tool="start_trading_session"}' in metrics
            assert 'catalyst_mcp_tool_duration_seconds_count{tool="get_risk_status"}' in metrics
            assert 'catalyst_mcp_tool_errors_total{tool="get_scan_results"}' in metrics
            unknown = await http.get("/nowhere", headers={"X-API-Key": API_KEY})
            assert unknown.status_code == 404
            assert unknown.json()["error"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(("headers", "code"), [
    ({}, "MISSING_API_KEY"),
    ({"X-API-Key": "not-the-key"}, "INVALID_API_KEY"),
    ({"Authorization": "Bearer not-the-key"}, "INVALID_API_KEY"),
    ({"Authorization": f"Basic {API_KEY}"}, "MISSING_API_KEY"),
])
async def test_a_missing_or_wrong_key_is_refused_before_any_tool_runs(
        mcp_rig: McpRigFactory, headers: dict[str, str], code: str) -> None:
    async with mcp_rig(ny(DAY, 7, 0)) as rig, serving(rig.app, lifespan="off") as url:
        async with httpx.AsyncClient(base_url=url, headers=headers) as http:
            answer = await http.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                                                   "params": {"name": "emergency_stop", "arguments": {"reason": "x"}}},
                                     headers={"Accept": "application/json, text/event-stream"})
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == code
        with pytest.raises(Exception):  # noqa: B017, PT011  # the SDK surfaces the 401 as a transport error
            async with sdk_client(url, headers) as client:
                await client.list_tools()
        risk = await rig.workflow.app.state.peers.risk.status()
        assert risk.state.value == "active"  # the kill switch did not run
