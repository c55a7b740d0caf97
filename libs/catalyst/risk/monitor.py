"""Real-time limit usage and the alerts it raises (pure).

Each limit is watched as a usage ratio: today's loss / daily loss limit, open positions /
max positions, and each symbol's notional / position cap. Crossing the warning fraction (75%)
raises a ``warning`` alert, reaching the critical fraction (100%) a ``critical`` one; an alert
is raised once per level and cleared when usage falls back under the warning fraction, so a
limit hovering at 80% does not flood the channel.

What *critical* blocks: the daily loss limit moves the book to REDUCING (no new entries at all,
until the day rollover or a reset); a full position count or a position at its cap block what
would go past them through the pre-trade rules (no new symbol; no adding to that symbol).

Values and limits are ``Decimal`` (dollars, or a count of positions) and a threshold is reached
exactly as the pre-trade rules see it (``classify_amount``), so the alert that latches REDUCING
and the rule that blocks entries agree to the micro-dollar; the ratio is only for display.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from catalyst.domain.risk import RiskParameters, Severity
from catalyst.risk.engine import BookView
from catalyst.risk.rules import Rule
from catalyst.risk.state import classify_amount

AlertLevel = Literal["warning", "critical"]


@dataclass(frozen=True, slots=True)
class Usage:
    key: str
    rule: Rule
    value: Decimal
    limit: Decimal
    severity: Severity
    symbol: str | None = None

    @property
    def ratio(self) -> float:
        return float(self.value / self.limit) if self.limit else 0.0


@dataclass(frozen=True, slots=True)
class AlertChange:
    usage: Usage
    level: AlertLevel
    message: str


def limit_usages(book: BookView, params: RiskParameters) -> list[Usage]:
    def usage(key: str, rule: Rule, value: Decimal, limit: Decimal, symbol: str | None = None) -> Usage:
        severity = classify_amount(value, limit, warning_fraction=params.warning_fraction,
                                   critical_fraction=params.critical_fraction)
        return Usage(key, rule, value, limit, severity, symbol)

    out = [
        usage(Rule.DAILY_LOSS.value, Rule.DAILY_LOSS, book.daily_loss, params.daily_loss_limit),
        usage(Rule.MAX_POSITIONS.value, Rule.MAX_POSITIONS, Decimal(len(book.positions)),
              Decimal(params.max_positions)),
    ]
    cap = params.max_position_value
    for symbol in sorted(book.positions):
        out.append(usage(f"{Rule.POSITION_SIZE.value}:{symbol}", Rule.POSITION_SIZE,
                         book.positions[symbol].cap_notional, cap, symbol))
    return out


def _message(u: Usage, level: AlertLevel) -> str:
    pct = f"{math.floor(u.ratio * 10_000 + 1e-6) / 100:g}%"  # floored: 99.9995% must not read as 100%
    if u.rule is Rule.DAILY_LOSS:
        tail = ": new entries blocked" if level == "critical" else ""
        return f"daily loss ${u.value:,.2f} is {pct} of the ${u.limit:,.2f} limit{tail}"
    if u.rule is Rule.MAX_POSITIONS:
        return f"{u.value:g} of {u.limit:g} positions open ({pct})"
    return f"{u.symbol} position ${u.value:,.2f} is {pct} of the ${u.limit:,.2f} cap"


def alert_changes(usages: list[Usage], active: Mapping[str, AlertLevel]) -> tuple[list[AlertChange], list[str]]:
    """Alerts to raise (new, or escalated to critical) and keys to clear, given the active ones.

    A de-escalation (critical back to warning) raises nothing but lowers the active level, so a
    second breach alerts again. Keys of limits no longer watched (a closed symbol) are cleared.
    """
    raised: list[AlertChange] = []
    cleared: list[str] = []
    seen: set[str] = set()
    for u in usages:
        seen.add(u.key)
        current = active.get(u.key)
        if u.severity is Severity.OK:
            if current is not None:
                cleared.append(u.key)
            continue
        level: AlertLevel = "critical" if u.severity is Severity.CRITICAL else "warning"
        if current is None or (current == "warning" and level == "critical"):
            raised.append(AlertChange(u, level, _message(u, level)))
    cleared.extend(k for k in active if k not in seen)
    return raised, cleared


def alert_levels(usages: list[Usage]) -> dict[str, AlertLevel]:
    """The alert level of every limit at or past its warning fraction (the active alerts)."""
    return {u.key: ("critical" if u.severity is Severity.CRITICAL else "warning")
            for u in usages if u.severity is not Severity.OK}


def critical_breach(usages: list[Usage]) -> Usage | None:
    """The usage that moves the book to REDUCING: the daily loss at its critical threshold."""
    for u in usages:
        if u.rule is Rule.DAILY_LOSS and u.severity is Severity.CRITICAL:
            return u
    return None
