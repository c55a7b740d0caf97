"""What a local run will do, decided before any process starts: options, start order, environment.

Pure: nothing here starts a process or opens a socket, so the choices (which clock, which day,
which order) are tested on their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from catalyst.config import comma_list
from catalyst.domain.calendar import NEW_YORK
from catalyst.domain.market import as_symbols
from catalyst.services import DEPENDENCIES, PORTS, ServiceName

SPEC_START_ORDER = (  # spec 5.3: infrastructure services, core, execution, interface
    ServiceName.NEWS, ServiceName.TECHNICAL, ServiceName.PATTERN, ServiceName.SCANNER, ServiceName.RISK,
    ServiceName.TRADING, ServiceName.WORKFLOW, ServiceName.ORCHESTRATION, ServiceName.REPORTING,
)
DEFAULT_DAY = date(2013, 3, 1)  # the replay set's last day
DAY_STARTS = time(7, 59)  # a minute before the pre-market scan
DEFAULT_UNTIL = time(16, 5)  # after the close phase (15:30), the report and the summary
RUNNER = "catalyst-run"  # who asks, in decision logs and phase runs


class RunOptions(BaseModel):
    """``catalyst run``'s options, checked before anything starts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    speed: float | Literal["max"] = Field(
        60.0, description="Replay seconds per wall second, or max: each minute as soon as the services answer")
    day: date = Field(DEFAULT_DAY, description="The replay day")
    symbols: tuple[str, ...] = Field((), description="Watchlist: only these symbols' news feeds the scan")
    until: time = Field(DEFAULT_UNTIL, description="New York time at which the run ends")
    autopilot: bool = Field(False, description="An MCP client in the run plays the trader")
    live: bool = Field(False, description="Wall clock and Alpaca paper trading with keys from the environment")
    run_dir: Path = Field(Path("runs"), description="Where each run's directory of logs and reports goes")
    hold: bool = Field(False, description="After --until, keep the services up until Ctrl-C")
    hold_speed: float = Field(1.0, gt=0, le=10_000,
                              description="While holding, a stepped day goes on at this many replay seconds a second")
    port_base: int | None = Field(None, ge=1024, le=65_000,
                                  description="Ports base + (spec port - 5000), e.g. to run beside a make run")
    keep_state: bool = Field(False, description="Run on DATABASE_URL as it is, not on a fresh catalyst_run")

    @field_validator("speed")
    @classmethod
    def _positive(cls, value: float | str) -> float | str:
        if isinstance(value, float) and not 0 < value <= 10_000:
            raise ValueError("speed must be in (0, 10000] replay seconds per wall second, or max")
        return value

    @field_validator("symbols", mode="before")
    @classmethod
    def _tickers(cls, value: object) -> object:
        names = comma_list(value)
        return as_symbols(map(str, names)) if isinstance(names, list | tuple) else value

    @property
    def stepped(self) -> bool:
        """At max speed the runner steps the clock itself, a minute once the minute's phases answered."""
        return self.speed == "max" and not self.live

    def starts_at(self) -> datetime:
        return datetime.combine(self.day, DAY_STARTS, tzinfo=NEW_YORK).astimezone(UTC)

    def ends_at(self) -> datetime:
        return datetime.combine(self.day, self.until, tzinfo=NEW_YORK).astimezone(UTC)


def start_order(services: Sequence[ServiceName],
                dependencies: Mapping[ServiceName, Sequence[ServiceName]] = DEPENDENCIES) -> list[ServiceName]:
    """``services`` so that each comes after every peer it calls; ties keep the spec's order (5.3).

    The spec lists Risk before Trading and Workflow before Reporting, but Risk calls Trading and
    Workflow calls Reporting: a service started before its peer answers would report itself degraded.
    """
    wanted = [s for s in SPEC_START_ORDER if s in services] + [s for s in services if s not in SPEC_START_ORDER]
    order: list[ServiceName] = []
    while len(order) < len(wanted):
        ready = [s for s in wanted if s not in order
                 and all(p in order or p not in wanted for p in dependencies.get(s, ()))]
        if not ready:
            stuck = [s.value for s in wanted if s not in order]
            raise ValueError(f"the services call each other in a cycle: {', '.join(stuck)}")
        order.append(ready[0])
    return order


def ports(options: RunOptions) -> dict[ServiceName, int]:
    """Each service's port: the spec's (5000 Orchestration … 5009 Reporting), or as many above ``--port-base``."""
    if options.port_base is None:
        return dict(PORTS)
    return {s: options.port_base + (port - PORTS[ServiceName.ORCHESTRATION]) for s, port in PORTS.items()}


def url_env(options: RunOptions) -> dict[str, str]:
    """Where every service finds its peers when the ports are not the spec's (``<SERVICE>_URL``)."""
    if options.port_base is None:
        return {}
    return {f"{s.value.upper()}_URL": f"http://127.0.0.1:{port}" for s, port in ports(options).items()}


def clock_env(options: RunOptions, clock_file: Path, launched: datetime) -> dict[str, str]:
    """The market-clock variables every service gets."""
    if options.live:
        return {"MARKET_CLOCK": "wall"}
    if options.stepped:
        return {"MARKET_CLOCK": "shared", "REPLAY_CLOCK_FILE": str(clock_file)}
    assert isinstance(options.speed, float)
    return {"MARKET_CLOCK": "replay", "REPLAY_START": options.starts_at().isoformat(),
            "REPLAY_SPEED": f"{options.speed:g}", "REPLAY_ANCHOR": launched.isoformat()}


def service_env(options: RunOptions, service: ServiceName) -> dict[str, str]:
    """What one service is told beyond the clock: who it is, the watchlist, who runs the phases."""
    env = {"CATALYST_SERVICE": service.value}
    if service is ServiceName.WORKFLOW:
        # paced: the Workflow's own scheduler runs the phases on the clock; stepped: the runner does
        env["WORKFLOW_SCHEDULER"] = "false" if options.stepped else "true"
        if options.symbols:
            env["WORKFLOW_WATCHLIST"] = ",".join(options.symbols)
    if options.stepped:  # a day passes in seconds: the sim broker looks at the clock often enough to keep up
        env["BROKER_POLL_INTERVAL"] = "0.05"
    if options.live:  # Alpaca's paper account, its market data and its news, on the wall clock
        env |= {"BROKER": "alpaca", "BAR_SOURCE": "alpaca", "NEWS_SOURCES": "alpaca"}
    return env


def missing_live_settings(environ: Mapping[str, str]) -> list[str]:
    """``--live`` trades on Alpaca's paper account: its keys must be in the environment."""
    return [name for name in ("ALPACA_API_KEY", "ALPACA_SECRET_KEY") if not environ.get(name)]
