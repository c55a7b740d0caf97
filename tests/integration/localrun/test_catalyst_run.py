"""``catalyst run``: the services as separate processes on a database of their own, one whole day.

At ``--speed max`` the runner steps the shared clock and runs each phase through the Workflow as the
schedule makes it due; afterwards the database holds exactly the day's phase runs, the pre-market
scan chose the replay set's planted top five, and the day's report is on disk. The supervisor
restarts a service that dies.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import asyncpg
import pytest

from catalyst.calendars.nyse import nyse_calendar
from catalyst.localrun.plan import RunOptions
from catalyst.localrun.supervisor import HEALTHY, Supervisor, health
from catalyst.services import PORTS, ServiceName
from catalyst.synthetic.universe import expected_candidates
from catalyst.workflow.schedule import due_phases
from tests.support.database import scratch_dsn
from tests.support.env import REDIS_URL
from tests.support.loopback import free_port_base

ROOT = Path(__file__).resolve().parents[3]
BASE = free_port_base()  # the services' ports in these tests: never the spec's, which a make run may hold
RUN = [sys.executable, "-m", "catalyst.cli", "run", "--keep-state", "--port-base", str(BASE)]
PORT = {s: BASE + port - PORTS[ServiceName.ORCHESTRATION] for s, port in PORTS.items()}


def _env(dsn: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": dsn, "REDIS_URL": REDIS_URL,
            "REDIS_NAMESPACE": f"test-run-{uuid.uuid4().hex[:8]}:", "PYTHONPATH": f"{ROOT / 'libs'}:{ROOT}",
            "PYTHONUNBUFFERED": "1"}


async def _rows(dsn: str, sql: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        return list(await conn.fetch(sql))
    finally:
        await conn.close()


def test_a_whole_day_at_max_speed_runs_every_phase_once_and_writes_the_report(tmp_path: Path) -> None:
    with scratch_dsn("catalyst_run_test") as dsn:
        done = subprocess.run(
            [*RUN, "--speed", "max", "--run-dir", str(tmp_path)], cwd=ROOT, env=_env(dsn),
            capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
        (run_dir,) = tmp_path.iterdir()
        logs = {p.stem for p in (run_dir / "logs").iterdir()}
        built = {s.value for s in ServiceName if (ROOT / "services" / s.value / "app.py").exists()}
        assert logs == built  # a log file per service
        report = run_dir / "reports" / "daily-2013-03-01.html"
        assert report.exists(), done.stdout[-4000:]
        assert "<svg" in report.read_text()
        assert f"the day's report: {report}" in done.stdout

        options = RunOptions(speed="max")
        expected: dict[str, int] = {}
        for due in due_phases(nyse_calendar(), options.starts_at(), options.ends_at()):
            expected[due.phase.value] = expected.get(due.phase.value, 0) + 1
        runs = asyncio.run(_rows(dsn, "SELECT phase, count(*) AS n, bool_and(status = 'succeeded') AS ok "
                                "FROM cycle_phase_runs GROUP BY phase"))
        assert {r["phase"]: r["n"] for r in runs} == expected
        assert all(r["ok"] for r in runs)
        (cycle,) = asyncio.run(_rows(dsn, "SELECT state, cycle_date FROM trading_cycles"))
        assert (cycle["state"], cycle["cycle_date"].isoformat()) == ("closed", "2013-03-01")
        chosen = asyncio.run(_rows(dsn, "SELECT s.symbol FROM scan_results r JOIN securities s USING (security_id)"
                                        " JOIN trading_cycles c ON r.scan_id = (c.config->>'scan_id')::uuid"
                                        " WHERE r.stage = 'final' AND (r.details->>'passed')::boolean"))
        assert sorted(r["symbol"] for r in chosen) == sorted(expected_candidates(date(2013, 3, 1)))


def test_a_service_that_dies_is_restarted_and_answers_again(tmp_path: Path) -> None:
    with scratch_dsn("catalyst_run_test") as dsn:
        port = free_port_base(1)
        supervisor = Supervisor(ROOT, tmp_path / "logs", lambda s: {**_env(dsn), "CATALYST_SERVICE": s.value},
                                ports={ServiceName.PATTERN: port}, max_restarts=1)
        events: list[str] = []
        try:
            supervisor.start_all([ServiceName.PATTERN], lambda e: events.append(e.what))
            assert health(port) in HEALTHY
            first = supervisor.processes[ServiceName.PATTERN].proc
            assert first is not None
            os.kill(first.pid, signal.SIGKILL)
            first.wait()
            (restart,) = supervisor.watch()
            assert restart.what == "exited with -9; restarted (1/1)"
            assert supervisor.await_health(ServiceName.PATTERN) in HEALTHY
            assert supervisor.processes[ServiceName.PATTERN].proc is not first
        finally:
            supervisor.stop()
        assert health(port) == "not answering"
        assert events[0].startswith("started (pid ")
        assert (tmp_path / "logs" / "pattern.log").exists()  # both lives write to the one file


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_stops_every_service(tmp_path: Path, stop_signal: signal.Signals) -> None:
    with scratch_dsn("catalyst_run_test") as dsn:
        out = (tmp_path / "runner.out").open("w")
        runner = subprocess.Popen(
            [*RUN, "--speed", "1", "--run-dir", str(tmp_path / "runs")], cwd=ROOT, env=_env(dsn),
            stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 180
            while "workflow: healthy" not in (tmp_path / "runner.out").read_text():  # the last to start
                assert runner.poll() is None, (tmp_path / "runner.out").read_text()
                assert time.monotonic() < deadline, (tmp_path / "runner.out").read_text()
                time.sleep(0.2)
            assert health(PORT[ServiceName.WORKFLOW]) in HEALTHY
            runner.send_signal(stop_signal)
            assert runner.wait(timeout=60) == 130
        finally:
            if runner.poll() is None:
                runner.kill()
            out.close()
        assert [s for s in ServiceName if health(PORT[s]) != "not answering"] == []


def _start_runner(tmp_path: Path, dsn: str) -> tuple[subprocess.Popen[bytes], Path]:
    out = tmp_path / "runner.out"
    runner = subprocess.Popen(
        [*RUN, "--speed", "1", "--run-dir", str(tmp_path / "runs")], cwd=ROOT, env=_env(dsn),
        stdout=out.open("w"), stderr=subprocess.STDOUT)
    return runner, out


def test_services_die_with_a_runner_that_is_killed(tmp_path: Path) -> None:
    with scratch_dsn("catalyst_run_test") as dsn:
        runner, out = _start_runner(tmp_path, dsn)
        try:
            deadline = time.monotonic() + 180
            while "workflow: healthy" not in out.read_text():
                assert runner.poll() is None, out.read_text()
                assert time.monotonic() < deadline, out.read_text()
                time.sleep(0.2)
            runner.kill()  # no chance to stop anything itself
            runner.wait()
            deadline = time.monotonic() + 60
            while [s for s in ServiceName if health(PORT[s]) != "not answering"]:
                assert time.monotonic() < deadline, "services outlived their runner"
                time.sleep(0.5)
        finally:
            if runner.poll() is None:
                runner.kill()


def test_a_port_already_taken_stops_the_run_before_any_service_starts(tmp_path: Path) -> None:
    import socket

    with scratch_dsn("catalyst_run_test") as dsn, socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", PORT[ServiceName.PATTERN]))
        squatter.listen()
        done = subprocess.run(
            [*RUN, "--speed", "max", "--run-dir", str(tmp_path)], cwd=ROOT, env=_env(dsn),
            capture_output=True, text=True, timeout=300)
        assert done.returncode == 1, done.stdout
        assert f"ports already in use: pattern :{PORT[ServiceName.PATTERN]}" in done.stdout
        assert [s for s in ServiceName if s is not ServiceName.PATTERN and health(PORT[s]) != "not answering"] == []
