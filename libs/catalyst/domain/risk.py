"""Risk vocabulary: the parameters (one frozen, validated set is active at a time; spec 2.3, service 5),
the Risk state and a limit's severity. The transition table and the rules are in ``catalyst.risk``.

Defaults are the spec's values (daily loss limit $2,000, max position 20% of capital, max 5
positions, max correlation 0.7, stop at 2×ATR or support, warning at 75% and critical at 100%
of each limit). The others are this system's documented choices. Every way of changing the
set (file edit, ``PUT /api/v1/risk/parameters``, the MCP tool, the operator) validates
through this model, so a bad value is refused the same way wherever it comes from.

Money is ``Decimal`` (``catalyst.domain.money``): ``account_equity`` and ``daily_loss_limit``
are ``DollarAmount`` (six decimals, a JSON number on the wire), and ``max_position_value`` is
their product at the books' scale. Fractions, multiples and statistics stay ``float``
(``max_position_pct``, the warning and critical fractions, correlation, the ATR multiple, the
Kelly fraction, the prior win rate and payoff): they are ratios, not amounts, and are written
with few digits; where one scales an amount it enters as the decimal it is written as
(``scale``), so ``0.2 × $100,000`` is exactly ``$20,000``.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from catalyst.domain.bounded import DollarAmount
from catalyst.domain.money import money, to_decimal

CENT = Decimal("0.01")


@lru_cache(maxsize=256)
def _as_written(fraction: float) -> Decimal:
    return to_decimal(fraction)


def scale(fraction: float, amount: Decimal) -> Decimal:
    """``fraction × amount`` with the fraction as written (``0.2`` is exactly two tenths); not rounded.

    Exact while the product fits ``Decimal``'s 28 digits, as a fraction of a few digits times an
    amount up to ``MAX_AMOUNT`` at six decimals does (a computed Kelly fraction's 17 digits may
    round in the 28th, which the share count it is floored to never sees)."""
    return _as_written(fraction) * amount


class RiskState(StrEnum):
    """What Risk allows now (see ``catalyst.risk.state`` for the table that moves it)."""

    ACTIVE = "active"
    REDUCING = "reducing"
    HALTED = "halted"


class Severity(StrEnum):
    """How close a value is to its limit: below warning, at/over warning, at/over critical."""

    OK = "ok"
    WARNING = "warning"
    CRITICAL = "critical"


class RiskParameters(BaseModel):
    """The active risk limits. Frozen: a change is a new object swapped in atomically."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Capital
    account_equity: DollarAmount = Field(
        100_000.0, validate_default=True,  # a number in the schema, a Decimal in the model
        description="Capital in dollars that position limits are a share of",
    )

    # Spec limits
    daily_loss_limit: DollarAmount = Field(
        2_000.0, validate_default=True, description="Dollars; entries are blocked once today's loss reaches it",
    )
    max_position_pct: float = Field(
        0.20, gt=0, le=1, description="Largest notional of one symbol as a fraction of equity"
    )
    max_positions: int = Field(5, ge=1, le=100, description="Most open positions at once")
    max_correlation: float = Field(
        0.7, ge=-1, le=1,
        description="Highest direction-adjusted correlation of daily returns with any open position",
    )
    correlation_lookback_days: int = Field(
        60, ge=10, le=500, description="Trading days of daily returns the correlation uses"
    )
    min_correlation_observations: int = Field(
        20, ge=5, description="Fewest overlapping daily returns for a correlation to count as known"
    )
    unknown_correlation: Literal["warn", "reject"] = Field(
        "warn",
        description="Too little history to correlate: 'warn' approves and reports it, 'reject' refuses",
    )
    stop_atr_multiple: float = Field(
        2.0, gt=0, le=10, description="Widest stop distance from entry, in ATRs"
    )
    atr_period: int = Field(14, ge=2, le=100, description="Daily bars in the ATR (Wilder)")
    support_buffer_pct: float = Field(
        0.01, ge=0, le=0.1,
        description="A stop counts as 'at support' up to this fraction beyond the level",
    )

    # Thresholds (fractions of every limit)
    warning_fraction: float = Field(0.75, gt=0, le=1, description="Usage that raises a warning alert")
    critical_fraction: float = Field(1.0, gt=0, le=1, description="Usage that blocks new entries")

    # Trade quality
    min_risk_reward: float = Field(
        1.5, ge=0, le=20, description="Least reward/risk to the target; 0 disables the check"
    )
    price_tolerance_pct: float = Field(
        0.005, ge=0, le=0.05,
        description="Approval bound of a market or stop order: the market plus (buy) or minus (sell) this fraction",
    )

    # Sizing (Kelly)
    kelly_fraction: float = Field(
        0.5, gt=0, le=1, description="Fraction of the full Kelly stake actually risked (half-Kelly)"
    )
    kelly_lookback_trades: int = Field(50, ge=5, le=10_000, description="Closed trades the win rate uses")
    kelly_min_trades: int = Field(
        20, ge=1, description="Fewer closed trades than this: the conservative prior is used instead"
    )
    prior_win_rate: float = Field(
        0.42, gt=0, lt=1, description="Win rate assumed without enough history (thin edge with 1.5×)"
    )
    prior_payoff: float = Field(
        1.5, gt=0, le=100, allow_inf_nan=False,
        description="Average win / average loss assumed without enough history",
    )

    # Cross-field rules sit on the later field, so an error names the field to fix.
    @field_validator("max_position_pct")
    @classmethod
    def _position_limit_at_least_a_cent(cls, v: float, info: ValidationInfo) -> float:
        equity = info.data.get("account_equity")
        if equity is not None and money(scale(v, equity)) < CENT:  # a cap of $0.00 admits nothing
            raise ValueError(f"max_position_pct × account_equity (${equity:,.2f}) must be at least ${CENT}")
        return v

    @field_validator("critical_fraction")
    @classmethod
    def _critical_above_warning(cls, v: float, info: ValidationInfo) -> float:
        warning = info.data.get("warning_fraction")
        if warning is not None and v <= warning:
            raise ValueError(f"must be above warning_fraction ({warning})")
        return v

    @field_validator("min_correlation_observations")
    @classmethod
    def _observations_within_lookback(cls, v: int, info: ValidationInfo) -> int:
        lookback = info.data.get("correlation_lookback_days")
        if lookback is not None and v >= lookback:
            raise ValueError(f"must be below correlation_lookback_days ({lookback})")
        return v

    @field_validator("kelly_min_trades")
    @classmethod
    def _min_trades_within_lookback(cls, v: int, info: ValidationInfo) -> int:
        lookback = info.data.get("kelly_lookback_trades")
        if lookback is not None and v > lookback:
            raise ValueError(f"must not exceed kelly_lookback_trades ({lookback})")
        return v

    @property
    def max_position_value(self) -> Decimal:
        """Dollar cap on one symbol's notional: ``max_position_pct × account_equity`` (six decimals)."""
        return money(scale(self.max_position_pct, self.account_equity))

