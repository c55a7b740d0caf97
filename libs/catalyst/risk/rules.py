"""Pre-trade risk rules: small pure functions, each answering one question with a ``RuleResult``.

Boundaries (every one is tested exactly at the limit and one cent/share past it):

* A limit on what is *held* allows the limit itself: a position of exactly 20% of equity, the
  5th of 5 positions, a correlation of exactly 0.7, a stop exactly 2×ATR away, a reward/risk of
  exactly the minimum all pass.
* A loss limit, once *reached*, blocks: a daily loss of exactly $2,000 blocks new entries
  (it is the critical threshold, 100% of the limit); $1,999.99 does not.

Money is ``Decimal`` and compared exactly: prices, notionals and P&L arrive at the books' six
decimals, a fraction of a limit is taken as written (``catalyst.domain.risk.scale``), so a loss of
$0.10 + $0.20 is exactly a $0.30 limit. The stop rule's ATR comes from market data (a float
statistic): ``k × ATR`` becomes a dollar distance at six decimals before it is compared. Ratios
that are not money (reward/risk as reported, correlation, position counts) stay ``float``; the
reward/risk minimum is compared as ``reward ≥ minimum × risk``, in decimals.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from catalyst.domain.money import ZERO, money, price_text, shares_text, to_decimal
from catalyst.domain.orders import Side
from catalyst.domain.risk import RiskParameters, RiskState, Severity, scale
from catalyst.risk.state import classify_amount, classify_usage

Measure = Decimal | float  # what a rule reports: dollars (Decimal), or a ratio or count


class Rule(StrEnum):
    EMERGENCY_HALT = "emergency_halt"
    REDUCING = "reducing"
    DAILY_LOSS = "daily_loss"
    MAX_POSITIONS = "max_positions"
    POSITION_SIZE = "position_size"
    STOP_LOSS = "stop_loss"
    RISK_REWARD = "risk_reward"
    CORRELATION = "correlation"
    REVERSAL = "reversal"
    SIZING = "sizing"
    EXIT = "exit"

    @property
    def code(self) -> str:
        """Stable machine code of a failure (``RISK_DAILY_LOSS`` …)."""
        return f"RISK_{self.value.upper()}"


@dataclass(frozen=True, slots=True)
class RuleResult:
    rule: Rule
    passed: bool
    reason: str
    value: Measure | None = None
    limit: Measure | None = None
    severity: Severity = Severity.OK

    @property
    def code(self) -> str:
        return self.rule.code


def _amount_severity(value: Decimal, limit: Decimal, params: RiskParameters) -> Severity:
    return classify_amount(value, limit, warning_fraction=params.warning_fraction,
                           critical_fraction=params.critical_fraction)


def _fail(rule: Rule, reason: str, value: Measure | None = None, limit: Measure | None = None) -> RuleResult:
    return RuleResult(rule, False, reason, value, limit, Severity.CRITICAL)


def check_emergency_halt(state: RiskState) -> RuleResult:
    """Entries are refused after an emergency stop until an explicit reset."""
    if state is RiskState.HALTED:
        return _fail(Rule.EMERGENCY_HALT, "emergency stop is active: entries blocked until reset")
    return RuleResult(Rule.EMERGENCY_HALT, True, "no emergency stop")


def check_reducing(state: RiskState) -> RuleResult:
    """Entries are refused while a critical breach holds the book in REDUCING."""
    if state is RiskState.REDUCING:
        return _fail(Rule.REDUCING, "a limit reached its critical threshold today: only exits are allowed")
    return RuleResult(Rule.REDUCING, True, "entries allowed")


def check_daily_loss(daily_pnl: Decimal, params: RiskParameters) -> RuleResult:
    """Today's loss (−P&L) must be below the critical share of the daily loss limit."""
    loss = max(ZERO, -daily_pnl)
    limit = params.daily_loss_limit
    block_at = scale(params.critical_fraction, limit)
    severity = _amount_severity(loss, limit, params)
    if loss >= block_at:
        return _fail(Rule.DAILY_LOSS, f"daily loss ${loss:,.2f} reached the limit ${block_at:,.2f}", loss, limit)
    return RuleResult(Rule.DAILY_LOSS, True, f"daily loss ${loss:,.2f} of ${limit:,.2f}", loss, limit, severity)


def check_max_positions(open_after: int, params: RiskParameters) -> RuleResult:
    """Open positions after this trade must not exceed ``max_positions`` (adding to a held
    symbol does not open a new position)."""
    limit = params.max_positions
    allowed = math.floor(params.critical_fraction * limit + 1e-9)
    if open_after > allowed:
        return _fail(Rule.MAX_POSITIONS, f"{open_after} positions would exceed the maximum of {allowed}",
                     open_after, limit)
    severity = classify_usage(open_after / limit, warning_fraction=params.warning_fraction,
                              critical_fraction=params.critical_fraction)
    return RuleResult(Rule.MAX_POSITIONS, True, f"{open_after} of {limit} positions", open_after, limit,
                      severity)


def check_position_size(notional_after: Decimal, params: RiskParameters) -> RuleResult:
    """The symbol's notional after this trade must not exceed ``max_position_pct × equity``."""
    limit = params.max_position_value
    allowed = scale(params.critical_fraction, limit)
    if notional_after > allowed:
        return _fail(Rule.POSITION_SIZE,
                     f"position ${notional_after:,.2f} exceeds the limit ${allowed:,.2f} "
                     f"({params.max_position_pct:.0%} of ${params.account_equity:,.2f})",
                     notional_after, limit)
    severity = _amount_severity(notional_after, limit, params)
    return RuleResult(Rule.POSITION_SIZE, True, f"position ${notional_after:,.2f} of ${limit:,.2f}",
                      notional_after, limit, severity)


def check_stop_loss(
    side: Side, entry: Decimal, stop: Decimal | None, *, atr: float | None, support: Decimal | None,
    params: RiskParameters,
) -> RuleResult:
    """The stop must be on the loss side of the entry and either within ``stop_atr_multiple``
    ATRs of it, or at the support level (for a short: the resistance level).

    Precisely, for a long (mirrored for a short): ``stop < entry``, and
    ``entry − stop ≤ k·ATR`` (k = 2 by default), or ``support·(1 − buffer) ≤ stop ≤ support``
    with ``support < entry`` (a stop placed at, or just under, support). With neither an ATR
    nor a support level there is nothing to validate against, and the stop is refused.
    """
    if stop is None:
        return _fail(Rule.STOP_LOSS, "an entry needs a stop")
    long = side is Side.BUY
    distance = entry - stop if long else stop - entry
    if distance <= 0:
        where = "below" if long else "above"
        return _fail(Rule.STOP_LOSS, f"stop {price_text(stop)} must be {where} the entry {price_text(entry)}",
                     stop, entry)
    known_atr = atr if atr is not None and atr > 0 else None
    atr_limit = None if known_atr is None else money(scale(params.stop_atr_multiple, to_decimal(known_atr)))
    if known_atr is not None and atr_limit is not None and distance <= atr_limit:
        return RuleResult(Rule.STOP_LOSS, True,
                          f"stop {float(distance) / known_atr:.2f} ATR from entry (max {params.stop_atr_multiple})",
                          distance, atr_limit)
    level = "support" if long else "resistance"
    if support is not None and _at_level(long, entry, stop, support, params.support_buffer_pct):
        return RuleResult(Rule.STOP_LOSS, True, f"stop at {level} {price_text(support)}", distance, atr_limit)
    if atr_limit is None and support is None:
        return _fail(Rule.STOP_LOSS, "no ATR or support level to validate the stop against", distance)
    reasons = []
    if atr_limit is not None:
        reasons.append(f"stop ${distance:,.2f} from entry is wider than {params.stop_atr_multiple}×ATR "
                       f"(${atr_limit:,.2f})")
    if support is not None:
        reasons.append(f"not at the {level} {price_text(support)}")
    return _fail(Rule.STOP_LOSS, " and ".join(reasons), distance, atr_limit)


def _at_level(long: bool, entry: Decimal, stop: Decimal, level: Decimal, buffer: float) -> bool:
    beyond = scale(buffer, level)  # how far past the level a stop still counts as at it
    if long:
        return level < entry and level - beyond <= stop <= level
    return level > entry and level <= stop <= level + beyond


def check_risk_reward(
    side: Side, entry: Decimal, stop: Decimal | None, target: Decimal | None, params: RiskParameters
) -> RuleResult:
    """Reward to the target over risk to the stop must be at least ``min_risk_reward``
    (a minimum of 0 disables the check; a target is then optional)."""
    minimum = params.min_risk_reward
    if target is None or stop is None:
        if minimum == 0:
            return RuleResult(Rule.RISK_REWARD, True, "risk/reward check disabled")
        return _fail(Rule.RISK_REWARD, "an entry needs a target and a stop to judge reward/risk",
                     None, minimum)
    long = side is Side.BUY
    reward = target - entry if long else entry - target
    risk = entry - stop if long else stop - entry
    if reward <= 0 or risk <= 0:
        where = "above" if long else "below"
        return _fail(Rule.RISK_REWARD, f"target {target} must be {where} the entry {entry}", None, minimum)
    ratio = float(reward / risk)  # reported; the decision compares decimals
    if reward < scale(minimum, risk):
        return _fail(Rule.RISK_REWARD, f"reward/risk {ratio:.2f} is below the minimum {minimum}", ratio, minimum)
    return RuleResult(Rule.RISK_REWARD, True, f"reward/risk {ratio:.2f}", ratio, minimum)


def check_correlation(correlations: Mapping[str, float | None], params: RiskParameters) -> RuleResult:
    """Direction-adjusted correlation with every open position must be at most ``max_correlation``.

    ``correlations`` maps each open symbol to ``corr × direction(candidate) × direction(position)``
    (a long against a short of a correlated stock is a hedge, not concentration), or None when
    there is too little common history. Unknown correlations pass with a warning, or fail when
    ``unknown_correlation`` is ``"reject"``.
    """
    limit = params.max_correlation
    known = {s: c for s, c in correlations.items() if c is not None}
    unknown = sorted(s for s, c in correlations.items() if c is None)
    worst_symbol = max(known, key=lambda s: known[s]) if known else None
    worst = known[worst_symbol] if worst_symbol is not None else None
    if worst is not None and round(worst, 9) > limit:
        return _fail(Rule.CORRELATION, f"correlation {worst:.3f} with {worst_symbol} exceeds {limit}",
                     worst, limit)
    if unknown and params.unknown_correlation == "reject":
        return _fail(Rule.CORRELATION, f"correlation unknown (too little history) with {', '.join(unknown)}",
                     worst, limit)
    if unknown:
        return RuleResult(Rule.CORRELATION, True,
                          f"correlation unknown (too little history) with {', '.join(unknown)}",
                          worst, limit, Severity.WARNING)
    if worst is None:
        return RuleResult(Rule.CORRELATION, True, "no open position to correlate with", None, limit)
    severity = Severity.WARNING if limit > 0 and round(worst / limit, 9) >= params.warning_fraction \
        else Severity.OK
    return RuleResult(Rule.CORRELATION, True, f"highest correlation {worst:.3f} ({worst_symbol})",
                      worst, limit, severity)


def check_no_reversal(side: Side, quantity: int, held_signed: Decimal) -> RuleResult:
    """An order larger than the opposite open position would flip it: close it first."""
    opposite = (side is Side.SELL and held_signed > 0) or (side is Side.BUY and held_signed < 0)
    if opposite and quantity > abs(held_signed):
        return _fail(Rule.REVERSAL, f"{quantity} shares would reverse the open position of "
                     f"{shares_text(abs(held_signed))}: close it first", quantity, abs(held_signed))
    return RuleResult(Rule.REVERSAL, True, "does not reverse a position")


def check_sizing(sized_quantity: int, binding: str) -> RuleResult:
    """Sizing must leave at least one share (a negative edge or no loss headroom leaves none)."""
    if sized_quantity < 1:
        return _fail(Rule.SIZING, f"sizing leaves no shares (bound by {binding})", sized_quantity, 1)
    return RuleResult(Rule.SIZING, True, f"{sized_quantity} shares (bound by {binding})", sized_quantity)
