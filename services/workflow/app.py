"""Workflow service (port 5006): routes and start-up only; the logic is ``catalyst.workflow``.

Run: ``uvicorn services.workflow.app:build_app --factory --port 5006``. With
``WORKFLOW_SCHEDULER=true`` the phases also run in process on the market clock (``make run``);
in the cluster Kubernetes CronJobs call ``catalyst phase <name>`` instead.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, Path, Query

from catalyst.access import WORKFLOW
from catalyst.app import ServiceRuntime, app_state, create_app
from catalyst.auth import Caller
from catalyst.calendars.nyse import nyse_calendar
from catalyst.clients.news import NewsClient
from catalyst.clients.pattern import PatternClient
from catalyst.clients.reporting import ReportingClient
from catalyst.clients.risk import RiskClient
from catalyst.clients.scanner import ScannerClient
from catalyst.clients.technical import TechnicalClient
from catalyst.clients.trading import TradingClient
from catalyst.clock import Clock
from catalyst.config import Settings
from catalyst.contracts.reporting import PerformanceReport, TradeJournal
from catalyst.contracts.risk import ActiveParameters, ParametersUpdate, RiskStatus
from catalyst.contracts.scanner import ScanResult, SymbolVerdict
from catalyst.contracts.trading import PositionList, PositionOut
from catalyst.contracts.workflow import (
    AlertsOut,
    CloseOutcome,
    ClosePositionRequest,
    CycleOut,
    PhaseRequest,
    PhaseResult,
    Timeline,
    TradeOutcome,
    TradeRequest,
    WorkflowRoutes,
)
from catalyst.domain.bounded import SymbolInput
from catalyst.domain.calendar import MarketCalendar
from catalyst.domain.cycle import Phase
from catalyst.environment import read
from catalyst.routing import serve
from catalyst.services import ServiceName
from catalyst.tasks import BackgroundTasks
from catalyst.workflow.config import WorkflowSettings
from catalyst.workflow.ledger import CycleLedger
from catalyst.workflow.peers import PeerSource, WorkflowPeers
from catalyst.workflow.phases import PhaseCall, PhaseRunner
from catalyst.workflow.risk_limits import risk_limits
from catalyst.workflow.scheduler import PhaseScheduler
from catalyst.workflow.trades import TradeDesk, ticker
from catalyst.workflow.views import WorkflowViews

Runner = Annotated[PhaseRunner, Depends(app_state("phases", PhaseRunner))]
Desk = Annotated[TradeDesk, Depends(app_state("trades", TradeDesk))]
Views = Annotated[WorkflowViews, Depends(app_state("views", WorkflowViews))]
Peers = Annotated[WorkflowPeers, Depends(app_state("peers", WorkflowPeers))]

router = APIRouter(tags=["workflow"])


@serve(router, WorkflowRoutes.run_phase)
async def run_phase(phase: Annotated[Phase, Path(description="The phase of today's cycle to run")],
                    body: PhaseRequest, runner: Runner, caller: Caller) -> PhaseResult:
    """Run one phase of today's cycle (the CronJobs' ``catalyst phase``). ``ran: false`` with the reason when
    it did nothing (it ran already, it is not its time, the market is closed, a monitor before the open);
    409 ``ILLEGAL_TRANSITION`` naming the state and the phases it allows; 422 ``OUTSIDE_CALENDAR`` for a
    day beyond the calendar; 502 ``PHASE_FAILED`` when a service it needs failed."""
    return await runner.run(PhaseCall(phase, requested_by=body.requested_by or caller.value, reason=body.reason,
                                      force=body.force))


@serve(router, WorkflowRoutes.current_cycle)
async def current_cycle(views: Views) -> CycleOut:
    """Today's cycle (the market clock's trading day); 404 ``NO_CYCLE`` before anything ran."""
    return await views.current_cycle()


@serve(router, WorkflowRoutes.get_cycle)
async def get_cycle(cycle_id: UUID, views: Views) -> CycleOut:
    return await views.cycle(cycle_id)


@serve(router, WorkflowRoutes.cycle_timeline)
async def cycle_timeline(cycle_id: UUID, views: Views) -> Timeline:
    """Every transition and decision of the cycle, in the order they were written."""
    return await views.timeline(cycle_id)


@serve(router, WorkflowRoutes.request_trade)
async def request_trade(body: TradeRequest, desk: Desk, caller: Caller) -> TradeOutcome:
    """Pattern → Technical → Risk → Trading for one symbol; ``preview`` stops after Risk. A refusal answers
    200 with Risk's reasons; 409 ``CYCLE_NOT_TRADING`` outside the cycle's trading states."""
    return await desk.request(body, caller.value)


@serve(router, WorkflowRoutes.close_position)
async def close_position(position_id: UUID, body: ClosePositionRequest, desk: Desk, caller: Caller) -> CloseOutcome:
    """Exit through Trading (never blocked); the same ``request_id`` again answers the first close."""
    return await desk.close_position(position_id, body, caller.value)


@serve(router, WorkflowRoutes.positions)
async def positions(peers: Peers, status: Literal["open", "closed", "all"] = "open") -> PositionList:
    return await peers.trading.list_positions(status)


@serve(router, WorkflowRoutes.position)
async def position(position_id: UUID, views: Views) -> PositionOut:
    return await views.position(position_id)


@serve(router, WorkflowRoutes.risk_status)
async def risk_status(peers: Peers) -> RiskStatus:
    return await peers.risk.status()


@serve(router, WorkflowRoutes.risk_parameters)
async def risk_parameters(peers: Peers) -> ActiveParameters:
    """The Risk Manager's active parameters (the MCP tool ``update_risk_parameter`` starts from them)."""
    return await peers.risk.parameters()


@serve(router, WorkflowRoutes.update_risk_parameters)
async def update_risk_parameters(body: ParametersUpdate, views: Views, caller: Caller) -> ActiveParameters:
    """Replace the active parameters (the MCP tool ``update_risk_parameter``). With ``RISK_PARAMETERS_OBJECT``
    (in a cluster) the authoritative RiskParameters object is patched and this answers once the operator
    applied it (400 ``INVALID_RISK_PARAMETERS`` with the reason, nothing applied; 503
    ``RISK_PARAMETERS_PENDING`` while it is not applied yet: the object keeps it); else the Risk Manager takes it."""
    return await views.update_risk_parameters(body, caller.value)


@serve(router, WorkflowRoutes.alerts)
async def alerts(views: Views, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> AlertsOut:
    """The Risk Manager's active alerts and the latest risk events."""
    return await views.alerts(limit)


@serve(router, WorkflowRoutes.latest_scan)
async def latest_scan(peers: Peers) -> ScanResult:
    """The Scanner's latest scan; 404 ``NO_SCAN`` before the first."""
    return await peers.scanner.latest()


@serve(router, WorkflowRoutes.scan_candidate)
async def scan_candidate(symbol: Annotated[SymbolInput, Path()], peers: Peers) -> SymbolVerdict:
    """Where the symbol left the latest scan and why, or its candidacy."""
    return await peers.scanner.verdict(ticker(symbol))


@serve(router, WorkflowRoutes.daily_performance)
async def daily_performance(views: Views, peers: Peers, day: Annotated[date | None, Query(
        description="Default: today (the market clock's trading day)")] = None) -> PerformanceReport:
    return await peers.reporting.daily(day or views.today())


@serve(router, WorkflowRoutes.weekly_performance)
async def weekly_performance(views: Views, peers: Peers, day: Annotated[date | None, Query(
        description="A day of the week; default: today")] = None) -> PerformanceReport:
    return await peers.reporting.weekly(day or views.today())


@serve(router, WorkflowRoutes.trade_journal)
async def trade_journal(views: Views, peers: Peers, start: date | None = None, end: date | None = None) -> TradeJournal:
    """The trades from ``start`` to ``end`` (default: today)."""
    today = views.today()
    return await peers.reporting.journal(start or end or today, end or today)


def build_app(settings: Settings | None = None, *, workflow_settings: WorkflowSettings | None = None,
              peers: PeerSource | None = None, calendar: MarketCalendar | None = None,
              clock: Clock | None = None) -> FastAPI:
    """The Workflow app. ``peers`` opens the services it calls (tests: the real ones in process; default:
    HTTP clients to their URLs); ``calendar`` replaces the NYSE calendar, ``clock`` the market clock."""
    ws = workflow_settings or read(WorkflowSettings)
    tasks = BackgroundTasks()
    opened: list[AsyncExitStack] = []

    async def start(app: FastAPI, rt: ServiceRuntime) -> None:
        stack = AsyncExitStack()
        opened.append(stack)
        wp = await stack.enter_async_context(peers()) if peers is not None else WorkflowPeers(
            news=rt.peer(NewsClient), scanner=rt.peer(ScannerClient), pattern=rt.peer(PatternClient),
            technical=rt.peer(TechnicalClient), risk=rt.peer(RiskClient), trading=rt.peer(TradingClient),
            reporting=rt.peer(ReportingClient))
        market = calendar or nyse_calendar()
        ledger = CycleLedger(rt.db, ws.cycle_mode)
        runner = PhaseRunner(ledger=ledger, peers=wp, clock=rt.clock, calendar=market, settings=ws)
        app.state.peers = wp
        app.state.phases = runner
        app.state.trades = TradeDesk(ledger=ledger, peers=wp, clock=rt.clock, settings=ws)
        app.state.views = WorkflowViews(db=rt.db, peers=wp, clock=rt.clock, mode=ws.cycle_mode,
                                        limits=risk_limits(ws, wp.risk))
        if ws.scheduler_enabled:
            scheduler = PhaseScheduler(runner, rt.clock, market, poll_s=ws.scheduler_poll_s)
            tasks.start(scheduler.run_forever(), name="workflow-scheduler")

    async def stop(_app: FastAPI, _rt: ServiceRuntime) -> None:
        await tasks.stop()
        while opened:
            await opened.pop().aclose()

    return create_app(
        ServiceName.WORKFLOW, settings=settings, routers=[(router, WORKFLOW)], on_startup=[start],
        on_shutdown=[stop], clock=clock, title="Catalyst Workflow",
        description="The daily trading cycle, trade coordination and the reads Orchestration serves "
                    "(spec 2.3, service 7).",
    )
