"""Trading service (port 5005): routes and start-up only; the OMS is ``catalyst.trading``.

Start-up: build the broker (``BROKER=sim|alpaca``), reconcile with it once before serving
(recovers from a crash between an order row and the broker's answer), then keep two background
tasks: the broker's order-update feed and reconciliation every ``TRADING_RECONCILE_INTERVAL``.
Every market time (the price feed's horizon, the sim's fills, approval expiry, order and position
times, reconciliation's grace and age) is the market clock's (``rt.clock``).
Run as ``uvicorn services.trading.app:build_app --factory``.
"""

from __future__ import annotations

from fastapi import FastAPI

from catalyst.access import TRADING_BOOK
from catalyst.app import ServiceRuntime, create_app
from catalyst.brokers.config import BrokerSettings
from catalyst.brokers.factory import build_broker
from catalyst.brokers.feeds import TradingHistoryFeed
from catalyst.clock import Clock
from catalyst.config import Settings
from catalyst.environment import read
from catalyst.logging import get_logger
from catalyst.services import ServiceName
from catalyst.tasks import BackgroundTasks
from catalyst.trading.config import TradingSettings
from catalyst.trading.oms import OrderManager
from catalyst.trading.reconcile import Reconciler
from catalyst.trading.runner import consume_order_updates, reconcile_periodically
from services.trading.routes import TradingState, account_router, orders_router, positions_router, reconcile_router

log = get_logger(__name__)


async def start_trading(app: FastAPI, rt: ServiceRuntime, broker_settings: BrokerSettings,
                        settings: TradingSettings) -> None:
    feed = TradingHistoryFeed(rt.db, settings.price_timeframe, clock=rt.clock)
    broker = build_broker(broker_settings, db=rt.db, feed=feed, clock=rt.clock)
    oms = OrderManager(rt.db, broker, broker_name=broker_settings.venue, feed=feed, bus=rt.bus,
                       approval_secret=rt.settings.risk_approval_secret.get_secret_value(), settings=settings,
                       clock=rt.clock)
    reconciler = Reconciler(oms)
    try:
        await broker.start()
        report = await reconciler.run(startup=True)
        log.info("startup_reconciliation", checked=report.orders_checked, resubmitted=report.orders_resubmitted,
                 adopted=report.orders_adopted, rejected=report.orders_rejected, positions=report.positions_fixed)
    except Exception as exc:  # serve anyway: the periodic pass retries, /health shows the outage
        log.error("startup_reconciliation_failed", error=str(exc))
    tasks = BackgroundTasks()
    tasks.start(consume_order_updates(broker, oms.sync), name="trading-order-updates")
    tasks.start(reconcile_periodically(reconciler, settings.reconcile_interval_s), name="trading-reconcile")
    app.state.trading = TradingState(oms=oms, reconciler=reconciler, broker=broker, tasks=tasks)


async def stop_trading(app: FastAPI, rt: ServiceRuntime) -> None:
    state: TradingState | None = getattr(app.state, "trading", None)
    if state is not None:
        await state.tasks.stop()
        await state.oms.sync.flush()  # the fills and positions still queued go out before the bus closes
        await state.broker.aclose()


def build_app(settings: Settings | None = None, *, broker_settings: BrokerSettings | None = None,
              trading_settings: TradingSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """The Trading app. Sections not given are read from the environment, here and once;
    ``clock`` replaces the environment's market clock (tests)."""
    settings = settings or read(Settings)
    broker = broker_settings or read(BrokerSettings)
    trading = (trading_settings or read(TradingSettings)).check_env(settings.env)

    async def start(app: FastAPI, rt: ServiceRuntime) -> None:
        await start_trading(app, rt, broker, trading)

    return create_app(
        ServiceName.TRADING,
        settings=settings,
        clock=clock,
        routers=[(r, TRADING_BOOK) for r in (orders_router, positions_router, reconcile_router, account_router)],
        on_startup=[start],
        on_shutdown=[stop_trading],
        title="Catalyst Trading Service",
        description="Order execution via the configured broker (simulated or Alpaca), with reconciliation.",
    )
