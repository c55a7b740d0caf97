"""Which risk parameter changes loosen the limits (and so need a confirmed preview)."""

from __future__ import annotations

import pytest

from catalyst.domain.risk import RiskParameters
from catalyst.orchestration.limits import widens


@pytest.mark.parametrize(("name", "current", "proposed", "wider"), [
    ("daily_loss_limit", 2000.0, 2500.0, True),
    ("daily_loss_limit", 2000.0, 1500.0, False),
    ("max_positions", 5, 6, True),
    ("max_positions", 5, 4, False),
    ("min_risk_reward", 1.5, 1.0, True),
    ("min_risk_reward", 1.5, 2.0, False),
    ("unknown_correlation", "reject", "warn", True),
    ("unknown_correlation", "warn", "reject", False),
    ("atr_period", 14, 10, True),  # direction not clear: counts as widening
    ("max_positions", 5, 5, False),
])
def test_direction_of_a_change(name: str, current: object, proposed: object, wider: bool) -> None:
    assert widens(name, current, proposed) is wider


def test_every_parameter_has_a_rule() -> None:
    # A new parameter is widening unless listed: never silently treated as a tightening.
    for name in RiskParameters.model_fields:
        assert widens(name, 1, 2) or widens(name, 2, 1) or name == "unknown_correlation"
