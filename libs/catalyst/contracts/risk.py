"""Risk Manager API (port 5004): request and response models, shared by the service and its client.

Its operations are ``RiskRoutes`` (end of this module; all under ``/api/v1/risk``, ``X-API-Key``
required): validate answers approve/reject with every reason and a signed ``TradeApproval`` when
approved; a parameter update that is invalid is a 400 naming the field.

Money (prices, amounts, P&L) and share counts are ``Decimal`` inside and JSON numbers on the
wire (``OrderPrice``, ``WireMoney``, ``WireQuantity``): a request's prices are parsed from their
JSON numbers as written (``0.1`` is a tenth). A rule outcome's ``value`` and ``limit`` stay
``float``: they are dollars for some rules and ratios (correlation, reward/risk) for others.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from catalyst.contracts.endpoints import RouteTable, endpoint
from catalyst.domain.approvals import TradeApproval
from catalyst.domain.bounded import MAX_PRICE as MAX_PRICE
from catalyst.domain.bounded import NO_NUL_PATTERN, Actor, OrderPrice, Price, Reason
from catalyst.domain.market import SYMBOL_PATTERN
from catalyst.domain.money import WireMoney, WireQuantity
from catalyst.domain.orders import Intent, OrderType, Side
from catalyst.domain.risk import RiskParameters, RiskState, Severity

RISK_PATH = "/api/v1/risk"

ParameterSource = Literal["file", "api", "mcp", "operator"]


class ValidateRequest(BaseModel):
    """A proposed order. An order reducing an open position (an exit) needs only symbol, side,
    quantity and entry; an entry needs a stop and (unless ``min_risk_reward`` is 0) a target.

    The rules price the order where it can fill: a limit (or stop-limit) at its limit, ``entry``;
    a market order at the market (the last complete bar's close), a stop order at the worse of
    ``trigger_price`` and the market. For market and stop orders ``entry`` is advisory, as are
    ``atr`` and ``support``: the stop rule uses the ATR and levels computed from stored bars.
    """

    model_config = ConfigDict(extra="forbid")

    symbol: str = Field(pattern=SYMBOL_PATTERN, examples=["AAPL"])
    side: Side
    quantity: int = Field(gt=0, le=10_000_000, description="Shares asked for")
    entry: OrderPrice = Field(description="The limit price of a limit order; else the expected price")
    order_type: OrderType = Field(OrderType.LIMIT, description="How the order will be sent")
    trigger_price: OrderPrice | None = Field(None, description="Trigger of a stop or stop-limit entry (not the "
                                                               "stop-loss)")
    stop: OrderPrice | None = Field(None, description="Stop-loss price")
    target: OrderPrice | None = Field(None, description="Take-profit price")
    atr: Price | None = Field(None, description="Advisory: the rules use the ATR of stored bars")
    support: OrderPrice | None = Field(None, description="Advisory: the rules use support/resistance levels of "
                                                         "stored bars")
    dry_run: bool = Field(False, description="Judge only (a preview): no approval is signed and nothing is reserved")

    @model_validator(mode="after")
    def _trigger_matches_type(self) -> ValidateRequest:
        needs = self.order_type in (OrderType.STOP, OrderType.STOP_LIMIT)
        if needs != (self.trigger_price is not None):
            raise ValueError(f"trigger_price is {'required' if needs else 'not allowed'} "
                             f"for a {self.order_type.value} order")
        return self


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
    per_share_risk: WireMoney
    win_rate: float
    payoff: float
    trades: int = Field(description="Closed trades behind the win rate and payoff")
    from_prior: bool


class ValidateResponse(BaseModel):
    approved: bool
    is_exit: bool = Field(description="Reduces an open position; exits are never blocked")
    intent: Intent = Field(description="What the approval covers: an entry, or only an exit")
    priced_at: WireMoney = Field(description="The price the rules judged the order at (where it can fill)")
    symbol: str
    side: Side
    requested_quantity: int
    sized_quantity: int = Field(description="Shares sizing allows (0 when rejected)")
    max_quantity: int = Field(description="Shares the approval covers (0 when rejected)")
    price_bound: WireMoney
    approval: TradeApproval | None = Field(
        None, description="Signed, single use, valid 60 s; None if rejected or a dry run")
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
    applied_by: Actor | None = Field(None, description="Who applies it; defaults to the calling service")
    source: Literal["api", "mcp", "operator"] = "api"
    reason: str | None = Field(None, max_length=1000, pattern=NO_NUL_PATTERN)


class LimitUsage(BaseModel):
    name: str = Field(examples=["daily_loss", "max_positions", "position_size:AAPL"])
    value: WireMoney = Field(description="Dollars (a loss, a notional) or, for max_positions, a count")
    limit: WireMoney
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
    quantity: WireQuantity = Field(description="Signed: + long, − short")
    market_price: WireMoney = Field(description="Last complete bar's close (or the last fill)")
    notional: WireMoney
    unrealized_pnl: WireMoney = Field(description="Since the position's average entry")
    unrealized_pnl_today: WireMoney = Field(description="Since today's reference (entry, or the previous close)")
    stop: WireMoney | None = Field(None, description="The stop its approval was sized with")


class RiskStatus(BaseModel):
    ready: bool = Field(description="False until the book is loaded: validation is refused (503) meanwhile")
    state: RiskState
    trading_day: date
    daily_pnl: WireMoney = Field(description="Realized today (after commissions) plus unrealized since today's "
                                             "reference")
    realized_pnl_today: WireMoney
    unrealized_pnl: WireMoney
    daily_loss: WireMoney
    committed_loss: WireMoney = Field(description="Today's loss if every open position and reserved entry hit its "
                                                  "stop")
    gross_exposure: WireMoney
    net_exposure: WireMoney
    open_positions: int
    reservations: int = Field(description="Approvals still holding exposure (not yet filled, lapsed or revoked)")
    positions: list[PositionExposure]
    limits: list[LimitUsage]
    active_alerts: list[ActiveAlert]
    halt_reason: str | None = None
    parameters_version: int
    epoch: int = Field(description="Risk state epoch: approvals of an earlier epoch are void")
    account_equity: WireMoney = Field(description="Capital the limits use: the broker's equity, at most the "
                                                  "parameter")
    broker_equity: WireMoney | None = Field(None, description="The broker's current equity (None: not known yet)")
    updated_at: AwareDatetime


class EmergencyStopRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason = Field(description="Passed on to Trading (its limit: 500)")
    requested_by: Actor | None = None


class PositionLeft(BaseModel):
    """A position still open when an emergency stop ended."""

    symbol: str
    side: str | None = Field(None, description="long / short, when known")
    quantity: WireQuantity


class EmergencyStopResponse(BaseModel):
    state: RiskState
    orders_cancelled: bool
    positions_flattened: bool = Field(description="Trading reports no open position (or, for a gateway that "
                                                  "cannot list them, flatten succeeded)")
    trading: dict[str, Any] = Field(default_factory=dict, description="What Trading answered to each call, last "
                                    "round: ok, response or code/message, attempts, last_error")
    positions_left: list[PositionLeft] = Field(default_factory=list, description="Still open at the end (empty "
                                               "when flat)")
    positions_verified: bool = Field(False, description="The last look at Trading's positions succeeded, so "
                                     "positions_left is current; otherwise it is the last answer Trading gave, "
                                     "or Risk's own book if Trading never answered")
    halted_at: AwareDatetime


class ResetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=1000, pattern=NO_NUL_PATTERN)
    requested_by: Actor | None = None


class RiskRoutes(RouteTable):
    """The Risk Manager's operations: checks and reads, then the controls. Validate and reset are not
    retried blindly (each validation may sign a fresh approval; a reset is a decision)."""

    validate = endpoint("POST", f"{RISK_PATH}/validate", ValidateResponse, request=ValidateRequest, retry=False)
    get_parameters = endpoint("GET", f"{RISK_PATH}/parameters", ActiveParameters)
    put_parameters = endpoint("PUT", f"{RISK_PATH}/parameters", ActiveParameters, request=ParametersUpdate)
    status = endpoint("GET", f"{RISK_PATH}/status", RiskStatus)
    mark_to_market = endpoint("POST", f"{RISK_PATH}/mark", RiskStatus)
    emergency_stop = endpoint("POST", f"{RISK_PATH}/emergency-stop", EmergencyStopResponse,
                              request=EmergencyStopRequest)
    reset = endpoint("POST", f"{RISK_PATH}/reset", RiskStatus, request=ResetRequest, retry=False)
