"""What several benchmarks share: repeated timing, the machine's load, a free loopback port."""

from __future__ import annotations

import os
import socket
import statistics
import time
from collections.abc import Callable
from typing import Any


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
