"""One replayed trading day through every service, as ``make run`` plays it, at ``--speed max`` with
the autopilot trading over MCP.

Runs ``catalyst run --speed max --autopilot`` in a subprocess (its own fresh ``catalyst_run`` database, the
services each in their own process) and reads the run's ``run.json``: where the wall time went
(start-up, each phase endpoint) and each service's resident memory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import load_average, machine_load

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 60.0
BUDGET_MIB = 6 * 1024  # spec: 6 GB for the whole box


def run() -> str:
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="catalyst-bench-run-") as tmp:
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "catalyst.cli", "run", "--speed", "max", "--autopilot",
                               "--run-dir", tmp],
                              cwd=ROOT, env={**os.environ, "PYTHONPATH": f"{ROOT / 'libs'}:{ROOT}"},
                              capture_output=True, text=True, timeout=1800)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            tail = f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            raise RuntimeError(f"catalyst run failed ({done.returncode}):\n{tail}")
        (run_dir,) = Path(tmp).iterdir()
        record = json.loads((run_dir / "run.json").read_text())
    phases = "\n".join(f"| {name} | {p['count']} | {p['total_s']:.2f} | {1000 * p['total_s'] / p['count']:.1f} | "
                       f"{1000 * p['max_s']:.0f} |" for name, p in record["phases"].items())
    memory = "\n".join(f"| {name} | {m['rss_mib']:,.0f} | {m['peak_mib']:,.0f} |"
                       for name, m in sorted(record["memory"].items(), key=lambda kv: -kv[1]["peak_mib"]))
    total = sum(m["peak_mib"] for m in record["memory"].values())
    day = record["day_s"]
    verdict = "met" if day < TARGET_S else "**missed**"
    return f"""## A whole replayed day: `catalyst run --speed max --autopilot`

Command: `make bench` (module `bench/bench_run_day.py`; alone: `.venv/bin/python -m bench run_day`). The
runner makes a fresh `catalyst_run` database, migrates it, loads the replay set, starts every built
service as its own uvicorn process, then steps the shared market clock from 07:59 to 16:05 New York on
{record['day']}, running each phase through the Workflow as it falls due (the pre-market scan over
a universe of 100 symbols, the open, a monitor every minute, the close with the report), while the
autopilot (an MCP client over streamable HTTP) previews and confirms trades on the top candidates at
09:35 and closes them at 15:20; trades closed: {record['trades']}.
{machine_load(load_before)}whole command {wall:.1f} s.

| part | wall s |
|---|---:|
| start-up (fresh database, migrations, replay data, services healthy) | {record['startup_s']:.1f} |
| the day (07:59 → 16:05, every phase answered) | {day:.1f} (target < {TARGET_S:.0f} s: {verdict}) |

| phase endpoint | calls | total s | mean ms | max ms |
|---|---:|---:|---:|---:|
{phases}

Resident memory of each service at the end of the day, and its peak (VmHWM), MiB:

| service | RSS | peak |
|---|---:|---:|
{memory}
| **all services** | | **{total:,.0f}** (spec budget for the box: {BUDGET_MIB:,} MiB) |
"""
