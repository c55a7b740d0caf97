"""Pattern service API (port 5002): request and response models shared by the service and its client."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, Field

from catalyst.contracts.endpoints import RouteTable, endpoint
from catalyst.domain.bounded import MAX_NAMES, Label, SymbolInput, TimeframeInput
from catalyst.domain.market import Timeframe
from catalyst.domain.patterns import PatternType
from catalyst.errors import ErrorBody

__all__ = [
    "DEFAULT_BARS", "MAX_BARS", "MAX_BATCH_SYMBOLS", "PATTERNS_PATH", "SUPPORTED_TIMEFRAMES", "DetectedPattern",
    "PatternBatchRequest", "PatternBatchResponse", "PatternRoutes", "PatternType", "PatternsResponse",
]

PATTERNS_PATH = "/api/v1/patterns"  # GET /{symbol}, POST /batch
SUPPORTED_TIMEFRAMES: tuple[Timeframe, ...] = tuple(Timeframe)
DEFAULT_TIMEFRAME = Timeframe.DAY_1
DEFAULT_BARS = 400
MAX_BARS = 5000
MAX_BATCH_SYMBOLS = 200


class DetectedPattern(BaseModel):
    """One pattern found as of the last bar (geometry and levels: ``catalyst.patterns``)."""

    pattern: PatternType
    confidence: float = Field(ge=0, le=1)
    breakout: bool = Field(description="The last bar closed above the entry level")
    entry: float = Field(gt=0, description="Breakout level (buy-stop)")
    stop: float = Field(gt=0, description="The level whose loss voids the pattern")
    target: float = Field(gt=0, description="Measured-move objective")
    support: float = Field(gt=0)
    resistance: float = Field(gt=0)
    started_at: AwareDatetime = Field(description="Start time of the pattern's first bar")
    features: dict[str, float | None] = Field(description="What the confidence is made of")


class PatternsResponse(BaseModel):
    symbol: str
    timeframe: Timeframe
    as_of: AwareDatetime = Field(description="Start time of the last (current) bar")
    bars: int
    cached: bool = False
    checked: list[PatternType] = Field(description="Detectors run (ORB only on intraday timeframes)")
    patterns: list[DetectedPattern] = Field(description="Detected patterns, most confident first")


class PatternBatchRequest(BaseModel):
    symbols: list[SymbolInput] = Field(min_length=1, max_length=MAX_BATCH_SYMBOLS)
    timeframe: TimeframeInput = Field(DEFAULT_TIMEFRAME.value, examples=["1Day", "1Min"])
    patterns: list[Label] | None = Field(None, max_length=MAX_NAMES, description="Default: all the timeframe supports")
    bars: int = Field(DEFAULT_BARS, ge=1, le=MAX_BARS, description="How many of the latest bars to use")
    refresh: bool = False


class PatternBatchResponse(BaseModel):
    timeframe: Timeframe
    results: dict[str, PatternsResponse]
    errors: dict[str, ErrorBody] = Field(default_factory=dict)


class PatternRoutes(RouteTable):
    """The Pattern service's operations."""

    patterns_batch = endpoint("POST", f"{PATTERNS_PATH}/batch", PatternBatchResponse, request=PatternBatchRequest)
    patterns_for_symbol = endpoint("GET", f"{PATTERNS_PATH}/{{symbol}}", PatternsResponse)
