"""Risk Manager service (port 5004): routes and start-up only; the logic is ``catalyst.risk``.

Run: ``uvicorn services.risk.app:build_app --factory --port 5004``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI

from catalyst.access import RISK_CHECKS, RISK_CONTROLS, RISK_PARAMETERS
from catalyst.app import ServiceRuntime, app_state, create_app
from catalyst.auth import Caller
from catalyst.clients.trading import TradingClient
from catalyst.clock import Clock
from catalyst.config import Settings
from catalyst.contracts import risk as api
from catalyst.db.bars import BarStore
from catalyst.environment import read
from catalyst.errors import CatalystError
from catalyst.logging import get_logger
from catalyst.risk.config import RiskSettings
from catalyst.risk.equity import equity_of
from catalyst.risk.history import HistoryCache, bar_store_loader
from catalyst.risk.manager import RiskManager
from catalyst.risk.parameter_store import ActiveSet, ParameterStore, watch_parameter_file
from catalyst.risk.prices import MarketPrices, bar_store_prices
from catalyst.risk.trading_gateway import TradingGateway
from catalyst.routing import serve
from catalyst.services import ServiceName
from catalyst.tasks import BackgroundTasks

log = get_logger(__name__)


Manager = Annotated[RiskManager, Depends(app_state("risk", RiskManager))]

# The pre-trade checks and reads (Workflow; reads also Orchestration and the operator) apart from the
# controls that change what is allowed (Workflow, Orchestration, the operator), and the parameters
# (those, and the risk operator besides): catalyst.access.
checks_router = APIRouter(tags=["risk"])
controls_router = APIRouter(tags=["risk controls"])
parameters_router = APIRouter(tags=["risk controls"])


def _active(a: ActiveSet) -> api.ActiveParameters:
    return api.ActiveParameters(version=a.version, parameters=a.parameters, applied_by=a.applied_by,
                            source=a.source, applied_at=a.applied_at, reason=a.reason)


@serve(checks_router, api.RiskRoutes.validate)
async def validate(body: api.ValidateRequest, risk: Manager) -> api.ValidateResponse:
    """Pre-trade check of one order: every rule, Kelly sizing, and a signed approval when approved."""
    return await risk.validator.validate(body)


@serve(parameters_router, api.RiskRoutes.get_parameters)
async def get_parameters(risk: Manager) -> api.ActiveParameters:
    """The active parameter set and its version."""
    return _active(risk.store.active)


@serve(parameters_router, api.RiskRoutes.put_parameters)
async def put_parameters(body: api.ParametersUpdate, risk: Manager, caller: Caller) -> api.ActiveParameters:
    """Replace the active set (absent keys take the documented defaults); applies at once."""
    applied = await risk.store.apply_parameters(body.parameters, source=body.source,
                                                applied_by=body.applied_by or caller.value, reason=body.reason)
    return _active(applied)


@serve(checks_router, api.RiskRoutes.status)
async def status(risk: Manager) -> api.RiskStatus:
    """State, daily P&L, exposure, usage of every limit and the active alerts."""
    return risk.status_report.status()


@serve(checks_router, api.RiskRoutes.mark_to_market)
async def mark_to_market(risk: Manager) -> api.RiskStatus:
    """Re-mark every open position at its last complete bar now and re-check the limits (the
    Workflow's monitor phase; the Risk Manager also does it by itself every market minute)."""
    await risk.follower.mark_to_market(force=True)
    return risk.status_report.status()


@serve(controls_router, api.RiskRoutes.emergency_stop)
async def emergency_stop(body: api.EmergencyStopRequest, risk: Manager, caller: Caller) -> api.EmergencyStopResponse:
    """Halt entries, cancel every open order and flatten every position through Trading."""
    return await risk.emergency_stop(body.reason, body.requested_by or caller.value)


@serve(controls_router, api.RiskRoutes.reset)
async def reset(body: api.ResetRequest, risk: Manager, caller: Caller) -> api.RiskStatus:
    """Explicitly lift an emergency halt (or the day's REDUCING latch)."""
    return await risk.reset(body.reason, body.requested_by or caller.value)


def build_app(settings: Settings | None = None, *, risk_settings: RiskSettings | None = None,
              trading: TradingGateway | None = None, clock: Clock | None = None) -> FastAPI:
    """The Risk Manager app. ``trading`` replaces the HTTP gateway to Trading (tests run the real
    Trading app in process through it); ``clock`` replaces the environment's market clock."""
    rs = risk_settings or read(RiskSettings)
    tasks = BackgroundTasks()

    async def start(app: FastAPI, rt: ServiceRuntime) -> None:
        store = ParameterStore(rt.db)
        gateway = trading or rt.peer(TradingClient)
        manager = RiskManager(
            db=rt.db, bus=rt.bus, cache=rt.cache, store=store,
            history=HistoryCache(bar_store_loader(BarStore(rt.db)), max_age_s=rs.history_max_age_s),
            trading=gateway,
            approval_secret=rt.settings.risk_approval_secret.get_secret_value(),
            clock=rt.clock,  # the market clock: history window, trading day, approval expiry
            emergency_deadline_s=rs.emergency_deadline_s,
            prices=MarketPrices(bar_store_prices(BarStore(rt.db))),
            equity_source=equity_of(gateway), book_resync_s=rs.book_resync_s,
        )
        app.state.risk = manager
        try:
            await manager.follower.subscribe()
        except Exception as exc:  # Redis down: the event loop below keeps trying
            log.warning("risk_subscribe_failed", error=str(exc))
        try:
            await manager.load(rs.parameters_file)
        except (CatalystError, OSError) as exc:  # fail closed until the maintenance loop loads it
            log.error("risk_load_failed", error=str(exc))
        tasks.start(manager.follower.run_events(), name="risk-events")
        tasks.start(manager.follower.run_book_follower(), name="risk-book")
        tasks.start(manager.run_maintenance(rs.parameters_file, rs.maintenance_interval_s), name="risk-maintenance")
        if rs.watch_parameters:
            tasks.start(watch_parameter_file(store, rs.parameters_file, debounce_ms=rs.watch_debounce_ms),
                        name="risk-parameter-watch")

    async def stop(app: FastAPI, _rt: ServiceRuntime) -> None:
        await tasks.stop()
        await app.state.risk.close()

    return create_app(
        ServiceName.RISK, settings=settings,
        routers=[(checks_router, RISK_CHECKS), (controls_router, RISK_CONTROLS),
                 (parameters_router, RISK_PARAMETERS)],
        on_startup=[start], on_shutdown=[stop],
        clock=clock, title="Catalyst Risk Manager",
        description="Pre-trade validation, Kelly sizing, limits and alerts, emergency stop (spec 2.3, service 5).",
    )
