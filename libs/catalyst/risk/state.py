"""Risk state: what the Risk Manager allows right now, as one explicit transition table.

``ACTIVE``   entries and exits allowed.
``REDUCING`` a limit reached its critical threshold: new entries are blocked, exits allowed.
             Latched for the rest of the trading day (a loss that recovers intraday does not
             re-open entries); the day rollover or an explicit reset returns to ACTIVE.
``HALTED``   emergency stop: orders cancelled, positions flattened, entries blocked until an
             explicit reset. Survives the day rollover.

Exits are never blocked in any state (a protection stops new entries, never exits).
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from catalyst.domain.risk import RiskState, Severity, scale


class RiskTrigger(StrEnum):
    CRITICAL_BREACH = "critical_breach"
    EMERGENCY_STOP = "emergency_stop"
    RESET = "reset"
    DAY_ROLLOVER = "day_rollover"


_A, _R, _H = RiskState.ACTIVE, RiskState.REDUCING, RiskState.HALTED

TRANSITIONS: dict[tuple[RiskState, RiskTrigger], RiskState] = {
    (_A, RiskTrigger.CRITICAL_BREACH): _R,
    (_A, RiskTrigger.EMERGENCY_STOP): _H,
    (_A, RiskTrigger.RESET): _A,
    (_A, RiskTrigger.DAY_ROLLOVER): _A,
    (_R, RiskTrigger.CRITICAL_BREACH): _R,
    (_R, RiskTrigger.EMERGENCY_STOP): _H,
    (_R, RiskTrigger.RESET): _A,
    (_R, RiskTrigger.DAY_ROLLOVER): _A,
    (_H, RiskTrigger.CRITICAL_BREACH): _H,
    (_H, RiskTrigger.EMERGENCY_STOP): _H,
    (_H, RiskTrigger.RESET): _A,
    (_H, RiskTrigger.DAY_ROLLOVER): _H,
}


def transition(state: RiskState, trigger: RiskTrigger) -> RiskState:
    """The state after ``trigger``; the table is total, so every pair has an answer."""
    return TRANSITIONS[(state, trigger)]


def entries_allowed(state: RiskState) -> bool:
    return state is RiskState.ACTIVE


def classify_usage(usage: float, *, warning_fraction: float, critical_fraction: float) -> Severity:
    """Severity of a usage ratio that is not money (open positions / max positions). Ratios are
    rounded to 9 places first so that a ratio computed as exactly the threshold (e.g. 3/4) is not
    missed by float noise; dollar amounts go through ``classify_amount``."""
    u = round(usage, 9)
    if u >= critical_fraction:
        return Severity.CRITICAL
    if u >= warning_fraction:
        return Severity.WARNING
    return Severity.OK


def classify_amount(value: Decimal, limit: Decimal, *, warning_fraction: float, critical_fraction: float) -> Severity:
    """Severity of a dollar ``value`` against its ``limit``, compared exactly: the value reaches a
    threshold when it is at least ``fraction × limit`` (no ratio, so nothing to round)."""
    if value >= scale(critical_fraction, limit):
        return Severity.CRITICAL
    if value >= scale(warning_fraction, limit):
        return Severity.WARNING
    return Severity.OK
