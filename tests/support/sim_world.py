"""An OMS trading against the sim broker, in process, fed bar by bar: the Trading tests' world, and
the one other suites use to make real orders, fills and positions (Reporting's journal).

``open_sim_world(db, redis, namespace)``: Trading's ``OrderManager`` on ``db`` (real Postgres, the
real Redis bus under ``namespace``) and a ``SimBroker`` on its Postgres ledger, its clock a
``SimulatedClock`` at ``T0`` that each published bar moves on. ``approve`` signs a Risk approval
with ``SECRET``, the secret the OMS checks.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from catalyst.brokers.config import BrokerSettings
from catalyst.brokers.feeds import InMemoryBarFeed
from catalyst.brokers.guard import GuardedBroker
from catalyst.brokers.sim import SimBroker
from catalyst.brokers.sim_ledger import PostgresSimLedger
from catalyst.bus import EventBus
from catalyst.clock import SimulatedClock
from catalyst.db import Database
from catalyst.domain.approvals import TradeApproval
from catalyst.domain.market import Bar
from catalyst.domain.orders import Side
from catalyst.risk.approvals import sign_approval
from catalyst.trading.config import TradingSettings
from catalyst.trading.oms import OrderManager
from catalyst.trading.reconcile import Reconciler

SECRET = "trading-test-secret"
T0 = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)  # 09:30 New York, a Monday


@dataclass
class SimWorld:
    """An OMS on the real database and Redis, trading against a SimBroker fed bar by bar."""

    db: Database
    feed: InMemoryBarFeed
    clock: SimulatedClock
    sim: SimBroker
    broker: GuardedBroker
    oms: OrderManager
    reconciler: Reconciler
    bus: EventBus
    redis: Any  # the client under ``bus`` (a test waits on its subscriptions)
    minute: int = 0
    start: datetime = T0  # the first bar's time; ``move_to`` starts another day's bars

    def move_to(self, start: datetime) -> None:
        """Publish the next bars from ``start`` on (another session), the clock moved there."""
        self.start, self.minute = start, 0
        self.clock.set(max(self.clock.now(), start))

    def approve(self, symbol: str, side: Side, max_quantity: int, price_bound: float, *,
                ttl_s: float = 60, now: datetime | None = None, secret: str = SECRET) -> TradeApproval:
        return sign_approval(symbol=symbol, side=side, max_quantity=max_quantity, price_bound=price_bound,
                             secret=secret, now=now or self.clock.now(), ttl=timedelta(seconds=ttl_s))

    def bar(self, symbol: str, o: float, h: float, lo: float, c: float, v: float = 10_000) -> Bar:
        """Publish the next one-minute bar and move the clock past its end."""
        bar = Bar(symbol=symbol, ts=self.start + timedelta(minutes=self.minute), open=o, high=h, low=lo, close=c,
                  volume=v)
        self.minute += 1
        self.feed.publish(bar)
        self.clock.set(max(self.clock.now(), bar.ts + timedelta(minutes=1)))
        return bar

    async def step(self, symbol: str, o: float, h: float, lo: float, c: float, v: float = 10_000) -> None:
        """One bar: the sim matches it, and every order it changed is applied by the OMS."""
        self.bar(symbol, o, h, lo, c, v)
        await self.sim.sync()
        await self.drain()

    async def check_books(self) -> None:
        """Orders, fills and positions agree with each other and with the broker's own books."""
        async with self.db.acquire() as conn:
            bad_orders = await conn.fetch(
                """SELECT o.client_order_id, o.filled_quantity, coalesce(sum(f.quantity), 0) AS fills
                   FROM orders o LEFT JOIN fills f USING (order_id)
                   GROUP BY o.order_id HAVING o.filled_quantity <> coalesce(sum(f.quantity), 0)""")
            assert [dict(r) for r in bad_orders] == []
            net = {r["symbol"]: r["net"] for r in await conn.fetch(
                """SELECT s.symbol, sum(CASE o.side WHEN 'buy' THEN f.quantity ELSE -f.quantity END) AS net
                   FROM fills f JOIN orders o USING (order_id) JOIN securities s USING (security_id)
                   GROUP BY s.symbol""")}
            held = {r["symbol"]: r["q"] for r in await conn.fetch(
                """SELECT s.symbol, CASE p.side WHEN 'long' THEN p.quantity ELSE -p.quantity END AS q
                   FROM positions p JOIN securities s USING (security_id) WHERE p.status = 'open'""")}
        assert {k: v for k, v in net.items() if v != 0} == held
        broker = {p.symbol: p.quantity for p in await self.broker.list_positions()}
        assert {k: float(v) for k, v in held.items()} == broker

    async def drain(self) -> None:
        while not self.sim._updates.empty():
            update = self.sim._updates.get_nowait()
            await self.oms.sync.apply(update.order)


@asynccontextmanager
async def open_sim_world(db: Database, redis: Any, namespace: str, *,
                         commission_per_share: float = 0.01) -> AsyncIterator[SimWorld]:
    """The world for the block; its broker closed after it."""
    clock = SimulatedClock(T0)
    feed = InMemoryBarFeed()
    settings = BrokerSettings(SIM_ACCOUNT="test", SIM_SLIPPAGE_BPS=0, SIM_COMMISSION_PER_SHARE=commission_per_share,
                              BROKER_POLL_INTERVAL=0.05)
    sim = SimBroker.from_settings(settings, feed, PostgresSimLedger(db), clock=clock)
    broker = GuardedBroker(sim, attempts=3, wait_initial_s=0, wait_max_s=0)
    await broker.start()
    bus = EventBus(redis, f"{namespace}{uuid.uuid4().hex[:6]}:")
    oms = OrderManager(db, broker, broker_name=settings.venue, feed=feed, bus=bus, approval_secret=SECRET,
                       settings=TradingSettings(TRADING_RECONCILE_GRACE=30, TRADING_RESUBMIT_MAX_AGE=120),
                       clock=clock)
    try:
        yield SimWorld(db, feed, clock, sim, broker, oms, Reconciler(oms), bus, redis)
    finally:
        await oms.sync.flush()
        await broker.aclose()
