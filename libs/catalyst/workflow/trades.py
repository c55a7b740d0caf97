"""A trade request coordinated across the services: Scanner → Pattern → Technical → Risk → Trading.

The symbol is looked up in the cycle's scan (the candidate and its levels, or why the Scanner
dropped it), its pattern and indicators are read on the configured timeframe, and the order is
priced from the levels (the request's own first, then the pattern's, then the scan's). The Risk
Manager validates it; a refusal comes back with Risk's reasons and nothing is sent. A preview stops
there. An approved entry goes to Trading as a bracket with Risk's signed approval, under a client
order id derived from the cycle and the request id, so a retried request never places a second
order: an executed request is recorded first (``trade_requested``, once per request id, beside the
analysis), and only a request recorded before — a retry — looks for the order an earlier try placed
(its decision, and Trading by that id for a try whose answer was lost to a 5xx or a timeout) before
asking Risk again; Trading answers a known id with the order it has. A close is keyed alike
(``close_order_id``), and written once.
Every outcome is a decision in ``decision_logs`` with the inputs it was decided on.

A preview asks Risk for a dry run: the same judgement, but no approval is signed and no exposure
is reserved, so the confirmation that follows is judged against the book as it is.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable
from typing import Any, TypeVar
from uuid import UUID

from catalyst.clock import Clock
from catalyst.contracts.pattern import DetectedPattern
from catalyst.contracts.risk import ValidateRequest, ValidateResponse
from catalyst.contracts.trading import OrderOut, SubmitOrderBody
from catalyst.contracts.workflow import (
    CloseOutcome,
    ClosePositionRequest,
    TradeAnalysis,
    TradeLevels,
    TradeOutcome,
    TradeRequest,
    WorkflowReason,
)
from catalyst.domain.calendar import trading_day
from catalyst.domain.cycle import CycleState
from catalyst.domain.market import as_symbol
from catalyst.domain.money import shares_text
from catalyst.domain.orders import OrderType
from catalyst.errors import CatalystError, Conflict, InvalidInput, NotFound
from catalyst.workflow.analysis_cache import AnalysisCache
from catalyst.workflow.config import WorkflowSettings
from catalyst.workflow.cycle import ENTRY_STATES, PREVIEW_STATES
from catalyst.workflow.ledger import CycleLedger
from catalyst.workflow.peers import WorkflowPeers
from catalyst.workflow.repository import CycleRow

INDICATORS = ("atr_14", "rsi_14", "sma_20", "volume_ratio", "levels")


T = TypeVar("T")


def client_order_id(cycle_id: UUID, request_id: str) -> str:
    """An entry's idempotency key: the same cycle and request id always give the same one."""
    return "wf-" + hashlib.sha256(f"{cycle_id}:{request_id}".encode()).hexdigest()[:40]


def close_order_id(cycle_id: UUID, request_id: str) -> str:
    """A close's idempotency key: like an entry's, in a namespace of its own (``wf-close-``: no hex digest
    spells ``close``), so a close never finds an entry of the same request id."""
    return "wf-close-" + hashlib.sha256(f"close:{cycle_id}:{request_id}".encode()).hexdigest()[:40]


async def _answer(source: str, call: Awaitable[T]) -> tuple[T | None, str | None]:
    """``call``'s answer, or None and why (unknown symbol, too little history, or the service down)."""
    try:
        return await call, None
    except CatalystError as exc:
        return None, f"{source}: {exc.message}"


def ticker(symbol: str) -> str:
    """A caller's spelling of a symbol as the ticker (400 ``INVALID_SYMBOL`` when it is none)."""
    normal = as_symbol(symbol)
    if normal is None:
        raise InvalidInput(f"not a ticker: {symbol!r}", code="INVALID_SYMBOL", details={"symbol": symbol})
    return normal


class TradeDesk:
    def __init__(self, *, ledger: CycleLedger, peers: WorkflowPeers, clock: Clock, settings: WorkflowSettings):
        self._ledger = ledger
        self._peers = peers
        self._clock = clock
        self._settings = settings
        self._analyses = AnalysisCache()

    async def request(self, req: TradeRequest, requested_by: str) -> TradeOutcome:
        symbol = ticker(req.symbol)
        cycle = await self._trading_cycle(req)
        cid = client_order_id(cycle.cycle_id, req.request_id)
        base = TradeOutcome(request_id=req.request_id, cycle_id=cycle.cycle_id, symbol=symbol, side=req.side,
                            mode=req.mode, status="refused", client_order_id=cid, reasons=[],
                            analysis=TradeAnalysis())
        if req.mode == "execute":  # the request recorded (once per id) beside the analysis
            first_try, (analysis, warnings) = await asyncio.gather(
                self._received(base, req, requested_by), self._analyse(cycle, symbol))
            if not first_try:
                earlier = await self._earlier_try(base, req, requested_by)
                if earlier is not None:
                    return earlier
        else:
            analysis, warnings = await self._analyse(cycle, symbol)
        outcome = base.model_copy(update={"analysis": analysis, "warnings": warnings})
        levels = _levels(req, analysis)
        if levels is None:
            reason = WorkflowReason(code="NO_LEVELS", source="workflow",
                                    message="no entry, stop and target: no pattern found and none given")
            return await self._refused(outcome, [reason], req, requested_by)
        outcome = outcome.model_copy(update={"analysis": analysis.model_copy(update={"levels": levels})})
        support = analysis.indicators.support[0].price if analysis.indicators and analysis.indicators.support else None
        atr = analysis.indicators.atr_14 if analysis.indicators else None
        try:
            decision = await self._peers.risk.validate(ValidateRequest(
                symbol=symbol, side=req.side, quantity=req.quantity, entry=levels.entry, order_type=req.order_type,
                stop=levels.stop, target=levels.target, atr=atr or None, support=support,
                dry_run=req.mode == "preview"))
        except InvalidInput as exc:
            return await self._refused(outcome, [_reason(exc, "risk")], req, requested_by)
        outcome = outcome.model_copy(update={"risk": decision})
        if not decision.approved:
            reasons = [WorkflowReason(code=r.code, source="risk", message=r.message, rule=r.rule)
                       for r in decision.reasons]
            return await self._refused(outcome, reasons, req, requested_by)
        if req.mode == "preview":
            await self._decide(outcome.model_copy(update={"status": "previewed"}), "trade_previewed",
                               f"approved for {decision.max_quantity} share(s); preview: nothing sent", req,
                               requested_by)
            return outcome.model_copy(update={"status": "previewed"})
        return await self._place(outcome, decision, levels, req, requested_by)

    async def close_position(self, position_id: UUID, req: ClosePositionRequest, requested_by: str) -> CloseOutcome:
        """Exit through Trading (never refused for the cycle's state: exits are never blocked).

        The exit's client order id comes from the cycle and the request id, so a repeat (concurrent, or a
        retry after a lost answer) gets the same exit from Trading, and the decision is written once:
        by whichever call records it first, the others answer ``repeated``."""
        now = self._clock.now()
        cycle_id = await self._ledger.ensure(trading_day(now), now)
        earlier = await self._ledger.find_decision(cycle_id, "position_closed", req.request_id)
        if earlier is not None:
            order = await self._peers.trading.get_order(earlier["order_id"])
            return CloseOutcome(request_id=req.request_id, cycle_id=cycle_id, position_id=position_id, repeated=True,
                                order=order)
        order = await self._peers.trading.close_position(position_id, req.quantity, req.reason,
                                                         client_order_id=close_order_id(cycle_id, req.request_id))
        first = await self._ledger.decide_once(cycle_id, "position_closed", req.request_id,
                                               f"closed by {requested_by}: {req.reason}", {
            "market_at": now.isoformat(), "position_id": str(position_id), "order_id": str(order.order_id),
            "client_order_id": order.client_order_id, "quantity": req.quantity, "requested_by": requested_by,
            "order": order.model_dump(mode="json", exclude={"legs"})}, symbol=order.symbol)
        return CloseOutcome(request_id=req.request_id, cycle_id=cycle_id, position_id=position_id,
                            repeated=not first, order=order)

    # -- steps ---------------------------------------------------------------------------------------------
    async def _trading_cycle(self, req: TradeRequest) -> CycleRow:
        day = trading_day(self._clock.now())
        cycle = await self._ledger.today(day)
        if cycle is None:
            raise Conflict(f"no trading cycle on {day.isoformat()}: run the pre-market scan first", code="NO_CYCLE",
                           details={"day": day.isoformat()})
        states = ENTRY_STATES if req.mode == "execute" else PREVIEW_STATES
        if cycle.state not in states:
            raise Conflict(f"the cycle is {cycle.state.value}: a trade {req.mode} needs "
                           f"{' or '.join(s.value for s in _ordered(states))}", code="CYCLE_NOT_TRADING",
                           details={"state": cycle.state.value, "allowed": [s.value for s in _ordered(states)]})
        return cycle

    async def _analyse(self, cycle: CycleRow, symbol: str) -> tuple[TradeAnalysis, list[str]]:
        """The scan's verdict, the patterns and the indicators, asked at once (none depends on another;
        the chain's order is in what is made of them); a source that fails is a warning, not a refusal.
        One made earlier in this market minute is reused (``catalyst.workflow.analysis_cache``)."""
        scan_id = UUID(cycle.config["scan_id"]) if cycle.config.get("scan_id") else None
        timeframe = self._settings.analysis_timeframe
        key, now = (scan_id, symbol, timeframe), self._clock.now()
        kept = self._analyses.get(key, now)
        if kept is not None:
            return kept, []
        verdict, found, indicators = await asyncio.gather(
            self._verdict(symbol, scan_id),
            _answer("pattern", self._peers.pattern.patterns(symbol, timeframe=timeframe)),
            _answer("indicators", self._peers.technical.indicators(symbol, timeframe=timeframe,
                                                                   indicators=INDICATORS)))
        candidate, warnings = verdict
        warnings += [w for w in (found[1], indicators[1]) if w is not None]
        pattern: DetectedPattern | None = None
        if found[0] is not None:
            preferred = [p for p in found[0].patterns if candidate and p.pattern.value == candidate.get("pattern")]
            ranked = preferred or found[0].patterns  # most confident first
            pattern = ranked[0] if ranked else None
        analysis = TradeAnalysis(scan_id=scan_id, candidate=candidate, pattern=pattern, indicators=indicators[0])
        if not warnings:
            self._analyses.put(key, analysis, now)
        return analysis, warnings

    async def _verdict(self, symbol: str, scan_id: UUID | None) -> tuple[dict[str, Any] | None, list[str]]:
        if scan_id is None:
            return None, ["the cycle has no scan yet"]
        try:
            verdict = await self._peers.scanner.verdict(symbol, scan_id)
        except NotFound:
            return None, [f"{symbol} was not in scan {scan_id}"]
        except CatalystError as exc:  # the Scanner down: the request is still judged by Risk
            return None, [f"scanner: {exc.message}"]
        if verdict.candidate is not None:
            return verdict.candidate.model_dump(mode="json"), []
        why = verdict.reason.message if verdict.reason else f"reached {verdict.reached}"
        return None, [f"{symbol} is not a candidate of scan {scan_id}: dropped at {verdict.dropped_at} ({why})"]

    async def _place(self, outcome: TradeOutcome, decision: ValidateResponse, levels: TradeLevels, req: TradeRequest,
                     requested_by: str) -> TradeOutcome:
        body = SubmitOrderBody(
            symbol=outcome.symbol, side=outcome.side, quantity=min(req.quantity, decision.max_quantity),
            order_type=req.order_type, limit_price=levels.entry if req.order_type is OrderType.LIMIT else None,
            take_profit=levels.target, stop_loss=levels.stop, client_order_id=outcome.client_order_id,
            approval=decision.approval)
        try:
            order = await self._peers.trading.submit_order(body)
        except CatalystError as exc:
            if exc.status_code >= 500:
                raise
            return await self._refused(outcome, [_reason(exc, "trading")], req, requested_by)
        placed = outcome.model_copy(update={"status": "placed", "order": order})
        await self._decide(placed, "trade_placed", f"{order.side.value} {shares_text(order.quantity)} {order.symbol} "
                           f"({order.order_type.value}), approved by Risk for {decision.max_quantity}", req,
                           requested_by, order_id=str(order.order_id))
        return placed

    async def _received(self, base: TradeOutcome, req: TradeRequest, requested_by: str) -> bool:
        """Record the execute request; False when this request id was recorded before (a retry)."""
        return await self._ledger.decide_once(
            base.cycle_id, "trade_requested", req.request_id, f"execute requested by {requested_by}", {
                "market_at": self._clock.now().isoformat(), "client_order_id": base.client_order_id,
                "requested_by": requested_by, "request": req.model_dump(mode="json")}, symbol=base.symbol)

    async def _earlier_try(self, base: TradeOutcome, req: TradeRequest, requested_by: str) -> TradeOutcome | None:
        """What an earlier try of the request placed: its decision, else the order Trading has under the
        request's client order id (the try's answer was lost); None when it placed nothing."""
        placed, known = await asyncio.gather(
            self._ledger.find_decision(base.cycle_id, "trade_placed", req.request_id),
            self._peers.trading.find_order(base.client_order_id))
        if placed is not None:
            order = await self._peers.trading.get_order(placed["order_id"])
            return base.model_copy(update={"status": "already_placed", "order": order,
                                           "analysis": TradeAnalysis.model_validate(placed["analysis"])})
        if known is not None:  # Risk is not asked again
            return await self._found_in_trading(base, known, req, requested_by)
        return None

    async def _found_in_trading(self, base: TradeOutcome, order: OrderOut, req: TradeRequest,
                                requested_by: str) -> TradeOutcome:
        """The order an earlier try placed, whose answer never came back: recorded as placed, once."""
        found = base.model_copy(update={"status": "already_placed", "order": order, "warnings": [
            "placed by an earlier try of this request (its answer was lost); Trading had the order"]})
        await self._decide(found, "trade_placed", f"{order.side.value} {shares_text(order.quantity)} {order.symbol} "
                           f"({order.order_type.value}), found in Trading under its client order id", req,
                           requested_by, order_id=str(order.order_id))
        return found

    async def _refused(self, outcome: TradeOutcome, reasons: list[WorkflowReason], req: TradeRequest,
                       requested_by: str) -> TradeOutcome:
        refused = outcome.model_copy(update={"status": "refused", "reasons": reasons})
        await self._decide(refused, "trade_refused", "; ".join(f"{r.code}: {r.message}" for r in reasons), req,
                           requested_by)
        return refused

    async def _decide(self, outcome: TradeOutcome, decision: str, reasoning: str, req: TradeRequest,
                      requested_by: str, **extra: Any) -> None:
        """One decision of the request; a ``trade_placed`` once per request id (retries racing each other)."""
        context = {
            "market_at": self._clock.now().isoformat(), "request_id": req.request_id,
            "client_order_id": outcome.client_order_id, "requested_by": requested_by,
            "request": req.model_dump(mode="json"), "analysis": outcome.analysis.model_dump(mode="json"),
            "reasons": [r.model_dump(mode="json") for r in outcome.reasons], "warnings": outcome.warnings,
            "risk": None if outcome.risk is None else outcome.risk.model_dump(mode="json", exclude={"approval"}),
            **extra,
        }
        if decision == "trade_placed":
            await self._ledger.decide_once(outcome.cycle_id, decision, req.request_id, reasoning, context,
                                           symbol=outcome.symbol)
        else:
            await self._ledger.decide(outcome.cycle_id, decision, reasoning, context, symbol=outcome.symbol)


def _levels(req: TradeRequest, analysis: TradeAnalysis) -> TradeLevels | None:
    """Entry, stop and target: each from the request, else the pattern, else the scan's candidate."""
    pattern = analysis.pattern
    candidate = analysis.candidate or {}
    picked: dict[str, float] = {}
    sources: set[str] = set()
    for name in ("entry", "stop", "target"):
        given = getattr(req, name)
        from_pattern = getattr(pattern, name) if pattern is not None else None
        for source, value in (("request", given), ("pattern", from_pattern), ("scan", candidate.get(name))):
            if value is not None:
                picked[name] = float(value)
                sources.add(source)
                break
        else:
            return None
    source = next(s for s in ("scan", "pattern", "request") if s in sources)
    return TradeLevels(entry=picked["entry"], stop=picked["stop"], target=picked["target"], source=source)


def _reason(exc: CatalystError, source: str) -> WorkflowReason:
    return WorkflowReason(code=exc.code, source=source, message=exc.message)


def _ordered(states: frozenset[CycleState]) -> list[CycleState]:
    return [s for s in CycleState if s in states]
