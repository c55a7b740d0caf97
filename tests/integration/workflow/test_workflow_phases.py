"""The phases of a cycle against the real services: illegal transitions, repeats, closed days, a halt."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

from catalyst.calendars.nyse import NyseCalendar
from tests.integration.workflow.conftest import DAY, RigFactory, ny
from tests.support.waiting import eventually

PRESIDENTS_DAY = date(2013, 2, 18)
SATURDAY = date(2013, 3, 2)
HALF_DAY = date(2012, 11, 23)  # the day after Thanksgiving: the market closes at 13:00


async def test_an_illegal_transition_is_refused_with_409_naming_the_state_and_what_it_allows(
        workflow_rig: RigFactory) -> None:
    async with workflow_rig(ny(DAY, 9, 45)) as rig:
        refused = await rig.phase("market_open")  # no scan yet: the cycle is only created
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"] == {
            "code": "ILLEGAL_TRANSITION",
            "message": "a cycle in state created cannot take market_open; it allows start_session, "
                       "pre_market_scan, stop_session, halt",
            "details": {"state": "created", "phase": "market_open",
                        "allowed": ["start_session", "pre_market_scan", "stop_session", "halt"]},
        }
        cycle = (await rig.client.get("/api/v1/workflow/cycles/current")).json()
        assert cycle["state"] == "created"
        assert cycle["phases"] == []  # nothing was recorded for the refused phase
        assert await rig.db.pool.fetchval("SELECT count(*) FROM cycle_events") == 0


async def test_a_repeated_phase_is_a_no_op_that_says_so(workflow_rig: RigFactory) -> None:
    async with workflow_rig(ny(DAY, 7, 0)) as rig:
        first = await rig.phase("start_session", reason="morning")
        assert first.status_code == 200, first.text
        assert first.json() | {"details": None} == first.json() | {
            "phase": "start_session", "ran": True, "previous_state": "created", "state": "pre_market",
            "details": None}
        again = (await rig.phase("start_session")).json()
        assert again["ran"] is False
        assert again["reason"] == f"start_session already ran at {ny(DAY, 7).isoformat()}"
        assert again["state"] == "pre_market"
        assert await rig.db.pool.fetchval(
            "SELECT count(*) FROM cycle_phase_runs WHERE phase = 'start_session'") == 1
        assert await rig.db.pool.fetchval(
            "SELECT count(*) FROM decision_logs WHERE decision = 'phase_run'") == 1


async def test_a_scheduled_phase_before_its_time_does_nothing(workflow_rig: RigFactory) -> None:
    async with workflow_rig(ny(DAY, 7, 59)) as rig:
        early = (await rig.phase("pre_market_scan")).json()
        assert early["ran"] is False
        assert early["reason"] == "pre_market_scan is due at 08:00 New York on 2013-03-01"
        assert early["cycle_id"] is None
        assert await rig.db.pool.fetchval("SELECT count(*) FROM trading_cycles") == 0


async def test_a_holiday_and_a_weekend_are_skipped(workflow_rig: RigFactory) -> None:
    for day, kind in ((PRESIDENTS_DAY, "holiday"), (SATURDAY, "weekend")):
        async with workflow_rig(ny(day, 8, 0)) as rig:
            for phase in ("pre_market_scan", "market_open", "monitor", "market_close", "start_session"):
                answer = (await rig.phase(phase)).json()
                assert answer["ran"] is False, answer
                assert answer["reason"] == f"the market is closed on {day.isoformat()} ({kind})"
                assert answer["day"] == day.isoformat()
            assert await rig.db.pool.fetchval("SELECT count(*) FROM trading_cycles") == 0


async def test_a_halt_stops_trading_through_the_risk_managers_emergency_stop(workflow_rig: RigFactory) -> None:
    async with workflow_rig(ny(DAY, 9, 0)) as rig:
        no_reason = await rig.phase("halt")
        assert no_reason.status_code == 400
        assert no_reason.json()["error"]["code"] == "REASON_REQUIRED"
        halted = (await rig.phase("halt", reason="operator test")).json()
        assert halted["ran"] is True
        assert halted["state"] == "halted"
        assert halted["details"]["emergency_stop"]["state"] == "halted"
        risk = (await rig.client.get("/api/v1/workflow/risk/status")).json()
        assert risk["state"] == "halted"
        assert risk["halt_reason"] == "emergency stop by orchestration: operator test"
        trade = await rig.client.post("/api/v1/workflow/trades", json={
            "request_id": "after-halt", "symbol": "AAPL", "quantity": 10})
        assert trade.status_code == 409
        assert trade.json()["error"]["details"] == {"state": "halted", "allowed": ["trading"]}
        alerts = (await rig.client.get("/api/v1/workflow/alerts")).json()
        assert [a["key"] for a in alerts["active"]] == ["emergency_stop"]
        again = (await rig.phase("halt", reason="twice")).json()
        assert again["ran"] is False
        assert again["reason"].startswith("halt already ran at")


async def test_with_the_scheduler_on_the_app_runs_the_phases_due_on_its_clock(workflow_rig: RigFactory) -> None:
    async with workflow_rig(ny(DAY, 9, 30, 10), WORKFLOW_SCHEDULER=True, WORKFLOW_SCHEDULER_POLL=0.05) as rig:

        async def trading() -> bool:  # caught up since midnight: the scan at 08:00, the open at 09:30
            cycle = await rig.client.get("/api/v1/workflow/cycles/current")
            return cycle.status_code == 200 and cycle.json()["state"] == "trading"

        await eventually(trading, within_s=60, what="the scheduler ran the scan and the open")
        phases = [p["phase"] for p in (await rig.client.get("/api/v1/workflow/cycles/current")).json()["phases"]]
        assert phases[:2] == ["pre_market_scan", "market_open"]
        requested = await rig.db.pool.fetch("SELECT DISTINCT context->>'requested_by' AS who FROM decision_logs"
                                            " WHERE decision = 'phase_run'")
        assert [r["who"] for r in requested] == ["scheduler"]


async def test_concurrent_calls_of_a_phase_run_it_once(workflow_rig: RigFactory) -> None:
    async with workflow_rig(ny(DAY, 7, 0)) as rig:
        answers = [r.json() for r in await asyncio.gather(*(rig.phase("start_session") for _ in range(6)))]
        assert sorted(a["ran"] for a in answers) == [False] * 5 + [True]
        at = ny(DAY, 7).isoformat()
        assert {a["reason"] for a in answers if not a["ran"]} <= {f"start_session already ran at {at}",
                                                                  f"start_session is running since {at}"}
        assert await rig.db.pool.fetchval("SELECT count(*) FROM cycle_events") == 1
        assert await rig.db.pool.fetchval("SELECT count(*) FROM trading_cycles") == 1


async def test_a_run_left_running_by_a_dead_process_may_run_again_later(workflow_rig: RigFactory) -> None:
    async with workflow_rig(ny(DAY, 7, 0)) as rig:
        assert (await rig.phase("start_session")).json()["ran"] is True
        await rig.db.pool.execute("UPDATE cycle_phase_runs SET status = 'running', finished_at = NULL")
        rig.clock.set(ny(DAY, 7, 10))
        busy = (await rig.phase("start_session")).json()
        assert busy["ran"] is False
        assert busy["reason"] == f"start_session is running since {ny(DAY, 7).isoformat()}"
        # began 30 minutes ago by the wall clock: taken for dead
        await rig.db.pool.execute("UPDATE cycle_phase_runs SET started_at = now() - interval '30 minutes'")
        again = (await rig.phase("start_session")).json()
        assert again["ran"] is True
        assert again["state"] == "pre_market"  # the transition it had taken is not taken twice
        assert await rig.db.pool.fetchval("SELECT count(*) FROM cycle_events") == 1


async def test_a_slow_run_on_a_fast_replay_clock_is_not_started_twice(workflow_rig: RigFactory) -> None:
    """Staleness is wall time: 45 market minutes on a replay clock are no sign that the run's process died."""
    async with workflow_rig(ny(DAY, 7, 0)) as rig:
        assert (await rig.phase("start_session")).json()["ran"] is True
        await rig.db.pool.execute("UPDATE cycle_phase_runs SET status = 'running', finished_at = NULL")
        rig.clock.set(ny(DAY, 7, 45))
        busy = (await rig.phase("start_session")).json()
        assert busy["ran"] is False
        assert busy["reason"] == f"start_session is running since {ny(DAY, 7).isoformat()}"
        assert await rig.db.pool.fetchval("SELECT status FROM cycle_phase_runs") == "running"


async def test_a_failed_close_leaves_the_cycle_in_error_and_runs_again(workflow_rig: RigFactory,
                                                                        tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.write_text("a file where Reporting's directory should be")
    async with workflow_rig(ny(DAY, 8, 0)) as rig:
        assert (await rig.phase("pre_market_scan")).json()["state"] == "ready"
        rig.clock.set(ny(DAY, 9, 30))
        assert (await rig.phase("market_open")).json()["state"] == "trading"
        rig.clock.set(ny(DAY, 15, 30))
        failed = await rig.phase("market_close")
        assert failed.status_code == 502, failed.text
        error = failed.json()["error"]
        assert error["code"] == "PHASE_FAILED"
        assert error["details"]["state"] == "error"
        assert error["details"]["phase"] == "market_close"
        run = await rig.db.pool.fetchval("SELECT status FROM cycle_phase_runs WHERE phase = 'market_close'")
        assert run == "failed"
        reports.unlink()
        rig.clock.set(ny(DAY, 15, 31))
        again = (await rig.phase("market_close")).json()
        assert again["ran"] is True
        assert (again["previous_state"], again["state"]) == ("error", "closed")
        timeline = (await rig.client.get(f"/api/v1/workflow/cycles/{again['cycle_id']}/timeline")).json()
        steps = [(e["step"], e["to_state"]) for e in timeline["entries"] if e["kind"] == "transition"]
        assert steps[-4:] == [("market_close", "closing"), ("failed", "error"), ("market_close", "closing"),
                              ("finished", "closed")]


async def test_on_a_half_day_the_close_runs_30_minutes_before_its_13_00_close(workflow_rig: RigFactory) -> None:
    async with workflow_rig(ny(HALF_DAY, 8, 0)) as rig:
        assert (await rig.phase("pre_market_scan")).json()["state"] == "ready"
        rig.clock.set(ny(HALF_DAY, 9, 30))
        opened = (await rig.phase("market_open")).json()
        assert opened["details"]["session"]["half_day"] is True
        assert opened["details"]["session"]["close_phase_at"] == ny(HALF_DAY, 12, 30).isoformat()
        rig.clock.set(ny(HALF_DAY, 12, 29))
        early = (await rig.phase("market_close")).json()
        assert early["ran"] is False
        assert early["reason"] == f"market_close is due at 12:30 New York on {HALF_DAY.isoformat()}"
        monitored = (await rig.phase("monitor")).json()
        assert monitored["ran"] is True  # still trading hours
        money = (monitored["details"]["daily_pnl"], monitored["details"]["gross_exposure"])
        assert all(isinstance(v, int | float) for v in money), money  # JSON numbers, as the envelope's money
        rig.clock.set(ny(HALF_DAY, 12, 30))
        closed = (await rig.phase("market_close")).json()
        assert closed["ran"] is True
        assert closed["state"] == "closed"
        assert "half day" in closed["details"]["reason"]
        rig.clock.set(ny(HALF_DAY, 12, 31))
        late = (await rig.phase("monitor")).json()
        assert late["reason"] == "the monitor runs only while the market is open, before the close phase"


async def test_a_market_clock_beyond_the_calendar_is_a_422_not_a_500(workflow_rig: RigFactory) -> None:
    calendar = NyseCalendar(date(2013, 1, 1), date(2013, 2, 28))  # ends the day before the clock's
    async with workflow_rig(ny(DAY, 8, 0), calendar=calendar) as rig:
        refused = await rig.phase("pre_market_scan")
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"] == {
            "code": "OUTSIDE_CALENDAR",
            "message": "2013-03-01 is outside the market calendar (2013-01-01 .. 2013-02-28)",
            "details": {"day": "2013-03-01", "first_day": "2013-01-01", "last_day": "2013-02-28"},
        }
        assert await rig.db.pool.fetchval("SELECT count(*) FROM trading_cycles") == 0


async def test_a_monitor_before_the_open_moved_the_cycle_is_a_not_yet_not_a_409(workflow_rig: RigFactory) -> None:
    async with workflow_rig(ny(DAY, 8, 0)) as rig:
        created = await rig.phase("monitor", force=True)  # before its time, and no scan ran: only created
        assert created.status_code == 200, created.text
        assert (created.json()["ran"], created.json()["state"]) == (False, "created")
        assert (await rig.phase("pre_market_scan")).json()["state"] == "ready"
        rig.clock.set(ny(DAY, 9, 30))
        early = await rig.phase("monitor")  # the 09:30 CronJobs: the monitor reached Workflow first
        assert early.status_code == 200, early.text
        assert early.json() | {"market_at": None} == early.json() | {
            "phase": "monitor", "ran": False, "state": "ready", "market_at": None,
            "reason": "monitor does nothing while the cycle is ready: the market has not opened for this cycle "
                      "yet (market_open moves it to trading)"}
        assert await rig.db.pool.fetchval("SELECT count(*) FROM cycle_phase_runs WHERE phase = 'monitor'") == 0
        assert (await rig.phase("market_open")).json()["state"] == "trading"
        assert (await rig.phase("monitor")).json()["ran"] is True  # the same minute's monitor, now it may
