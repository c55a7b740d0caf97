"""``make run``: every Catalyst service on this machine, on the embedded defaults.

Loads the replay market data into the bar store (once), then starts each service under
``services/`` with uvicorn on its spec port, waits for its /health, prints where everything is,
and stops them all on Ctrl-C (or when one dies).
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from catalyst.services import PORTS, ServiceName

ROOT = Path(__file__).resolve().parents[1]
START_ORDER = [  # spec 5.3: infrastructure services, core, execution, interface
    ServiceName.NEWS, ServiceName.TECHNICAL, ServiceName.PATTERN, ServiceName.SCANNER, ServiceName.RISK,
    ServiceName.TRADING, ServiceName.WORKFLOW, ServiceName.ORCHESTRATION, ServiceName.REPORTING,
]


def available(service: ServiceName) -> bool:
    return (ROOT / "services" / service.value / "app.py").exists()


def load_replay_data() -> None:
    if importlib.util.find_spec("catalyst.market_data.load") is None:
        return
    print("run: loading the replay market data into the bar store", flush=True)
    subprocess.run([sys.executable, "-m", "catalyst.market_data.load"], check=True, cwd=ROOT)


def start(service: ServiceName) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CATALYST_SERVICE": service.value}
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
    procs: dict[ServiceName, subprocess.Popen[bytes]] = {}
    for service in START_ORDER:
        if available(service):
            procs[service] = start(service)
    for service in procs:
        print(f"run: {service.value:<14} :{PORTS[service]}  {wait_healthy(service)}", flush=True)
    missing = [s.value for s in START_ORDER if s not in procs]
    if missing:
        print(f"run: not built yet: {', '.join(missing)}", flush=True)
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
