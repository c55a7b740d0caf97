"""Risk Manager settings beyond the shared ones (a config section; defaults are the offline ones)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from catalyst.config import Section


class RiskSettings(Section):

    parameters_file: Path = Field(
        Path("config/risk_parameters.yaml"), alias="RISK_PARAMETERS_FILE",
        description="YAML parameter set, watched for edits (relative paths: from the working directory)",
    )
    watch_parameters: bool = Field(True, alias="RISK_WATCH_PARAMETERS", description="Hot-reload file edits")
    watch_debounce_ms: int = Field(300, alias="RISK_WATCH_DEBOUNCE_MS", ge=10, le=10_000)
    history_max_age_s: float = Field(
        3600.0, alias="RISK_HISTORY_MAX_AGE", gt=0, description="How long daily history stays cached"
    )
    maintenance_interval_s: float = Field(
        5.0, alias="RISK_MAINTENANCE_INTERVAL", gt=0,
        description="Retry of the start-up load, day rollover check and status cache refresh",
    )
    emergency_deadline_s: float = Field(
        30.0, alias="RISK_EMERGENCY_DEADLINE", gt=0,
        description="How long an emergency stop keeps cancelling and flattening until Trading is flat",
    )
    book_resync_s: float = Field(
        1.0, alias="RISK_BOOK_RESYNC", gt=0, le=60,
        description="Longest time between two re-reads of the book from the database (each fill asks sooner)",
    )
