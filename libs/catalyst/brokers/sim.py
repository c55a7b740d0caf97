"""``SimBroker``: the offline default broker, a simulated venue behind the ``Broker`` interface.

The matching rules are ``SimEngine``'s (pure, deterministic); this adapter adds the price feed
(bars are pulled for every symbol with working orders before each operation and on each poll),
the ledger (every operation saved before it answers, so the books survive a restart) and the
order-update feed (changes queued as they happen, polling as the heartbeat). One process owns
one sim account at a time.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import ClassVar

from prometheus_client import Counter

from catalyst.brokers.base import Broker, OrderQuery
from catalyst.brokers.config import BrokerSettings
from catalyst.brokers.errors import BrokerRejected, BrokerTransientError
from catalyst.brokers.feeds import PriceFeed
from catalyst.brokers.models import BrokerAccount, OrderUpdate
from catalyst.brokers.sim_engine import SimCosts, SimEngine, SimOrder, order_to_doc
from catalyst.brokers.sim_ledger import SimLedger
from catalyst.clock import Clock, SystemClock
from catalyst.domain.order import Order
from catalyst.domain.order_request import OrderRequest
from catalyst.domain.orders import OrderType, Side, TimeInForce
from catalyst.domain.position import Position
from catalyst.logging import get_logger

log = get_logger(__name__)

SIM_DROPPED_UPDATES = Counter("catalyst_trading_sim_dropped_updates_total",
                              "Sim order updates dropped because no consumer kept up")
_ONE_US = timedelta(microseconds=1)
_PAGE = 1000



class SimBroker(Broker):
    name: ClassVar[str] = "sim"

    def __init__(self, engine: SimEngine, feed: PriceFeed, ledger: SimLedger, *, poll_interval_s: float = 2.0,
                 clock: Clock = SystemClock(), update_queue_size: int = 10_000):
        self.engine = engine
        self.feed = feed
        self.ledger = ledger
        self.poll_interval_s = poll_interval_s
        self.clock = clock
        self._lock = asyncio.Lock()
        self._updates: asyncio.Queue[OrderUpdate] = asyncio.Queue(maxsize=update_queue_size)
        self._started = False

    @classmethod
    def from_settings(cls, settings: BrokerSettings, feed: PriceFeed, ledger: SimLedger,
                      clock: Clock = SystemClock()) -> SimBroker:
        engine = SimEngine(
            account=settings.sim_account, initial_cash=settings.sim_initial_cash,
            costs=SimCosts(slippage_bps=settings.sim_slippage_bps,
                           commission_per_share=settings.sim_commission_per_share,
                           min_commission=settings.sim_min_commission,
                           max_participation=settings.sim_max_participation),
            market_fill=settings.sim_market_fill,
        )
        return cls(engine, feed, ledger, poll_interval_s=settings.poll_interval_s, clock=clock)

    async def start(self) -> None:
        async with self._lock:
            loaded = await self.ledger.load(self.engine.account)
            if loaded is None:
                await self.ledger.save(self.engine.account, self.engine.account_state(), [], [])
            else:
                self.engine.restore(*loaded)
            self._started = True
        log.info("sim_broker_started", account=self.engine.account, orders=len(self.engine.orders))

    async def _ensure_started(self) -> None:
        if not self._started:
            await self.start()

    # ------------------------------------------------------------ market data

    async def _pump(self, symbols: set[str]) -> None:
        """Feed the engine every new bar of ``symbols`` (lock held)."""
        now = self.clock.now()
        for symbol in sorted(symbols):
            if self.engine.forget_bar_after(symbol, now):
                log.warning("sim_future_bar_forgotten", symbol=symbol, now=now.isoformat())
            last = self.engine.last_bar.get(symbol)
            earliest = self.engine.earliest_active(symbol) if last is None else None
            if last is not None:
                after = last.ts
            elif earliest is not None:
                after = earliest - _ONE_US
            else:
                latest = await self.feed.latest_bar(symbol)
                if latest is not None:
                    self.engine.on_bar(latest)
                continue
            while True:
                bars = await self.feed.bars_after(symbol, after, _PAGE)
                for bar in bars:
                    self.engine.on_bar(bar)
                if len(bars) < _PAGE:
                    break
                after = bars[-1].ts

    async def _commit(self) -> None:
        """Save what changed; on failure reload the books so memory never runs ahead of them."""
        changed, fills = self.engine.drain()
        if not changed and not fills:
            return
        try:
            await self.ledger.save(self.engine.account, self.engine.account_state(),
                                   [order_to_doc(o) for o in changed], fills)
        except Exception as exc:
            loaded = await self.ledger.load(self.engine.account)
            if loaded is not None:
                self.engine.restore(*loaded)
            raise BrokerTransientError(f"sim ledger unavailable: {exc.__class__.__name__}") from exc
        now = self.clock.now()
        # One update per changed tree: each carries the root with every leg as it is now, so a
        # bracket whose parent and legs changed together is reported once, not once per order.
        for root_id in dict.fromkeys(order.parent_id or order.id for order in changed):
            self._queue(OrderUpdate(order=self._to_broker(self.engine.orders[root_id]), event="sim", at=now))

    def _queue(self, update: OrderUpdate) -> None:
        try:
            self._updates.put_nowait(update)
        except asyncio.QueueFull:
            SIM_DROPPED_UPDATES.inc()

    async def sync(self) -> None:
        """Process every bar that arrived since the last look (the poll heartbeat)."""
        await self._ensure_started()
        async with self._lock:
            await self._pump(self.engine.open_symbols())
            await self._commit()

    # ------------------------------------------------------------ Broker

    async def submit_order(self, request: OrderRequest) -> Order:
        await self._ensure_started()
        async with self._lock:
            await self._pump({request.symbol})  # other symbols wait for the next sync
            order = self.engine.submit(request, self.clock.now())
            await self._commit()
            return self._to_broker(order)

    async def get_order(self, broker_order_id: str) -> Order:
        await self.sync()
        return self._to_broker(self.engine.get(broker_order_id))

    async def get_order_by_client_id(self, client_order_id: str) -> Order | None:
        await self.sync()
        order_id = self.engine.by_client.get(client_order_id)
        return None if order_id is None else self._to_broker(self.engine.orders[order_id])

    async def list_orders(self, status: OrderQuery = "open", limit: int = 500) -> list[Order]:
        await self.sync()
        roots = [o for o in self.engine.orders.values() if o.parent_id is None]
        if status == "open":
            roots = [o for o in roots if o.is_open or any(self.engine.orders[i].is_open for i in o.leg_ids)]
        elif status == "closed":
            roots = [o for o in roots if not o.is_open and not any(self.engine.orders[i].is_open for i in o.leg_ids)]
        roots.sort(key=lambda o: o.seq, reverse=True)
        return [self._to_broker(o) for o in roots[:limit]]

    async def cancel_order(self, broker_order_id: str) -> None:
        await self._ensure_started()
        async with self._lock:
            await self._pump({self.engine.get(broker_order_id).symbol})
            self.engine.cancel(broker_order_id, self.clock.now())
            await self._commit()

    async def cancel_all(self) -> list[str]:
        await self._ensure_started()
        async with self._lock:
            await self._pump(self.engine.open_symbols())
            ids = self.engine.cancel_all(self.clock.now())
            await self._commit()
            return ids

    async def list_positions(self) -> list[Position]:
        await self.sync()
        positions = []
        for symbol, pos in sorted(self.engine.open_positions().items()):
            positions.append(pos.marked(self.engine.mark(symbol, pos)))
        return positions

    async def close_position(self, symbol: str, quantity: float | None = None) -> Order:
        await self.sync()
        pos = self.engine.open_positions().get(symbol)
        if pos is None:
            raise BrokerRejected(f"no open position in {symbol}", broker_code="POSITION_NOT_FOUND", status=404)
        size = abs(pos.quantity) if quantity is None else Decimal(str(quantity))
        if size <= 0 or size > abs(pos.quantity) or size != size.to_integral_value():
            raise BrokerRejected("close quantity must be a whole number within the position",
                                 broker_code="INVALID_QUANTITY")
        return await self.submit_order(OrderRequest(
            client_order_id=f"close-{uuid.uuid4().hex}", symbol=symbol,
            side=Side.SELL if pos.quantity > 0 else Side.BUY, quantity=int(size),
            order_type=OrderType.MARKET, time_in_force=TimeInForce.DAY,
        ))

    async def get_account(self) -> BrokerAccount:
        await self.sync()
        e = self.engine
        return BrokerAccount(account_id=e.account, status="ACTIVE", cash=e.cash, equity=e.equity(),
                             buying_power=e.buying_power())

    async def order_updates(self) -> AsyncIterator[OrderUpdate]:
        """Changes as the sim makes them; every ``poll_interval_s`` without one, new bars are pulled."""
        while True:
            try:
                update = await asyncio.wait_for(self._updates.get(), timeout=self.poll_interval_s)
            except TimeoutError:
                try:
                    await self.sync()
                except BrokerTransientError as exc:
                    log.warning("sim_poll_failed", error=exc.message)
                continue
            yield update

    # ------------------------------------------------------------ mapping

    def _to_broker(self, order: SimOrder) -> Order:
        avg = order.filled_avg_price
        return Order(
            broker_order_id=order.id, client_order_id=order.client_order_id, symbol=order.symbol,
            side=order.side, quantity=order.quantity, order_type=order.order_type,
            order_class=order.order_class, time_in_force=order.time_in_force,
            limit_price=order.limit_price, stop_price=order.stop_price,
            status=order.status, filled_quantity=order.filled_quantity,
            filled_avg_price=avg, commission=order.commission,
            submitted_at=order.submitted_at, updated_at=order.updated_at,
            legs=tuple(self._to_broker(self.engine.orders[i]) for i in order.leg_ids),
            reject_reason=order.reject_reason,
        )
