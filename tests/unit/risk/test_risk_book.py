"""The book: a snapshot of committed state, the approvals signed since, and the latest marks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D

from catalyst.domain.calendar import trading_day
from catalyst.domain.money import Number, money, optional_money
from catalyst.domain.orders import Intent, Side
from catalyst.risk.book import Reservation, RiskBook, Snapshot
from catalyst.risk.engine import PositionMark

DAY = date(2026, 3, 10)
T = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def _position(pid: str = "a", symbol: str = "AAPL", qty: Number = 100, avg: Number = 100, ref: Number | None = None,
              mark: Number = 100, stop: Number | None = None) -> PositionMark:
    return PositionMark(pid, symbol, money(qty), money(avg), money(avg if ref is None else ref), money(mark),
                        optional_money(stop))


def _reservation(nonce: str = "n" * 16, symbol: str = "MSFT", qty: Number = 10, bound: Number = 50,
                 stop: Number | None = 48, side: Side = Side.BUY, intent: Intent = Intent.ENTRY,
                 used: bool = False) -> Reservation:
    return Reservation(nonce, symbol, side, intent, money(qty), money(bound), optional_money(stop), used)


def test_trading_day_is_new_york_calendar() -> None:
    assert trading_day(datetime(2026, 3, 11, 3, 59, tzinfo=UTC)) == date(2026, 3, 10)  # 23:59 EDT
    assert trading_day(datetime(2026, 3, 11, 4, 0, tzinfo=UTC)) == date(2026, 3, 11)


def test_daily_pnl_is_realized_after_commission_plus_unrealized_since_the_reference() -> None:
    book = RiskBook(DAY)
    carried = _position("a", qty=100, avg=90.0, ref=100.0, mark=97.0)  # bought yesterday at 90, closed at 100
    today = _position("b", "MSFT", qty=-10, avg=200.0, mark=210.0)  # short opened today
    book.replace(Snapshot(DAY, (carried, today), realized_today=D("-1500"), commissions_today=D("4")), 0)
    assert book.realized_today == D("-1504")
    assert book.unrealized == D("-400")  # -300 - 100: only today's move of the carried long
    assert book.daily_pnl == D("-1904")
    assert book.view().daily_loss == D("1904")


def test_marks_outlive_a_snapshot_and_move_the_pnl() -> None:
    book = RiskBook(DAY)
    book.replace(Snapshot(DAY, (_position(mark=100.0),)), 0)
    book.mark({"AAPL": (T, D("70"))})
    assert book.daily_pnl == D("-3000")
    book.replace(Snapshot(DAY, (_position(mark=100.0),)), book.seq)  # a re-read still has the fill price
    assert book.daily_pnl == D("-3000")


def test_committed_loss_counts_stops_gaps_and_reserved_entries() -> None:
    book = RiskBook(DAY)
    at_stop = _position("a", qty=100, avg=100.0, mark=100.0, stop=98.0)  # −200 at its stop
    gapped = _position("b", "TSLA", qty=10, avg=100.0, mark=80.0, stop=95.0)  # already −200, worse than −50
    book.replace(Snapshot(DAY, (at_stop, gapped), realized_today=D("-100")), 0)
    book.reserve(_reservation(qty=10, bound=50.0, stop=48.0))  # −20 at its stop
    assert book.committed_loss == D("520")  # 100 + 200 + 200 + 20


def test_a_reservation_holds_a_slot_notional_and_loss_until_a_read_drops_it() -> None:
    book = RiskBook(DAY)
    book.replace(Snapshot(DAY, (_position(),)), 0)
    book.reserve(_reservation(nonce="x" * 16))
    view = book.view()
    assert view.exposed_symbols == {"AAPL", "MSFT"}
    assert view.pending["MSFT"].notional(1) == D("500")
    read_from = book.seq  # a read that begins after the reservation was committed sees it, or its end
    book.replace(Snapshot(DAY, (_position(),)), read_from)
    assert book.view().exposed_symbols == {"AAPL"}


def test_a_reservation_signed_while_a_read_was_running_is_kept() -> None:
    book = RiskBook(DAY)
    read_from = book.seq
    book.reserve(_reservation(nonce="y" * 16))
    book.replace(Snapshot(DAY), read_from)  # the read began before the reservation was written
    assert [r.nonce for r in book.reservations] == ["y" * 16]


def test_exit_reservations_and_working_exits_are_being_exited() -> None:
    book = RiskBook(DAY)
    snapshot = Snapshot(DAY, (_position(qty=100),), working_exits={"AAPL": D("30")},
                        reservations=(_reservation(nonce="e" * 16, symbol="AAPL", qty=50, side=Side.SELL,
                                                   intent=Intent.EXIT),
                                      _reservation(nonce="u" * 16, symbol="AAPL", qty=30, side=Side.SELL,
                                                   intent=Intent.EXIT, used=True)))
    book.replace(snapshot, 0)
    assert book.view().being_exited == {"AAPL": D("80")}  # the used one is the working exit already
    assert book.committed_loss == 0


def test_held_notional_counts_the_higher_of_entry_and_market() -> None:
    book = RiskBook(DAY)
    book.replace(Snapshot(DAY, (_position(qty=100, avg=100.0, mark=70.0),)), 0)
    assert book.view().positions["AAPL"].cap_notional == D("10000")  # a fall never makes room past the cap
    book.mark({"AAPL": (T, D("130"))})
    assert book.view().positions["AAPL"].cap_notional == D("13000")


def test_a_pending_buy_and_sell_of_one_symbol_never_cancel_out() -> None:
    book = RiskBook(DAY)
    book.reserve(_reservation(nonce="b" * 16, qty=150, bound=100.0, stop=98.0))
    book.reserve(_reservation(nonce="s" * 16, qty=150, bound=100.0, stop=102.0, side=Side.SELL))
    view = book.view()
    assert view.exposed_symbols == {"MSFT"}  # it holds a slot
    assert view.pending["MSFT"].notional(1) == D("15000")  # a third buy still sees the first
    assert view.pending["MSFT"].notional(-1) == D("15000")
