"""The Risk Manager at run time: the pure rules wired to the book, the bus, the database and Trading.

State lives in memory and is kept current by events, so validation reads no database: the book
follows ``catalyst:position_update`` and ``catalyst:order_filled``; parameters swap in through
``ParameterStore``; daily history is cached per symbol. Start-up loads what a restart must not
forget: open positions, today's realized P&L, recent closed trades, the last risk state (a halt
survives a restart) and the active parameter set. Until that load succeeds the manager is not
ready and refuses to validate (fail closed, 503).

Time comes from ``clock`` (the service passes the market clock, ``rt.clock.now``): the trading
day, the daily-history window, approval issue and expiry, alert times. Trading checks approval
expiry against the same market clock, so in a replay both agree on when an approval lapses.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
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
from catalyst.db import Database
from catalyst.domain.orders import PositionSide
from catalyst.errors import CatalystError, ServiceUnavailable, UpstreamError
from catalyst.logging import get_logger
from catalyst.risk import repository
from catalyst.risk.approvals import sign_approval
from catalyst.risk.book import PositionChange, RiskBook, trading_day
from catalyst.risk.engine import RiskDecision, TradeProposal, evaluate
from catalyst.risk.history import HistoryCache, SymbolHistory
from catalyst.risk.monitor import AlertLevel, alert_changes, alert_levels, critical_breach, limit_usages
from catalyst.risk.parameter_store import ActiveSet, ParameterStore
from catalyst.risk.parameters import RiskParameters
from catalyst.risk.rules import RuleResult
from catalyst.risk.sizing import TradeStats, trade_stats
from catalyst.risk.state import RiskState, RiskTrigger, transition
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

_STATE_CODE = {RiskState.ACTIVE: 0, RiskState.REDUCING: 1, RiskState.HALTED: 2}
STATUS_CACHE_NS = "risk"
STATUS_CACHE_KEY = "status"
WATCHED = (Channel.POSITION_UPDATE, Channel.ORDER_FILLED)


def _reason(r: RuleResult) -> RiskReason:
    return RiskReason(code=r.code, rule=r.rule.value, message=r.reason)


def _outcome(r: RuleResult) -> RuleOutcome:
    return RuleOutcome(rule=r.rule.value, code=r.code, passed=r.passed, severity=r.severity, reason=r.reason,
                       value=r.value, limit=r.limit)


class RiskManager:
    def __init__(
        self, *, db: Database, bus: EventBus, cache: Cache, store: ParameterStore,
        history: HistoryCache, trading: TradingGateway, approval_secret: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self._db = db
        self._bus = bus
        self._cache = cache
        self.store = store
        self._history = history
        self._trading = trading
        self._secret = approval_secret
        self._clock = clock
        self.book = RiskBook(trading_day(clock()))
        self.state = RiskState.ACTIVE
        self.halt_reason: str | None = None
        self.alerts: dict[str, ActiveAlert] = {}
        self._closed_pnls: list[float] = []
        self._stats = trade_stats([], store.parameters)
        self.ready = False
        self._pubsub: Subscription | None = None
        store.on_change(self._parameters_changed)

    # -- start-up -----------------------------------------------------------------------------
    async def load(self, parameter_file: Path) -> None:
        """Everything a restart must not forget; ``ServiceUnavailable`` while the database is down."""
        await self.store.load(parameter_file)
        params = self.store.parameters
        await self._load_book()
        self._closed_pnls = await repository.load_recent_closed_pnls(self._db, params.kelly_lookback_trades)
        self._stats = trade_stats(self._closed_pnls, params)
        stored = await repository.load_last_state(self._db)
        day = self.book.day
        if stored is not None and (stored.state is RiskState.HALTED
                                   or (stored.state is RiskState.REDUCING and stored.trading_day == day)):
            self.state, self.halt_reason = stored.state, stored.reason
        RISK_STATE.set(_STATE_CODE[self.state])
        self.ready = True
        log.info("risk_book_loaded", positions=len(self.book.positions), state=self.state.value,
                 daily_pnl=round(self.book.daily_pnl, 2), parameters_version=self.store.active.version)
        await self._warm_history()
        await self.check_limits()

    async def _load_book(self) -> None:
        day = trading_day(self._clock())
        book = RiskBook(day)
        book.load(await repository.load_open_positions(self._db, day),
                  await repository.load_closed_today(self._db, day))
        self.book = book

    async def reload_book(self) -> None:
        """Re-read the book after the bus was lost (updates may have been missed meanwhile)."""
        await self._load_book()
        log.info("risk_book_reloaded", positions=len(self.book.positions))
        await self.check_limits()

    async def _warm_history(self) -> None:
        symbols = list(self.book.view().positions)
        if symbols:
            with contextlib.suppress(CatalystError, OSError):
                await self._histories(symbols)

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

    async def validate(self, request: ValidateRequest) -> ValidateResponse:
        """Approve or reject ``request``; an approval is signed for the sized quantity."""
        started = time.perf_counter()
        self._ensure_ready()
        await self._roll_day_if_needed()
        active = self.store.active
        symbols = [request.symbol, *self.book.view().positions]
        histories = await self._histories(symbols)
        decision = self.decide(request, active.parameters, histories)
        response = self._response(request, decision, active)
        VALIDATIONS.labels("approved" if decision.approved else "rejected").inc()
        VALIDATION_LATENCY.observe(time.perf_counter() - started)
        return response

    def decide(self, request: ValidateRequest, params: RiskParameters,
               histories: dict[str, SymbolHistory | None]) -> RiskDecision:
        """The decision from in-memory state only (the part the latency target is about)."""
        book = self.book.view()
        candidate = histories.get(request.symbol)
        correlations: dict[str, float | None] = {}
        for symbol in book.positions:
            if symbol != request.symbol:
                correlations[symbol] = self._history.correlation(
                    request.symbol, symbol, lookback=params.correlation_lookback_days,
                    min_observations=params.min_correlation_observations)
        atr = request.atr if request.atr is not None else (candidate.atr if candidate is not None else None)
        proposal = TradeProposal(request.symbol, request.side, request.quantity, request.entry, request.stop,
                                 request.target, atr, request.support)
        return evaluate(proposal, params=params, state=self.state, book=book, stats=self._stats,
                        correlations=correlations)

    def _response(self, request: ValidateRequest, d: RiskDecision, active: ActiveSet) -> ValidateResponse:
        approval = None
        if d.approved:
            approval = sign_approval(symbol=request.symbol, side=request.side, max_quantity=d.max_quantity,
                                     price_bound=d.price_bound, secret=self._secret, now=self._clock())
        sizing = None
        if d.size is not None:
            s, st = d.size, self._stats
            sizing = SizingInfo(quantity=s.quantity, binding=s.binding, caps=s.caps, kelly_full=s.kelly_full,
                                risk_fraction=s.risk_fraction, per_share_risk=s.per_share_risk,
                                win_rate=st.win_rate, payoff=st.payoff, trades=st.trades,
                                from_prior=st.from_prior)
        sized = d.max_quantity if d.is_exit else (d.size.quantity if d.size is not None and d.approved else 0)
        return ValidateResponse(
            approved=d.approved, is_exit=d.is_exit, symbol=request.symbol, side=request.side,
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
        """Subscribe before loading the book, so no update between the two is missed (the
        database state loaded afterwards is at least as new as anything received before it)."""
        self._pubsub = await self._bus.open_subscription(*WATCHED)
        return self._pubsub

    async def run_events(self) -> None:
        """Apply bus events until cancelled; after a Redis failure, subscribe again a second
        later and re-read the book (updates may have been missed meanwhile)."""
        await repeat(self._follow_events, pause_s=1.0, failure_event="risk_bus_lost")

    async def _follow_events(self) -> None:
        try:
            subscription = self._pubsub
            if subscription is None:
                subscription = await self.subscribe()
                if self.ready:
                    await self.reload_book()
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

    async def handle_event(self, event: object) -> None:
        if not self.ready:
            return  # the load that follows reads the database, which already has this change
        await self._roll_day_if_needed()
        if isinstance(event, PositionUpdate):
            await self.apply_position_update(event)
        elif isinstance(event, OrderFilled):
            await self.apply_fill(event)

    async def apply_position_update(self, u: PositionUpdate) -> None:
        change = PositionChange(u.position_id, u.symbol, PositionSide(u.side), u.quantity, u.avg_entry_price,
                                u.market_price, u.unrealized_pnl, u.realized_pnl,
                                closed=u.status == "closed" or u.quantity == 0)
        if not self.book.apply(change):
            return
        if change.closed:
            lookback = self.store.parameters.kelly_lookback_trades
            self._closed_pnls = [u.realized_pnl, *self._closed_pnls][:lookback]
            self._stats = trade_stats(self._closed_pnls, self.store.parameters)
        await self.check_limits()

    async def apply_fill(self, f: OrderFilled) -> None:
        """A fill is a real print: re-mark the symbol. A fill of a position the book has not seen
        yet (its update still on the way) is read from the database right away."""
        self.book.mark(f.symbol, f.fill_price)
        try:
            for mark in await repository.load_open_positions(self._db, self.book.day, f.symbol):
                if not self.book.knows(mark.position_id):
                    self.book.apply(PositionChange(mark.position_id, mark.symbol, mark.side, mark.quantity,
                                                   mark.avg_entry_price, mark.market_price, mark.unrealized_pnl,
                                                   mark.realized_pnl, closed=False))
        except (CatalystError, OSError) as exc:
            log.warning("risk_fill_reconcile_failed", symbol=f.symbol, error=str(exc))
        await self.check_limits()

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
        await self._record(event_type="state_change", severity="info" if new is RiskState.ACTIVE else "critical",
                           message=f"{old.value} → {new.value}: {reason}",
                           details={"from": old.value, "to": new.value, "trigger": trigger.value,
                                    "trading_day": self.book.day.isoformat(), "reason": reason})

    async def _roll_day_if_needed(self) -> None:
        day = trading_day(self._clock())
        if self.book.roll_to(day):
            log.info("risk_day_rollover", day=day.isoformat())
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
        through Trading. Repeatable; ``UpstreamError`` (502) when Trading did not do both."""
        text = f"emergency stop by {requested_by}: {reason}"
        await self._transition(RiskTrigger.EMERGENCY_STOP, text)
        self.halt_reason = text
        halted_at = self._clock()
        self.alerts["emergency_stop"] = ActiveAlert(key="emergency_stop", rule="emergency_stop", level="emergency",
                                                    message=text, since=halted_at)
        await self._alert("emergency", "emergency_stop", text, event_type="emergency_stop")
        results: dict[str, Any] = {}
        cancelled = await self._call_trading("cancel_all_orders", self._trading.cancel_all_orders, reason, results)
        flattened = await self._call_trading("flatten_all", self._trading.flatten_all, reason, results)
        await self.publish_status()
        if not (cancelled and flattened):
            await self._record(event_type="emergency_stop_incomplete", severity="critical",
                               message="Trading did not complete the emergency stop", details=results)
            raise UpstreamError("entries are blocked (halted) but Trading did not complete the emergency stop; "
                                "repeat it", code="EMERGENCY_STOP_INCOMPLETE",
                                details={"state": self.state.value, "trading": results})
        return EmergencyStopResponse(state=self.state, orders_cancelled=cancelled, positions_flattened=flattened,
                                     trading=results, halted_at=halted_at)

    async def _call_trading(self, name: str, call: Callable[[str], Any], reason: str,
                            results: dict[str, Any]) -> bool:
        try:
            answer = await call(reason)
        except CatalystError as exc:
            log.error("emergency_trading_call_failed", call=name, code=exc.code, error=exc.message)
            results[name] = {"ok": False, "code": exc.code, "message": exc.message}
            return False
        except Exception as exc:  # e.g. an answer that does not parse: still try the next call
            log.error("emergency_trading_call_failed", call=name, error=str(exc))
            results[name] = {"ok": False, "code": "TRADING_ANSWER_INVALID", "message": str(exc)[:500]}
            return False
        results[name] = {"ok": True, "response": answer.model_dump(mode="json")
                         if hasattr(answer, "model_dump") else answer}
        return True

    async def reset(self, reason: str, requested_by: str) -> RiskStatus:
        """Explicitly lift a halt (or a REDUCING latch); limits are re-checked at once, so a
        daily loss still at its limit moves straight back to REDUCING."""
        await self._transition(RiskTrigger.RESET, f"reset by {requested_by}: {reason}")
        self.alerts.pop("emergency_stop", None)
        await self.check_limits()
        return self.status()

    # -- status -------------------------------------------------------------------------------
    def status(self) -> RiskStatus:
        params = self.store.parameters
        view = self.book.view()
        usages = limit_usages(view, params)
        marks = self.book.positions.values()
        realized_by_symbol: dict[str, float] = {}
        unrealized_by_symbol: dict[str, float] = {}
        for m in marks:
            realized_by_symbol[m.symbol] = realized_by_symbol.get(m.symbol, 0.0) + m.realized_today
            unrealized_by_symbol[m.symbol] = unrealized_by_symbol.get(m.symbol, 0.0) + m.unrealized_pnl
        return RiskStatus(
            ready=self.ready, state=self.state, trading_day=self.book.day, daily_pnl=round(view.daily_pnl, 2),
            realized_pnl_today=round(self.book.realized_today, 2), unrealized_pnl=round(self.book.unrealized, 2),
            daily_loss=round(view.daily_loss, 2), gross_exposure=round(self.book.gross_exposure, 2),
            net_exposure=round(self.book.net_exposure, 2), open_positions=len(view.positions),
            positions=[PositionExposure(symbol=s, quantity=h.quantity, market_price=h.market_price,
                                        notional=round(h.notional, 2),
                                        unrealized_pnl=round(unrealized_by_symbol.get(s, 0.0), 2),
                                        realized_pnl_today=round(realized_by_symbol.get(s, 0.0), 2))
                       for s, h in sorted(view.positions.items())],
            limits=[LimitUsage(name=u.key, value=u.value, limit=u.limit, usage_pct=round(100 * u.ratio, 2),
                               severity=u.severity) for u in usages],
            active_alerts=sorted(self.alerts.values(), key=lambda a: a.since),
            halt_reason=self.halt_reason, parameters_version=self.store.active.version,
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
        the day, re-read the parameter file if it changed unseen, and refresh the cached status."""
        await repeat(lambda: self._maintain(parameter_file), pause_s=interval_s,
                     failure_event="risk_maintenance_failed", pause_first=True)

    async def _maintain(self, parameter_file: Path) -> None:
        if not self.ready:
            await self.load(parameter_file)
        else:
            await self._roll_day_if_needed()
            await self.store.poll_file(parameter_file)
            await self.publish_status()
