"""The Risk Manager at run time: its parts wired to one book, and what spans them.

* ``follower`` (``catalyst.risk.book_follower``): the book equal to the database's committed state,
  re-marked from the market each minute; the day rollover.
* ``validator`` (``catalyst.risk.validator``): pre-trade decisions and the approvals' reservations.
* ``control`` (``catalyst.risk.control``): the Risk state and the ``risk_control`` row Trading reads.
* ``alerts`` (``catalyst.risk.limit_alerts``): the active alerts; a critical daily loss → REDUCING.
* ``status_report`` (``catalyst.risk.status_report``): the status, served and cached.
* the emergency stop: HALTED, then ``catalyst.risk.emergency`` flattens through Trading.

**Capital** is the broker's current equity (``equity_source``, Trading's account), capped by the
``account_equity`` parameter, which stays the ceiling (``catalyst.risk.equity``).

Time comes from ``clock`` (the market clock): the trading day, history windows, approval expiry.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from catalyst.bus import EventBus
from catalyst.cache import Cache
from catalyst.clock import Clock, SystemClock
from catalyst.contracts.risk import EmergencyStopResponse, RiskStatus
from catalyst.db import Database, HeldConnection
from catalyst.domain.calendar import trading_day
from catalyst.domain.money import shares_text
from catalyst.errors import CatalystError, UpstreamError
from catalyst.logging import get_logger
from catalyst.risk.audit import RiskAudit
from catalyst.risk.book import RiskBook
from catalyst.risk.book_follower import BookFollower
from catalyst.risk.control import RiskControl
from catalyst.risk.emergency import DEFAULT_DEADLINE_S as DEFAULT_EMERGENCY_DEADLINE_S
from catalyst.risk.emergency import EmergencyController, positions_left
from catalyst.risk.equity import BrokerEquity, EquitySource, no_equity
from catalyst.risk.history import HistoryCache
from catalyst.risk.limit_alerts import LimitAlerts
from catalyst.risk.parameter_store import ActiveSet, ParameterStore
from catalyst.risk.prices import MarketPrices
from catalyst.risk.state import RiskTrigger
from catalyst.risk.status_report import StatusReport
from catalyst.risk.trade_evidence import TradeEvidence
from catalyst.risk.trading_gateway import TradingGateway
from catalyst.risk.validator import Validator
from catalyst.tasks import repeat

log = get_logger(__name__)


class RiskManager:
    def __init__(
        self, *, db: Database, bus: EventBus, cache: Cache, store: ParameterStore,
        history: HistoryCache, trading: TradingGateway, approval_secret: str, prices: MarketPrices,
        clock: Clock = SystemClock(),
        emergency_deadline_s: float = DEFAULT_EMERGENCY_DEADLINE_S,
        equity_source: EquitySource = no_equity, book_resync_s: float = 1.0,
    ):
        self.store = store
        self._history = history
        self._clock = clock
        self._reservations = HeldConnection(db)  # the approval path's one write, off the pool
        self._audit = RiskAudit(db, bus)
        self._emergency = EmergencyController(trading, deadline_s=emergency_deadline_s)
        self.book = RiskBook(trading_day(clock.now()))
        self.equity = BrokerEquity(equity_source)
        self.evidence = TradeEvidence(db, store.parameters)
        self.control = RiskControl(db, book=self.book, audit=self._audit)
        self.alerts = LimitAlerts(book=self.book, store=store, control=self.control, audit=self._audit, clock=clock)
        self.follower = BookFollower(db=db, bus=bus, book=self.book, store=store, evidence=self.evidence,
                                     prices=prices, control=self.control, alerts=self.alerts,
                                     check_limits=self.check_limits, clock=clock, resync_s=book_resync_s)
        self.validator = Validator(book=self.book, follower=self.follower, store=store, history=history,
                                   prices=prices, evidence=self.evidence, control=self.control, equity=self.equity,
                                   reservations=self._reservations, approval_secret=approval_secret, clock=clock)
        self.status_report = StatusReport(book=self.book, follower=self.follower, store=store, control=self.control,
                                          alerts=self.alerts, equity=self.equity, cache=cache, clock=clock)
        store.on_change(self._parameters_changed)

    # -- start-up -----------------------------------------------------------------------------
    async def load(self, parameter_file: Path) -> None:
        """Everything a restart must not forget; ``ServiceUnavailable`` while the database is down."""
        await self.store.load(parameter_file)
        await self.evidence.reload(self.store.parameters)
        await self.control.restore(trading_day(self._clock.now()))
        await self.equity.refresh()
        await self.follower.resync()
        self.follower.loaded()
        log.info("risk_book_loaded", positions=len(self.book.positions), state=self.control.state.value,
                 daily_pnl=float(round(self.book.daily_pnl, 2)), parameters_version=self.store.active.version)
        await self._warm_history()
        await self.follower.mark_to_market(force=True)

    async def _warm_history(self) -> None:
        symbols = self.book.symbols
        if symbols:
            with contextlib.suppress(CatalystError, OSError):
                await self.validator.histories(symbols)

    async def close(self) -> None:
        await self.follower.close()
        await self._reservations.close()

    # -- what follows a change ----------------------------------------------------------------
    async def check_limits(self) -> None:
        """Raise/clear alerts from current usage (a critical daily loss moves to REDUCING); cache the status."""
        await self.alerts.check()
        await self.status_report.publish()

    async def _parameters_changed(self, old: ActiveSet, new: ActiveSet) -> None:
        p, q = old.parameters, new.parameters
        if (p.correlation_lookback_days, p.atr_period) != (q.correlation_lookback_days, q.atr_period):
            self._history.invalidate()
        if p.kelly_lookback_trades != q.kelly_lookback_trades and self.follower.ready:
            with contextlib.suppress(CatalystError, OSError):
                await self.evidence.reload(q)
        self.evidence.restat(q)
        if self.follower.ready:
            await self.check_limits()

    # -- emergency ----------------------------------------------------------------------------
    async def emergency_stop(self, reason: str, requested_by: str) -> EmergencyStopResponse:
        """Block entries (HALTED) first, then cancel every open order and flatten every position
        through Trading, repeated until Trading reports nothing open or the emergency deadline
        passes (``catalyst.risk.emergency``; never refused by a circuit breaker). Repeatable;
        ``UpstreamError`` (502) naming what is left when something is still open at the deadline."""
        text = f"emergency stop by {requested_by}: {reason}"
        await self.control.transition(RiskTrigger.EMERGENCY_STOP, text)
        self.control.halt_reason = text
        halted_at = self._clock.now()
        await self.alerts.raise_emergency(text, halted_at)
        outcome = await self._emergency.flatten_until_flat(reason)
        left = outcome.positions_left
        if left is None:  # Trading never said (or cannot be asked): what Risk's own book holds
            left = [] if outcome.complete else positions_left(self.book.positions)
        await self.status_report.publish()
        if not outcome.complete:
            details: dict[str, Any] = {"state": self.control.state.value, "trading": outcome.trading,
                                       "positions_left": [p.model_dump(mode="json") for p in left],
                                       "positions_verified": outcome.verified, "rounds": outcome.rounds,
                                       "deadline_s": self._emergency.deadline_s}
            await self._audit.record(event_type="emergency_stop_incomplete", severity="critical",
                                     message="Trading did not complete the emergency stop", details=details)
            what = ", ".join(f"{p.symbol} {shares_text(p.quantity)} {p.side or ''}".rstrip() for p in left)
            still = f"still open: {what}" if left else "no open position known"
            if not outcome.orders_cancelled:
                still += "; orders not cancelled"
            raise UpstreamError(f"entries are blocked (halted) but Trading did not complete the emergency stop "
                                f"in {self._emergency.deadline_s:g} s ({still}); repeat it",
                                code="EMERGENCY_STOP_INCOMPLETE", details=details)
        return EmergencyStopResponse(state=self.control.state, orders_cancelled=outcome.orders_cancelled,
                                     positions_flattened=outcome.positions_flattened, trading=outcome.trading,
                                     positions_left=left, positions_verified=outcome.verified, halted_at=halted_at)

    async def reset(self, reason: str, requested_by: str) -> RiskStatus:
        """Explicitly lift a halt (or a REDUCING latch); limits are re-checked at once, so a
        daily loss still at its limit moves straight back to REDUCING."""
        await self.control.transition(RiskTrigger.RESET, f"reset by {requested_by}: {reason}")
        self.alerts.clear_emergency()
        await self.check_limits()
        return self.status_report.status()

    # -- maintenance --------------------------------------------------------------------------
    async def run_maintenance(self, parameter_file: Path, interval_s: float = 5.0) -> None:
        """Until cancelled, every ``interval_s``: retry the start-up load while not ready; else roll
        the day, re-mark the book once per market minute, refresh the broker's equity, re-read the
        parameter file if it changed unseen, and refresh the cached status."""
        await repeat(lambda: self._maintain(parameter_file), pause_s=interval_s,
                     failure_event="risk_maintenance_failed", pause_first=True)

    async def _maintain(self, parameter_file: Path) -> None:
        if not self.follower.ready:
            await self.load(parameter_file)
            return
        await self.control.retry_pending()
        await self.follower.roll_day_if_needed()
        await self.equity.refresh()
        await self.store.poll_file(parameter_file)
        if not await self.follower.mark_to_market():
            await self.status_report.publish()
