"""A replayed trading day through the Workflow: the scheduler on a simulated clock walks every phase in
order, trade requests go through Pattern, Technical, Risk and Trading, and every decision is recorded."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from catalyst.calendars.nyse import nyse_calendar
from catalyst.synthetic.universe import expected_candidates
from catalyst.workflow.scheduler import PhaseScheduler
from tests.integration.workflow.conftest import DAY, RigFactory, WorkflowRig, levels_at, ny
from tests.support.waiting import eventually

STEP = timedelta(minutes=5)


async def _walk(rig: WorkflowRig, scheduler: PhaseScheduler, until: datetime) -> list[tuple[str, datetime]]:
    """Step the clock to ``until`` in ``STEP``s, ticking the scheduler at each; the phases it ran."""
    ran: list[tuple[str, datetime]] = []
    while rig.clock.now() < until:
        rig.clock.set(min(rig.clock.now() + STEP, until))
        ran += [(d.phase.value, d.at) for d in await scheduler.tick()]
    return ran


async def _trade(rig: WorkflowRig, **body: Any) -> httpx.Response:
    return await rig.client.post("/api/v1/workflow/trades", json=body)


async def _decided(rig: WorkflowRig, decision: str) -> list[str]:
    """The symbols of the cycle's ``decision`` rows."""
    return [r["symbol"] for r in await rig.db.pool.fetch(
        "SELECT s.symbol FROM decision_logs d JOIN securities s USING (security_id) WHERE d.decision = $1"
        " ORDER BY d.decision_id", decision)]


async def _count(rig: WorkflowRig, sql: str, *args: object) -> int:
    return int(await rig.db.pool.fetchval(sql, *args))


async def test_a_watchlist_scans_its_symbols_with_a_catalyst(workflow_rig: RigFactory) -> None:
    watched = expected_candidates(DAY)  # the day's top setups: complete at yesterday's close, news overnight
    async with workflow_rig(ny(DAY, 8, 0), WORKFLOW_WATCHLIST=",".join(watched)) as rig:
        assert (await rig.phase("pre_market_scan")).json()["state"] == "ready"
        scan = json.loads(await rig.db.pool.fetchval("SELECT result FROM cycle_phase_runs"))
        assert sorted(scan["with_catalyst"]) == sorted(watched)  # News found each one's catalyst
        assert [(s["stage"], s["entered"], s["passed"]) for s in scan["stages"]] == [
            ("universe", 5, 5), ("catalyst", 5, 5), ("technical", 5, 5), ("pattern", 5, 5), ("final", 5, 5)]
        assert scan["skipped"] == []
        assert await _decided(rig, "candidate_skipped") == []
        assert sorted(await _decided(rig, "candidate_chosen")) == sorted(scan["candidates"]) == sorted(watched)


async def test_a_replayed_day_walks_every_phase_in_order(workflow_rig: RigFactory) -> None:
    expected = expected_candidates(DAY)  # the day's top setups: complete at yesterday's close, news overnight
    async with workflow_rig(ny(DAY, 7, 0)) as rig:
        scheduler = PhaseScheduler(rig.app.state.phases, rig.clock, nyse_calendar(), poll_s=1)
        assert await scheduler.tick() == []  # 07:00: nothing due since midnight

        # -- 08:00 the pre-market scan --------------------------------------------------------------------
        morning = await _walk(rig, scheduler, ny(DAY, 8, 0))
        assert morning == [("pre_market_scan", ny(DAY, 8))]
        cycle = (await rig.client.get("/api/v1/workflow/cycles/current")).json()
        assert cycle["state"] == "ready"
        assert cycle["scan_id"] is not None
        scan_run = next(p for p in cycle["phases"] if p["phase"] == "pre_market_scan")
        assert scan_run["status"] == "succeeded"
        scan = json.loads(await rig.db.pool.fetchval("SELECT result FROM cycle_phase_runs"))
        assert scan["scan_id"] == cycle["scan_id"]
        assert scan["watched"] == scan["with_catalyst"] == scan["skipped"] == []  # no watchlist: the universe
        # The universe is the night's news-bearing liquid symbols; the setups are complete as of the
        # previous session's close, the last daily bar at 08:00, and the planted top five are chosen.
        assert [(s["stage"], s["entered"], s["passed"]) for s in scan["stages"]][1:] == [
            ("catalyst", 100, 35), ("technical", 35, 20), ("pattern", 20, 9), ("final", 9, 5)]
        assert scan["stages"][0]["passed"] == 100
        chosen = await _decided(rig, "candidate_chosen")
        assert chosen == scan["candidates"]  # one decision each, in rank order
        assert sorted(chosen) == sorted(expected)
        symbol = chosen[0]
        again = (await rig.phase("pre_market_scan")).json()
        assert again["ran"] is False
        assert again["reason"] == f"pre_market_scan already ran at {ny(DAY, 8).isoformat()}"

        # -- 09:30 the open, then the monitor every minute (coalesced to the latest per tick) --------------
        opened = await _walk(rig, scheduler, ny(DAY, 10, 15))
        assert opened[:2] == [("market_open", ny(DAY, 9, 30)), ("monitor", ny(DAY, 9, 30))]
        assert [p for p, _ in opened[2:]] == ["monitor"] * 9  # 09:35 .. 10:15
        assert (await rig.client.get("/api/v1/workflow/cycles/current")).json()["state"] == "trading"
        repeat = (await rig.phase("monitor")).json()
        assert repeat["ran"] is False
        assert repeat["reason"].startswith("monitor already ran at")

        # -- 10:15:20 trade requests ----------------------------------------------------------------------
        rig.clock.set(ny(DAY, 10, 15, 20))
        levels = await levels_at(rig, symbol, ny(DAY, 10, 14))
        entry, stop, target = levels["entry"], levels["stop"], levels["target"]
        atr = (await rig.app.state.peers.technical.indicators(symbol, indicators=["atr_14"])).atr_14

        refused = await _trade(rig, request_id="too-close-a-target", symbol=symbol, quantity=100,
                               **(levels | {"target": round(entry + 0.1 * atr, 2)}))
        assert refused.status_code == 200, refused.text
        answer = refused.json()
        assert answer["status"] == "refused"
        assert answer["order"] is None
        assert answer["reasons"]
        assert {r["source"] for r in answer["reasons"]} == {"risk"}
        assert [r["code"] for r in answer["reasons"]] == [r["code"] for r in answer["risk"]["reasons"]]
        assert await _count(rig, "SELECT count(*) FROM orders") == 0  # nothing was sent

        preview = (await _trade(rig, request_id="look-first", symbol=symbol, quantity=100, mode="preview",
                                **levels)).json()
        assert preview["status"] == "previewed", preview
        assert preview["risk"]["approved"] is True
        assert preview["analysis"]["levels"] == {"entry": entry, "stop": stop, "target": target, "source": "request"}
        assert await _count(rig, "SELECT count(*) FROM orders") == 0

        status = await rig.app.state.peers.risk.status()
        assert status.reservations == 0  # a preview is Risk's dry run: it holds no exposure
        placed = (await _trade(rig, request_id="buy-the-setup", symbol=symbol, quantity=100,
                               rationale="top candidate", **levels)).json()
        assert placed["status"] == "placed", placed
        order = placed["order"]
        assert order["client_order_id"] == placed["client_order_id"]
        assert order["symbol"] == symbol
        assert order["quantity"] == min(100, placed["risk"]["max_quantity"])
        assert placed["analysis"]["candidate"] is not None or placed["warnings"]
        assert placed["analysis"]["indicators"]["atr_14"] == pytest.approx(atr)

        async def filled() -> bool:
            got = await rig.app.state.peers.trading.get_order(order["order_id"])
            return got.status.value == "filled"

        rig.clock.set(ny(DAY, 10, 18))
        await eventually(filled, what="the entry filled on the simulated broker")
        retried = (await _trade(rig, request_id="buy-the-setup", symbol=symbol, quantity=100, **levels)).json()
        assert retried["status"] == "already_placed"
        assert retried["order"]["order_id"] == order["order_id"]
        assert await _count(rig, "SELECT count(*) FROM orders WHERE parent_order_id IS NULL") == 1
        positions = (await rig.client.get("/api/v1/workflow/positions")).json()["positions"]
        assert [p["symbol"] for p in positions] == [symbol]

        # -- 15:30 the close: flatten, reconcile, the day's report -----------------------------------------
        afternoon = await _walk(rig, scheduler, ny(DAY, 15, 35))
        assert afternoon[-1] == ("market_close", ny(DAY, 15, 30))
        assert {p for p, _ in afternoon[:-1]} == {"monitor"}
        cycle = (await rig.client.get("/api/v1/workflow/cycles/current")).json()
        assert cycle["state"] == "closed", cycle
        close = await rig.db.pool.fetchval(
            "SELECT result FROM cycle_phase_runs WHERE phase = 'market_close' AND status = 'succeeded'")
        closing = json.loads(close)
        assert closing["flatten"]["symbols"] == [symbol]
        assert closing["reconcile"]["broker"].startswith("sim")
        assert await asyncio.to_thread(Path(closing["report"]["path"]).is_file)
        assert closing["report"]["day"] == DAY.isoformat()
        assert closing["report"]["emailed_to"] == []  # no SMTP host configured

        async def flat() -> bool:
            return (await rig.client.get("/api/v1/workflow/positions")).json()["count"] == 0

        rig.clock.set(ny(DAY, 15, 37))
        await eventually(flat, what="flattened at the close")
        assert await _walk(rig, scheduler, ny(DAY, 17, 0)) == []  # nothing after the close
        daily = (await rig.client.get("/api/v1/workflow/performance/daily")).json()
        assert daily["metrics"]["trades"] == 1, daily
        journal = (await rig.client.get("/api/v1/workflow/journal")).json()
        assert [(t["symbol"], t["exit_reason"]) for t in journal["trades"]] == [(symbol, "flatten")]
        latest = (await rig.client.get("/api/v1/workflow/scan/latest")).json()
        assert latest["scan_id"] == cycle["scan_id"]
        verdict = (await rig.client.get(f"/api/v1/workflow/scan/latest/candidates/{symbol.lower()}")).json()
        assert verdict["symbol"] == symbol

        # -- the timeline and the decisions ----------------------------------------------------------------
        timeline = (await rig.client.get(f"/api/v1/workflow/cycles/{cycle['cycle_id']}/timeline")).json()
        walk = [(e["from_state"], e["to_state"]) for e in timeline["entries"] if e["kind"] == "transition"]
        assert walk == [("created", "scanning"), ("scanning", "ready"), ("ready", "trading"),
                        ("trading", "closing"), ("closing", "closed")]
        decisions = {r["decision"]: r["n"] for r in await rig.db.pool.fetch(
            "SELECT decision, count(*) AS n FROM decision_logs GROUP BY decision")}
        assert decisions["trade_refused"] == 1
        assert decisions["trade_previewed"] == 1
        assert decisions["trade_placed"] == 1
        assert decisions["position_closed"] >= 1
        assert decisions["candidate_chosen"] == len(expected)
        assert "candidate_skipped" not in decisions
        assert decisions["phase_run"] == await _count(rig, "SELECT count(*) FROM cycle_phase_runs")
        refusal = await rig.db.pool.fetchval(
            "SELECT context FROM decision_logs WHERE decision = 'trade_refused'")
        assert "too-close-a-target" in refusal
        assert '"reasons"' in refusal
