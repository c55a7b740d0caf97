"""The Risk Manager at run time: the pure rules wired to the book, the database, the bus and Trading.

**One authority over exposure.** The book (``catalyst.risk.book``) is a copy of the database's
committed state, re-read (``resync``) whenever Trading announces a change on the bus, after every
state change and day rollover, and every ``book_resync_s`` whatever happens, so a lost event, a
Redis restart or a Risk restart all end with the book equal to the positions table. Validation
reads only memory and the approval's reservation is its one write: decisions and reservations are
made under one lock, so concurrent validations see each other's approvals. A reservation holds
its exposure until the order that used it ends (Trading releases it in that order's transaction),
it lapses, or a halt revokes it.

**Prices are the market's.** Market and stop orders are judged at the last complete bar's close
(``catalyst.risk.prices``), every open position is re-marked from the same source each market
minute (``mark_to_market``), so unrealized P&L, the daily-loss rule, the 75 %/100 % alerts and
REDUCING follow the market, not only fills. The stop rule uses the ATR and support/resistance
levels computed from stored daily bars; a caller's ``atr`` and ``support`` are advisory.

**Capital** is the broker's current equity (``equity_source``, Trading's account), capped by the
``account_equity`` parameter, which stays the ceiling.

**State reaches Trading directly.** Each state change is written to ``risk_control``; one that
blocks entries moves the epoch on and revokes every unused approval in the same transaction, and
Trading reads that row in the transaction that records an order.

Time comes from ``clock`` (the market clock): the trading day, history windows, approval expiry.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from prometheus_client import Counter, Gauge, Histogram

from catalyst.bus import Channel, EventBus, OrderFilled, PositionUpdate, RiskAlert, Subscription
from catalyst.cache import Cache, CacheTier
from catalyst.contracts.risk import (
    ActiveAlert,
    EmergencyStopResponse,
    LimitUsage,
    PositionExposure,
    RiskReason,
    RiskStatus,
    RuleOutcome,
    SizingInfo,
    ValidateRequest,
    ValidateResponse,
)
from catalyst.db import Database, HeldConnection
from catalyst.domain.approvals import TradeApproval
from catalyst.domain.calendar import trading_day
from catalyst.domain.orders import Intent, OrderType, Side
from catalyst.domain.risk import RiskParameters, RiskState
from catalyst.errors import CatalystError, InvalidInput, ServiceUnavailable, UpstreamError
from catalyst.logging import get_logger
from catalyst.risk import repository
from catalyst.risk.approvals import new_nonce, sign_approval
from catalyst.risk.book import Reservation, RiskBook
from catalyst.risk.emergency import DEFAULT_DEADLINE_S as DEFAULT_EMERGENCY_DEADLINE_S
from catalyst.risk.emergency import EmergencyController, positions_left
from catalyst.risk.engine import RiskDecision, TradeProposal, evaluate
from catalyst.risk.history import HistoryCache, SymbolHistory
from catalyst.risk.monitor import AlertLevel, alert_changes, alert_levels, critical_breach, limit_usages
from catalyst.risk.parameter_store import ActiveSet, ParameterStore
from catalyst.risk.prices import MarketPrices
from catalyst.risk.rules import RuleResult
from catalyst.risk.sizing import TradeStats, trade_stats
from catalyst.risk.state import RiskTrigger, transition
from catalyst.risk.trading_gateway import TradingGateway
from catalyst.tasks import repeat

log = get_logger(__name__)

VALIDATIONS = Counter("catalyst_risk_validations_total", "Pre-trade validations by outcome", ["outcome"])
VALIDATION_LATENCY = Histogram(
    "catalyst_risk_validation_duration_seconds", "In-process pre-trade validation time",
    buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.25),
)
RISK_STATE = Gauge("catalyst_risk_state", "Risk state: 0 active, 1 reducing, 2 halted")
DAILY_PNL = Gauge("catalyst_risk_daily_pnl_dollars", "Realized today plus unrealized P&L")
ALERTS = Counter("catalyst_risk_alerts_total", "Risk alerts raised by level", ["level"])
RESERVED = Gauge("catalyst_risk_reservations", "Approvals holding exposure (not filled, lapsed or revoked)")
RESYNCS = Counter("catalyst_risk_book_resyncs_total", "Book re-reads from the database by outcome", ["outcome"])

_STATE_CODE = {RiskState.ACTIVE: 0, RiskState.REDUCING: 1, RiskState.HALTED: 2}
STATUS_CACHE_NS = "risk"
STATUS_CACHE_KEY = "status"
WATCHED = (Channel.POSITION_UPDATE, Channel.ORDER_FILLED)
EquitySource = Callable[[], Awaitable[float | None]]


def _reason(r: RuleResult) -> RiskReason:
    return RiskReason(code=r.code, rule=r.rule.value, message=r.reason)


def _outcome(r: RuleResult) -> RuleOutcome:
    return RuleOutcome(rule=r.rule.value, code=r.code, passed=r.passed, severity=r.severity, reason=r.reason,
                       value=r.value, limit=r.limit)


async def _no_equity() -> float | None:
    return None


def equity_of(gateway: object) -> EquitySource:
    """The broker's equity through a gateway that can read the account (Trading's client), else none."""
    read = getattr(gateway, "account", None)
    if read is None:
        return _no_equity

    async def equity() -> float | None:
        account = await read()
        value = getattr(account, "equity", None)
        return None if value is None else float(value)

    return equity


class RiskManager:
    def __init__(
        self, *, db: Database, bus: EventBus, cache: Cache, store: ParameterStore,
        history: HistoryCache, trading: TradingGateway, approval_secret: str, prices: MarketPrices,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        emergency_deadline_s: float = DEFAULT_EMERGENCY_DEADLINE_S,
        equity_source: EquitySource = _no_equity, book_resync_s: float = 1.0,
    ):
        self._db = db
        self._reservations = HeldConnection(db)  # the approval path's one write, off the pool
        self._bus = bus
        self._cache = cache
        self.store = store
        self._history = history
        self._trading = trading
        self._prices = prices
        self._emergency = EmergencyController(trading, deadline_s=emergency_deadline_s)
        self._secret = approval_secret
        self._clock = clock
        self._equity_source = equity_source
        self.broker_equity: float | None = None
        self.book_resync_s = book_resync_s
        self.book = RiskBook(trading_day(clock()))
        self.state = RiskState.ACTIVE
        self.epoch = 0
        self.halt_reason: str | None = None
        self.alerts: dict[str, ActiveAlert] = {}
        self._closed_pnls: list[float] = []
        self._stats = trade_stats([], store.parameters)
        self.ready = False
        self._pubsub: Subscription | None = None
        self._decide_lock = asyncio.Lock()  # a decision and its reservation, one at a time
        self._sync_lock = asyncio.Lock()  # one book read at a time
        self._resync_wanted = asyncio.Event()
        self._marked_at: datetime | None = None
        self._control_pending = False
        store.on_change(self._parameters_changed)

    # -- start-up -----------------------------------------------------------------------------
    async def load(self, parameter_file: Path) -> None:
        """Everything a restart must not forget; ``ServiceUnavailable`` while the database is down."""
        await self.store.load(parameter_file)
        params = self.store.parameters
        self._closed_pnls = await repository.load_recent_closed_pnls(self._db, params.kelly_lookback_trades)
        self._stats = trade_stats(self._closed_pnls, params)
        stored = await repository.load_last_state(self._db)
        day = trading_day(self._clock())
        if stored is not None and (stored.state is RiskState.HALTED
                                   or (stored.state is RiskState.REDUCING and stored.trading_day == day)):
            self.state, self.halt_reason = stored.state, stored.reason
        self.epoch = await repository.write_control(self._db, self.state, self.halt_reason)
        RISK_STATE.set(_STATE_CODE[self.state])
        await self.refresh_equity()
        await self.resync()
        self.ready = True
        log.info("risk_book_loaded", positions=len(self.book.positions), state=self.state.value,
                 daily_pnl=round(self.book.daily_pnl, 2), parameters_version=self.store.active.version)
        await self._warm_history()
        await self.mark_to_market(force=True)

    async def resync(self) -> None:
        """Replace the book with the database's committed state (reservations signed meanwhile kept)."""
        async with self._sync_lock:
            read_from = self.book.seq
            try:
                snapshot = await repository.load_snapshot(self._db, trading_day(self._clock()), self._clock())
            except Exception:
                RESYNCS.labels("failed").inc()
                raise
            closed = {p.position_id for p in self.book.snapshot.positions} - {p.position_id for p in snapshot.positions}
            self.book.replace(snapshot, read_from)
            RESYNCS.labels("ok").inc()
            RESERVED.set(len(self.book.reservations))
            if closed and self.ready:  # Kelly's evidence grew
                lookback = self.store.parameters.kelly_lookback_trades
                self._closed_pnls = await repository.load_recent_closed_pnls(self._db, lookback)
                self._stats = trade_stats(self._closed_pnls, self.store.parameters)

    def request_resync(self) -> None:
        """Ask the book follower for a re-read soon (several requests fold into one)."""
        self._resync_wanted.set()

    async def _warm_history(self) -> None:
        symbols = self.book.symbols
        if symbols:
            with contextlib.suppress(CatalystError, OSError):
                await self._histories(symbols)

    async def refresh_equity(self) -> None:
        """The broker's current equity (None, and the parameter alone, while Trading cannot say)."""
        try:
            equity = await self._equity_source()
        except Exception as exc:  # the last known value stays; the parameter is the ceiling anyway
            log.warning("risk_equity_unavailable", error=str(exc))
            return
        if equity is not None and equity > 0:
            self.broker_equity = equity

    def effective_parameters(self, params: RiskParameters) -> RiskParameters:
        """``params`` with capital at the broker's current equity, never above the parameter."""
        if self.broker_equity is None or self.broker_equity >= params.account_equity:
            return params
        return params.model_copy(update={"account_equity": self.broker_equity})

    # -- pre-trade ----------------------------------------------------------------------------
    def _ensure_ready(self) -> None:
        if not self.ready:
            raise ServiceUnavailable("risk book not loaded yet (database unavailable?): validation refused",
                                     code="RISK_NOT_READY")

    async def _histories(self, symbols: list[str]) -> dict[str, SymbolHistory | None]:
        now = self._clock()
        cached = self._history.cached(symbols, now)
        if cached is not None:
            return cached
        p = self.store.parameters
        return await self._history.get_many(symbols, lookback_days=p.correlation_lookback_days,
                                            atr_period=p.atr_period, now_utc=now)

    async def price_of(self, request: ValidateRequest) -> float:
        """Where the order can fill: a limit at its limit, else at the market (never older than
        the last complete bar); a stop at the worse of its trigger and the market."""
        if request.order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT):
            return request.entry
        mark = (await self._prices.latest([request.symbol], self._clock())).get(request.symbol)
        if mark is None:
            raise InvalidInput(f"no market price for {request.symbol}: a {request.order_type.value} order cannot "
                               "be judged (send a limit order)", code="RISK_PRICE_UNKNOWN",
                               details={"symbol": request.symbol, "order_type": request.order_type.value})
        market = mark[1]
        if request.order_type is OrderType.STOP:
            assert request.trigger_price is not None
            buy = request.side is Side.BUY
            return max(request.trigger_price, market) if buy else min(request.trigger_price, market)
        return market

    async def validate(self, request: ValidateRequest) -> ValidateResponse:
        """Approve or reject ``request``; an approval reserves, and is signed for, the sized quantity."""
        started = time.perf_counter()
        self._ensure_ready()
        await self._roll_day_if_needed()
        await self.mark_to_market()  # once per market minute: a decision never sees last minute's marks
        price = await self.price_of(request)
        histories = await self._histories([request.symbol, *self.book.symbols,
                                           *(r.symbol for r in self.book.reservations)])
        async with self._decide_lock:
            active = self.store.active
            decision = self.decide(request, self.effective_parameters(active.parameters), histories, price)
            approval = await self._reserve(request, decision) if decision.approved else None
            response = self._response(request, decision, active, approval, price)
        VALIDATIONS.labels("approved" if decision.approved else "rejected").inc()
        VALIDATION_LATENCY.observe(time.perf_counter() - started)
        return response

    async def _reserve(self, request: ValidateRequest, d: RiskDecision) -> TradeApproval:
        """Sign the approval and commit its reservation before anyone can see it."""
        intent = Intent.EXIT if d.is_exit else Intent.ENTRY
        approval = sign_approval(symbol=request.symbol, side=request.side, max_quantity=d.max_quantity,
                                 price_bound=d.price_bound, secret=self._secret, now=self._clock(), intent=intent,
                                 stop=None if d.is_exit else request.stop, epoch=self.epoch, nonce=new_nonce())
        try:
            await repository.insert_reservation(self._reservations, approval)
        except Exception as exc:
            raise ServiceUnavailable("the approval could not be reserved (database unavailable): refused",
                                     code="RISK_RESERVATION_FAILED") from exc
        self.book.reserve(Reservation(approval.nonce, approval.symbol, approval.side, intent,
                                      float(approval.max_quantity), approval.price_bound, approval.stop))
        RESERVED.set(len(self.book.reservations))
        return approval

    def decide(self, request: ValidateRequest, params: RiskParameters,
               histories: dict[str, SymbolHistory | None], price: float | None = None) -> RiskDecision:
        """The decision from in-memory state only (the part the latency target is about)."""
        book = self.book.view()
        entry = request.entry if price is None else price
        candidate = histories.get(request.symbol)
        correlations: dict[str, float | None] = {}
        for symbol in book.exposed_symbols:
            if symbol != request.symbol:
                correlations[symbol] = self._history.correlation(
                    request.symbol, symbol, lookback=params.correlation_lookback_days,
                    min_observations=params.min_correlation_observations)
        atr = candidate.atr if candidate is not None else None
        level = None
        if candidate is not None:
            level = candidate.support_below(entry) if request.side is Side.BUY else candidate.resistance_above(entry)
        proposal = TradeProposal(request.symbol, request.side, request.quantity, entry, request.stop,
                                 request.target, atr, level, request.order_type)
        return evaluate(proposal, params=params, state=self.state, book=book, stats=self._stats,
                        correlations=correlations)

    def _response(self, request: ValidateRequest, d: RiskDecision, active: ActiveSet,
                  approval: TradeApproval | None, price: float) -> ValidateResponse:
        sizing = None
        if d.size is not None:
            s, st = d.size, self._stats
            sizing = SizingInfo(quantity=s.quantity, binding=s.binding, caps=s.caps, kelly_full=s.kelly_full,
                                risk_fraction=s.risk_fraction, per_share_risk=s.per_share_risk,
                                win_rate=st.win_rate, payoff=st.payoff, trades=st.trades,
                                from_prior=st.from_prior)
        sized = d.max_quantity if d.is_exit else (d.size.quantity if d.size is not None and d.approved else 0)
        return ValidateResponse(
            approved=d.approved, is_exit=d.is_exit, intent=Intent.EXIT if d.is_exit else Intent.ENTRY,
            priced_at=price, symbol=request.symbol, side=request.side,
            requested_quantity=request.quantity, sized_quantity=sized, max_quantity=d.max_quantity,
            price_bound=d.price_bound, approval=approval, reasons=[_reason(r) for r in d.failures],
            warnings=[_reason(r) for r in d.warnings], rules=[_outcome(r) for r in d.results], sizing=sizing,
            state=self.state, parameters_version=active.version,
        )

    @property
    def stats(self) -> TradeStats:
        return self._stats

    # -- real time ----------------------------------------------------------------------------
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
            await self._close_pubsub()

    async def _close_pubsub(self) -> None:
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
            self._pubsub = None

    async def close(self) -> None:
        await self._close_pubsub()
        await self._reservations.close()

    async def handle_event(self, event: object) -> None:
        """A fill or position change was committed: a fill is a real print (re-mark it), and the
        book is re-read from the database soon (the event itself is never applied)."""
        if isinstance(event, OrderFilled):
            self.book.mark({event.symbol: (self._clock(), event.fill_price)})  # printed just now (market time)
        elif isinstance(event, PositionUpdate) and event.status == "open":
            self.book.mark({event.symbol: (self._clock(), event.market_price)})
        if isinstance(event, OrderFilled | PositionUpdate):
            self.request_resync()

    async def run_book_follower(self) -> None:
        """Until cancelled: re-read the book when asked, and at least every ``book_resync_s``."""
        await repeat(self._follow_book, pause_s=0.2, failure_event="risk_book_resync_failed")

    async def _follow_book(self) -> None:
        while True:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a shutdown's cancel
            # that lands as the event is set, and this loop would then never end.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.book_resync_s):
                    await self._resync_wanted.wait()
            self._resync_wanted.clear()
            if not self.ready:
                continue
            await self._roll_day_if_needed()
            await self.resync()
            await self.check_limits()

    async def mark_to_market(self, *, force: bool = False) -> bool:
        """Re-mark every open position at its last complete bar, once per market minute (``force``:
        now); the limits follow. False when there was nothing new to do."""
        now = self._clock()
        minute = now.replace(second=0, microsecond=0)
        if not force and self._marked_at == minute:
            return False
        symbols = self.book.symbols
        if symbols:
            self.book.mark(await self._prices.latest(symbols, now))
        self._marked_at = minute
        await self.check_limits()
        return True

    async def check_limits(self) -> None:
        """Raise/clear alerts from current usage; a critical daily loss moves to REDUCING."""
        params = self.store.parameters
        usages = limit_usages(self.book.view(), params)
        levels: dict[str, AlertLevel] = {k: ("critical" if a.level == "critical" else "warning")
                                         for k, a in self.alerts.items() if a.level != "emergency"}
        raised, cleared = alert_changes(usages, levels)
        now = self._clock()
        for key in cleared:
            self.alerts.pop(key, None)
        current = alert_levels(usages)
        for key, level in current.items():
            if key in self.alerts and self.alerts[key].level != level:
                self.alerts[key] = self.alerts[key].model_copy(update={"level": level})
        for change in raised:
            u = change.usage
            self.alerts[u.key] = ActiveAlert(key=u.key, rule=u.rule.value, level=change.level,
                                             message=change.message, since=now)
            await self._alert(change.level, u.rule.value, change.message, value=u.value, limit=u.limit,
                              symbol=u.symbol)
        breach = critical_breach(usages)
        if breach is not None:
            await self._transition(RiskTrigger.CRITICAL_BREACH, f"daily loss ${breach.value:,.2f} reached "
                                   f"the ${breach.limit:,.2f} limit")
        DAILY_PNL.set(self.book.daily_pnl)
        await self.publish_status()

    async def _alert(self, level: Literal["warning", "critical", "emergency"], rule: str, message: str, *,
                     value: float | None = None, limit: float | None = None, symbol: str | None = None,
                     event_type: str = "limit_threshold") -> None:
        ALERTS.labels(level).inc()
        log.warning("risk_alert", level=level, rule=rule, message=message)
        await self._record(event_type=event_type, severity="critical" if level == "emergency" else level,
                           rule=rule, message=message, value=value, limit=limit, symbol=symbol,
                           details={"level": level})
        try:
            await self._bus.publish(RiskAlert(level=level, rule=rule, message=message, value=value, limit=limit))
        except Exception as exc:  # Redis down: the risk_event row is the record
            log.warning("risk_alert_not_published", error=str(exc))

    async def _record(self, **fields: Any) -> None:
        try:
            await repository.insert_risk_event(self._db, **fields)
        except Exception as exc:  # never let the audit write stop a risk action
            log.warning("risk_event_not_recorded", error=str(exc), event_type=fields.get("event_type"))

    async def _transition(self, trigger: RiskTrigger, reason: str) -> None:
        old = self.state
        new = transition(old, trigger)
        if new is old:
            return
        self.state = new
        self.halt_reason = None if new is RiskState.ACTIVE else reason
        RISK_STATE.set(_STATE_CODE[new])
        log.warning("risk_state_changed", old=old.value, new=new.value, trigger=trigger.value, reason=reason)
        await self._publish_control()
        await self._record(event_type="state_change", severity="info" if new is RiskState.ACTIVE else "critical",
                           message=f"{old.value} → {new.value}: {reason}",
                           details={"from": old.value, "to": new.value, "trigger": trigger.value,
                                    "trading_day": self.book.day.isoformat(), "reason": reason,
                                    "epoch": self.epoch})

    async def _publish_control(self) -> None:
        """Tell Trading (``risk_control``); until that write lands, the maintenance loop retries it
        and this process refuses entries by its own state anyway."""
        try:
            self.epoch = await repository.write_control(self._db, self.state, self.halt_reason)
            self._control_pending = False
        except Exception as exc:
            self._control_pending = True
            log.error("risk_control_not_written", state=self.state.value, error=str(exc))

    async def _roll_day_if_needed(self) -> None:
        day = trading_day(self._clock())
        if day > self.book.day:
            log.info("risk_day_rollover", day=day.isoformat())
            await self.resync()
            await self._transition(RiskTrigger.DAY_ROLLOVER, f"new trading day {day.isoformat()}")
            self.alerts = {k: a for k, a in self.alerts.items() if a.level == "emergency"}
            await self.check_limits()

    async def _parameters_changed(self, old: ActiveSet, new: ActiveSet) -> None:
        p, q = old.parameters, new.parameters
        if (p.correlation_lookback_days, p.atr_period) != (q.correlation_lookback_days, q.atr_period):
            self._history.invalidate()
        if p.kelly_lookback_trades != q.kelly_lookback_trades and self.ready:
            with contextlib.suppress(CatalystError, OSError):
                self._closed_pnls = await repository.load_recent_closed_pnls(self._db, q.kelly_lookback_trades)
        self._stats = trade_stats(self._closed_pnls, q)
        if self.ready:
            await self.check_limits()

    # -- emergency ----------------------------------------------------------------------------
    async def emergency_stop(self, reason: str, requested_by: str) -> EmergencyStopResponse:
        """Block entries (HALTED) first, then cancel every open order and flatten every position
        through Trading, repeated until Trading reports nothing open or the emergency deadline
        passes (``catalyst.risk.emergency``; never refused by a circuit breaker). Repeatable;
        ``UpstreamError`` (502) naming what is left when something is still open at the deadline."""
        text = f"emergency stop by {requested_by}: {reason}"
        await self._transition(RiskTrigger.EMERGENCY_STOP, text)
        self.halt_reason = text
        halted_at = self._clock()
        self.alerts["emergency_stop"] = ActiveAlert(key="emergency_stop", rule="emergency_stop", level="emergency",
                                                    message=text, since=halted_at)
        await self._alert("emergency", "emergency_stop", text, event_type="emergency_stop")
        outcome = await self._emergency.flatten_until_flat(reason)
        left = outcome.positions_left
        if left is None:  # Trading never said (or cannot be asked): what Risk's own book holds
            left = [] if outcome.complete else positions_left(self.book.positions)
        await self.publish_status()
        if not outcome.complete:
            details: dict[str, Any] = {"state": self.state.value, "trading": outcome.trading,
                                       "positions_left": [p.model_dump(mode="json") for p in left],
                                       "positions_verified": outcome.verified, "rounds": outcome.rounds,
                                       "deadline_s": self._emergency.deadline_s}
            await self._record(event_type="emergency_stop_incomplete", severity="critical",
                               message="Trading did not complete the emergency stop", details=details)
            what = ", ".join(f"{p.symbol} {p.quantity:g} {p.side or ''}".rstrip() for p in left)
            still = f"still open: {what}" if left else "no open position known"
            if not outcome.orders_cancelled:
                still += "; orders not cancelled"
            raise UpstreamError(f"entries are blocked (halted) but Trading did not complete the emergency stop "
                                f"in {self._emergency.deadline_s:g} s ({still}); repeat it",
                                code="EMERGENCY_STOP_INCOMPLETE", details=details)
        return EmergencyStopResponse(state=self.state, orders_cancelled=outcome.orders_cancelled,
                                     positions_flattened=outcome.positions_flattened, trading=outcome.trading,
                                     positions_left=left, positions_verified=outcome.verified, halted_at=halted_at)

    async def reset(self, reason: str, requested_by: str) -> RiskStatus:
        """Explicitly lift a halt (or a REDUCING latch); limits are re-checked at once, so a
        daily loss still at its limit moves straight back to REDUCING."""
        await self._transition(RiskTrigger.RESET, f"reset by {requested_by}: {reason}")
        self.alerts.pop("emergency_stop", None)
        await self.check_limits()
        return self.status()

    # -- status -------------------------------------------------------------------------------
    def status(self) -> RiskStatus:
        params = self.effective_parameters(self.store.parameters)
        view = self.book.view()
        usages = limit_usages(view, params)
        return RiskStatus(
            ready=self.ready, state=self.state, trading_day=self.book.day, daily_pnl=round(view.daily_pnl, 2),
            realized_pnl_today=round(self.book.realized_today, 2), unrealized_pnl=round(self.book.unrealized, 2),
            daily_loss=round(view.daily_loss, 2), committed_loss=round(self.book.committed_loss, 2),
            gross_exposure=round(self.book.gross_exposure, 2), net_exposure=round(self.book.net_exposure, 2),
            open_positions=len(view.positions), reservations=len(self.book.reservations),
            positions=[PositionExposure(symbol=p.symbol, quantity=p.quantity, market_price=p.market_price,
                                        notional=round(p.notional, 2), unrealized_pnl=round(p.unrealized, 2),
                                        unrealized_pnl_today=round(p.unrealized_today, 2), stop=p.stop)
                       for p in sorted(self.book.positions, key=lambda p: p.symbol)],
            limits=[LimitUsage(name=u.key, value=u.value, limit=u.limit, usage_pct=round(100 * u.ratio, 2),
                               severity=u.severity) for u in usages],
            active_alerts=sorted(self.alerts.values(), key=lambda a: a.since),
            halt_reason=self.halt_reason, parameters_version=self.store.active.version, epoch=self.epoch,
            account_equity=params.account_equity, broker_equity=self.broker_equity,
            updated_at=self._clock(),
        )

    async def publish_status(self) -> None:
        """Cache the current status in Redis (HOT tier) for readers that do not call the service."""
        try:
            await self._cache.set(STATUS_CACHE_NS, STATUS_CACHE_KEY, self.status(), CacheTier.HOT)
        except Exception as exc:
            log.warning("risk_status_not_cached", error=str(exc))

    async def run_maintenance(self, parameter_file: Path, interval_s: float = 5.0) -> None:
        """Until cancelled, every ``interval_s``: retry the start-up load while not ready; else roll
        the day, re-mark the book once per market minute, refresh the broker's equity, re-read the
        parameter file if it changed unseen, and refresh the cached status."""
        await repeat(lambda: self._maintain(parameter_file), pause_s=interval_s,
                     failure_event="risk_maintenance_failed", pause_first=True)

    async def _maintain(self, parameter_file: Path) -> None:
        if not self.ready:
            await self.load(parameter_file)
            return
        if self._control_pending:
            await self._publish_control()
        await self._roll_day_if_needed()
        await self.refresh_equity()
        await self.store.poll_file(parameter_file)
        if not await self.mark_to_market():
            await self.publish_status()
