"""What the MCP tools do, over Workflow: previews and their confirmation, closes, limit changes, reads.

The one rule every money-moving call follows: nothing is sent on a first call. ``execute_trade`` and a
widening ``update_risk_parameter`` answer a preview and a confirmation token bound to exactly it
(``catalyst.orchestration.tokens``); only the same arguments with that token, once, before it expires,
act. A token that is reused, expired or altered is a normal result (``confirmation_refused``) with
the reason, as is a refused trade: the model explains it, no protocol error. A failure of Workflow
itself is a ``ToolError``. A close only reduces risk (exits are never blocked, spec 2.3 service 5),
and the kill switch must be immediate, so neither needs a token.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from fastmcp.exceptions import ToolError
from pydantic import ValidationError

from catalyst.clients.workflow import WorkflowClient
from catalyst.contracts.workflow import PhaseResult, TradeOutcome, TradeRequest
from catalyst.domain.cycle import Phase
from catalyst.domain.money import money
from catalyst.domain.risk import RiskParameters
from catalyst.errors import CatalystError
from catalyst.orchestration import models, tokens
from catalyst.orchestration.config import OrchestrationSettings, TradingMode
from catalyst.orchestration.limits import widens
from catalyst.orchestration.token_guard import TokenGuard
from catalyst.orchestration.views import candidate_view, order_view

T = TypeVar("T")

ACTOR = "mcp"
CONFIRM_STEP = ("Show the user this preview (quantity, prices, cost, stop, target, every rule, the trading mode) "
                "and ask whether to place it. Only if they agree, call execute_trade again with the same "
                "arguments and this confirmation_token.")


async def ask(call: Awaitable[T]) -> T:
    """Workflow's answer, or its error as a ``ToolError`` the model can read (code and message)."""
    try:
        return await call
    except CatalystError as exc:
        raise ToolError(f"{exc.code}: {exc.message}") from exc


def _stamp(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, UTC)


@dataclass
class Desk:
    """The Orchestration service's state: its one peer, the token guard, its settings, the wall clock
    tokens expire by (``now``, Unix seconds)."""

    workflow: WorkflowClient
    guard: TokenGuard
    settings: OrchestrationSettings
    now: Callable[[], float] = time.time

    @property
    def mode(self) -> TradingMode:
        return self.settings.trading_mode

    @property
    def _secret(self) -> str:
        return self.settings.token_secret.get_secret_value()

    # -- the session --------------------------------------------------------------------------------------

    async def phase(self, phase: Phase, reason: str | None) -> models.SessionResult:
        result: PhaseResult = await ask(self.workflow.run_phase(phase, reason=reason, requested_by=ACTOR))
        return models.SessionResult(trading_mode=self.mode, phase=result.phase.value, ran=result.ran,
                                    reason=result.reason, day=result.day, cycle_id=result.cycle_id,
                                    state=result.state, details=result.details)

    async def emergency_stop(self, reason: str) -> models.EmergencyStopResult:
        result: PhaseResult = await ask(self.workflow.run_phase(Phase.HALT, reason=reason, requested_by=ACTOR))
        return models.EmergencyStopResult(trading_mode=self.mode, halted=result.ran, reason=result.reason,
                                          state=result.state, details=result.details)

    # -- trades ----------------------------------------------------------------------------------------------

    async def execute_trade(self, asked: dict[str, Any], token: str | None) -> models.TradeResult:
        """``asked``: the tool's arguments but the token (what a token is bound to)."""
        if token is None:
            return await self._preview(asked)
        return await self._confirm(asked, token)

    async def _preview(self, asked: dict[str, Any]) -> models.TradeResult:
        request = TradeRequest.model_validate({**asked, "mode": "preview",
                                               "request_id": f"mcp-preview-{secrets.token_hex(8)}"})
        outcome = await ask(self.workflow.request_trade(request))
        result = self._trade_result(outcome, request)
        if outcome.status != "previewed":
            return result
        levels = outcome.analysis.levels
        resolved = {"symbol": outcome.symbol, "side": outcome.side.value, "quantity": result.quantity,
                    "order_type": request.order_type.value, "entry": levels.entry if levels else None,
                    "stop": levels.stop if levels else None, "target": levels.target if levels else None}
        now = self.now()
        token = tokens.issue(self._secret, "trade", asked, resolved, now=now, ttl_s=self.settings.token_ttl_s)
        return result.model_copy(update={"status": "preview", "confirmation_token": token,
                                         "expires_at": _stamp(now + self.settings.token_ttl_s),
                                         "next_step": CONFIRM_STEP})

    async def _confirm(self, asked: dict[str, Any], token: str) -> models.TradeResult:
        check = tokens.verify(self._secret, token, "trade", asked, now=self.now())
        if not check.valid:
            return self._token_refused(asked, check.reason)
        digest = tokens.token_digest(token)
        if not await self.guard.claim(digest, check.expires_at - self.now()):
            return self._token_refused(asked, "the confirmation token was used already; preview again")
        order = check.resolved
        request = TradeRequest.model_validate({
            "request_id": f"mcp-{digest}", "symbol": order["symbol"], "side": order["side"],
            "quantity": order["quantity"], "order_type": order["order_type"], "entry": order["entry"],
            "stop": order["stop"], "target": order["target"], "rationale": asked.get("rationale"),
            "mode": "execute"})
        try:
            outcome = await ask(self.workflow.request_trade(request))
        except ToolError:
            await self.guard.release(digest)  # nothing answered: the retry goes out with the same request id
            raise
        return self._trade_result(outcome, request, requested=int(asked["quantity"]))

    def _token_refused(self, asked: dict[str, Any], reason: str) -> models.TradeResult:
        return models.TradeResult(
            trading_mode=self.mode, status="confirmation_refused", symbol=str(asked["symbol"]).upper(),
            side=str(asked["side"]), requested_quantity=int(asked["quantity"]), quantity=0,
            order_type=str(asked["order_type"]), approved=False, reasons=[reason],
            next_step="Nothing was sent. Call execute_trade without a token for a fresh preview.")

    def _trade_result(self, outcome: TradeOutcome, request: TradeRequest,
                      requested: int | None = None) -> models.TradeResult:
        """``requested``: the shares the user asked for, when ``request`` is the confirmed (sized) order."""
        requested = request.quantity if requested is None else requested
        risk = outcome.risk
        levels = outcome.analysis.levels
        quantity = outcome.order.quantity if outcome.order is not None else (
            min(requested, risk.sized_quantity) if risk is not None else 0)
        placed = outcome.status in ("placed", "already_placed")
        status: models.TradeStatus = outcome.status if outcome.status != "previewed" else "preview"
        reasons = [f"{r.code}: {r.message}" for r in outcome.reasons]
        return models.TradeResult(
            trading_mode=self.mode, status=status, symbol=outcome.symbol, side=outcome.side.value,
            requested_quantity=requested, quantity=int(quantity),
            order_type=request.order_type.value,
            entry=levels.entry if levels else None, stop=levels.stop if levels else None,
            target=levels.target if levels else None,
            price_bound=risk.price_bound if risk else None,
            estimated_cost=float(round(money(quantity) * risk.priced_at, 2)) if risk else None,
            approved=bool(risk and risk.approved), rules=risk.rules if risk else [], reasons=reasons,
            warnings=[*outcome.warnings, *(f"{w.code}: {w.message}" for w in (risk.warnings if risk else []))],
            request_id=outcome.request_id if placed else None,
            order=order_view(outcome.order) if outcome.order is not None else None,
            next_step=("The order is in; fills arrive as notifications and in positions." if placed else
                       "Explain the reasons to the user; nothing was sent." if status == "refused" else ""))

    # -- positions -------------------------------------------------------------------------------------------

    async def close_position(self, position_id: str, quantity: int | None, reason: str,
                             request_key: str | None) -> models.CloseResult:
        key = request_key or tokens.canonical_hash({"p": position_id, "q": quantity, "r": reason})[:24]
        outcome = await ask(self.workflow.close_position(position_id, request_id=f"mcp-close-{key}",
                                                         reason=reason, quantity=quantity))
        return models.CloseResult(trading_mode=self.mode, position_id=outcome.position_id,
                                  repeated=outcome.repeated, order=order_view(outcome.order))

    # -- risk limits -----------------------------------------------------------------------------------------

    async def update_risk_parameter(self, name: str, value: Any, reason: str,
                                    token: str | None) -> models.RiskParameterResult:
        active = await ask(self.workflow.risk_parameters())
        current_set = active.parameters.model_dump(mode="json")
        if name not in current_set:
            raise ToolError(f"UNKNOWN_PARAMETER: {name!r} is not a risk parameter; known: {', '.join(current_set)}")
        proposed_set = {**current_set, name: value}
        try:
            proposed = RiskParameters.model_validate(proposed_set).model_dump(mode="json")[name]
        except ValidationError as exc:
            raise ToolError(f"INVALID_PARAMETER: {exc.errors()[0]['msg']}") from exc
        current = current_set[name]
        wider = widens(name, current, proposed)
        base = {"trading_mode": self.mode, "parameter": name, "current": current, "proposed": proposed,
                "widens_risk": wider, "version": active.version}
        if current == proposed:
            return models.RiskParameterResult(status="unchanged", next_step="Nothing to change.", **base)
        asked = {"name": name, "value": proposed, "reason": reason}
        if wider and token is None:
            now = self.now()
            issued = tokens.issue(self._secret, "risk_parameter", asked, {"version": active.version},
                                  now=now, ttl_s=self.settings.token_ttl_s)
            return models.RiskParameterResult(
                status="preview", confirmation_token=issued, expires_at=_stamp(now + self.settings.token_ttl_s),
                next_step=("This loosens a risk limit. Ask the user to confirm; only then call "
                           "update_risk_parameter again with the same arguments and this confirmation_token."),
                **base)
        if wider and token is not None:
            refusal = await self._check_parameter_token(token, asked, active.version)
            if refusal is not None:
                return models.RiskParameterResult(status="confirmation_refused", reasons=[refusal],
                                                  next_step="Nothing changed. Preview again.", **base)
        applied = await ask(self.workflow.update_risk_parameters(proposed_set, applied_by=ACTOR, source="mcp",
                                                                 reason=reason))
        return models.RiskParameterResult(status="applied", next_step="The new limit is in force.",
                                          **{**base, "version": applied.version})

    async def _check_parameter_token(self, token: str, asked: dict[str, Any], version: int) -> str | None:
        check = tokens.verify(self._secret, token, "risk_parameter", asked, now=self.now())
        if not check.valid:
            return check.reason
        if check.resolved.get("version") != version:
            return "the risk parameters changed since the preview; preview again"
        if not await self.guard.claim(tokens.token_digest(token), check.expires_at - self.now()):
            return "the confirmation token was used already; preview again"
        return None

    # -- reads -----------------------------------------------------------------------------------------------

    async def scan_results(self, limit: int) -> models.ScanResults:
        scan = await ask(self.workflow.latest_scan())
        return models.ScanResults(
            trading_mode=self.mode, scan_id=scan.scan_id, cycle_id=scan.cycle_id, as_of=scan.as_of,
            universe_size=scan.universe_size, stages=scan.stages,
            candidates=[candidate_view(c) for c in scan.candidates[:limit]], warnings=scan.warnings)

    async def candidate_analysis(self, symbol: str) -> models.CandidateAnalysis:
        verdict = await ask(self.workflow.candidate(symbol.strip().upper()))
        return models.CandidateAnalysis(
            trading_mode=self.mode, scan_id=verdict.scan_id, symbol=verdict.symbol,
            is_candidate=verdict.candidate is not None, reached=verdict.reached, dropped_at=verdict.dropped_at,
            reason=verdict.reason, candidate=candidate_view(verdict.candidate) if verdict.candidate else None)

    async def risk_status(self) -> models.RiskStatusResult:
        return models.RiskStatusResult(trading_mode=self.mode, risk=await ask(self.workflow.risk_status()))

    async def performance(self, period: str, day: date | None) -> models.PerformanceResult:
        call = self.workflow.weekly_performance if period == "weekly" else self.workflow.daily_performance
        return models.PerformanceResult(trading_mode=self.mode, period="weekly" if period == "weekly" else "daily",
                                        report=await ask(call(day)))

    async def journal(self, start: date | None, end: date | None) -> models.JournalResult:
        return models.JournalResult(trading_mode=self.mode, journal=await ask(self.workflow.trade_journal(start, end)))
