"""What several benchmarks share: repeated timing, the machine's load, a free loopback port, the real
Risk Manager in a process of its own."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    """(best, median) wall seconds over ``runs`` calls."""
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return min(samples), statistics.median(samples)


def load_average() -> str:
    """The 1/5/15-minute load average, for the machine note (figures on a loaded machine are noisy)."""
    try:
        return "load average " + " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "load average unknown"


def machine_load(load_before: str) -> str:
    """The start of a section's machine note: cores, and the load before and after the run."""
    return f"Machine: {os.cpu_count()} cores shared with other work ({load_before} at start, {load_average()} at end); "


def free_port() -> int:
    """A TCP port on 127.0.0.1 free right now (for a server the benchmark starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_risk_service(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """The real Risk Manager under uvicorn on a free loopback port, once it answers ``/health``; Trading
    points at a closed port (no broker equity: the parameter is the capital). Its base URL with it."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "services.risk.app:build_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env={**os.environ, **env, "TRADING_URL": f"http://127.0.0.1:{free_port()}"},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base, timeout=2) as client:
        for _ in range(300):
            try:
                if client.get("/health").status_code in (200, 503):  # answering: the lifespan ran
                    return server, base
            except httpx.TransportError:
                pass
            if server.poll() is not None:
                break
            time.sleep(0.1)
    server.terminate()
    _, err = server.communicate(timeout=10)
    raise RuntimeError(f"the risk service did not become healthy: {err.decode()[-2000:]}")


def stop_service(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    server.wait(timeout=10)
