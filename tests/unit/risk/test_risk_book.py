"""The in-memory book: today's P&L from updates, idempotent closes, day rollover, net by symbol."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from catalyst.domain.orders import PositionSide
from catalyst.risk.book import PositionChange, PositionMark, RiskBook, trading_day

DAY = date(2026, 3, 10)


def _change(pid: str, unrealized: float = 0.0, *, symbol: str = "AAPL", side: PositionSide = PositionSide.LONG,
            quantity: float = 100, realized: float = 0.0, closed: bool = False, price: float = 100.0) -> PositionChange:
    return PositionChange(pid, symbol, side, quantity, 100.0, price, unrealized, realized, closed)


def test_trading_day_is_new_york_calendar() -> None:
    assert trading_day(datetime(2026, 3, 11, 3, 59, tzinfo=UTC)) == date(2026, 3, 10)  # 23:59 EDT
    assert trading_day(datetime(2026, 3, 11, 4, 0, tzinfo=UTC)) == date(2026, 3, 11)


def test_daily_pnl_is_realized_today_plus_unrealized() -> None:
    book = RiskBook(DAY)
    book.apply(_change("a", -300.0))
    book.apply(_change("b", 120.0, symbol="MSFT", realized=50.0))
    assert book.daily_pnl == pytest.approx(-130.0)
    book.apply(_change("a", 0.0, realized=-280.0, closed=True, quantity=0))
    assert book.closed_realized_today == -280.0
    assert book.daily_pnl == pytest.approx(-280.0 + 50.0 + 120.0)


def test_a_close_counts_once_and_late_updates_are_ignored() -> None:
    book = RiskBook(DAY)
    book.apply(_change("a", -100.0))
    assert book.apply(_change("a", realized=-90.0, closed=True, quantity=0))
    assert not book.apply(_change("a", realized=-90.0, closed=True, quantity=0))
    assert not book.apply(_change("a", -50.0))
    assert book.daily_pnl == -90.0
    assert book.positions == {}


def test_realized_before_today_is_not_counted() -> None:
    book = RiskBook(DAY)
    carried = PositionMark("a", "AAPL", PositionSide.LONG, 100, 100.0, 101.0, 100.0, 400.0, realized_base=400.0)
    book.load([carried], {"z": -75.0})
    assert book.realized_today == -75.0
    book.apply(_change("a", 100.0, realized=450.0))  # a partial exit today realizes 50 more
    assert book.realized_today == pytest.approx(-25.0)
    assert not book.apply(_change("z", closed=True, quantity=0, realized=-75.0))  # already closed today


def test_day_rollover_moves_realized_into_the_base() -> None:
    book = RiskBook(DAY)
    book.apply(_change("a", -100.0, realized=-40.0))
    book.apply(_change("b", realized=-500.0, closed=True, quantity=0))
    assert not book.roll_to(DAY)
    assert book.roll_to(date(2026, 3, 11))
    assert book.realized_today == 0.0
    assert book.daily_pnl == -100.0  # only the open position's unrealized
    assert book.apply(_change("b", realized=-500.0, closed=True, quantity=0))  # a new day forgets yesterday's ids


def test_net_position_by_symbol_and_exposure() -> None:
    book = RiskBook(DAY)
    book.apply(_change("a", symbol="AAPL", quantity=100, price=101.0))
    book.apply(_change("b", symbol="AAPL", quantity=50, price=101.0))
    book.apply(_change("c", symbol="TSLA", side=PositionSide.SHORT, quantity=10, price=200.0))
    view = book.view()
    assert view.positions["AAPL"].quantity == 150
    assert view.positions["TSLA"].quantity == -10
    assert view.positions["TSLA"].direction == -1
    assert book.gross_exposure == 150 * 101.0 + 2000.0
    assert book.net_exposure == 150 * 101.0 - 2000.0
    assert book.view() is view  # cached until the next change
    book.mark("TSLA", 190.0)
    assert book.view() is not view
    assert book.positions["c"].unrealized_pnl == pytest.approx(-900.0)  # short from 100, marked at 190
