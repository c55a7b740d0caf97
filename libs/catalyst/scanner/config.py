"""Scanner settings: the funnel's thresholds, its stage order, the composite score's weights and the
universe bounds (spec 2.3, service 2). Read once in the service's ``build_app``."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from catalyst.config import Section, comma_list
from catalyst.domain.market import Timeframe
from catalyst.scanner.stages import Stage


class FunnelThresholds(Section):
    """What a symbol must show to pass each stage (the spec's numbers are the defaults)."""

    min_avg_volume: float = Field(1_000_000, alias="SCANNER_MIN_AVG_VOLUME", ge=0, description="Shares a day")
    min_price: float = Field(5.0, alias="SCANNER_MIN_PRICE", ge=0)
    news_window_hours: float = Field(24.0, alias="SCANNER_NEWS_WINDOW_HOURS", gt=0)
    min_catalyst_strength: float = Field(0.7, alias="SCANNER_MIN_CATALYST_STRENGTH", ge=0, le=1)
    min_sentiment: float = Field(0.5, alias="SCANNER_MIN_SENTIMENT", ge=-1, le=1)
    rsi_low: float = Field(40.0, alias="SCANNER_RSI_LOW", ge=0, le=100)
    rsi_high: float = Field(70.0, alias="SCANNER_RSI_HIGH", ge=0, le=100)
    min_volume_ratio: float = Field(1.5, alias="SCANNER_MIN_VOLUME_RATIO", ge=0)
    min_pattern_confidence: float = Field(0.7, alias="SCANNER_MIN_PATTERN_CONFIDENCE", ge=0, le=1)
    final_count: int = Field(5, alias="SCANNER_FINAL_COUNT", ge=1, le=50, description="Candidates kept")

    @model_validator(mode="after")
    def _rsi_band(self) -> FunnelThresholds:
        if self.rsi_low > self.rsi_high:
            raise ValueError("SCANNER_RSI_LOW must not exceed SCANNER_RSI_HIGH")
        return self


class ScoreWeights(Section):
    """The composite score: a weighted mean of four parts, each in 0..1 (``catalyst.scanner.scoring``)."""

    catalyst: float = Field(0.3, alias="SCANNER_WEIGHT_CATALYST", ge=0)
    technical: float = Field(0.2, alias="SCANNER_WEIGHT_TECHNICAL", ge=0)
    pattern: float = Field(0.3, alias="SCANNER_WEIGHT_PATTERN", ge=0)
    risk_reward: float = Field(0.2, alias="SCANNER_WEIGHT_RISK_REWARD", ge=0)
    full_risk_reward: float = Field(3.0, alias="SCANNER_FULL_RISK_REWARD", gt=0,
                                    description="A risk/reward at or above this scores 1")
    full_trend_pct: float = Field(10.0, alias="SCANNER_FULL_TREND_PCT", gt=0,
                                  description="A close this many percent above SMA 20 scores 1")

    @model_validator(mode="after")
    def _some_weight(self) -> ScoreWeights:
        if self.catalyst + self.technical + self.pattern + self.risk_reward <= 0:
            raise ValueError("at least one score weight must be positive")
        return self


class ScannerSettings(Section):
    stages: list[Stage] = Field(default_factory=lambda: list(Stage), alias="SCANNER_STAGES",
                                description="Stage order: universe first, final last, the others between")
    min_universe: int = Field(50, alias="SCANNER_MIN_UNIVERSE", ge=1)
    max_universe: int = Field(200, alias="SCANNER_MAX_UNIVERSE", ge=1, le=20_000,
                              description="The largest universe_size a request may ask for")
    degraded_universe_fraction: float = Field(
        0.5, alias="SCANNER_DEGRADED_UNIVERSE_FRACTION", gt=0, le=1,
        description="With News down, the universe is cut to this fraction of the size asked for")
    volume_lookback_days: int = Field(20, alias="SCANNER_VOLUME_LOOKBACK_DAYS", ge=1, le=250)
    timeframe: Timeframe = Field(Timeframe.DAY_1, alias="SCANNER_TIMEFRAME",
                                 description="Bars the technical and pattern stages ask for")
    technical_bars: int = Field(250, alias="SCANNER_TECHNICAL_BARS", ge=21, le=5000)
    pattern_bars: int = Field(250, alias="SCANNER_PATTERN_BARS", ge=1, le=5000)
    max_calls_in_flight: int = Field(
        4, alias="SCANNER_MAX_CALLS_IN_FLIGHT", ge=1, le=64,
        description="Chunks of one stage sent to its service at once (a universe above the batch cap)")
    thresholds: FunnelThresholds = Field(default_factory=FunnelThresholds)
    weights: ScoreWeights = Field(default_factory=ScoreWeights)

    _split_stages = field_validator("stages", mode="before")(comma_list)

    @model_validator(mode="after")
    def _valid(self) -> ScannerSettings:
        order = self.stages
        if len(order) < 2 or order[0] is not Stage.UNIVERSE or order[-1] is not Stage.FINAL:
            raise ValueError("SCANNER_STAGES must start with universe and end with final")
        if len(set(order)) != len(order):
            raise ValueError("SCANNER_STAGES names a stage twice")
        if self.min_universe > self.max_universe:
            raise ValueError("SCANNER_MIN_UNIVERSE must not exceed SCANNER_MAX_UNIVERSE")
        return self
