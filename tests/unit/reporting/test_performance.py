"""The metrics against hand-computed examples, and their edge cases: no trades, no losses, one day,
a day with only an open position."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from catalyst.contracts.reporting import DayResult, JournalTrade
from catalyst.reporting.performance import (
    LedgerEntry,
    day_results,
    equity_curve,
    group_stats,
    longest_streaks,
    max_drawdown,
    performance_metrics,
    sharpe_ratio,
    sortino_ratio,
)

OPEN = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)  # 09:30 New York, Monday 2 March 2026


def trade(pnl: float, *, minutes: int = 10, at: int = 0, pattern: str | None = None,
          catalyst: str | None = None) -> JournalTrade:
    opened = OPEN + timedelta(minutes=at)
    return JournalTrade(position_id=uuid.uuid4(), symbol="AAPL", side="long", quantity=10, entry_price=100,
                        exit_price=100 + pnl / 10, opened_at=opened, closed_at=opened + timedelta(minutes=minutes),
                        hold_seconds=minutes * 60.0, gross_pnl=pnl, commission=0.0, pnl=pnl, exit_reason="close",
                        pattern=pattern, catalyst_type=catalyst, entry_order_id=None)


def fill(minute: int, realized: float, commission: float = 0.0) -> LedgerEntry:
    return LedgerEntry(OPEN + timedelta(minutes=minute), realized, commission)


def day(return_pct: float) -> DayResult:
    return DayResult(day=date(2026, 3, 2), net_pnl=0, starting_equity=1, return_pct=return_pct)


def test_trade_statistics_by_hand() -> None:
    trades = [trade(100, minutes=10), trade(-50, minutes=20, at=1), trade(200, minutes=30, at=2),
              trade(-25, minutes=40, at=3), trade(0, minutes=50, at=4), trade(75, minutes=60, at=5)]
    m = performance_metrics(trades, [], 10_000, [], [])
    assert (m.trades, m.wins, m.losses, m.breakeven) == (6, 3, 2, 1)
    assert m.win_rate == 0.5  # 3 of 6; the break-even trade is neither a win nor a loss
    assert (m.gross_profit, m.gross_loss) == (375, 75)
    assert m.profit_factor == 5.0  # 375 / 75
    assert m.expectancy == 50  # (100 - 50 + 200 - 25 + 0 + 75) / 6
    assert (m.average_win, m.average_loss) == (125, -37.5)  # 375 / 3, -75 / 2
    assert (m.largest_win, m.largest_loss) == (200, -50)
    assert m.average_hold_seconds == 35 * 60  # (10 + 20 + 30 + 40 + 50 + 60) / 6 minutes
    assert (m.max_consecutive_wins, m.max_consecutive_losses) == (1, 1)


def test_streaks_follow_the_closing_order_and_break_even_ends_them() -> None:
    assert longest_streaks([10, 20, -5, -5, -5, 30, 0, 40]) == (2, 3)
    shuffled = [trade(-5, at=3), trade(10, at=0), trade(-5, at=2), trade(20, at=1), trade(-5, at=4)]
    m = performance_metrics(shuffled, [], 1000, [], [])
    assert (m.max_consecutive_wins, m.max_consecutive_losses) == (2, 3)


def test_sharpe_and_sortino_by_hand() -> None:
    returns = [0.01, -0.02, 0.03]
    # mean 0.02/3; squared deviations sum to 0.0038/3, so the sample variance is 0.0038/6
    assert sharpe_ratio(returns) == pytest.approx((0.02 / 3) / math.sqrt(0.0038 / 6) * math.sqrt(252))
    assert sharpe_ratio(returns) == pytest.approx(4.2053, abs=1e-4)
    # downside deviation: sqrt((0 + 0.02² + 0) / 3)
    assert sortino_ratio(returns) == pytest.approx((0.02 / 3) / math.sqrt(0.0004 / 3) * math.sqrt(252))
    assert sortino_ratio(returns) == pytest.approx(9.1652, abs=1e-4)


def test_ratios_are_undefined_for_one_day_flat_days_and_no_losing_day() -> None:
    assert sharpe_ratio([0.01]) is None
    assert sortino_ratio([0.01]) is None
    assert sharpe_ratio([0.01, 0.01]) is None  # no spread
    assert sortino_ratio([0.01, 0.02]) is None  # no downside
    assert sharpe_ratio([0.01, 0.02]) == pytest.approx(0.015 / math.sqrt(0.00005) * math.sqrt(252))


def test_day_returns_are_on_each_days_starting_equity() -> None:
    d1, d2 = date(2026, 3, 2), date(2026, 3, 3)
    ledger = [fill(0, 0, 1), fill(30, 100, 0), LedgerEntry(OPEN + timedelta(days=1), -50, 1)]
    first, second = day_results([d1, d2], ledger, 10_000)
    assert (first.net_pnl, first.starting_equity) == (99, 10_000)
    assert first.return_pct == pytest.approx(0.99)
    assert (second.net_pnl, second.starting_equity) == (-51, 10_099)
    assert second.return_pct == pytest.approx(-51 / 10_099 * 100)


def test_max_drawdown_by_hand() -> None:
    ledger = [fill(1, 100), fill(2, -300), fill(3, 50), fill(4, 400), fill(5, -100)]
    curve = equity_curve(OPEN, 1000, ledger)
    assert [p.equity for p in curve] == [1000, 1100, 800, 850, 1250, 1150]
    assert [p.drawdown for p in curve] == [0, 0, 300, 250, 0, 100]
    drawdown = max_drawdown(curve)
    assert drawdown.amount == 300  # 1100 -> 800
    assert drawdown.pct == pytest.approx(300 / 1100 * 100)
    assert (drawdown.start, drawdown.end) == (OPEN + timedelta(minutes=1), OPEN + timedelta(minutes=2))


def test_no_trades() -> None:
    curve = equity_curve(OPEN, 5000, [])
    m = performance_metrics([], [], 5000, [], curve)
    assert (m.trades, m.net_pnl, m.pnl_pct, m.ending_equity) == (0, 0, 0, 5000)
    assert m.win_rate is None
    assert m.profit_factor is None
    assert m.expectancy is None
    assert m.average_win is None
    assert m.largest_loss is None
    assert m.average_hold_seconds is None
    assert m.sharpe is None
    assert m.sortino is None
    assert (m.max_drawdown, m.max_drawdown_start, m.max_drawdown_end) == (0, None, None)
    assert (m.max_consecutive_wins, m.max_consecutive_losses) == (0, 0)


def test_no_losses_leave_the_profit_factor_undefined() -> None:
    m = performance_metrics([trade(10), trade(20, at=1)], [fill(10, 10), fill(11, 20)], 1000, [day(3.0)],
                            equity_curve(OPEN, 1000, [fill(10, 10), fill(11, 20)]))
    assert m.profit_factor is None  # nothing to divide by: documented, and gross_profit says what was won
    assert (m.gross_profit, m.gross_loss, m.losses) == (30, 0, 0)
    assert m.win_rate == 1.0
    assert m.average_loss is None
    assert m.largest_loss is None
    assert m.max_consecutive_losses == 0
    assert m.max_drawdown == 0


def test_one_day() -> None:
    ledger = [fill(0, 0, 2), fill(45, 150, 2)]
    days = day_results([date(2026, 3, 2)], ledger, 20_000)
    m = performance_metrics([trade(146, minutes=45)], ledger, 20_000, days, equity_curve(OPEN, 20_000, ledger))
    assert (m.net_pnl, m.gross_pnl, m.commissions) == (146, 150, 4)
    assert m.pnl_pct == pytest.approx(146 / 20_000 * 100)
    assert m.sessions == 1
    assert m.sharpe is None
    assert m.sortino is None
    assert m.max_drawdown == 2  # the entry's commission, before the exit
    assert days[0].return_pct == pytest.approx(0.73)


def test_a_day_with_only_an_open_position() -> None:
    ledger = [fill(5, 0, 1.25)]  # the entry fill: nothing realized, its commission paid
    m = performance_metrics([], ledger, 10_000, day_results([date(2026, 3, 2)], ledger, 10_000),
                            equity_curve(OPEN, 10_000, ledger))
    assert (m.trades, m.net_pnl, m.ending_equity) == (0, -1.25, 9998.75)
    assert m.win_rate is None
    assert m.profit_factor is None
    assert m.max_drawdown == 1.25


def test_groups_by_pattern_with_unknown_for_none() -> None:
    trades = [trade(100, pattern="bull_flag"), trade(-40, pattern="bull_flag", at=1), trade(-10, at=2)]
    groups = group_stats(trades, lambda t: t.pattern)
    assert list(groups) == ["bull_flag", "unknown"]
    flag = groups["bull_flag"]
    assert (flag.trades, flag.wins, flag.losses, flag.net_pnl, flag.win_rate, flag.average_pnl) == (
        2, 1, 1, 60, 0.5, 30)
    assert groups["unknown"].net_pnl == -10
