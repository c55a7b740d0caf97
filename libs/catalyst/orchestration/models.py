"""What the MCP tools answer: structured results (their output schemas) written for a language model.

Every result names the ``trading_mode`` (simulated, paper, live), so the model always knows whether
money is real. Outside text inside them (headlines, broker messages) is in the untrusted envelope.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from catalyst.contracts.reporting import PerformanceReport, TradeJournal
from catalyst.contracts.risk import RiskStatus, RuleOutcome
from catalyst.contracts.scanner import Candidate, DropReason, StageCount
from catalyst.domain.cycle import CycleState
from catalyst.orchestration.config import TradingMode
from catalyst.orchestration.untrusted import Untrusted


class ModeResult(BaseModel):
    trading_mode: TradingMode = Field(description="simulated, paper or live: whether real money is at stake")


class SessionResult(ModeResult):
    phase: str
    ran: bool = Field(description="False: nothing was done, and reason says why")
    reason: str | None = None
    day: date
    cycle_id: UUID | None = None
    state: CycleState | None = Field(None, description="The trading cycle's state after the call")
    details: dict[str, Any] = Field(default_factory=dict)


class CandidateView(Candidate):
    headline: Untrusted | None = None  # type: ignore[assignment]  # the news headline, marked as outside text


class ScanResults(ModeResult):
    scan_id: UUID
    cycle_id: UUID | None = None
    as_of: AwareDatetime
    universe_size: int
    stages: list[StageCount]
    candidates: list[CandidateView] = Field(description="Best first")
    warnings: list[str] = Field(default_factory=list)


class CandidateAnalysis(ModeResult):
    scan_id: UUID
    symbol: str
    is_candidate: bool
    reached: str = Field(description="The last scan stage the symbol entered")
    dropped_at: str | None = Field(None, description="The stage it left the scan at (None: it is a candidate)")
    reason: DropReason | None = None
    candidate: CandidateView | None = None


TradeStatus = Literal["preview", "placed", "already_placed", "refused", "confirmation_refused"]


class TradeResult(ModeResult):
    """A preview (with the token to confirm it), the order placed, or why not."""

    status: TradeStatus = Field(description="preview: nothing sent yet; placed/already_placed: the order is in; "
                                "refused: the Risk Manager or Workflow said no (see reasons); "
                                "confirmation_refused: the token was not accepted (see reasons)")
    symbol: str
    side: str
    requested_quantity: int
    quantity: int = Field(description="Shares the order is (or would be) for, after the Risk Manager's sizing")
    order_type: str
    entry: float | None = Field(None, description="Limit or expected entry price")
    price_bound: float | None = Field(None, description="Worst price the approval covers")
    estimated_cost: float | None = Field(None, description="quantity × the price the rules judged the order at")
    stop: float | None = None
    target: float | None = None
    approved: bool = Field(description="The Risk Manager's verdict")
    rules: list[RuleOutcome] = Field(default_factory=list, description="Every risk rule and its outcome")
    reasons: list[str] = Field(default_factory=list, description="Why it was refused (empty otherwise)")
    warnings: list[str] = Field(default_factory=list)
    confirmation_token: str | None = Field(None, description="Pass it back, with the same arguments, to place "
                                           "exactly this order (only after the user agreed)")
    expires_at: AwareDatetime | None = None
    request_id: str | None = None
    order: dict[str, Any] | None = Field(None, description="The order as Trading recorded it")
    next_step: str = Field(description="What to do next")


class CloseResult(ModeResult):
    position_id: UUID
    repeated: bool = Field(description="True: this request already closed it; the order is that one")
    order: dict[str, Any]


class RiskParameterResult(ModeResult):
    status: Literal["applied", "unchanged", "preview", "confirmation_refused"]
    parameter: str
    current: Any
    proposed: Any
    widens_risk: bool = Field(description="True: the change loosens a limit, so it needs the user's confirmation")
    version: int = Field(description="The active parameter set's version after the call")
    confirmation_token: str | None = None
    expires_at: AwareDatetime | None = None
    reasons: list[str] = Field(default_factory=list)
    next_step: str


class RiskStatusResult(ModeResult):
    risk: RiskStatus


class PerformanceResult(ModeResult):
    period: Literal["daily", "weekly"]
    report: PerformanceReport


class JournalResult(ModeResult):
    journal: TradeJournal


class EmergencyStopResult(ModeResult):
    halted: bool = Field(description="True: trading is halted (orders cancelled, positions flattened)")
    reason: str | None = None
    state: CycleState | None = None
    details: dict[str, Any] = Field(default_factory=dict)
