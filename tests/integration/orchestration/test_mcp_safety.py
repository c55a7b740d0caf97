"""What keeps a language model from moving money by accident or by someone else's words: a refused
preview sends nothing, a token works once, unchanged and in time, read-only exposes no money-moving
tool, outside text comes back marked, and live events reach the session."""

from __future__ import annotations

from typing import Any

from fastmcp import FastMCP
from fastmcp.client.logging import LogMessage

from catalyst.orchestration.config import OrchestrationSettings
from catalyst.orchestration.events import SessionHub
from catalyst.orchestration.server import build_server
from catalyst.orchestration.untrusted import NOTICE
from tests.integration.orchestration.conftest import INJECTION, TOP, McpRig, McpRigFactory
from tests.integration.orchestration.test_mcp_tools import call, levels_at, orders
from tests.integration.workflow.conftest import DAY, ny
from tests.support.waiting import eventually

READ_TOOLS = {"get_scan_results", "get_candidate_analysis", "get_risk_status", "get_performance_report",
              "get_trade_journal"}


async def _trading(rig: McpRig) -> dict[str, Any]:
    """The cycle open for trading at 10:15:20, and levels for a market buy of the top candidate."""
    rig.workflow.clock.set(ny(DAY, 8, 0))
    assert (await rig.workflow.phase("pre_market_scan")).json()["ran"] is True
    rig.workflow.clock.set(ny(DAY, 9, 30))
    assert (await rig.workflow.phase("market_open")).json()["ran"] is True
    rig.workflow.clock.set(ny(DAY, 10, 15, 20))
    atr = (await rig.workflow.app.state.peers.technical.indicators(TOP, indicators=["atr_14"])).atr_14
    return {"symbol": TOP, "quantity": 50, "atr": atr, **levels_at(TOP, atr, (10, 14))}


async def test_a_preview_that_breaks_a_limit_comes_back_with_reasons_and_sends_nothing(
        mcp_rig: McpRigFactory) -> None:
    async with mcp_rig(ny(DAY, 7, 0), WORKFLOW_WATCHLIST=TOP) as rig, rig.client() as client:
        asked = await _trading(rig)
        atr = asked.pop("atr")
        too_close = {**asked, "target": round(asked["entry"] + 0.1 * atr, 2)}  # reward/risk far below 1.5
        refused = await call(client, "execute_trade", **too_close)
        assert refused["status"] == "refused"
        assert refused["approved"] is False
        assert refused["reasons"]
        assert refused["confirmation_token"] is None
        assert any(not r["passed"] for r in refused["rules"])
        assert await orders(rig) == 0


async def test_a_token_reused_expired_or_altered_is_refused(mcp_rig: McpRigFactory) -> None:
    async with mcp_rig(ny(DAY, 7, 0), WORKFLOW_WATCHLIST=TOP) as rig, rig.client() as client:
        asked = await _trading(rig)
        asked.pop("atr")
        token = (await call(client, "execute_trade", **asked))["confirmation_token"]

        other_quantity = await call(client, "execute_trade", **{**asked, "quantity": 51}, confirmation_token=token)
        assert other_quantity["status"] == "confirmation_refused"
        assert "parameters differ" in other_quantity["reasons"][0]
        flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
        altered = await call(client, "execute_trade", **asked, confirmation_token=flipped)
        assert altered["status"] == "confirmation_refused"
        assert "altered" in altered["reasons"][0]

        desk = rig.app.state.desk
        wall = desk.now
        desk.now = lambda: wall() + desk.settings.token_ttl_s + 1
        expired = await call(client, "execute_trade", **asked, confirmation_token=token)
        assert expired["status"] == "confirmation_refused"
        assert "expired" in expired["reasons"][0]
        desk.now = wall
        assert await orders(rig) == 0

        placed = await call(client, "execute_trade", **asked, confirmation_token=token)
        assert placed["status"] == "placed"
        reused = await call(client, "execute_trade", **asked, confirmation_token=token)
        assert reused["status"] == "confirmation_refused"
        assert await orders(rig) == 1


def _server(**config: Any) -> FastMCP:
    def no_desk() -> Any:
        raise AssertionError("listing tools calls nothing")

    return build_server(OrchestrationSettings.model_validate(config), no_desk, SessionHub())


async def test_read_only_lists_no_tool_that_moves_money_or_changes_a_limit() -> None:
    from fastmcp import Client

    async with Client(_server(MCP_READ_ONLY=True)) as client:
        listed = await client.list_tools()
    assert {t.name for t in listed} == READ_TOOLS
    assert all(t.annotations is not None and t.annotations.read_only_hint for t in listed)


async def test_the_toolsets_select_what_is_listed() -> None:
    from fastmcp import Client

    async with Client(_server(MCP_TOOLSETS="read,risk")) as client:
        names = {t.name for t in await client.list_tools()}
    assert names == READ_TOOLS | {"update_risk_parameter", "emergency_stop"}


async def test_live_events_reach_a_connected_session_and_headlines_come_in_the_envelope(
        mcp_rig: McpRigFactory) -> None:
    got: list[dict[str, Any]] = []

    async def collect(message: LogMessage) -> None:
        if isinstance(message.data, dict):
            got.append(message.data)

    def events(kind: str) -> list[dict[str, Any]]:
        return [m for m in got if m.get("event") == kind]

    async with mcp_rig(ny(DAY, 7, 0), WORKFLOW_WATCHLIST=TOP) as rig, \
            rig.client(mode="legacy", log_handler=collect) as client:
        await client.ping()
        await call(client, "get_risk_status")  # the session is known from its first request
        asked = await _trading(rig)  # the scan asks News, which publishes the day's catalysts
        asked.pop("atr")
        news = await eventually(lambda: events("news_catalyst"), what="the catalyst forwarded")
        headline = next(m["headline"] for m in news if m["symbol"] == TOP)
        assert headline["notice"] == NOTICE
        assert headline["untrusted_content"]["source"] == "news"
        assert headline["untrusted_content"]["text"].endswith(INJECTION)

        token = (await call(client, "execute_trade", **asked))["confirmation_token"]
        placed = await call(client, "execute_trade", **asked, confirmation_token=token)
        rig.workflow.clock.set(ny(DAY, 10, 18))
        fills = await eventually(lambda: events("order_filled"), what="the fill forwarded")
        assert fills[0]["client_order_id"] == placed["order"]["client_order_id"]
        assert fills[0]["symbol"] == TOP
