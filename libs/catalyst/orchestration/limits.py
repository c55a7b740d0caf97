"""Which way a risk parameter change goes: tighter (allowed at once) or wider (needs a confirmed preview).

Each parameter whose direction is known says whether a higher value loosens the limits; a change in
the other direction tightens them. A parameter whose direction is not clear (a lookback, a period)
counts as widening, so it too needs the trader's confirmation.
"""

from __future__ import annotations

from typing import Any

HIGHER_WIDENS = frozenset({
    "account_equity", "daily_loss_limit", "max_position_pct", "max_positions", "max_correlation",
    "stop_atr_multiple", "support_buffer_pct", "warning_fraction", "critical_fraction", "price_tolerance_pct",
    "kelly_fraction", "prior_win_rate", "prior_payoff",
})
LOWER_WIDENS = frozenset({"min_risk_reward"})
ORDERED_CHOICES: dict[str, tuple[str, ...]] = {"unknown_correlation": ("reject", "warn")}  # tight → loose


def widens(name: str, current: Any, proposed: Any) -> bool:
    """True unless moving ``name`` from ``current`` to ``proposed`` is known to tighten (or keep) the limits."""
    if current == proposed:
        return False
    if name in ORDERED_CHOICES:
        order = ORDERED_CHOICES[name]
        return current not in order or proposed not in order or order.index(proposed) > order.index(current)
    if not isinstance(current, int | float) or not isinstance(proposed, int | float):
        return True
    if name in HIGHER_WIDENS:
        return proposed > current
    if name in LOWER_WIDENS:
        return proposed < current
    return True
