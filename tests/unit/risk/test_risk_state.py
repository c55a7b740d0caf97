"""The risk state table: total, and with the documented transitions."""

from __future__ import annotations

import itertools

import pytest

from catalyst.domain.risk import RiskState, Severity
from catalyst.risk.state import TRANSITIONS, RiskTrigger, classify_usage, entries_allowed, transition


def test_table_is_total() -> None:
    assert set(TRANSITIONS) == set(itertools.product(RiskState, RiskTrigger))


@pytest.mark.parametrize(("state", "trigger", "after"), [
    (RiskState.ACTIVE, RiskTrigger.CRITICAL_BREACH, RiskState.REDUCING),
    (RiskState.ACTIVE, RiskTrigger.EMERGENCY_STOP, RiskState.HALTED),
    (RiskState.REDUCING, RiskTrigger.EMERGENCY_STOP, RiskState.HALTED),
    (RiskState.REDUCING, RiskTrigger.DAY_ROLLOVER, RiskState.ACTIVE),
    (RiskState.REDUCING, RiskTrigger.RESET, RiskState.ACTIVE),
    (RiskState.HALTED, RiskTrigger.CRITICAL_BREACH, RiskState.HALTED),  # a breach never softens a halt
    (RiskState.HALTED, RiskTrigger.DAY_ROLLOVER, RiskState.HALTED),  # only an explicit reset lifts it
    (RiskState.HALTED, RiskTrigger.RESET, RiskState.ACTIVE),
])
def test_transitions(state: RiskState, trigger: RiskTrigger, after: RiskState) -> None:
    assert transition(state, trigger) is after


def test_only_active_allows_entries() -> None:
    assert [s for s in RiskState if entries_allowed(s)] == [RiskState.ACTIVE]


@pytest.mark.parametrize(("usage", "severity"), [
    (0.0, Severity.OK), (0.7499, Severity.OK), (0.75, Severity.WARNING), (0.9999, Severity.WARNING),
    (1.0, Severity.CRITICAL), (1.5, Severity.CRITICAL), (1500 / 2000, Severity.WARNING),
    (0.1 * 3 / 0.4, Severity.WARNING),  # 0.7499999999999999 in floats is 75%
])
def test_classify_usage(usage: float, severity: Severity) -> None:
    assert classify_usage(usage, warning_fraction=0.75, critical_fraction=1.0) is severity
