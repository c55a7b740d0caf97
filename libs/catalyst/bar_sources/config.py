"""Bar source configuration (``BAR_SOURCE=replay|alpaca|files``); the defaults are the offline ones."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from catalyst.config import AlpacaCredentials, Section


class BarSourceSettings(Section):
    """Where bars come from. Defaults are the offline ones: the seeded replay set, no network."""

    bar_source: Literal["replay", "alpaca", "files"] = Field("replay", alias="BAR_SOURCE")
    replay_seed: int = Field(42, alias="REPLAY_SEED", description="Seed of the synthetic replay universe")
    bar_files_dir: Path | None = Field(None, alias="BAR_FILES_DIR",
                                       description="Folder of CSV/Parquet bar files (BAR_SOURCE=files)")
    bar_files_tz: str = Field("America/New_York", alias="BAR_FILES_TZ",
                              description="Zone of timestamps written without an offset in bar files")
    alpaca: AlpacaCredentials = Field(default_factory=AlpacaCredentials)
    alpaca_data_url: str | None = Field(None, alias="ALPACA_DATA_URL",
                                        description="Market-data base URL; default https://data.alpaca.markets")
    alpaca_feed: Literal["iex", "sip", "delayed_sip"] = Field("iex", alias="ALPACA_DATA_FEED",
                                                             description="iex is the free feed")
    alpaca_adjustment: Literal["raw", "split", "dividend", "all"] = Field(
        "split", alias="ALPACA_ADJUSTMENT", description="split-adjusted keeps moving averages continuous")
    alpaca_timeout_s: float = Field(10.0, alias="ALPACA_DATA_TIMEOUT", gt=0)
    alpaca_retry_attempts: int = Field(3, alias="ALPACA_DATA_RETRY_ATTEMPTS", ge=0,
                                       description="alpaca-py's own retries of 429/504 answers")
    alpaca_retry_wait_s: float = Field(3.0, alias="ALPACA_DATA_RETRY_WAIT", ge=0)
    alpaca_symbols_per_request: int = Field(100, alias="ALPACA_SYMBOLS_PER_REQUEST", ge=1, le=1000)

    @model_validator(mode="after")
    def _source_is_usable(self) -> BarSourceSettings:
        if self.bar_source == "files" and self.bar_files_dir is None:
            raise ValueError("BAR_SOURCE=files needs BAR_FILES_DIR")
        if self.bar_source == "alpaca" and self.alpaca.pair() is None:
            raise ValueError("BAR_SOURCE=alpaca needs ALPACA_API_KEY and ALPACA_SECRET_KEY")
        return self
