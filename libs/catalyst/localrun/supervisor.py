"""The nine service processes: started in dependency order, watched, restarted, stopped.

Each service runs as its own uvicorn process (as in the cluster, one pod each) with its output in
``<run dir>/logs/<service>.log``. A service starts only once every peer it calls answers
``/health``; one that dies is reported and started again (at most ``max_restarts`` times, so a
service that cannot start does not spin forever); ``stop`` sends SIGTERM to all, newest first,
and kills whatever has not exited after ``grace_s``.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from catalyst.services import DEPENDENCIES, PORTS, ServiceName

HEALTHY = frozenset({"healthy", "degraded"})
"""A degraded service answers (a peer of its is down or slow): its callers may start."""


@dataclass
class ServiceProcess:
    """One service's process and its log file; ``env`` is the whole environment it gets."""

    service: ServiceName
    env: Mapping[str, str]
    log_path: Path
    port: int
    proc: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    _log: IO[bytes] | None = field(default=None, repr=False)

    def command(self, host: str) -> list[str]:
        return [sys.executable, "-m", "uvicorn", f"services.{self.service.value}.app:build_app", "--factory",
                "--host", host, "--port", str(self.port), "--log-level", "warning"]

    def start(self, root: Path, host: str) -> None:
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(self.command(host), cwd=root, env=dict(self.env),
                                     stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
                                     preexec_fn=_die_with_parent)

    def exit_code(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def memory_kib(self) -> tuple[int, int] | None:
        """Resident memory now and at its peak (VmRSS, VmHWM in KiB), read from /proc; None when gone."""
        if self.proc is None or self.exit_code() is not None:
            return None
        try:
            fields = dict(line.split(":", 1) for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines()
                          if ":" in line)
            return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])
        except (OSError, KeyError, ValueError):
            return None

    def close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


def health(port: int, host: str = "127.0.0.1", timeout_s: float = 2.0) -> str:
    """The ``/health`` status of the service on ``port``, or why there is none."""
    try:
        answer = httpx.get(f"http://{host}:{port}/health", timeout=timeout_s)
        return str(answer.json()["status"])
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return "not answering"


@dataclass(frozen=True)
class Event:
    """Something the operator should see: a start, a death, a restart, a give-up."""

    service: ServiceName
    what: str


class Supervisor:
    def __init__(self, root: Path, log_dir: Path, env_for: Callable[[ServiceName], Mapping[str, str]], *,
                 host: str = "127.0.0.1", max_restarts: int = 3, health_timeout_s: float = 90.0,
                 grace_s: float = 10.0, ports: Mapping[ServiceName, int] = PORTS):
        self._root = root
        self._log_dir = log_dir
        self._env_for = env_for
        self._host = host
        self._max_restarts = max_restarts
        self._health_timeout_s = health_timeout_s
        self._grace_s = grace_s
        self._ports = ports
        self.processes: dict[ServiceName, ServiceProcess] = {}

    def start_all(self, order: Sequence[ServiceName], on_event: Callable[[Event], None]) -> None:
        """Start each service once the peers it calls answer; raises if one never comes up."""
        log_dir = self._log_dir
        log_dir.mkdir(parents=True, exist_ok=True)
        taken = [f"{s.value} :{self._ports[s]}" for s in order if port_taken(self._host, self._ports[s])]
        if taken:
            raise PortsTaken(f"ports already in use: {', '.join(taken)} (an earlier run still up? stop it first)")
        for service in order:
            for peer in DEPENDENCIES.get(service, ()):
                if peer in self.processes:
                    self.await_health(peer)
            process = ServiceProcess(service, self._env_for(service), log_dir / f"{service.value}.log",
                                     self._ports[service])
            process.start(self._root, self._host)
            self.processes[service] = process
            on_event(Event(service, f"started (pid {process.proc.pid if process.proc else '?'}, "
                                    f":{process.port})"))
        for service in order:
            on_event(Event(service, self.await_health(service)))

    def await_health(self, service: ServiceName) -> str:
        deadline = time.monotonic() + self._health_timeout_s
        status = "not answering"
        while time.monotonic() < deadline:
            code = self.processes[service].exit_code()
            if code is not None:
                raise ServiceFailed(service, f"exited with {code} before answering; see "
                                             f"{self.processes[service].log_path}")
            status = health(self.processes[service].port, self._host)
            if status in HEALTHY:
                return status
            time.sleep(0.25)
        raise ServiceFailed(service, f"/health said {status!r} for {self._health_timeout_s:g} s; see "
                                     f"{self.processes[service].log_path}")

    def watch(self) -> list[Event]:
        """Restart what died since the last look; what happened, for the status view."""
        events = []
        for service, process in self.processes.items():
            code = process.exit_code()
            if code is None:
                continue
            process.close_log()
            if process.restarts >= self._max_restarts:
                if process.proc is not None:
                    events.append(Event(service, f"exited with {code}; gave up after {process.restarts} restarts"))
                    process.proc = None
                continue
            process.restarts += 1
            process.start(self._root, self._host)
            events.append(Event(service, f"exited with {code}; restarted ({process.restarts}/{self._max_restarts})"))
        return events

    def stop(self) -> None:
        """SIGTERM to every service, the last started first; SIGKILL after the grace period."""
        running = [p for p in reversed(self.processes.values()) if p.proc is not None and p.exit_code() is None]
        for process in running:
            assert process.proc is not None
            _signal_group(process.proc, signal.SIGTERM)
        deadline = time.monotonic() + self._grace_s
        for process in running:
            assert process.proc is not None
            try:
                process.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process.proc, signal.SIGKILL)
                process.proc.wait()
        for process in self.processes.values():
            process.close_log()


class PortsTaken(RuntimeError):
    pass


class ServiceFailed(RuntimeError):
    def __init__(self, service: ServiceName, why: str):
        super().__init__(f"{service.value}: {why}")
        self.service = service


def port_taken(host: str, port: int) -> bool:
    """Whether something already listens on ``port`` (an earlier run still up, another program)."""
    with socket.socket() as probe:
        probe.settimeout(1.0)
        return probe.connect_ex((host, port)) == 0


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the runner dies, however it dies (Linux; elsewhere a
    runner killed with SIGKILL leaves its services running)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


_PR_SET_PDEATHSIG = 1


def _signal_group(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
