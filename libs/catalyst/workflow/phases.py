"""The phases of the trading day (spec 2.3, service 7), each run once per cycle (the monitor once a minute).

``PhaseRunner.run`` decides whether a phase may run at all (is the market open that day, is it the
phase's time yet, did it already run), takes the cycle's transition under its lock
(``catalyst.workflow.ledger``), does the phase's work with the other services, and records the run
and its decisions. A closed day or a phase before its time answers ``ran: false`` with the reason;
a phase that ran already answers the same; a market clock beyond the calendar's span is a 422
``OUTSIDE_CALENDAR`` (whether the market opens that day is unknown); a failed one leaves the run
``failed`` (it may run again) and answers 502 ``PHASE_FAILED`` with what went wrong.

- pre-market scan: News catalysts of the watchlist (if one is set) → the Scanner's scan (those symbols,
  or its universe) → each candidate's catalysts from News → the scan id kept on the cycle, a decision
  per candidate chosen (and per watched symbol with a catalyst that was dropped, with the Scanner's
  reason). The Scanner publishes ``catalyst:scan_complete`` (with the cycle) for Orchestration.
- market open: the cycle moves to trading (trade requests are taken from then on).
- monitor: the Risk Manager re-marks every position and re-checks its limits; each alert it reports
  that the cycle has not seen yet is recorded (Risk announces its alerts on the bus itself).
- market close: Trading flattens every position with the reason and reconciles with the broker;
  Reporting builds the day's report and sends the summary.
- start / stop session; halt: the Risk Manager's emergency stop, and the cycle is halted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from catalyst.clock import Clock
from catalyst.contracts.workflow import PhaseResult
from catalyst.domain.calendar import NEW_YORK, MarketCalendar, OutsideCalendar, Session, trading_day
from catalyst.domain.cycle import Phase
from catalyst.domain.money import shares_text
from catalyst.errors import CatalystError, InvalidInput, Unprocessable, UpstreamError
from catalyst.logging import get_logger
from catalyst.workflow.config import WorkflowSettings
from catalyst.workflow.ledger import Begun, CycleLedger, Skipped
from catalyst.workflow.peers import WorkflowPeers
from catalyst.workflow.schedule import close_phase_at, monitor_slot, not_due_reason

log = get_logger(__name__)

ANY_DAY = frozenset({Phase.STOP_SESSION, Phase.HALT})
"""Phases that run whether or not the market opens that day (they only ever stop trading)."""

NEEDS_REASON = frozenset({Phase.STOP_SESSION, Phase.HALT})


@dataclass(frozen=True)
class PhaseCall:
    """One request for a phase: who asks, why, and whether to run it before its time."""

    phase: Phase
    requested_by: str
    reason: str | None = None
    force: bool = False


@dataclass(frozen=True)
class Work:
    """What a phase did: ``result`` for its run row and answer, ``reasoning`` for its decision."""

    result: dict[str, Any]
    reasoning: str


class PhaseRunner:
    def __init__(self, *, ledger: CycleLedger, peers: WorkflowPeers, clock: Clock,
                 calendar: MarketCalendar, settings: WorkflowSettings):
        self._ledger = ledger
        self._peers = peers
        self._clock = clock
        self._calendar = calendar
        self._settings = settings

    async def run(self, call: PhaseCall) -> PhaseResult:
        now = self._clock.now()
        day = trading_day(now)
        if call.phase in NEEDS_REASON and not call.reason:
            raise InvalidInput(f"{call.phase.value} needs a reason", code="REASON_REQUIRED",
                               details={"phase": call.phase.value})
        session = self._session(day)
        answer = PhaseResult(phase=call.phase, ran=False, day=day, market_at=now)
        if session is None and call.phase not in ANY_DAY:
            existing = await self._ledger.today(day)
            return answer.model_copy(update={
                "reason": f"the market is closed on {day.isoformat()} ({_closed_kind(day)})",
                "cycle_id": existing.cycle_id if existing else None, "state": existing.state if existing else None})
        early = None if session is None or call.force else not_due_reason(session, call.phase, now)
        if early is not None:
            return answer.model_copy(update={"reason": early})
        cycle_id = await self._ledger.ensure(day, now)
        slot = monitor_slot(now) if call.phase is Phase.MONITOR else ""
        begun = await self._ledger.begin(cycle_id, call.phase, slot, now)
        if isinstance(begun, Skipped):
            return answer.model_copy(update={"reason": begun.reason, "cycle_id": cycle_id, "state": begun.state})
        return await self._work(call, begun, session, answer)

    def _session(self, day: date) -> Session | None:
        """``day``'s session; 422 ``OUTSIDE_CALENDAR`` for a day the calendar does not cover (its holidays
        there are unknown, so no phase can be judged due)."""
        try:
            return self._calendar.session(day)
        except OutsideCalendar as exc:
            raise Unprocessable(str(exc), code="OUTSIDE_CALENDAR", details={
                "day": day.isoformat(), "first_day": exc.first.isoformat(), "last_day": exc.last.isoformat()}) from exc

    async def _work(self, call: PhaseCall, begun: Begun, session: Session | None, answer: PhaseResult) -> PhaseResult:
        decided = {"requested_by": call.requested_by, "reason": call.reason, "force": call.force}
        try:
            work = await self._do(call, begun, session)
        except Exception as exc:  # the run is marked failed (it may run again), whatever went wrong
            error = _error_of(exc)
            state = await self._ledger.finish(begun, succeeded=False, now=self._clock.now(), result={"error": error},
                                              reasoning=f"{call.phase.value} failed: {error['message']}",
                                              decided=decided)
            log.warning("phase_failed", phase=call.phase.value, cycle_id=str(begun.cycle_id), error=error["message"])
            if not isinstance(exc, CatalystError):
                raise
            raise UpstreamError(f"{call.phase.value} failed: {error['message']}", code="PHASE_FAILED", details={
                "phase": call.phase.value, "cycle_id": str(begun.cycle_id), "state": state.value, "error": error,
            }) from exc
        state = await self._ledger.finish(begun, succeeded=True, now=self._clock.now(), result=work.result,
                                          reasoning=work.reasoning, decided=decided)
        log.info("phase_ran", phase=call.phase.value, cycle_id=str(begun.cycle_id), state=state.value)
        return answer.model_copy(update={"ran": True, "cycle_id": begun.cycle_id, "previous_state": begun.previous,
                                         "state": state, "details": work.result})

    async def _do(self, call: PhaseCall, begun: Begun, session: Session | None) -> Work:
        phase = call.phase
        if phase is Phase.PRE_MARKET_SCAN:
            return await self._pre_market_scan(begun.cycle_id)
        if phase is Phase.MONITOR:
            return await self._monitor(begun.cycle_id)
        if phase is Phase.MARKET_CLOSE:
            assert session is not None
            return await self._market_close(begun.cycle_id, session, call)
        if phase is Phase.HALT:
            assert call.reason is not None
            stop = await self._peers.risk.emergency_stop(call.reason, requested_by=call.requested_by)
            return Work({"emergency_stop": stop.model_dump(mode="json")},
                        f"halted: {call.reason} (positions flattened: {stop.positions_flattened})")
        if phase is Phase.MARKET_OPEN:
            return Work({"session": _session_facts(session)}, "market open: trade requests are taken")
        if phase is Phase.START_SESSION:
            return Work({"session": _session_facts(session)}, f"session started by {call.requested_by}")
        return Work({}, f"session stopped: {call.reason} (no new trades)")

    # -- the phases with work -------------------------------------------------------------------------------
    async def _pre_market_scan(self, cycle_id: UUID) -> Work:
        now = self._clock.now()
        watched = list(self._settings.watchlist)
        with_catalyst: list[str] = []
        if watched:
            found = await self._peers.news.catalysts(watched, until=now,
                                                     min_strength=self._settings.catalyst_min_strength)
            with_catalyst = [c.symbol for c in found.catalysts]
        scan = await self._peers.scanner.start_scan(cycle_id=cycle_id, universe_size=self._settings.universe_size,
                                                    symbols=with_catalyst or None)
        chosen = [c.symbol for c in scan.candidates]
        catalysts = {}
        if chosen:
            evidence = await self._peers.news.catalysts(chosen, until=now)
            catalysts = {c.symbol: c for c in evidence.catalysts}
        await self._ledger.set_config(cycle_id, {"scan_id": str(scan.scan_id)})
        for candidate in scan.candidates:
            news = catalysts.get(candidate.symbol)
            found_news = f", catalyst {news.top.catalyst_type} ({news.max_strength:.2f})" if news else ", no catalyst"
            await self._ledger.decide(
                cycle_id, "candidate_chosen",
                f"rank {candidate.rank} of scan {scan.scan_id}: composite {candidate.composite_score:.3f}{found_news}",
                {"market_at": now.isoformat(), "scan_id": str(scan.scan_id),
                 "candidate": candidate.model_dump(mode="json"),
                 "catalyst": news.model_dump(mode="json") if news else None},
                symbol=candidate.symbol)
        skipped = [s for s in with_catalyst if s not in chosen]
        for symbol in skipped:
            verdict = await self._peers.scanner.verdict(symbol, scan.scan_id)
            why = verdict.reason.message if verdict.reason else f"reached {verdict.reached}"
            await self._ledger.decide(cycle_id, "candidate_skipped", f"dropped at {verdict.dropped_at}: {why}",
                                      {"market_at": now.isoformat(), "scan_id": str(scan.scan_id),
                                       "verdict": verdict.model_dump(mode="json")}, symbol=symbol)
        return Work({"scan_id": str(scan.scan_id), "candidates": chosen, "watched": watched,
                     "with_catalyst": with_catalyst, "skipped": skipped,
                     "stages": [s.model_dump(mode="json") for s in scan.stages], "warnings": scan.warnings},
                    f"scan {scan.scan_id}: {len(chosen)} candidate(s)")

    async def _monitor(self, cycle_id: UUID) -> Work:
        status = await self._peers.risk.mark_to_market()
        seen = await self._ledger.seen_alerts(cycle_id)
        raised = [a for a in status.active_alerts if f"{a.key}@{a.since.isoformat()}" not in seen]
        for alert in raised:
            await self._ledger.decide(cycle_id, "risk_alert", f"{alert.level}: {alert.message}", {
                "market_at": self._clock.now().isoformat(), "key": alert.key, "since": alert.since.isoformat(),
                "rule": alert.rule, "level": alert.level})
        return Work({"risk_state": status.state.value, "daily_pnl": float(status.daily_pnl),
                     "open_positions": status.open_positions, "gross_exposure": float(status.gross_exposure),
                     "active_alerts": [a.key for a in status.active_alerts], "new_alerts": [a.key for a in raised]},
                    f"marked {status.open_positions} position(s); daily P&L {status.daily_pnl:.2f}; "
                    f"{len(raised)} new alert(s)")

    async def _market_close(self, cycle_id: UUID, session: Session, call: PhaseCall) -> Work:
        at = close_phase_at(session).astimezone(NEW_YORK)
        reason = call.reason or (f"market close {session.day.isoformat()}: the close phase at {at:%H:%M} New York "
                                 f"({'half day, ' if session.is_half_day else ''}30 min before the close)")
        flat = await self._peers.trading.flatten_all(reason)
        for order in flat.orders:
            await self._ledger.decide(cycle_id, "position_closed", f"market close: {order.side.value} "
                                      f"{shares_text(order.quantity)} {order.symbol}", {
                                          "market_at": self._clock.now().isoformat(), "reason": reason,
                                          "order_id": str(order.order_id),
                                          "order": order.model_dump(mode="json", exclude={"legs"})},
                                      symbol=order.symbol)
        reconciled = await self._peers.trading.reconcile()
        built = await self._peers.reporting.build_daily(session.day)
        return Work({
            "reason": reason,
            "flatten": {"orders": [o.client_order_id for o in flat.orders], "symbols": [o.symbol for o in flat.orders],
                        "canceled": len(flat.canceled.orders)},
            "reconcile": reconciled.model_dump(mode="json", exclude={"events"}) | {"events": reconciled.events[:50]},
            "report": {"day": built.day.isoformat(), "path": built.path, "url": built.url,
                       "emailed_to": built.emailed_to, "email_error": built.email_error},
        }, f"flattened {len(flat.orders)} position(s), reconciled, report built for {session.day.isoformat()}")


def _session_facts(session: Session | None) -> dict[str, Any]:
    if session is None:
        return {}
    return {"day": session.day.isoformat(), "open": session.open.isoformat(), "close": session.close.isoformat(),
            "half_day": session.is_half_day, "close_phase_at": close_phase_at(session).isoformat()}


def _error_of(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, CatalystError):
        return {"code": exc.code, "message": exc.message, "details": exc.details}
    return {"code": "INTERNAL_ERROR", "message": str(exc), "details": {"type": type(exc).__name__}}


def _closed_kind(day: date) -> str:
    return "weekend" if day.weekday() >= 5 else "holiday"

