"""Workflow API (port 5006): the trading cycle's phases, trade requests and the reads the MCP server needs.

Orchestration calls only Workflow (spec 2.2), so besides running the cycle (``run_phase``: what the
Kubernetes CronJobs and the operator's ``catalyst phase`` call) and coordinating trades, Workflow
serves the reads Claude's resources ask for, each taken from the service that owns it.

A phase asked for twice is answered ``ran: false`` with the reason (it already ran, or it is
running); on a day the market is closed it does nothing and says so; a phase the cycle's state does
not allow is a 409 ``ILLEGAL_TRANSITION`` naming the state and the phases it allows.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from catalyst.contracts.endpoints import RouteTable, endpoint
from catalyst.contracts.pattern import DetectedPattern
from catalyst.contracts.reporting import PerformanceReport, TradeJournal
from catalyst.contracts.risk import (
    ActiveAlert,
    ActiveParameters,
    ParametersUpdate,
    RiskStatus,
    ValidateResponse,
)
from catalyst.contracts.scanner import ScanResult, SymbolVerdict
from catalyst.contracts.technical import IndicatorValues
from catalyst.contracts.trading import OrderOut, PositionList, PositionOut
from catalyst.domain.bounded import NO_NUL_PATTERN, Actor, Price, Reason, Shares, SymbolInput
from catalyst.domain.cycle import CycleState, Phase
from catalyst.domain.order_request import CLIENT_ORDER_ID_PATTERN
from catalyst.domain.orders import OrderType, Side

WORKFLOW_PATH = "/api/v1/workflow"
REQUEST_ID_PATTERN = CLIENT_ORDER_ID_PATTERN  # a request id becomes part of what the client order id is made from

TradeMode = Literal["execute", "preview"]
TradeStatus = Literal["placed", "already_placed", "previewed", "refused"]


class PhaseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason | None = Field(None, description="Why (required to stop the session or halt)")
    requested_by: Actor | None = Field(None, description="Who asks; defaults to the calling service")
    force: bool = Field(False, description="Run a scheduled phase before its time (never on a closed day)")


class PhaseResult(BaseModel):
    phase: Phase
    ran: bool = Field(description="False: nothing was done, and ``reason`` says why")
    reason: str | None = Field(None, examples=["already ran at 2025-03-03T13:00:00+00:00", "market closed"])
    day: date = Field(description="The trading day (New York) the phase is for")
    market_at: AwareDatetime = Field(description="The market clock when the phase was asked for")
    cycle_id: UUID | None = Field(None, description="None when the market is closed that day")
    previous_state: CycleState | None = None
    state: CycleState | None = Field(None, description="The cycle's state after the phase")
    details: dict[str, Any] = Field(default_factory=dict, description="What the phase did (per phase)")


class PhaseRunOut(BaseModel):
    phase: Phase
    slot: str = Field(description="The market minute of a monitor run; empty for the others")
    status: Literal["running", "succeeded", "failed"]
    market_at: AwareDatetime
    finished_at: AwareDatetime | None


class CycleOut(BaseModel):
    cycle_id: UUID
    cycle_date: date
    mode: str
    state: CycleState
    allowed_phases: list[Phase] = Field(description="What the state accepts now")
    scan_id: UUID | None = Field(None, description="The pre-market scan of this cycle")
    started_at: AwareDatetime
    stopped_at: AwareDatetime | None
    updated_at: AwareDatetime
    phases: list[PhaseRunOut] = Field(description="The phases run (the last monitor run only), in order")


class TimelineEntry(BaseModel):
    kind: Literal["transition", "decision"]
    recorded_at: AwareDatetime = Field(description="When it was written (wall time): the entries' order")
    market_at: AwareDatetime | None = Field(None, description="The market clock at the time")
    step: str | None = Field(None, description="A transition's phase or outcome")
    from_state: CycleState | None = None
    to_state: CycleState | None = None
    decision: str | None = Field(None, examples=["phase_run", "candidate_chosen", "trade_refused", "trade_placed"])
    symbol: str | None = None
    reasoning: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class Timeline(BaseModel):
    cycle_id: UUID
    state: CycleState
    entries: list[TimelineEntry]


class TradeRequest(BaseModel):
    """A trade the MCP server asks for. ``request_id`` makes it idempotent: the same id in the same cycle
    never places a second order (the client order id is derived from the cycle and it)."""

    model_config = ConfigDict(extra="forbid")

    request_id: str = Field(pattern=REQUEST_ID_PATTERN, examples=["mcp-7f3a"])
    symbol: SymbolInput
    side: Side = Side.BUY
    quantity: Shares = Field(description="Shares asked for; Risk's sizing may allow fewer")
    mode: TradeMode = Field("execute", description="preview: stop after Risk's validation, send nothing")
    order_type: Literal[OrderType.LIMIT, OrderType.MARKET] = OrderType.LIMIT
    entry: Price | None = Field(None, description="Default: the pattern's entry level")
    stop: Price | None = Field(None, description="Default: the pattern's stop")
    target: Price | None = Field(None, description="Default: the pattern's target")
    rationale: str | None = Field(None, max_length=2000, pattern=NO_NUL_PATTERN,
                                  description="Why it is asked for (kept with the decision)")


class TradeLevels(BaseModel):
    entry: float
    stop: float
    target: float
    source: Literal["request", "pattern", "scan"] = Field(description="Where the levels came from")


class TradeAnalysis(BaseModel):
    scan_id: UUID | None = Field(None, description="The cycle's scan the candidate was looked up in")
    candidate: dict[str, Any] | None = Field(None, description="The Scanner's candidate (None: not one)")
    pattern: DetectedPattern | None = None
    indicators: IndicatorValues | None = None
    levels: TradeLevels | None = None


class WorkflowReason(BaseModel):
    """Why a trade was refused; Risk's reasons keep the Risk Manager's codes."""

    code: str = Field(examples=["RISK_DAILY_LOSS", "NO_LEVELS"])
    source: Literal["risk", "trading", "workflow"]
    message: str
    rule: str | None = None


class TradeOutcome(BaseModel):
    request_id: str
    cycle_id: UUID
    symbol: str
    side: Side
    mode: TradeMode
    status: TradeStatus
    client_order_id: str
    reasons: list[WorkflowReason] = Field(description="Why it was refused (empty otherwise)")
    warnings: list[str] = Field(default_factory=list)
    analysis: TradeAnalysis
    risk: ValidateResponse | None = Field(None, description="Risk's answer (None: not asked)")
    order: OrderOut | None = Field(None, description="The order placed (None: nothing placed)")


class ClosePositionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    request_id: str = Field(pattern=REQUEST_ID_PATTERN)
    reason: Reason
    quantity: Shares | None = Field(None, description="Shares to close; the whole position when absent")


class CloseOutcome(BaseModel):
    request_id: str
    cycle_id: UUID
    position_id: UUID
    repeated: bool = Field(description="True: this request id already closed it; the order is that one")
    order: OrderOut


class RiskEventOut(BaseModel):
    event_id: int
    event_type: str
    severity: Literal["info", "warning", "critical"]
    rule: str | None
    message: str
    symbol: str | None
    value: float | None
    limit_value: float | None
    created_at: AwareDatetime


class AlertsOut(BaseModel):
    active: list[ActiveAlert] = Field(description="In force now (the Risk Manager's status)")
    recent: list[RiskEventOut] = Field(description="The latest risk events recorded, newest first")


class WorkflowRoutes(RouteTable):
    """The Workflow service's operations: the cycle, trades, and the reads served for Orchestration."""

    run_phase = endpoint("POST", f"{WORKFLOW_PATH}/phases/{{phase}}", PhaseResult, request=PhaseRequest)
    current_cycle = endpoint("GET", f"{WORKFLOW_PATH}/cycles/current", CycleOut)
    get_cycle = endpoint("GET", f"{WORKFLOW_PATH}/cycles/{{cycle_id}}", CycleOut)
    cycle_timeline = endpoint("GET", f"{WORKFLOW_PATH}/cycles/{{cycle_id}}/timeline", Timeline)
    request_trade = endpoint("POST", f"{WORKFLOW_PATH}/trades", TradeOutcome, request=TradeRequest)
    close_position = endpoint("POST", f"{WORKFLOW_PATH}/positions/{{position_id}}/close", CloseOutcome,
                              request=ClosePositionRequest)
    positions = endpoint("GET", f"{WORKFLOW_PATH}/positions", PositionList)
    position = endpoint("GET", f"{WORKFLOW_PATH}/positions/{{position_id}}", PositionOut)
    risk_status = endpoint("GET", f"{WORKFLOW_PATH}/risk/status", RiskStatus)
    risk_parameters = endpoint("GET", f"{WORKFLOW_PATH}/risk/parameters", ActiveParameters)
    update_risk_parameters = endpoint("PUT", f"{WORKFLOW_PATH}/risk/parameters", ActiveParameters,
                                      request=ParametersUpdate)
    alerts = endpoint("GET", f"{WORKFLOW_PATH}/alerts", AlertsOut)
    latest_scan = endpoint("GET", f"{WORKFLOW_PATH}/scan/latest", ScanResult)
    scan_candidate = endpoint("GET", f"{WORKFLOW_PATH}/scan/latest/candidates/{{symbol}}", SymbolVerdict)
    daily_performance = endpoint("GET", f"{WORKFLOW_PATH}/performance/daily", PerformanceReport)
    weekly_performance = endpoint("GET", f"{WORKFLOW_PATH}/performance/weekly", PerformanceReport)
    trade_journal = endpoint("GET", f"{WORKFLOW_PATH}/journal", TradeJournal)
