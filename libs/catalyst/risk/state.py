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

from enum import StrEnum

from catalyst.domain.risk import RiskState, Severity


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
    """Severity of a usage ratio (value / limit). Ratios are rounded to 9 places first so that
    a value computed as exactly the threshold (e.g. 1500/2000) is not missed by float noise."""
    u = round(usage, 9)
    if u >= critical_fraction:
        return Severity.CRITICAL
    if u >= warning_fraction:
        return Severity.WARNING
    return Severity.OK
