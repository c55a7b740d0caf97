"""Every tool, resource, template and prompt through fastmcp's in-memory client, against the real
Workflow and the services it calls, on a replayed day: start, scan, open, a previewed then confirmed
trade, its fill, a close, limit changes, reports, the kill switch."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from fastmcp import Client

from catalyst.bar_columns import to_ns
from catalyst.contracts.mcp import PROMPT_NAMES, RESOURCE_URIS, TOOL_NAMES
from catalyst.synthetic.universe import build_universe
from tests.integration.orchestration.conftest import TOP, McpRig, McpRigFactory
from tests.integration.workflow.conftest import DAY, ny
from tests.support.waiting import eventually

TOOLS = {"start_trading_session", "stop_trading_session", "get_scan_results", "get_candidate_analysis",
         "execute_trade", "close_position", "update_risk_parameter", "get_risk_status", "get_performance_report",
         "get_trade_journal", "emergency_stop"}


async def call(client: Client[Any], tool: str, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result
    assert result.structured_content is not None
    structured: dict[str, Any] = result.structured_content
    assert structured["trading_mode"] == "simulated"
    return structured


async def read(client: Client[Any], uri: str) -> dict[str, Any]:
    contents = await client.read_resource(uri)
    document: dict[str, Any] = json.loads(contents[0].text)  # type: ignore[union-attr]
    assert document["trading_mode"] == "simulated"
    return document


async def orders(rig: McpRig) -> int:
    return int(await rig.workflow.db.pool.fetchval("SELECT count(*) FROM orders WHERE parent_order_id IS NULL"))


def levels_at(symbol: str, atr: float, minute: tuple[int, int], reward_atr: float = 3.0) -> dict[str, Any]:
    minutes = build_universe().minute_bars(DAY)[symbol]
    entry = round(float(minutes.close[int(np.searchsorted(minutes.ts, to_ns(ny(DAY, *minute))))]), 2)
    return {"entry": entry, "stop": round(entry - 1.5 * atr, 2), "target": round(entry + reward_atr * atr, 2),
            "order_type": "market"}


async def test_the_tools_resources_and_prompts_through_a_trading_day(mcp_rig: McpRigFactory) -> None:
    async with mcp_rig(ny(DAY, 7, 0), WORKFLOW_WATCHLIST=TOP) as rig, rig.client() as client:
        listed = {t.name: t for t in await client.list_tools()}
        assert set(listed) == TOOLS
        assert all(t.output_schema and t.annotations for t in listed.values())
        assert listed["get_risk_status"].annotations.read_only_hint is True
        assert listed["execute_trade"].annotations.destructive_hint is True
        assert listed["execute_trade"].annotations.open_world_hint is True
        templates = {t.uri_template for t in await client.list_resource_templates()}
        fixed = {str(r.uri) for r in await client.list_resources()}
        assert templates | fixed == set(RESOURCE_URIS)  # the one list: catalyst.contracts.mcp
        assert set(listed) == set(TOOL_NAMES)
        assert {p.name for p in await client.list_prompts()} == set(PROMPT_NAMES)
        assert templates == {"catalyst://trading-cycle/{cycle_id}/timeline", "catalyst://market-scan/candidates/{symbol}",
                             "catalyst://positions/{position_id}/status"}

        # -- the session and the scan ------------------------------------------------------------------------
        started = await call(client, "start_trading_session", reason="good morning")
        assert (started["ran"], started["state"]) == (True, "pre_market")
        rig.workflow.clock.set(ny(DAY, 8, 0))
        assert (await rig.workflow.phase("pre_market_scan")).json()["ran"] is True
        cycle = await read(client, "catalyst://trading-cycle/current")
        assert cycle["cycle"]["state"] == "ready"
        scan = await call(client, "get_scan_results", limit=5)
        assert scan["scan_id"] == cycle["cycle"]["scan_id"]
        latest = await read(client, "catalyst://market-scan/latest")
        assert latest["scan"]["scan_id"] == scan["scan_id"]
        analysis = await call(client, "get_candidate_analysis", symbol=TOP.lower())
        assert analysis["symbol"] == TOP
        verdict = await read(client, f"catalyst://market-scan/candidates/{TOP}")
        assert verdict["verdict"]["reached"] == analysis["reached"]

        # -- a trade: preview, confirm, the same token again -------------------------------------------------
        rig.workflow.clock.set(ny(DAY, 9, 30))
        assert (await rig.workflow.phase("market_open")).json()["ran"] is True
        rig.workflow.clock.set(ny(DAY, 10, 15, 20))
        atr = (await rig.workflow.app.state.peers.technical.indicators(TOP, indicators=["atr_14"])).atr_14
        asked = {"symbol": TOP, "quantity": 50, **levels_at(TOP, atr, (10, 14))}
        preview = await call(client, "execute_trade", **asked)
        assert preview["status"] == "preview", preview
        assert preview["approved"] is True
        assert preview["order_type"] == "market"
        assert preview["rules"]
        assert all("passed" in r for r in preview["rules"])
        assert preview["confirmation_token"]
        assert preview["quantity"] <= 50
        assert preview["estimated_cost"] > 0
        assert preview["price_bound"] > 0
        assert await orders(rig) == 0  # a preview sends nothing

        placed = await call(client, "execute_trade", **asked, confirmation_token=preview["confirmation_token"])
        assert placed["status"] == "placed", placed
        assert placed["order"]["quantity"] == preview["quantity"]
        again = await call(client, "execute_trade", **asked, confirmation_token=preview["confirmation_token"])
        assert again["status"] == "confirmation_refused"
        assert "used already" in again["reasons"][0]
        assert await orders(rig) == 1

        async def position() -> list[dict[str, Any]]:
            positions: list[dict[str, Any]] = (await read(client, "catalyst://positions/current"))["positions"][
                "positions"]
            return positions

        rig.workflow.clock.set(ny(DAY, 10, 18))
        filled: list[dict[str, Any]] = await eventually(position, what="the entry filled")
        held = filled[0]
        status = await read(client, f"catalyst://positions/{held['position_id']}/status")
        assert status["position"]["symbol"] == TOP

        risk = await call(client, "get_risk_status")
        assert risk["risk"]["open_positions"] == 1

        # -- a close needs no token, and the same call again answers the first close -------------------------
        closed = await call(client, "close_position", position_id=held["position_id"], reason="take it off")
        repeat = await call(client, "close_position", position_id=held["position_id"], reason="take it off")
        assert repeat["repeated"] is True
        assert repeat["order"]["order_id"] == closed["order"]["order_id"]

        # -- risk limits: tightening at once, widening only with a confirmed preview -------------------------
        tighter = await call(client, "update_risk_parameter", name="max_positions", value=4, reason="calmer")
        assert (tighter["status"], tighter["widens_risk"], tighter["proposed"]) == ("applied", False, 4)
        wider = await call(client, "update_risk_parameter", name="daily_loss_limit", value=2500, reason="more room")
        assert (wider["status"], wider["widens_risk"]) == ("preview", True)
        unchanged = await rig.workflow.app.state.peers.risk.parameters()
        assert unchanged.parameters.daily_loss_limit == 2000.0
        applied = await call(client, "update_risk_parameter", name="daily_loss_limit", value=2500,
                             reason="more room", confirmation_token=wider["confirmation_token"])
        assert applied["status"] == "applied"
        assert (await rig.workflow.app.state.peers.risk.parameters()).parameters.daily_loss_limit == 2500.0

        # -- reports, the journal, alerts, the timeline ------------------------------------------------------
        assert (await call(client, "get_performance_report"))["report"]["period"] == "daily"
        assert (await call(client, "get_performance_report", period="weekly"))["period"] == "weekly"
        assert "trades" in (await call(client, "get_trade_journal"))["journal"]
        assert (await read(client, "catalyst://performance/daily"))["report"]["period"] == "daily"
        assert (await read(client, "catalyst://performance/weekly"))["report"]["period"] == "weekly"
        timeline = await read(client, f"catalyst://trading-cycle/{cycle['cycle']['cycle_id']}/timeline")
        assert "trade_placed" in {e["decision"] for e in timeline["timeline"]["entries"]}

        # -- prompts --------------------------------------------------------------------------------------------
        assert {p.name for p in await client.list_prompts()} == {"morning_brief", "trade_check", "end_of_day_review"}
        brief = await client.get_prompt("morning_brief")
        assert "get_scan_results" in brief.messages[0].content.text
        check = await client.get_prompt("trade_check", {"symbol": TOP.lower()})
        assert TOP in check.messages[0].content.text
        review = await client.get_prompt("end_of_day_review")
        assert "get_trade_journal" in review.messages[0].content.text

        # -- the kill switch: at once, no token ----------------------------------------------------------------
        stop = await call(client, "stop_trading_session", reason="done for the day")
        assert stop["state"] == "stopped"
        halted = await call(client, "emergency_stop", reason="test the kill switch")
        assert (halted["halted"], halted["state"]) == (True, "halted")
        alerts = await read(client, "catalyst://alerts/active")
        assert "emergency_stop" in [a["key"] for a in alerts["alerts"]["active"]]
