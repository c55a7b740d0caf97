"""Risk Manager API (port 5004): request and response models, shared by the service and its client.

Routes (all under ``/api/v1/risk``, ``X-API-Key`` required):

- ``POST /validate``        ``ValidateRequest`` → ``ValidateResponse`` (approve/reject, every reason,
                            a signed ``TradeApproval`` when approved)
- ``GET  /parameters``      → ``ActiveParameters``
- ``PUT  /parameters``      ``ParametersUpdate`` → ``ActiveParameters`` (400 naming the field when invalid)
- ``GET  /status``          → ``RiskStatus``
- ``POST /emergency-stop``  ``EmergencyStopRequest`` → ``EmergencyStopResponse``
- ``POST /reset``           ``ResetRequest`` → ``RiskStatus``
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from catalyst.domain.orders import Side
from catalyst.risk.approvals import TradeApproval
from catalyst.risk.parameters import RiskParameters
from catalyst.risk.state import RiskState, Severity

RISK_PATH = "/api/v1/risk"
SYMBOL_PATTERN = r"^[A-Z][A-Z0-9.\-]{0,9}$"

ParameterSource = Literal["file", "api", "mcp", "operator"]


class ValidateRequest(BaseModel):
    """A proposed order. An order reducing an open position (an exit) needs only symbol, side,
    quantity and entry; an entry needs a stop and (unless ``min_risk_reward`` is 0) a target."""

    model_config = ConfigDict(extra="forbid")

    symbol: str = Field(pattern=SYMBOL_PATTERN, examples=["AAPL"])
    side: Side
    quantity: int = Field(gt=0, le=10_000_000, description="Shares asked for")
    entry: float = Field(gt=0, description="Expected entry price (the limit price for a limit order)")
    stop: float | None = Field(None, gt=0, description="Stop-loss price")
    target: float | None = Field(None, gt=0, description="Take-profit price")
    atr: float | None = Field(None, gt=0, description="Daily ATR; computed from the bar store when absent")
    support: float | None = Field(
        None, gt=0, description="Support level under a long's entry (resistance above a short's)"
    )


class RiskReason(BaseModel):
    code: str = Field(examples=["RISK_DAILY_LOSS"])
    rule: str
    message: str


class RuleOutcome(BaseModel):
    rule: str
    code: str
    passed: bool
    severity: Severity
    reason: str
    value: float | None = None
    limit: float | None = None


class SizingInfo(BaseModel):
    quantity: int
    binding: str = Field(description="kelly, position_limit, daily_loss_headroom or requested")
    caps: dict[str, int]
    kelly_full: float = Field(description="Full-Kelly fraction of equity to risk")
    risk_fraction: float = Field(description="Fraction actually risked (kelly_fraction × full)")
    per_share_risk: float
    win_rate: float
    payoff: float
    trades: int = Field(description="Closed trades behind the win rate and payoff")
    from_prior: bool


class ValidateResponse(BaseModel):
    approved: bool
    is_exit: bool = Field(description="Reduces an open position; exits are never blocked")
    symbol: str
    side: Side
    requested_quantity: int
    sized_quantity: int = Field(description="Shares sizing allows (0 when rejected)")
    max_quantity: int = Field(description="Shares the approval covers (0 when rejected)")
    price_bound: float
    approval: TradeApproval | None = Field(None, description="Signed, single use, valid 60 s; None if rejected")
    reasons: list[RiskReason] = Field(description="Every failing rule")
    warnings: list[RiskReason] = Field(description="Passing rules at or past their warning threshold")
    rules: list[RuleOutcome]
    sizing: SizingInfo | None = None
    state: RiskState
    parameters_version: int


class ActiveParameters(BaseModel):
    version: int = Field(description="risk_parameters.version; 0 only before anything was persisted")
    parameters: RiskParameters
    applied_by: str
    source: ParameterSource
    applied_at: AwareDatetime
    reason: str | None = None


class ParametersUpdate(BaseModel):
    """A complete parameter set (absent keys take the documented defaults, as in the YAML file).

    ``parameters`` is validated by the one path every change goes through, so an error here
    comes back as a 400 naming the field, and the active set stays as it was."""

    model_config = ConfigDict(extra="forbid")

    parameters: dict[str, Any]
    applied_by: str | None = Field(None, min_length=1, max_length=200,
                                   description="Who applies it; defaults to the calling service")
    source: Literal["api", "mcp", "operator"] = "api"
    reason: str | None = Field(None, max_length=1000)


class LimitUsage(BaseModel):
    name: str = Field(examples=["daily_loss", "max_positions", "position_size:AAPL"])
    value: float
    limit: float
    usage_pct: float
    severity: Severity


class ActiveAlert(BaseModel):
    key: str
    rule: str
    level: Literal["warning", "critical", "emergency"]
    message: str
    since: AwareDatetime


class PositionExposure(BaseModel):
    symbol: str
    quantity: float = Field(description="Signed: + long, − short")
    market_price: float
    notional: float
    unrealized_pnl: float
    realized_pnl_today: float


class RiskStatus(BaseModel):
    ready: bool = Field(description="False until the book is loaded: validation is refused (503) meanwhile")
    state: RiskState
    trading_day: date
    daily_pnl: float
    realized_pnl_today: float
    unrealized_pnl: float
    daily_loss: float
    gross_exposure: float
    net_exposure: float
    open_positions: int
    positions: list[PositionExposure]
    limits: list[LimitUsage]
    active_alerts: list[ActiveAlert]
    halt_reason: str | None = None
    parameters_version: int
    updated_at: AwareDatetime


class EmergencyStopRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500, description="Passed on to Trading (its limit: 500)")
    requested_by: str | None = Field(None, min_length=1, max_length=200)


class EmergencyStopResponse(BaseModel):
    state: RiskState
    orders_cancelled: bool
    positions_flattened: bool
    trading: dict[str, Any] = Field(default_factory=dict, description="What Trading answered to each call")
    halted_at: AwareDatetime


class ResetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=1000)
    requested_by: str | None = Field(None, min_length=1, max_length=200)
