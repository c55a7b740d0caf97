"""The run's live terminal view: what a trader glances at, read from the Workflow like any client.

``DayStatus.read`` gathers one snapshot (each read may fail on its own: a service restarting
leaves a gap, not a crash); ``render`` draws it with rich.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table

from catalyst.clients.workflow import WorkflowClient
from catalyst.contracts.risk import RiskStatus
from catalyst.contracts.scanner import ScanResult
from catalyst.contracts.trading import PositionList
from catalyst.contracts.workflow import AlertsOut, CycleOut
from catalyst.domain.calendar import NEW_YORK
from catalyst.domain.money import shares_text
from catalyst.errors import CatalystError


@dataclass
class DayStatus:
    market_time: datetime
    cycle: CycleOut | None = None
    scan: ScanResult | None = None
    positions: PositionList | None = None
    risk: RiskStatus | None = None
    alerts: AlertsOut | None = None
    gaps: list[str] = field(default_factory=list)

    @classmethod
    async def read(cls, workflow: WorkflowClient, market_time: datetime) -> DayStatus:
        status = cls(market_time)
        for name, call in (("cycle", workflow.current_cycle), ("scan", workflow.latest_scan),
                           ("positions", workflow.positions), ("risk", workflow.risk_status),
                           ("alerts", workflow.alerts)):
            try:
                setattr(status, name, await call())
            except CatalystError as exc:
                if exc.status_code != 404:  # no cycle or scan yet is a state, not a gap
                    status.gaps.append(f"{name}: {exc.code}")
        return status


def daily_loss_limit(risk: RiskStatus) -> tuple[float, float] | None:
    usage = next((u for u in risk.limits if u.name == "daily_loss"), None)
    return None if usage is None else (float(usage.value), float(usage.limit))


def render(status: DayStatus, events: deque[str], header: str, fills: deque[str] | None = None) -> RenderableType:
    top = Table.grid(padding=(0, 2))
    state = status.cycle.state.value if status.cycle else "no cycle yet"
    last = status.cycle.phases[-1].phase.value if status.cycle and status.cycle.phases else "-"
    top.add_row("market time", status.market_time.astimezone(NEW_YORK).strftime("%Y-%m-%d %H:%M New York"))
    top.add_row("cycle", f"{state} (last phase: {last})")
    if status.risk is not None:
        loss = daily_loss_limit(status.risk)
        limit = f" of {loss[1]:,.2f} loss limit" if loss else ""
        top.add_row("today's P&L", f"{status.risk.daily_pnl:+,.2f}{limit}  (risk: {status.risk.state.value})")
    candidates = Table("rank", "symbol", "score", "pattern", "entry", "stop", "target", title="candidates")
    for c in status.scan.candidates if status.scan else []:
        candidates.add_row(str(c.rank), c.symbol, f"{c.composite_score:.2f}", c.pattern or "-",
                           _price(c.entry), _price(c.stop), _price(c.target))
    positions = Table("symbol", "side", "qty", "entry", "mark", "unrealized", title="open positions")
    for p in status.positions.positions if status.positions else []:
        positions.add_row(p.symbol, p.side.value, shares_text(p.quantity), _price(p.avg_entry_price),
                          _price(p.market_price), f"{p.unrealized_pnl:+,.2f}")
    alerts = Table("level", "rule", "message", title="active alerts")
    for a in status.risk.active_alerts if status.risk else []:
        alerts.add_row(a.level, a.rule, a.message)
    recent = "\n".join(events) or "-"
    gaps = f"\n[yellow]not read: {', '.join(status.gaps)}[/]" if status.gaps else ""
    filled = "\n".join(fills or ()) or "-"
    return Panel(Group(top, candidates, positions, alerts, Panel(filled, title="recent fills"),
                       Panel(recent, title="recent events")),
                 title=header, subtitle=gaps or None)


def _price(value: Decimal | float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"
