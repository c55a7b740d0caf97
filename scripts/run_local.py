"""``make run``: every Catalyst service on this machine, on the embedded defaults.

Loads the replay market data into the bar store (once), then starts each service under
``services/`` with uvicorn on its spec port, waits for its /health, prints where everything is,
and stops them all on Ctrl-C (or when one dies).

The services run on one replayed trading day: every child gets ``MARKET_CLOCK=replay``,
``REPLAY_START`` (default 2013-03-01 09:30 New York, the last replay day's open),
``REPLAY_SPEED`` (default 1) and ``REPLAY_ANCHOR`` (the instant the services are launched,
the same for all), so each computes the same simulated now (``catalyst.clock.AnchoredReplayClock``).
``MARKET_CLOCK=wall make run`` runs them on the wall clock instead; ``REPLAY_START``,
``REPLAY_SPEED`` and ``REPLAY_ANCHOR`` set in the environment are kept. The Workflow runs the day's
phases on that clock itself (``WORKFLOW_SCHEDULER=true`` unless the environment says otherwise).
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import httpx
from pydantic import ValidationError

from catalyst.clock import DEFAULT_REPLAY_START, MarketClockSettings, market_clock
from catalyst.config import Settings
from catalyst.db import Database
from catalyst.domain.calendar import NEW_YORK
from catalyst.environment import read
from catalyst.services import PORTS, ServiceName

ROOT = Path(__file__).resolve().parents[1]
START_ORDER = [  # spec 5.3: infrastructure services, core, execution, interface
    ServiceName.NEWS, ServiceName.TECHNICAL, ServiceName.PATTERN, ServiceName.SCANNER, ServiceName.RISK,
    ServiceName.TRADING, ServiceName.WORKFLOW, ServiceName.ORCHESTRATION, ServiceName.REPORTING,
]


def available(service: ServiceName) -> bool:
    return (ROOT / "services" / service.value / "app.py").exists()


def load_replay_data() -> None:
    if importlib.util.find_spec("catalyst.synthetic.load") is None:
        return
    print("run: loading the replay market data into the bar store", flush=True)
    subprocess.run([sys.executable, "-m", "catalyst.synthetic.load"], check=True, cwd=ROOT)


def clock_env(environ: Mapping[str, str], launched: datetime) -> dict[str, str]:
    """The market-clock variables every service gets: one replay line unless ``MARKET_CLOCK=wall``."""
    kind = environ.get("MARKET_CLOCK", "").strip().lower() or "replay"
    if kind != "replay":
        return {"MARKET_CLOCK": kind}  # "wall" (anything else is refused by clock_settings)
    return {
        "MARKET_CLOCK": "replay",
        "REPLAY_START": environ.get("REPLAY_START") or DEFAULT_REPLAY_START.isoformat(),
        "REPLAY_SPEED": environ.get("REPLAY_SPEED") or "1",
        "REPLAY_ANCHOR": environ.get("REPLAY_ANCHOR") or launched.isoformat(),
    }


def clock_settings(env: Mapping[str, str]) -> MarketClockSettings:
    """``env`` checked as the services will read it (a bad value stops here, not in nine processes)."""
    return read(MarketClockSettings, env)


def new_york(ts: datetime) -> str:
    return ts.astimezone(NEW_YORK).strftime("%Y-%m-%d %H:%M:%S New York")


def describe_clock(settings: MarketClockSettings) -> str:
    if settings.market_clock == "wall":
        return "market clock: wall time"
    anchor = settings.replay_anchor.isoformat() if settings.replay_anchor else "at each start"
    return (f"market clock: replay from {new_york(settings.replay_start)} at {settings.replay_speed:g}x "
            f"(REPLAY_START={settings.replay_start.isoformat()}, REPLAY_ANCHOR={anchor})")


async def _later_trading_state(replay_start: datetime) -> tuple[int, int]:
    """Orders recorded after the replay start, and open positions (an earlier run's state)."""
    db = Database(read(Settings).database_url, min_size=1, max_size=1)
    try:
        async with db.acquire() as conn:
            orders = await conn.fetchval("SELECT count(*) FROM orders WHERE created_at > $1", replay_start)
            positions = await conn.fetchval("SELECT count(*) FROM positions WHERE status = 'open'")
        return int(orders), int(positions)
    finally:
        await db.close()


def warn_about_earlier_state(settings: MarketClockSettings) -> None:
    """A replay restarted at its morning keeps the orders and positions of earlier runs (the
    database is the system's memory): say so, since they come from a later point in time."""
    if settings.market_clock != "replay":
        return
    try:
        orders, positions = asyncio.run(_later_trading_state(settings.replay_start))
    except Exception as exc:  # only a warning: the services report their own database trouble
        print(f"run: could not check for earlier trading state ({exc.__class__.__name__})", flush=True)
        return
    if orders or positions:
        print(f"run: note: the database holds {orders} order(s) recorded after the replay start and {positions} "
              "open position(s) from earlier runs; for a clean replayed day use a fresh database "
              "(DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<new name> make run)", flush=True)


LOCAL_SCHEDULER = {ServiceName.WORKFLOW: {"WORKFLOW_SCHEDULER": "true"}}
"""Locally the Workflow runs the day's phases itself, on the market clock (in the cluster: CronJobs)."""


def start(service: ServiceName, clock: Mapping[str, str]) -> subprocess.Popen[bytes]:
    env = {**LOCAL_SCHEDULER.get(service, {}), **os.environ, **clock, "CATALYST_SERVICE": service.value}
    cmd = [sys.executable, "-m", "uvicorn", f"services.{service.value}.app:build_app", "--factory",
           "--host", os.environ.get("CATALYST_HOST", "127.0.0.1"), "--port", str(PORTS[service]),
           "--log-level", "warning"]
    return subprocess.Popen(cmd, cwd=ROOT, env=env)


def wait_healthy(service: ServiceName, seconds: float = 60.0) -> str:
    deadline = time.monotonic() + seconds
    status = "not answering"
    while time.monotonic() < deadline:
        try:
            status = str(httpx.get(f"http://127.0.0.1:{PORTS[service]}/health", timeout=2).json()["status"])
            if status in ("healthy", "degraded"):
                return status
        except (httpx.HTTPError, ValueError, KeyError):
            pass
        time.sleep(0.5)
    return status


def main() -> None:
    load_replay_data()
    clock = clock_env(os.environ, datetime.now(UTC))  # anchored now: the replay begins at launch
    try:
        settings = clock_settings(clock)
    except ValidationError as exc:
        sys.exit(f"run: bad market clock settings: {exc}")
    print(f"run: {describe_clock(settings)}", flush=True)
    warn_about_earlier_state(settings)
    procs: dict[ServiceName, subprocess.Popen[bytes]] = {}
    for service in START_ORDER:
        if available(service):
            procs[service] = start(service, clock)
    for service in procs:
        print(f"run: {service.value:<14} :{PORTS[service]}  {wait_healthy(service)}", flush=True)
    missing = [s.value for s in START_ORDER if s not in procs]
    if missing:
        print(f"run: not built yet: {', '.join(missing)}", flush=True)
    print(f"run: market time now {new_york(market_clock(settings).now())}", flush=True)
    print("run: OpenAPI docs at http://127.0.0.1:<port>/docs; Ctrl-C stops everything", flush=True)

    def stop(*_: object) -> None:
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            proc.wait(timeout=10)
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while True:
        for service, proc in procs.items():
            if proc.poll() is not None:
                print(f"run: {service.value} exited with {proc.returncode}; stopping", flush=True)
                stop()
        time.sleep(1)


if __name__ == "__main__":
    main()
