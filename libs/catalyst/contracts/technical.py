"""Technical service API (port 5003): request and response models shared by the service and its client."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, Field

from catalyst.contracts.endpoints import RouteTable, endpoint
from catalyst.domain.bounded import MAX_NAMES, Label, SymbolInput, TimeframeInput
from catalyst.domain.market import Timeframe
from catalyst.errors import ErrorBody

__all__ = [
    "DEFAULT_BARS", "INDICATORS_PATH", "MAX_BARS", "MAX_BATCH_SYMBOLS", "SUPPORTED_TIMEFRAMES",
    "IndicatorBatchRequest", "IndicatorBatchResponse", "IndicatorValues", "PriceLevel", "TechnicalRoutes",
]

INDICATORS_PATH = "/api/v1/indicators"  # GET /{symbol}, POST /batch
SUPPORTED_TIMEFRAMES: tuple[Timeframe, ...] = tuple(Timeframe)
DEFAULT_TIMEFRAME = Timeframe.DAY_1
DEFAULT_BARS = 400
MAX_BARS = 5000
MAX_BATCH_SYMBOLS = 200


class PriceLevel(BaseModel):
    """A support or resistance level: the mean of clustered pivots and how many pivots it has."""

    price: float = Field(gt=0)
    touches: int = Field(ge=1)


class IndicatorValues(BaseModel):
    """Indicator values at the close of the last bar (``as_of``).

    Every field of a requested indicator has a value (too little history is a 400, never a
    null); fields of indicators not requested are null. ``volume_ratio`` is also null when the
    20 bars before the last traded nothing.
    """

    symbol: str
    timeframe: Timeframe
    as_of: AwareDatetime = Field(description="Start time of the last bar used")
    bars: int = Field(description="Bars the values were computed from")
    indicators: list[str] = Field(description="Indicators requested")
    cached: bool = Field(False, description="Served from the 5-minute cache")
    sma_20: float | None = None
    sma_50: float | None = None
    sma_200: float | None = None
    ema_9: float | None = None
    ema_21: float | None = None
    rsi_14: float | None = Field(None, ge=0, le=100)
    macd: float | None = None
    macd_signal: float | None = None
    macd_hist: float | None = None
    atr_14: float | None = Field(None, ge=0)
    bb_upper: float | None = None
    bb_middle: float | None = None
    bb_lower: float | None = None
    obv: float | None = None
    volume_ratio: float | None = Field(None, ge=0, description="Last bar's volume / mean of the 20 before")
    support: list[PriceLevel] = Field(default_factory=list, description="Nearest first (levels requested)")
    resistance: list[PriceLevel] = Field(default_factory=list, description="Nearest first (levels requested)")


class IndicatorBatchRequest(BaseModel):
    symbols: list[SymbolInput] = Field(min_length=1, max_length=MAX_BATCH_SYMBOLS)
    timeframe: TimeframeInput = Field(DEFAULT_TIMEFRAME.value, examples=["1Day", "1Min"])
    indicators: list[Label] | None = Field(None, max_length=MAX_NAMES, description="Default: all",
                                           examples=[["sma_20", "rsi_14"]])
    bars: int = Field(DEFAULT_BARS, ge=1, le=MAX_BARS, description="How many of the latest bars to use")
    refresh: bool = Field(False, description="Recompute even when cached")


class IndicatorBatchResponse(BaseModel):
    timeframe: Timeframe
    results: dict[str, IndicatorValues] = Field(description="By symbol")
    errors: dict[str, ErrorBody] = Field(
        default_factory=dict, description="Symbols that could not be served (unknown, too little history)"
    )


class TechnicalRoutes(RouteTable):
    """The Technical service's operations."""

    indicators_batch = endpoint("POST", f"{INDICATORS_PATH}/batch", IndicatorBatchResponse,
                                request=IndicatorBatchRequest)
    indicators_for_symbol = endpoint("GET", f"{INDICATORS_PATH}/{{symbol}}", IndicatorValues)
