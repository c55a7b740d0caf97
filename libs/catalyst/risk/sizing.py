"""Position sizing: a fraction of the Kelly stake, capped by the position and daily-loss limits.

With a stop, the stake of a trade is what it loses at the stop, ``quantity × |entry − stop|``,
so Kelly says how much *equity to risk*: ``f* = p − (1 − p) / b`` (p = win rate, b = average
win / average loss). The system risks ``kelly_fraction × f*`` of equity (half-Kelly by default,
which keeps most of the growth with far less variance), then takes the smallest of

* the Kelly quantity,
* the position cap: ``(max_position_pct × equity − notional already held) / entry``,
* the daily-loss headroom: a stop-out must not take today's loss past the limit,
* the quantity asked for.

Dollars (the stake, the caps' amounts, the per-share risk) are ``Decimal`` and each cap is the
whole number of shares its amount buys, by exact integer division; the Kelly statistics (win
rate, payoff, the fractions) are ``float`` ratios, and the stake is ``risk_fraction × equity``
with the fraction as written (``catalyst.domain.risk.scale``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from catalyst.domain.money import ZERO
from catalyst.domain.risk import RiskParameters, scale


@dataclass(frozen=True, slots=True)
class TradeStats:
    """Win rate and payoff that Kelly uses; ``from_prior`` when history was too short."""

    win_rate: float
    payoff: float
    trades: int
    from_prior: bool


@dataclass(frozen=True, slots=True)
class PositionSize:
    quantity: int
    binding: str  # which cap decided: kelly, position_limit, daily_loss_headroom or requested
    kelly_full: float
    risk_fraction: float
    per_share_risk: Decimal
    caps: dict[str, int]


def kelly_fraction(win_rate: float, payoff: float) -> float:
    """Full-Kelly fraction of equity to risk, floored at 0 (no edge: no stake)."""
    if payoff <= 0:
        return 0.0
    return max(0.0, win_rate - (1.0 - win_rate) / payoff)


def trade_stats(pnls: Sequence[Decimal], params: RiskParameters) -> TradeStats:
    """Win rate and payoff from the most recent closed trades (``pnls``, newest first).

    Below ``kelly_min_trades`` the documented prior is used: 42% wins paying 1.5×, a thin edge
    (full Kelly 3.3%, half-Kelly risks 1.7% of equity per trade), so a new book can trade small
    while it builds the history that replaces the prior. The win rate uses Laplace's rule of succession,
    ``(wins + 1) / (n + 2)``, so a short perfect record never claims certainty; a history
    without wins or without losses has no measurable payoff and uses the prior payoff.
    Break-even trades count as trades but neither as wins nor losses.
    """
    recent = list(pnls[: params.kelly_lookback_trades])
    n = len(recent)
    if n < params.kelly_min_trades:
        return TradeStats(params.prior_win_rate, params.prior_payoff, n, True)
    wins = [p for p in recent if p > 0]
    losses = [-p for p in recent if p < 0]
    win_rate = (len(wins) + 1) / (n + 2)
    if wins and losses:
        payoff = float((sum(wins, ZERO) / len(wins)) / (sum(losses, ZERO) / len(losses)))
    else:
        payoff = params.prior_payoff
    return TradeStats(win_rate, payoff, n, False)


def _whole_shares(amount: Decimal, per_share: Decimal) -> int:
    """Shares ``amount`` pays for at ``per_share`` (floored, exactly: no rounding can add one)."""
    return int(amount // per_share) if amount > 0 else 0


def size_position(
    *, entry: Decimal, stop: Decimal, requested: int, stats: TradeStats, params: RiskParameters,
    daily_loss: Decimal, held_notional: Decimal,
) -> PositionSize:
    """Shares to approve for an entry at ``entry`` with a stop at ``stop`` (``stop ≠ entry``)."""
    per_share_risk = abs(entry - stop)
    if per_share_risk <= 0:
        raise ValueError("the stop must differ from the entry")
    full = kelly_fraction(stats.win_rate, stats.payoff)
    risk_fraction = full * params.kelly_fraction
    headroom = scale(params.critical_fraction, params.daily_loss_limit) - max(ZERO, daily_loss)
    caps = {
        "kelly": _whole_shares(scale(risk_fraction, params.account_equity), per_share_risk),
        "position_limit": _whole_shares(
            scale(params.critical_fraction, params.max_position_value) - held_notional, entry),
        "daily_loss_headroom": _whole_shares(headroom, per_share_risk),
        "requested": requested,
    }
    binding = min(caps, key=lambda k: caps[k])
    return PositionSize(caps[binding], binding, full, risk_fraction, per_share_risk, caps)
