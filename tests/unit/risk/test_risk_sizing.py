"""Kelly sizing: the formula, the prior, and each cap binding in turn."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from catalyst.domain.risk import RiskParameters
from catalyst.risk.sizing import TradeStats, kelly_fraction, size_position, trade_stats

P = RiskParameters()


@pytest.mark.parametrize(("p", "b", "f"), [
    (0.5, 2.0, 0.25), (0.6, 1.0, 0.2), (0.5, 1.0, 0.0), (0.4, 1.0, 0.0),  # negative edge floors at 0
    (0.42, 1.5, 0.42 - 0.58 / 1.5), (0.5, 0.0, 0.0),
])
def test_kelly_fraction(p: float, b: float, f: float) -> None:
    assert kelly_fraction(p, b) == pytest.approx(f)


def test_short_history_uses_the_prior() -> None:
    s = trade_stats([D(100)] * 19, P)
    assert s.from_prior
    assert (s.win_rate, s.payoff, s.trades) == (0.42, 1.5, 19)
    assert kelly_fraction(s.win_rate, s.payoff) > 0  # the prior lets a new book trade small


def test_stats_from_history() -> None:
    pnls = [D(300)] * 12 + [D(-100)] * 8  # 12 wins of 300, 8 losses of 100
    s = trade_stats(pnls, P)
    assert not s.from_prior
    assert s.win_rate == pytest.approx(13 / 22)  # rule of succession
    assert s.payoff == pytest.approx(3.0)


def test_stats_use_only_the_lookback() -> None:
    recent = [D(200)] * 10 + [D(-100)] * 10
    older = [D(-1000)] * 100
    s = trade_stats(recent + older, RiskParameters(kelly_lookback_trades=20))
    assert s.trades == 20
    assert s.payoff == pytest.approx(2.0)


def test_no_losses_keeps_the_prior_payoff() -> None:
    s = trade_stats([D(50)] * 25, P)
    assert s.payoff == P.prior_payoff
    assert s.win_rate == pytest.approx(26 / 27)


def test_breakeven_trades_are_neither_wins_nor_losses() -> None:
    s = trade_stats([D(0)] * 10 + [D(100)] * 5 + [D(-100)] * 5, P)
    assert s.win_rate == pytest.approx(6 / 22)


STATS = TradeStats(win_rate=0.5, payoff=2.0, trades=50, from_prior=False)  # full Kelly 25%, half 12.5%


def test_position_cap_binds_for_a_tight_stop() -> None:
    s = size_position(entry=D("100"), stop=D("98"), requested=1_000, stats=STATS, params=P, daily_loss=D("0"),
                      held_notional=D("0"))
    assert (s.quantity, s.binding) == (200, "position_limit")  # $20,000 / $100
    assert s.caps["kelly"] == 6250  # 12.5% × 100k / $2
    assert s.caps["daily_loss_headroom"] == 1000  # $2,000 / $2


def test_requested_binds_when_smallest() -> None:
    s = size_position(entry=D("100"), stop=D("98"), requested=50, stats=STATS, params=P, daily_loss=D("0"),
                      held_notional=D("0"))
    assert (s.quantity, s.binding) == (50, "requested")


def test_kelly_binds_with_a_weak_edge() -> None:
    weak = TradeStats(win_rate=0.42, payoff=1.5, trades=0, from_prior=True)
    s = size_position(entry=D("50"), stop=D("40"), requested=1_000, stats=weak, params=P, daily_loss=D("0"),
                      held_notional=D("0"))
    # risk 1/2 × (0.42 − 0.58/1.5) × 100k = $1,666.67, over $10 a share
    assert (s.quantity, s.binding) == (166, "kelly")


def test_daily_loss_headroom_binds_near_the_limit() -> None:
    s = size_position(entry=D("100"), stop=D("98"), requested=1_000, stats=STATS, params=P, daily_loss=D("1900"),
                      held_notional=D("0"))
    assert (s.quantity, s.binding) == (50, "daily_loss_headroom")  # $100 left over $2 a share


def test_no_edge_sizes_zero() -> None:
    s = size_position(entry=D("100"), stop=D("98"), requested=100,
                      stats=TradeStats(0.3, 1.0, 50, False), params=P, daily_loss=D("0"), held_notional=D("0"))
    assert (s.quantity, s.binding) == (0, "kelly")


def test_held_notional_reduces_the_position_cap() -> None:
    s = size_position(entry=D("100"), stop=D("98"), requested=1_000, stats=STATS, params=P, daily_loss=D("0"),
                      held_notional=D("15000"))
    assert s.caps["position_limit"] == 50


def test_stop_at_entry_is_refused() -> None:
    with pytest.raises(ValueError, match="stop"):
        size_position(entry=D("100"), stop=D("100"), requested=1, stats=STATS, params=P, daily_loss=D("0"),
                      held_notional=D("0"))


def test_a_cap_exactly_at_a_whole_share_is_that_share() -> None:
    # $0.30 of headroom over $0.10 a share is 3 shares: 0.3 / 0.1 is 2.9999999999999996 in floats
    params = RiskParameters(daily_loss_limit=0.30)
    s = size_position(entry=D("10.10"), stop=D("10.00"), requested=1_000, stats=STATS, params=params,
                      daily_loss=D(0), held_notional=D(0))
    assert (s.quantity, s.binding) == (3, "daily_loss_headroom")
    assert s.per_share_risk == D("0.10")


def test_a_cap_a_micro_dollar_short_of_a_share_floors() -> None:
    s = size_position(entry=D("5000"), stop=D("4900"), requested=1_000, stats=STATS, params=P, daily_loss=D(0),
                      held_notional=D("0.000001"))
    assert s.caps["position_limit"] == 3  # $19,999.999999 left buys 3 shares of $5,000 (3.9999999998), not 4
