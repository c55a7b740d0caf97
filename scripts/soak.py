"""``make soak``: the risk property test for 10,000 simulated days or an hour, whichever comes first.

Runs ``tests/integration/risk/test_risk_invariants.py`` in rounds (a fresh pytest each, so one
failing example never ends the soak), adds up the days, steps and fills each round reports, counts
every round that found a broken limit, and writes the totals to ``docs/reliability.md``.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST = "tests/integration/risk/test_risk_invariants.py"
TARGET_DAYS = int(os.environ.get("SOAK_DAYS", "10000"))
BUDGET_S = float(os.environ.get("SOAK_SECONDS", "3600"))
ROUND_EXAMPLES = int(os.environ.get("SOAK_ROUND_EXAMPLES", "100"))
STATS = re.compile(r"property test: (\{.*\})")
LOGS = Path(os.environ.get("SOAK_LOGS", "/tmp/catalyst-soak"))  # failing rounds, whole


def main() -> int:
    started = time.monotonic()
    totals = {"rounds": 0, "examples": 0, "days": 0, "steps": 0, "fills": 0, "breaches": 0}
    failures: list[str] = []
    while totals["days"] < TARGET_DAYS and time.monotonic() - started < BUDGET_S:
        env = {**os.environ, "CATALYST_PROPERTY_EXAMPLES": str(ROUND_EXAMPLES), "CATALYST_PROPERTY_STEPS": "25",
               "CATALYST_PROPERTY_SHRINK": "0"}
        run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:randomly", TEST,
                              "-o", "timeout=1800"], cwd=ROOT, env=env, capture_output=True, text=True)
        totals["rounds"] += 1
        found = STATS.findall(run.stdout)
        if found:
            stats = ast.literal_eval(found[-1])
            for key in ("examples", "days", "steps", "fills"):
                totals[key] += int(stats[key])
        if run.returncode != 0:
            totals["breaches"] += 1
            LOGS.mkdir(exist_ok=True)  # the whole round, for whoever has to find out what broke
            (LOGS / f"round-{totals['rounds']}.log").write_text(run.stdout + run.stderr)
            tail = [line for line in run.stdout.splitlines() if "AssertionError" in line or "failed" in line]
            failures.append(tail[-1][:500] if tail else f"exit {run.returncode}")
        print(f"soak: {totals} after {time.monotonic() - started:.0f} s", flush=True)
    elapsed = time.monotonic() - started
    lines = [
        "# Reliability: the risk property test, soaked",
        "",
        f"Command: `make soak` (`scripts/soak.py`), run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: "
        f"`{TEST}` in rounds of {ROUND_EXAMPLES} examples of 25 steps until {TARGET_DAYS:,} simulated days or "
        f"{BUDGET_S:,.0f} s. The invariants and the slippage allowance are stated in the test's docstring.",
        "",
        "| rounds | examples | simulated days | steps | fills | rounds with a broken limit | wall time |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {totals['rounds']} | {totals['examples']:,} | {totals['days']:,} | {totals['steps']:,} | "
        f"{totals['fills']:,} | {totals['breaches']} | {elapsed:,.0f} s |",
        "",
        "Target: 0 broken limits.",
    ]
    if failures:
        lines += ["", "## What broke", ""] + [f"- {f}" for f in failures]
    (ROOT / "docs" / "reliability.md").write_text("\n".join(lines) + "\n")
    return 1 if totals["breaches"] else 0


if __name__ == "__main__":
    sys.exit(main())
