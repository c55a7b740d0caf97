"""The book follower: keeps the in-memory book (``catalyst.risk.book``) equal to the database's committed state.

The book is re-read (``resync``) whenever Trading announces a change on the bus, after every state
change and day rollover, and every ``resync_s`` whatever happens, so a lost event, a Redis restart
or a Risk restart all end with the book equal to the positions table. Every open position is
re-marked from the market's last complete bar each market minute (``mark_to_market``), so
unrealized P&L and the limits follow the market, not only fills.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import datetime

from catalyst.bus import Channel, EventBus, OrderFilled, PositionUpdate, Subscription
from catalyst.clock import Clock
from catalyst.db import Database
from catalyst.domain.calendar import trading_day
from catalyst.domain.money import money
from catalyst.logging import get_logger
from catalyst.risk import repository
from catalyst.risk.book import RiskBook
from catalyst.risk.control import RiskControl
from catalyst.risk.limit_alerts import LimitAlerts
from catalyst.risk.metrics import RESERVED, RESYNCS
from catalyst.risk.parameter_store import ParameterStore
from catalyst.risk.prices import MarketPrices
from catalyst.risk.state import RiskTrigger
from catalyst.risk.trade_evidence import TradeEvidence
from catalyst.tasks import repeat

log = get_logger(__name__)

WATCHED = (Channel.POSITION_UPDATE, Channel.ORDER_FILLED)


class BookFollower:
    """``check_limits``: what follows a change of the book (alerts, state, the cached status)."""

    def __init__(self, *, db: Database, bus: EventBus, book: RiskBook, store: ParameterStore,
                 evidence: TradeEvidence, prices: MarketPrices, control: RiskControl, alerts: LimitAlerts,
                 check_limits: Callable[[], Awaitable[None]], clock: Clock, resync_s: float):
        self._db = db
        self._bus = bus
        self._book = book
        self._store = store
        self._evidence = evidence
        self._prices = prices
        self._control = control
        self._alerts = alerts
        self._check_limits = check_limits
        self._clock = clock
        self.resync_s = resync_s
        self._ready = False
        self._pubsub: Subscription | None = None
        self._sync_lock = asyncio.Lock()  # one book read at a time
        self._resync_wanted = asyncio.Event()
        self._marked_at: datetime | None = None

    @property
    def ready(self) -> bool:
        """Whether the start-up load has completed (until then validation is refused)."""
        return self._ready

    def loaded(self) -> None:
        """The start-up load completed: follow the book from now on."""
        self._ready = True

    @property
    def subscription(self) -> Subscription | None:
        """The bus subscription now followed (None between a loss and the next subscribe)."""
        return self._pubsub

    # -- the book -----------------------------------------------------------------------------
    async def resync(self) -> None:
        """Replace the book with the database's committed state (reservations signed meanwhile kept)."""
        async with self._sync_lock:
            read_from = self._book.seq
            try:
                snapshot = await repository.load_snapshot(self._db, trading_day(self._clock.now()), self._clock.now())
            except Exception:
                RESYNCS.labels("failed").inc()
                raise
            closed = ({p.position_id for p in self._book.snapshot.positions}
                      - {p.position_id for p in snapshot.positions})
            self._book.replace(snapshot, read_from)
            RESYNCS.labels("ok").inc()
            RESERVED.set(len(self._book.reservations))
            if closed and self._ready:  # Kelly's evidence grew
                await self._evidence.reload(self._store.parameters)

    def request_resync(self) -> None:
        """Ask the book follower for a re-read soon (several requests fold into one)."""
        self._resync_wanted.set()

    async def mark_to_market(self, *, force: bool = False) -> bool:
        """Re-mark every open position at its last complete bar, once per market minute (``force``:
        now); the limits follow. False when there was nothing new to do."""
        now = self._clock.now()
        minute = now.replace(second=0, microsecond=0)
        if not force and self._marked_at == minute:
            return False
        symbols = self._book.symbols
        if symbols:
            self._book.mark(await self._prices.latest(symbols, now))
        self._marked_at = minute
        await self._check_limits()
        return True

    async def roll_day_if_needed(self) -> None:
        """At the first look into a new trading day: re-read, leave the day's REDUCING, re-check."""
        day = trading_day(self._clock.now())
        if day > self._book.day:
            log.info("risk_day_rollover", day=day.isoformat())
            await self.resync()
            await self._control.transition(RiskTrigger.DAY_ROLLOVER, f"new trading day {day.isoformat()}")
            self._alerts.new_day()
            await self._check_limits()

    async def run_book_follower(self) -> None:
        """Until cancelled: re-read the book when asked, and at least every ``resync_s``."""
        await repeat(self._follow_book, pause_s=0.2, failure_event="risk_book_resync_failed")

    async def _follow_book(self) -> None:
        while True:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a shutdown's cancel
            # that lands as the event is set, and this loop would then never end.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.resync_s):
                    await self._resync_wanted.wait()
            self._resync_wanted.clear()
            if not self._ready:
                continue
            await self.roll_day_if_needed()
            await self.resync()
            await self._check_limits()

    # -- the bus ------------------------------------------------------------------------------
    async def subscribe(self) -> Subscription:
        """Subscribe to Trading's announcements (each one asks for a book re-read)."""
        self._pubsub = await self._bus.open_subscription(*WATCHED)
        return self._pubsub

    async def run_events(self) -> None:
        """Follow the bus until cancelled; after a Redis failure, subscribe again a second later
        and re-read the book (announcements may have been missed meanwhile)."""
        await repeat(self._follow_events, pause_s=1.0, failure_event="risk_bus_lost")

    async def _follow_events(self) -> None:
        try:
            subscription = self._pubsub
            if subscription is None:
                subscription = await self.subscribe()
                self.request_resync()
            async for event in subscription.events():
                await self.handle_event(event)
            raise ConnectionError("bus subscription closed")
        finally:  # whatever ended it, the next round starts from a fresh subscription
            await self.close()

    async def handle_event(self, event: object) -> None:
        """A fill or position change was committed: a fill is a real print (re-mark it), and the
        book is re-read from the database soon (the event itself is never applied)."""
        if isinstance(event, OrderFilled):
            self._book.mark({event.symbol: (self._clock.now(), money(event.fill_price))})  # printed now (market time)
        elif isinstance(event, PositionUpdate) and event.status == "open":
            self._book.mark({event.symbol: (self._clock.now(), money(event.market_price))})
        if isinstance(event, OrderFilled | PositionUpdate):
            self.request_resync()

    async def close(self) -> None:
        """Drop the bus subscription (the event loop, if running, opens a fresh one)."""
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
            self._pubsub = None
