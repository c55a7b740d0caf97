"""Scanner service API (port 5001): request and response models shared by the service and its client.

A scan runs the five-stage funnel (spec 2.3, service 2) synchronously and answers the finished
result; every symbol that entered it can be asked about afterwards (the stage it was dropped at
and why, as a value against a threshold).
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from catalyst.contracts.endpoints import RouteTable, endpoint
from catalyst.domain.bounded import EXAMPLE_SYMBOL, SymbolInput

__all__ = [
    "DEFAULT_UNIVERSE_SIZE", "MAX_REQUEST_SYMBOLS", "SCAN_PATH", "STAGES", "Candidate", "DropReason",
    "ScanRequest", "ScanResult", "ScannerRoutes", "StageCount", "SymbolVerdict",
]

SCAN_PATH = "/api/v1/scan"
DEFAULT_UNIVERSE_SIZE = 100
MAX_REQUEST_SYMBOLS = 200
# The funnel's stage names, as scan_results.stage holds them.
STAGES = ("universe", "catalyst", "technical", "pattern", "final")


class ScanRequest(BaseModel):
    cycle_id: UUID | None = Field(None, description="The trading cycle the scan belongs to (must exist)")
    universe_size: int = Field(DEFAULT_UNIVERSE_SIZE, description="Symbols entering the funnel, 50..200 "
                               "(400 INVALID_UNIVERSE_SIZE otherwise); the most liquid first")
    symbols: list[SymbolInput] | None = Field(
        None, min_length=1, max_length=MAX_REQUEST_SYMBOLS, examples=[[EXAMPLE_SYMBOL]],
        description="Scan only these symbols (still capped at universe_size); default: every listed security")


class StageCount(BaseModel):
    stage: str = Field(examples=["technical"])
    entered: int = Field(ge=0)
    passed: int = Field(ge=0)


class Candidate(BaseModel):
    """A symbol that passed every filter and was ranked in the top N by its composite score."""

    rank: int = Field(ge=1)
    symbol: str
    composite_score: float
    catalyst_score: float
    technical_score: float
    pattern_score: float
    price: float = Field(description="Last daily close as of the scan")
    pattern: str | None = None
    entry: float | None = None
    stop: float | None = None
    target: float | None = None
    risk_reward: float | None = Field(None, description="(target - entry) / (entry - stop)")
    catalyst_type: str | None = None
    headline: str | None = None


class DropReason(BaseModel):
    """Why a symbol left the funnel: ``metric`` was ``value``, which is not ``comparison`` ``threshold``."""

    metric: str = Field(examples=["rsi_14"])
    value: float | str | None = None
    threshold: float | str | None = None
    comparison: str = Field(examples=[">", "<=", "available"])
    message: str


class ScanResult(BaseModel):
    scan_id: UUID
    cycle_id: UUID | None = None
    status: Literal["completed"] = "completed"
    as_of: AwareDatetime = Field(description="Market clock time the scan was made as of")
    started_at: AwareDatetime
    finished_at: AwareDatetime
    universe_size: int
    stages: list[StageCount]
    candidates: list[Candidate] = Field(description="Best first")
    warnings: list[str] = Field(default_factory=list, description="Degraded sources and what was done instead")
    timings_ms: dict[str, float] = Field(default_factory=dict, description="Wall time per stage, and storing")


class SymbolVerdict(BaseModel):
    scan_id: UUID
    symbol: str
    reached: str = Field(description="The last stage the symbol entered")
    dropped_at: str | None = Field(None, description="None when the symbol is a candidate")
    reason: DropReason | None = None
    candidate: Candidate | None = None


class ScannerRoutes(RouteTable):
    """The Scanner service's operations."""

    # a scan asks three services about up to the whole universe: seconds when every cache is cold
    start_scan = endpoint("POST", f"{SCAN_PATH}/start", ScanResult, request=ScanRequest, retry=False,
                          timeout_s=120.0)
    latest_scan = endpoint("GET", f"{SCAN_PATH}/latest", ScanResult)
    latest_verdict = endpoint("GET", f"{SCAN_PATH}/latest/symbols/{{symbol}}", SymbolVerdict)
    get_scan = endpoint("GET", f"{SCAN_PATH}/{{scan_id}}", ScanResult)
    candidate_verdict = endpoint("GET", f"{SCAN_PATH}/{{scan_id}}/symbols/{{symbol}}", SymbolVerdict)
