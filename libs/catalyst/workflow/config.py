"""Workflow settings: the cycle's mode, the pre-market scan, how a trade request is analysed, the
in-process scheduler (off unless asked for: in the cluster Kubernetes CronJobs run the phases), and where
a risk-parameter update goes (in a cluster: the authoritative RiskParameters object)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from catalyst.config import Section, comma_list
from catalyst.domain.market import Timeframe, as_symbols

_NAME = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_OBJECT_PATTERN = rf"^$|^{_NAME}/{_NAME}(\.{_NAME})*$"


class WorkflowSettings(Section):
    cycle_mode: str = Field("paper", alias="WORKFLOW_CYCLE_MODE", pattern=r"^[a-z][a-z_]{0,31}$",
                            description="trading_cycles.mode: one cycle per trading day and mode")
    universe_size: int = Field(100, alias="WORKFLOW_UNIVERSE_SIZE", ge=50, le=200,
                               description="Symbols the pre-market scan starts from (spec 3.2: 50..200)")
    watchlist: tuple[str, ...] = Field(
        (), alias="WORKFLOW_WATCHLIST",
        description="Comma-separated symbols whose news catalysts feed the scan; empty: the Scanner's universe")
    catalyst_min_strength: float = Field(0.0, alias="WORKFLOW_CATALYST_MIN_STRENGTH", ge=0, le=1)
    analysis_timeframe: Timeframe = Field(Timeframe.DAY_1, alias="WORKFLOW_ANALYSIS_TIMEFRAME",
                                          description="Bars the trade request's pattern and indicators use")
    scheduler_enabled: bool = Field(False, alias="WORKFLOW_SCHEDULER",
                                    description="Run the phases in process on the market clock")
    scheduler_poll_s: float = Field(1.0, alias="WORKFLOW_SCHEDULER_POLL", gt=0, le=60,
                                    description="Real seconds between two looks at the market clock")
    risk_parameters_object: str = Field(
        "", alias="RISK_PARAMETERS_OBJECT", pattern=_OBJECT_PATTERN,
        description="<namespace>/<name> of the authoritative RiskParameters object: a risk-parameter update patches "
                    "it and the operator applies it; empty (outside a cluster): the Risk Manager takes it directly")
    risk_parameters_kubeconfig: Path | None = Field(
        None, alias="RISK_PARAMETERS_KUBECONFIG",
        description="The kubeconfig that patch uses; unset: the pod's service account (in a cluster)")
    risk_parameters_wait_s: float = Field(
        4.0, alias="RISK_PARAMETERS_WAIT", gt=0, le=60,
        description="How long an update waits for the operator to apply the patched object (then 503, kept)")

    @field_validator("watchlist", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        """``"aapl, msft"`` as the environment spells it: upper-cased tickers, each checked."""
        names = comma_list(value)
        return as_symbols(map(str, names)) if isinstance(names, list | tuple) else value
