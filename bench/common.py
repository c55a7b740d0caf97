"""What several benchmarks share: repeated timing, the machine's load, a free loopback port."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from catalyst.services import ServiceName

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


@contextmanager
def service(name: ServiceName, env: dict[str, str], logs: Path) -> Iterator[str]:
    """``services/<name>`` under uvicorn on a free loopback port, once it answers ``/live``; its
    output goes to ``logs/<name>.log`` (a failed run names it)."""
    port = free_port()
    log = (logs / f"{name.value}.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", f"services.{name.value}.app:build_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env={**os.environ, **env, "CATALYST_SERVICE": name.value}, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=2) as client:
            for _ in range(600):
                try:
                    if client.get("/live").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if proc.poll() is not None:
                    raise RuntimeError(f"{name.value} exited; see {log.name}")
                time.sleep(0.1)
            else:
                raise RuntimeError(f"{name.value} did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log.close()


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]
