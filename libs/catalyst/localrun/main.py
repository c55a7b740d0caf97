"""``catalyst run``: migrate, load the replay data, start the nine services, play the day, report.

The run directory (``runs/<started>/``) holds a log file per service, the shared clock's file and
the day's HTML report. Ctrl-C (or the end of the day, ``--until``) stops every process.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from datetime import time as time_of_day
from pathlib import Path

from rich.console import Console
from rich.live import Live

from catalyst.clients.workflow import WorkflowClient
from catalyst.clock import Clock, ClockDial, MarketClockSettings, market_clock
from catalyst.config import Settings
from catalyst.contracts.mcp import MCP_PATH
from catalyst.domain.calendar import NEW_YORK
from catalyst.environment import read, variables
from catalyst.http import ServiceClient
from catalyst.localrun.autopilot import Autopilot
from catalyst.localrun.fills import FillFeed
from catalyst.localrun.plan import (
    RunOptions,
    clock_env,
    missing_live_settings,
    ports,
    service_env,
    start_order,
    url_env,
)
from catalyst.localrun.record import RunRecord, ServiceMemory
from catalyst.localrun.state import fresh_state
from catalyst.localrun.status import DayStatus, render
from catalyst.localrun.supervisor import Event, PortsTaken, ServiceFailed, Supervisor
from catalyst.services import Operator, ServiceName

ROOT = Path(__file__).resolve().parents[3]  # the checkout: services/ sits beside libs/
REFRESH_S = 1.0


def built_services(root: Path = ROOT) -> list[ServiceName]:
    return [s for s in ServiceName if (root / "services" / s.value / "app.py").exists()]


class LocalRun:
    def __init__(self, options: RunOptions, environ: Mapping[str, str], console: Console):
        self.options = options
        self.console = console
        self.started = datetime.now(UTC)
        self.dir = options.run_dir / self.started.strftime("%Y%m%dT%H%M%SZ")
        self.clock_file = self.dir / "clock"
        self.clock_vars = clock_env(options, self.clock_file, self.started)
        self.variables = dict(environ)
        self.events: deque[str] = deque(maxlen=8)
        self.ports = ports(options)
        self.variables |= url_env(options)
        self.supervisor = Supervisor(ROOT, self.dir / "logs", self._env_for, ports=self.ports)
        self.autopilot: Autopilot | None = None
        self.record = RunRecord(day=options.day.isoformat(), speed=str(options.speed))
        self._t0 = time.perf_counter()

    def _env_for(self, service: ServiceName) -> dict[str, str]:
        if service is ServiceName.ORCHESTRATION:
            self.variables["MCP_API_KEYS"] = self.mcp_key
        reports = {"REPORTING_DIR": str(self.dir / "reports")}
        return {**self.variables, **self.clock_vars, **reports, **service_env(self.options, service)}

    def note(self, event: Event | str) -> None:
        text = event if isinstance(event, str) else f"{event.service.value}: {event.what}"
        self.events.append(text)
        self.console.log(text)

    def prepare(self) -> None:
        """Migrations and replay data (both idempotent; the data loads once per store)."""
        if not self.options.keep_state:
            settings = read(Settings, self.variables)
            self.variables |= fresh_state(settings.database_url, settings.redis_url, self.options.port_base)
            self.note(f"a fresh database for the run: {self.variables['DATABASE_URL']}")
        env = self.variables
        subprocess.run([sys.executable, "-m", "catalyst.db.migrate"], check=True, cwd=ROOT, env=env)
        if not self.options.live:
            self.note("loading the replay market data into the bar store (once)")
            subprocess.run([sys.executable, "-m", "catalyst.synthetic.load"], check=True, cwd=ROOT, env=env)

    async def play(self) -> int:
        self.dir.mkdir(parents=True, exist_ok=True)
        dial = ClockDial(self.clock_file, self.options.starts_at()) if self.options.stepped else None
        settings = read(Settings, self.variables)
        self.supervisor.start_all(start_order(built_services()), self.note)
        self.record.startup_s = time.perf_counter() - self._t0
        self.print_endpoints(settings)
        client = ServiceClient(ServiceName.WORKFLOW, settings.service_url(ServiceName.WORKFLOW),
                               settings.api_key(Operator.OPERATOR), timeout=600.0)
        workflow = WorkflowClient(client)
        clock: Clock = dial or market_clock(read(MarketClockSettings, self.clock_vars))
        fills = FillFeed(settings.redis_url, settings.redis_namespace, clock)
        following = asyncio.create_task(fills.follow())
        if self.options.autopilot and ServiceName.ORCHESTRATION in self.supervisor.processes:
            self.autopilot = Autopilot(self.mcp_url, self.mcp_key, self.options.day, self.note)
        try:
            with Live(console=self.console, refresh_per_second=2, transient=False) as live:
                async def refresh() -> None:
                    for event in self.supervisor.watch():
                        self.note(event)
                    await self.act(clock.now())
                    live.update(render(await DayStatus.read(workflow, clock.now()), self.events, self.header(),
                                       fills.recent))

                if dial is not None:
                    await self._stepped(dial, workflow, refresh, self.options.ends_at())
                else:
                    await self._paced(clock, refresh)
                if self.options.hold:
                    await self._hold(clock, dial, workflow, refresh)
            self.console.print()
            self.record.fills = fills.count
            await self.summary(workflow)
            self.keep_record()
        finally:
            following.cancel()
            await client.aclose()
        return 0

    def keep_record(self) -> None:
        for service, process in self.supervisor.processes.items():
            kib = process.memory_kib()
            if kib is not None:
                self.record.memory[service.value] = ServiceMemory(rss_mib=kib[0] / 1024, peak_mib=kib[1] / 1024)
        (self.dir / "run.json").write_text(self.record.model_dump_json(indent=2))
        self.console.print(f"where the time went: {self.dir / 'run.json'} (startup {self.record.startup_s:.1f} s, "
                           f"the day {self.record.day_s:.1f} s; all services {self.record.total_peak_mib:,.0f} MiB "
                           "at their peaks)", soft_wrap=True)

    async def _stepped(self, dial: ClockDial, workflow: WorkflowClient, refresh: Callable[[], Awaitable[None]],
                       until: datetime, pace_s: float = 0.0) -> None:
        from catalyst.calendars.nyse import nyse_calendar
        from catalyst.localrun.driver import SteppedDay

        last = time.monotonic()
        started = time.perf_counter()

        async def between() -> None:
            nonlocal last
            await self.act(dial.now())
            if time.monotonic() - last >= REFRESH_S:
                await refresh()
                last = time.monotonic()

        async for outcome in SteppedDay(dial, workflow, nyse_calendar(), between_steps=between).play(
                until, pace_s=pace_s):
            self.record.phase(outcome.due.phase.value).add(outcome.wall_s)
            at = outcome.due.at.astimezone(NEW_YORK).strftime("%H:%M")
            if outcome.error is not None:
                self.note(f"{at} {outcome.due.phase.value}: {outcome.error}")
            elif outcome.result is not None and outcome.due.phase.value != "monitor":
                self.note(f"{at} {outcome.due.phase.value}: {'ran' if outcome.result.ran else outcome.result.reason}")
        if pace_s == 0:
            self.record.day_s = time.perf_counter() - started
        await refresh()

    async def _paced(self, clock: Clock, refresh: Callable[[], Awaitable[None]]) -> None:
        started = time.perf_counter()
        while clock.now() < self.options.ends_at():
            await refresh()
            await asyncio.sleep(REFRESH_S)
        self.record.day_s = time.perf_counter() - started
        await refresh()

    async def act(self, now: datetime) -> None:
        """The autopilot's turn (``--autopilot``); a failed action is reported, and the day goes on."""
        if self.autopilot is None:
            return
        try:
            await self.autopilot.act(now)
        except Exception as exc:  # the trader's stand-in failing must not stop the market
            self.note(f"autopilot: {_what_failed(exc)}")

    async def _hold(self, clock: Clock, dial: ClockDial | None, workflow: WorkflowClient,
                    refresh: Callable[[], Awaitable[None]]) -> None:
        """After ``--until`` every service stays up until Ctrl-C; a stepped day goes on at ``--hold-speed``
        (orders fill on the next minute's bar, so the market must move for a trader who connects now)."""
        at = clock.now().astimezone(NEW_YORK).strftime("%H:%M")
        self.note(f"holding from {at} New York at {self.options.hold_speed:g}x: the services stay up until Ctrl-C")
        if dial is not None:
            end_of_day = datetime.combine(self.options.day, time_of_day(23, 59), tzinfo=NEW_YORK)
            await self._stepped(dial, workflow, refresh, end_of_day, pace_s=60.0 / self.options.hold_speed)
        while True:
            await refresh()
            await asyncio.sleep(REFRESH_S)

    def header(self) -> str:
        speed = "max" if self.options.stepped else ("wall clock" if self.options.live else f"{self.options.speed:g}x")
        return f"Catalyst: {self.options.day.isoformat()} at {speed}, logs in {self.dir / 'logs'}"

    @property
    def mcp_url(self) -> str:
        return f"http://127.0.0.1:{self.ports[ServiceName.ORCHESTRATION]}{MCP_PATH}"

    @property
    def mcp_key(self) -> str:
        """The run's MCP key: the first of ``MCP_API_KEYS`` if set, else one made for this run."""
        if not self.variables.get("MCP_API_KEYS"):
            self.variables["MCP_API_KEYS"] = secrets.token_urlsafe(18)
        return self.variables["MCP_API_KEYS"].split(",")[0].strip()

    def print_endpoints(self, settings: Settings) -> None:
        if ServiceName.ORCHESTRATION not in self.supervisor.processes:
            self.note("the MCP server (Orchestration) is not built: the day runs without an MCP endpoint")
            return
        desktop = {"mcpServers": {"catalyst": {
            "command": str(Path(sys.executable).with_name("catalyst-mcp")),
            "env": {"CATALYST_MCP_URL": self.mcp_url, "CATALYST_MCP_API_KEY": self.mcp_key}}}}
        self.console.print(f"MCP endpoint: {self.mcp_url}  (X-API-Key: {self.mcp_key})", soft_wrap=True)
        self.console.print("Claude Desktop (claude_desktop_config.json; see the README's Claude Desktop section):")
        self.console.print_json(json.dumps(desktop))

    async def summary(self, workflow: WorkflowClient) -> None:
        report = self.dir / "reports" / f"daily-{self.options.day.isoformat()}.html"
        try:
            m = (await workflow.daily_performance(self.options.day)).metrics
            self.record.trades = m.trades
            rate = "-" if m.win_rate is None else f"{m.win_rate:.0%}"
            self.console.print(f"the day: net P&L {m.net_pnl:+,.2f} ({m.pnl_pct:+.2f}%), {m.trades} trades closed, "
                               f"win rate {rate}, commissions {m.commissions:,.2f}")
        except Exception as exc:
            self.console.print(f"no performance summary ({exc.__class__.__name__}: {exc})")
        self.record.report = str(report) if report.exists() else None
        self.console.print(f"the day's report: {report if report.exists() else 'not written (the close did not run)'}",
                           soft_wrap=True)

    def stop(self) -> None:
        self.note("stopping every service")
        self.supervisor.stop()


def _what_failed(exc: BaseException) -> str:
    """The innermost errors of ``exc`` (the MCP client raises them wrapped in task groups)."""
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(_what_failed(e) for e in exc.exceptions)
    return f"{exc.__class__.__name__}: {exc}"


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run(options: RunOptions, environ: Mapping[str, str] | None = None, console: Console | None = None) -> int:
    env = variables() if environ is None else dict(environ)
    console = console or Console(log_path=False, soft_wrap=not sys.stdout.isatty())
    if options.live and (missing := missing_live_settings(env)):
        console.print(f"--live trades on Alpaca's paper account and needs {', '.join(missing)} in the environment")
        return 2
    local = LocalRun(options, env, console)
    signal.signal(signal.SIGTERM, _interrupt)  # a runner stopped by its parent stops its services too
    try:
        local.prepare()
        return asyncio.run(local.play())
    except (ServiceFailed, PortsTaken) as exc:
        console.print(f"[red]{exc}[/]")
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        local.stop()
