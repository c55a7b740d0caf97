"""A replayed trading day through the Workflow: the scheduler on a simulated clock walks every phase in
order, trade requests go through Pattern, Technical, Risk and Trading, and every decision is recorded."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from catalyst.bar_columns import to_ns
from catalyst.calendars.nyse import nyse_calendar
from catalyst.synthetic.universe import build_universe, expected_candidates
from catalyst.workflow.scheduler import PhaseScheduler
from tests.integration.workflow.conftest import DAY, RigFactory, WorkflowRig, ny
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


async def test_a_replayed_day_walks_every_phase_in_order(workflow_rig: RigFactory) -> None:
    watched = expected_candidates(DAY)  # the day's strongest catalysts (and setups, once the day's bar is in)
    async with workflow_rig(ny(DAY, 7, 0), WORKFLOW_WATCHLIST=",".join(watched)) as rig:
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
        assert sorted(scan["with_catalyst"]) == sorted(watched)  # News found each one's catalyst
        # Before the open the day's daily bar is not complete: the set's setups do not pass the Scanner's
        # technical stage yet, so each watched symbol is a decision of its own, with the Scanner's reason.
        chosen = await _decided(rig, "candidate_chosen")
        skipped = await _decided(rig, "candidate_skipped")
        assert sorted(chosen + skipped) == sorted(watched)
        assert sorted(scan["candidates"]) == sorted(chosen)
        assert sorted(scan["skipped"]) == sorted(skipped)
        symbol = watched[0]
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
        atr = (await rig.app.state.peers.technical.indicators(symbol, indicators=["atr_14"])).atr_14
        minutes = build_universe().minute_bars(DAY)[symbol]
        entry = round(float(minutes.close[int(np.searchsorted(minutes.ts, to_ns(ny(DAY, 10, 14))))]), 2)
        stop, target = round(entry - 1.5 * atr, 2), round(entry + 3 * atr, 2)
        levels = {"entry": entry, "stop": stop, "target": target, "order_type": "market"}

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
        assert decisions.get("candidate_chosen", 0) + decisions.get("candidate_skipped", 0) == len(watched)
        assert decisions["phase_run"] == await _count(rig, "SELECT count(*) FROM cycle_phase_runs")
        refusal = await rig.db.pool.fetchval(
            "SELECT context FROM decision_logs WHERE decision = 'trade_refused'")
        assert "too-close-a-target" in refusal
        assert '"reasons"' in refusal
