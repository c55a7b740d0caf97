"""Each pre-trade rule at its boundary: exactly at the limit, and one cent/share past it."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from catalyst.domain.money import money
from catalyst.domain.orders import Side
from catalyst.domain.risk import RiskParameters, RiskState, Severity
from catalyst.risk.rules import (
    Rule,
    check_correlation,
    check_daily_loss,
    check_emergency_halt,
    check_max_positions,
    check_no_reversal,
    check_position_size,
    check_reducing,
    check_risk_reward,
    check_sizing,
    check_stop_loss,
)

P = RiskParameters()  # spec defaults: $2,000 loss, 20% of $100,000, 5 positions, 0.7, 2×ATR


# Daily loss: a loss that reaches the limit blocks; one cent under does not.
@pytest.mark.parametrize(("pnl", "passed", "severity"), [
    ("0", True, Severity.OK),
    ("250", True, Severity.OK),  # a gain is no loss
    ("-1499.99", True, Severity.OK),
    ("-1500.00", True, Severity.WARNING),  # exactly 75%
    ("-1999.99", True, Severity.WARNING),
    ("-1999.999999", True, Severity.WARNING),  # a micro-dollar short of the limit is short of it
    ("-2000.00", False, Severity.CRITICAL),  # exactly 100%: reached
    ("-2000.01", False, Severity.CRITICAL),
])
def test_daily_loss_boundaries(pnl: str, passed: bool, severity: Severity) -> None:
    r = check_daily_loss(D(pnl), P)
    assert (r.passed, r.severity, r.rule) == (passed, severity, Rule.DAILY_LOSS)
    assert r.limit == D("2000")
    assert r.value == max(D(0), -D(pnl))


def test_daily_loss_sums_exactly() -> None:
    pnl = D(0)
    for _ in range(20_000):
        pnl -= D("0.10")  # twenty thousand 10-cent losses: -1999.99999999927 in floats, exactly $2,000 here
    assert pnl == D("-2000")
    assert not check_daily_loss(pnl, P).passed


def test_a_loss_of_ten_and_twenty_cents_reaches_a_thirty_cent_limit() -> None:
    params = RiskParameters(daily_loss_limit=0.30)  # 0.10 + 0.20 is 0.30000000000000004 in floats
    assert not check_daily_loss(-(D("0.10") + D("0.20")), params).passed
    assert check_daily_loss(-(D("0.10") + D("0.19")), params).passed


def test_daily_loss_uses_critical_fraction() -> None:
    params = RiskParameters(warning_fraction=0.5, critical_fraction=0.9)
    assert check_daily_loss(D("-1799.99"), params).passed
    assert not check_daily_loss(D("-1800.00"), params).passed


# Position size: 20% of $100,000 = $20,000 is allowed; one cent more is not.
@pytest.mark.parametrize(("notional", "passed", "severity"), [
    ("14999.99", True, Severity.OK),
    ("15000.00", True, Severity.WARNING),
    ("20000.00", True, Severity.CRITICAL),  # at the limit: allowed, and reported as at 100%
    ("20000.000001", False, Severity.CRITICAL),  # a micro-dollar past it is past it
    ("20000.01", False, Severity.CRITICAL),
])
def test_position_size_boundaries(notional: str, passed: bool, severity: Severity) -> None:
    r = check_position_size(D(notional), P)
    assert (r.passed, r.severity) == (passed, severity)
    assert r.limit == D("20000")


def test_position_size_one_share_over() -> None:
    assert check_position_size(200 * D("100"), P).passed
    assert not check_position_size(201 * D("100"), P).passed


def test_position_size_follows_equity() -> None:
    params = RiskParameters(account_equity=50_000.0, max_position_pct=0.1)
    assert check_position_size(D("5000.00"), params).passed
    assert not check_position_size(D("5000.01"), params).passed


def test_position_cap_of_a_fraction_written_in_tenths_is_exact() -> None:
    params = RiskParameters(account_equity=100, max_position_pct=0.07)  # 0.07 × 100 is 7.000000000000001 in floats
    assert params.max_position_value == D("7")
    assert check_position_size(D("7"), params).passed
    assert not check_position_size(D("7.000001"), params).passed


# Max positions: the 5th is allowed, the 6th is not.
@pytest.mark.parametrize(("after", "passed"), [(1, True), (4, True), (5, True), (6, False)])
def test_max_positions_boundaries(after: int, passed: bool) -> None:
    r = check_max_positions(after, P)
    assert r.passed is passed
    assert r.limit == 5


def test_max_positions_warns_at_75_percent() -> None:
    params = RiskParameters(max_positions=4)
    assert check_max_positions(2, params).severity is Severity.OK
    assert check_max_positions(3, params).severity is Severity.WARNING


# Correlation: exactly 0.7 passes; anything above fails.
@pytest.mark.parametrize(("corr", "passed"), [(0.0, True), (0.69, True), (0.7, True), (0.7000001, False),
                                             (0.95, False), (-0.99, True)])
def test_correlation_boundaries(corr: float, passed: bool) -> None:
    r = check_correlation({"MSFT": corr, "KO": 0.1}, P)
    assert r.passed is passed
    if not passed:
        assert "MSFT" in r.reason


def test_correlation_without_positions_passes() -> None:
    r = check_correlation({}, P)
    assert r.passed
    assert r.value is None


def test_unknown_correlation_warns_by_default() -> None:
    r = check_correlation({"MSFT": 0.2, "NEWCO": None}, P)
    assert r.passed
    assert r.severity is Severity.WARNING
    assert "NEWCO" in r.reason


def test_unknown_correlation_rejects_when_configured() -> None:
    r = check_correlation({"NEWCO": None}, RiskParameters(unknown_correlation="reject"))
    assert not r.passed
    assert "NEWCO" in r.reason


def test_known_breach_reported_before_unknown() -> None:
    r = check_correlation({"MSFT": 0.9, "NEWCO": None}, P)
    assert not r.passed
    assert "MSFT" in r.reason


# Stop loss: within 2×ATR, or at support; on the loss side of the entry.
ENTRY = D("100")


@pytest.mark.parametrize(("stop", "passed"), [("98.00", True), ("96.00", True), ("95.99", False)])
def test_long_stop_within_two_atr(stop: str, passed: bool) -> None:
    r = check_stop_loss(Side.BUY, ENTRY, D(stop), atr=2.0, support=None, params=P)
    assert r.passed is passed
    assert r.limit == D("4")


@pytest.mark.parametrize(("stop", "passed"), [("104.00", True), ("104.01", False)])
def test_short_stop_within_two_atr(stop: str, passed: bool) -> None:
    assert check_stop_loss(Side.SELL, ENTRY, D(stop), atr=2.0, support=None, params=P).passed is passed


def test_an_atr_from_float_bars_bounds_the_stop_at_six_decimals() -> None:
    atr = (2.2 - 0.2) / 1.0000000000000002  # 1.9999999999999996: float noise of a computed ATR
    assert check_stop_loss(Side.BUY, ENTRY, D("96"), atr=atr, support=None, params=P).passed
    assert not check_stop_loss(Side.BUY, ENTRY, D("95.999999"), atr=atr, support=None, params=P).passed


@pytest.mark.parametrize("stop", ["100", "100.01"])
def test_long_stop_must_be_below_entry(stop: str) -> None:
    r = check_stop_loss(Side.BUY, ENTRY, D(stop), atr=2.0, support=None, params=P)
    assert not r.passed
    assert "below" in r.reason


def test_short_stop_must_be_above_entry() -> None:
    assert not check_stop_loss(Side.SELL, ENTRY, D("99.99"), atr=2.0, support=None, params=P).passed


@pytest.mark.parametrize(("stop", "passed"), [
    ("90.00", True),   # at support
    ("89.10", True),   # 1% under support: the buffer's edge
    ("89.099999", False),  # a micro-dollar past the buffer
    ("89.09", False),  # one cent past the buffer
    ("90.01", False),  # above support and wider than 2×ATR
])
def test_long_stop_at_support(stop: str, passed: bool) -> None:
    r = check_stop_loss(Side.BUY, ENTRY, D(stop), atr=2.0, support=D("90"), params=P)
    assert r.passed is passed, r.reason


@pytest.mark.parametrize(("stop", "passed"), [("110.00", True), ("111.10", True), ("111.11", False),
                                              ("109.99", False)])
def test_short_stop_at_resistance(stop: str, passed: bool) -> None:
    assert check_stop_loss(Side.SELL, ENTRY, D(stop), atr=1.0, support=D("110"), params=P).passed is passed


def test_support_above_entry_is_no_support_for_a_long() -> None:
    assert not check_stop_loss(Side.BUY, ENTRY, D("80"), atr=None, support=D("101"), params=P).passed


def test_stop_with_support_only() -> None:
    assert check_stop_loss(Side.BUY, ENTRY, D("95"), atr=None, support=D("95"), params=P).passed


def test_stop_without_atr_or_support_is_refused() -> None:
    r = check_stop_loss(Side.BUY, ENTRY, D("99"), atr=None, support=None, params=P)
    assert not r.passed
    assert "no ATR" in r.reason


def test_missing_stop_is_refused() -> None:
    assert not check_stop_loss(Side.BUY, ENTRY, None, atr=2.0, support=None, params=P).passed


def test_stop_multiple_is_a_parameter() -> None:
    params = RiskParameters(stop_atr_multiple=3.0)
    assert check_stop_loss(Side.BUY, ENTRY, D("94"), atr=2.0, support=None, params=params).passed
    assert not check_stop_loss(Side.BUY, ENTRY, D("93.99"), atr=2.0, support=None, params=params).passed


# Risk/reward: exactly the minimum (1.5) passes, a cent less fails.
@pytest.mark.parametrize(("target", "passed"), [("103.00", True), ("102.99", False), ("102.999999", False),
                                                ("110", True)])
def test_long_risk_reward_boundary(target: str, passed: bool) -> None:
    r = check_risk_reward(Side.BUY, ENTRY, D("98"), D(target), P)
    assert r.passed is passed


@pytest.mark.parametrize(("target", "passed"), [("97.00", True), ("97.01", False)])
def test_short_risk_reward_boundary(target: str, passed: bool) -> None:
    assert check_risk_reward(Side.SELL, ENTRY, D("102"), D(target), P).passed is passed


def test_risk_reward_minimum_as_written() -> None:
    params = RiskParameters(min_risk_reward=1.3)  # 1.3 × 0.7 is 0.9099999999999999 in floats
    assert check_risk_reward(Side.BUY, D("10.00"), D("9.30"), D("10.91"), params).passed
    assert not check_risk_reward(Side.BUY, D("10.00"), D("9.30"), D("10.909999"), params).passed


def test_target_on_the_wrong_side_fails() -> None:
    assert not check_risk_reward(Side.BUY, ENTRY, D("98"), D("99"), P).passed


def test_target_required_unless_disabled() -> None:
    assert not check_risk_reward(Side.BUY, ENTRY, D("98"), None, P).passed
    assert check_risk_reward(Side.BUY, ENTRY, D("98"), None, RiskParameters(min_risk_reward=0)).passed


# State rules and the rest.
def test_emergency_halt_and_reducing_block_only_their_state() -> None:
    assert not check_emergency_halt(RiskState.HALTED).passed
    assert check_emergency_halt(RiskState.REDUCING).passed
    assert not check_reducing(RiskState.REDUCING).passed
    assert check_reducing(RiskState.ACTIVE).passed


@pytest.mark.parametrize(("side", "qty", "held", "passed"), [
    (Side.SELL, 100, "100", True),   # a full exit
    (Side.SELL, 101, "100", False),  # one share more would go short
    (Side.BUY, 50, "-50", True),
    (Side.BUY, 51, "-50", False),
    (Side.BUY, 500, "100", True),    # adding to a long is no reversal
    (Side.SELL, 10, "0", True),      # a fresh short
])
def test_reversal_boundary(side: Side, qty: int, held: str, passed: bool) -> None:
    r = check_no_reversal(side, qty, D(held).quantize(D("0.000001")))
    assert r.passed is passed
    if not passed:
        assert f"position of {abs(int(held))}:" in r.reason  # shares as people write them


def test_sizing_needs_a_share() -> None:
    assert check_sizing(1, "kelly").passed
    r = check_sizing(0, "daily_loss_headroom")
    assert not r.passed
    assert "daily_loss_headroom" in r.reason


def test_failure_codes_are_stable() -> None:
    assert check_daily_loss(D(-5000), P).code == "RISK_DAILY_LOSS"
    assert check_emergency_halt(RiskState.HALTED).code == "RISK_EMERGENCY_HALT"


def test_a_stop_reason_names_prices_as_a_trader_reads_them() -> None:
    r = check_stop_loss(Side.BUY, money(ENTRY), money("100.01"), atr=2.0, support=None, params=P)
    assert "stop 100.01 must be below the entry 100.00" in r.reason
