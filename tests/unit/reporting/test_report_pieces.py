"""Periods, exit reasons, the HTML page (self-contained, escaped) and the mail's parts."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest

from catalyst.contracts.reporting import JournalTrade, OpenPosition, PerformanceReport
from catalyst.reporting.holdings import marked, unrealized_total
from catalyst.reporting.html_report import render_daily_report
from catalyst.reporting.journal import exit_reason
from catalyst.reporting.performance import day_results, equity_curve, group_stats, performance_metrics
from catalyst.reporting.periods import period_bounds
from catalyst.reporting.summary import daily_message, plain_text_summary
from tests.unit.reporting.test_performance import OPEN, fill

EXTERNAL = re.compile(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", re.IGNORECASE)
HOSTILE = '<script>alert("x")</script><img src="https://evil.example/a.png">'


@pytest.mark.parametrize(("period", "day", "bounds"), [
    ("daily", date(2026, 3, 4), (date(2026, 3, 4), date(2026, 3, 4))),
    ("weekly", date(2026, 3, 4), (date(2026, 3, 2), date(2026, 3, 8))),  # Wednesday: Monday to Sunday
    ("weekly", date(2026, 3, 8), (date(2026, 3, 2), date(2026, 3, 8))),  # a Sunday ends its week
    ("monthly", date(2024, 2, 10), (date(2024, 2, 1), date(2024, 2, 29))),  # leap year
    ("monthly", date(2026, 12, 31), (date(2026, 12, 1), date(2026, 12, 31))),
])
def test_period_bounds(period, day, bounds) -> None:
    assert period_bounds(period, day) == bounds


def test_exit_reasons() -> None:
    parent = uuid.uuid4()
    assert exit_reason("limit", parent, "x") == "take_profit"
    assert exit_reason("stop", parent, "x") == "stop_loss"
    assert exit_reason("market", None, "flat-abc") == "flatten"
    assert exit_reason("market", None, "cat-abc") == "close"
    assert exit_reason("limit", None, "cat-abc") == "close"  # a plain limit exit is not a bracket's target
    assert exit_reason(None, None, None) == "close"


def hostile_trade() -> JournalTrade:
    return JournalTrade(position_id=uuid.uuid4(), symbol="AAPL", side="long", quantity=10, entry_price=100,
                        exit_price=110, opened_at=OPEN, closed_at=OPEN + timedelta(minutes=75), hold_seconds=4500,
                        gross_pnl=100, commission=0.5, pnl=99.5, exit_reason="take_profit", exit_note=HOSTILE,
                        pattern=HOSTILE, catalyst_type="earnings_beat", entry_order_id=None)


def report_of(trades: list[JournalTrade]) -> PerformanceReport:
    ledger = [fill(0, 0, 0.25), fill(75, 100, 0.25)]
    days = day_results([date(2026, 3, 2)], ledger, 10_000)
    curve = equity_curve(OPEN, 10_000, ledger)
    return PerformanceReport(period="daily", start=date(2026, 3, 2), end=date(2026, 3, 2),
                             metrics=performance_metrics(trades, ledger, 10_000, days, curve),
                             by_pattern=group_stats(trades, lambda t: t.pattern),
                             by_catalyst=group_stats(trades, lambda t: t.catalyst_type),
                             equity_curve=curve, days=days, open_positions=1)


def test_the_page_is_self_contained_and_escapes_what_came_from_outside() -> None:
    trades = [hostile_trade()]
    page = render_daily_report(report_of(trades), trades)
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page
    assert "<img" not in page
    assert "&lt;script&gt;" in page
    assert not EXTERNAL.search(page)  # the hostile src is text now, not an attribute
    assert page.count("<svg") == 4  # equity, drawdown, by pattern, by catalyst
    assert page.count('<tr class="trade">') == 1
    assert "earnings_beat" in page
    assert "99.50" in page
    assert "1h 15m" in page


def test_an_empty_day_still_renders() -> None:
    page = render_daily_report(report_of([]), [])
    assert "No trade closed this day." in page
    assert "nothing to draw" in page  # no group to chart


def test_the_mail_carries_the_summary_and_the_page() -> None:
    trades = [hostile_trade()]
    report = report_of(trades)
    page = render_daily_report(report, trades)
    message = daily_message(report, trades, page, sender="bot@catalyst.test", recipients=["a@x.test", "b@x.test"])
    assert message["To"] == "a@x.test, b@x.test"
    assert "Catalyst daily report 2026-03-02" in message["Subject"]
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None
    assert html is not None
    assert "Net P&L: $99.50" in plain.get_content()
    assert html.get_content() == page
    assert "AAPL long 10 @ 100.00 -> 110.00 take_profit $99.50" in plain_text_summary(report, trades)


def test_times_in_the_journal_are_new_york() -> None:
    page = render_daily_report(report_of([hostile_trade()]), [hostile_trade()])
    assert "2026-03-02 09:30" in page
    assert "2026-03-02 10:45" in page


def held(symbol: str, side: str, quantity: float, entry: float) -> OpenPosition:
    return OpenPosition(position_id=uuid.uuid4(), symbol=symbol, side=side, quantity=quantity,
                        avg_entry_price=entry, opened_at=OPEN)


def test_open_positions_are_marked_by_hand_and_none_without_a_bar() -> None:
    at = OPEN + timedelta(hours=6)
    long = marked(held("AAPL", "long", 10, 100), (at, 103.5))
    short = marked(held("MSFT", "short", 4, 50), (at, 52.25))
    bare = marked(held("NVDA", "long", 1, 900), None)
    assert (long.mark_price, long.marked_at, long.unrealized_pnl) == (103.5, at, pytest.approx(35.0))
    assert short.unrealized_pnl == pytest.approx(-9.0)  # (52.25 - 50) x 4, against a short
    assert (bare.mark_price, bare.unrealized_pnl) == (None, None)
    assert unrealized_total([long, short, bare]) == pytest.approx(26.0)
    report = report_of([]).model_copy(update={"open_positions": 3, "holdings": [long, short, bare],
                                              "unrealized_pnl": 26.0})
    text = plain_text_summary(report, [])
    assert "Open positions at the end: 3, unrealized P&L $26.00 (1 with no mark, not counted)" in text
    assert "MSFT short 4 @ 50.00, mark 52.25 at 2026-03-02 15:30 ET: -$9.00" in text
    assert "NVDA long 1 @ 900.00: no mark" in text
