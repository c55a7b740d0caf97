"""Reporting over real trades: orders, fills and positions made by Trading's OMS against the sim
broker on two sessions (Monday 2 and Tuesday 3 March 2026), the pattern and catalyst of each entry
recorded in ``decision_logs`` as the Workflow's trade desk records them.

Monday: AAPL 100 shares, bracket 100 -> target 110 (+1000, commissions 2: +998), pattern bull_flag,
catalyst earnings_beat (the desk's ``analysis``); MSFT 100 shares, bracket 100 -> stop 95 (-500,
commissions 2: -502), pattern abcd, catalyst fda (top-level context). Tuesday: NVDA 10 shares
50 -> 52 closed by request (+20, commissions 0.20: +19.80), nothing recorded; TSLA 10 shares bought
at 300 and still open (commission 0.10). The clock ends on Tuesday at 16:30 New York.
"""

from __future__ import annotations

import json
import re
import statistics
from datetime import date, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest

from catalyst.clients.reporting import ReportingClient
from catalyst.clock import SimulatedClock
from catalyst.db.bars import BarStore
from catalyst.domain.calendar import NEW_YORK
from catalyst.domain.market import Bar
from catalyst.domain.order_request import OrderRequest, StopLoss, TakeProfit
from catalyst.domain.orders import Side
from catalyst.errors import InvalidInput
from catalyst.reporting.config import SmtpSettings
from catalyst.reporting.performance import sharpe_ratio, sortino_ratio
from catalyst.services import Operator, ServiceName
from tests.integration.reporting.conftest import STARTING_CAPITAL
from tests.support.services import serve, service_client
from tests.support.sim_world import T0, SimWorld

MONDAY, TUESDAY = date(2026, 3, 2), date(2026, 3, 3)
EXTERNAL = re.compile(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", re.IGNORECASE)


def read_file(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


async def buy(world: SimWorld, symbol: str, qty: int, price: float, **kw: Any) -> Any:
    world.bar(symbol, price, price, price, price)
    approval = world.approve(symbol, Side.BUY, qty, price * 1.01, ttl_s=3600)
    row, _ = await world.oms.commands.submit(OrderRequest(symbol=symbol, side=Side.BUY, quantity=qty, **kw), approval)
    return row


async def decide(world: SimWorld, cycle_id: Any, decision: str, reasoning: str, context: dict[str, Any]) -> None:
    async with world.db.acquire() as conn:
        await conn.execute("INSERT INTO decision_logs (cycle_id, decision, reasoning, context) VALUES ($1, $2, $3, $4)",
                           cycle_id, decision, reasoning, json.dumps(context))


async def trade_two_days(world: SimWorld) -> None:
    async with world.db.acquire() as conn:
        cycle = await conn.fetchval("INSERT INTO trading_cycles (cycle_date, mode) VALUES ($1, 'paper') "
                                    "RETURNING cycle_id", MONDAY)
    bracket = {"take_profit": TakeProfit(limit_price=110), "stop_loss": StopLoss(stop_price=95)}
    aapl = await buy(world, "AAPL", 100, 100, **bracket)
    await decide(world, cycle, "trade_placed", "bracket on a flag", {
        "client_order_id": aapl.client_order_id,
        "analysis": {"pattern": {"pattern": "bull_flag"}, "candidate": {"pattern": "cup_handle",
                                                                        "catalyst_type": "earnings_beat"}}})
    msft = await buy(world, "MSFT", 100, 100, **bracket)
    await decide(world, cycle, "trade_placed", "abcd", {"client_order_id": msft.client_order_id, "pattern": "abcd",
                                                        "catalyst_type": "fda"})
    await world.step("AAPL", 100, 101, 99, 100)  # both entries fill at 100
    await world.step("MSFT", 100, 101, 99, 100)
    await world.step("AAPL", 105, 110.5, 104, 110)  # the target
    await world.step("MSFT", 97, 98, 94, 95)  # the stop

    world.move_to(T0 + timedelta(days=1))
    await buy(world, "NVDA", 10, 50)
    await world.step("NVDA", 50, 50, 50, 50)
    [position] = [p for p in await world.oms.queries.list_positions("open", 10) if p.symbol == "NVDA"]
    world.bar("NVDA", 52, 52, 52, 52)
    exit_order, _ = await world.oms.commands.close_position(position.position_id, None)
    await world.step("NVDA", 52, 52, 52, 52)
    await decide(world, cycle, "position_closed", "closed by operator: <b>take</b> the money",
                 {"order_id": str(exit_order.order_id), "position_id": str(position.position_id)})
    await buy(world, "TSLA", 10, 300)
    await world.step("TSLA", 300, 300, 300, 300)
    world.clock.set(datetime(2026, 3, 3, 16, 30, tzinfo=NEW_YORK))


@pytest.fixture
async def traded(world: SimWorld) -> SimWorld:
    await trade_two_days(world)
    return world


async def test_the_daily_report_of_a_day_of_two_bracket_trades(traded, reporting_app) -> None:
    async with serve(reporting_app()) as client:
        answer = await client.get(f"/api/v1/reports/daily/{MONDAY}")
    assert answer.status_code == 200, answer.text
    report = answer.json()
    m = report["metrics"]
    assert (report["period"], report["start"], report["end"]) == ("daily", "2026-03-02", "2026-03-02")
    assert m["net_pnl"] == pytest.approx(998 - 502)
    assert (m["gross_pnl"], m["commissions"]) == (pytest.approx(500), pytest.approx(4))
    assert m["starting_equity"] == STARTING_CAPITAL
    assert m["pnl_pct"] == pytest.approx(496 / STARTING_CAPITAL * 100)
    assert (m["trades"], m["wins"], m["losses"], m["win_rate"]) == (2, 1, 1, 0.5)
    assert m["profit_factor"] == pytest.approx(998 / 502)
    assert (m["largest_win"], m["largest_loss"]) == (pytest.approx(998), pytest.approx(-502))
    assert (m["sharpe"], m["sortino"], m["sessions"]) == (None, None, 1)
    assert report["by_pattern"]["bull_flag"]["net_pnl"] == pytest.approx(998)  # the detected pattern wins
    assert report["by_pattern"]["abcd"]["net_pnl"] == pytest.approx(-502)
    assert set(report["by_catalyst"]) == {"earnings_beat", "fda"}
    assert report["open_positions"] == 0
    assert report["equity_curve"][0]["equity"] == STARTING_CAPITAL
    assert report["equity_curve"][-1]["equity"] == pytest.approx(STARTING_CAPITAL + 496)
    assert len(report["equity_curve"]) == 1 + 4  # the start, then one point per fill


async def test_a_day_with_an_open_position_and_a_closed_one(traded, reporting_app) -> None:
    async with serve(reporting_app()) as client:
        m_report = (await client.get(f"/api/v1/reports/daily/{TUESDAY}")).json()
        page = (await client.get(f"/api/v1/reports/daily/{TUESDAY}/html")).text
    assert "Open positions at the end: 1, unrealized P&amp;L n/a (no mark)" in page
    assert "TSLA long 10 @ 300.00: no mark" in page
    m = m_report["metrics"]
    assert m["starting_equity"] == pytest.approx(STARTING_CAPITAL + 496)  # Monday's net is in it
    assert m["net_pnl"] == pytest.approx(19.8 - 0.1)  # NVDA's trade, TSLA's entry commission
    assert (m["trades"], m["profit_factor"], m["losses"]) == (1, None, 0)  # no loss: undefined, documented
    assert m_report["open_positions"] == 1
    [tsla] = m_report["holdings"]  # no bar of TSLA is stored: no mark, and none made up
    assert (tsla["symbol"], tsla["quantity"], tsla["avg_entry_price"]) == ("TSLA", 10, 300)
    assert (tsla["mark_price"], tsla["marked_at"], tsla["unrealized_pnl"]) == (None, None, None)
    assert m_report["unrealized_pnl"] == 0
    assert m_report["by_pattern"] == {"unknown": {"trades": 1, "wins": 1, "losses": 0,
                                                  "net_pnl": pytest.approx(19.8), "win_rate": 1.0,
                                                  "average_pnl": pytest.approx(19.8)}}


async def test_a_report_under_a_replay_clock_leaves_out_the_fills_after_its_now(traded, reporting_app) -> None:
    async with traded.db.acquire() as conn:
        tsla_entry = await conn.fetchval(
            "SELECT f.filled_at FROM fills f JOIN orders o USING (order_id) JOIN securities s USING (security_id) "
            "WHERE s.symbol = 'TSLA'")
    replay = SimulatedClock(tsla_entry - timedelta(seconds=1))  # NVDA's trade is done, TSLA's entry to come
    async with serve(reporting_app(clock=replay)) as client:
        daily = (await client.get(f"/api/v1/reports/daily/{TUESDAY}")).json()
        journal = (await client.get("/api/v1/journal", params={"start": str(TUESDAY), "end": str(TUESDAY)})).json()
    m = daily["metrics"]
    assert m["net_pnl"] == pytest.approx(19.8)  # without TSLA's entry commission (0.10), filled after now
    assert (m["commissions"], m["trades"], daily["open_positions"]) == (pytest.approx(0.2), 1, 0)
    assert journal["count"] == 1


async def test_open_positions_are_marked_at_the_last_bar_complete_by_now(traded, reporting_app) -> None:
    at = datetime(2026, 3, 3, 15, 58, tzinfo=NEW_YORK)
    await BarStore(traded.db).ingest([  # a one-minute close of 305 by 16:00; the 16:30 bar is still forming
        Bar(symbol="TSLA", ts=at, open=303, high=304, low=302, close=304, volume=1_000),
        Bar(symbol="TSLA", ts=at + timedelta(minutes=1), open=304, high=306, low=304, close=305, volume=1_000),
        Bar(symbol="TSLA", ts=datetime(2026, 3, 3, 16, 30, tzinfo=NEW_YORK), open=990, high=999, low=990,
            close=999, volume=1_000)], "1Min")
    async with serve(reporting_app()) as client:
        report = (await client.get(f"/api/v1/reports/daily/{TUESDAY}")).json()
        monday = (await client.get(f"/api/v1/reports/daily/{MONDAY}")).json()
        page = (await client.get(f"/api/v1/reports/daily/{TUESDAY}/html")).text
    assert "Open positions at the end: 1, unrealized P&amp;L $50.00" in page
    assert "TSLA long 10 @ 300.00, mark 305.00 at 2026-03-03 16:00 ET: $50.00" in page
    [tsla] = report["holdings"]
    assert (tsla["mark_price"], tsla["unrealized_pnl"]) == (305, pytest.approx((305 - 300) * 10))
    assert tsla["marked_at"] == "2026-03-03T21:00:00Z"  # the 15:59 bar's end, 16:00 New York
    assert report["unrealized_pnl"] == pytest.approx(50)
    assert report["metrics"]["net_pnl"] == pytest.approx(19.8 - 0.1)  # realized only: the mark stays apart
    assert (monday["open_positions"], monday["holdings"], monday["unrealized_pnl"]) == (0, [], 0)


async def test_weekly_and_monthly_cover_both_sessions(traded, reporting_app) -> None:
    async with serve(reporting_app(), caller=Operator.OPERATOR) as client:  # reads are open to the operator
        weekly = (await client.get(f"/api/v1/reports/weekly/{TUESDAY}")).json()
        monthly = (await client.get(f"/api/v1/reports/monthly/{MONDAY}")).json()
    assert (weekly["start"], weekly["end"]) == ("2026-03-02", "2026-03-08")
    assert (monthly["start"], monthly["end"]) == ("2026-03-01", "2026-03-31")
    returns = [496 / STARTING_CAPITAL, 19.7 / (STARTING_CAPITAL + 496)]
    for report in (weekly, monthly):
        m = report["metrics"]
        assert [d["day"] for d in report["days"]] == ["2026-03-02", "2026-03-03"]
        assert m["net_pnl"] == pytest.approx(496 + 19.7)
        assert (m["trades"], m["sessions"]) == (3, 2)
        assert m["sharpe"] == pytest.approx(statistics.fmean(returns) / statistics.stdev(returns) * 252 ** 0.5)
        assert m["sharpe"] == pytest.approx(sharpe_ratio(returns))
        assert m["sortino"] is None  # no losing day
        assert sortino_ratio(returns) is None
        # from the peak after AAPL's exit (100,997) down the MSFT stop (-501) and NVDA's entry commission (-0.10)
        assert m["max_drawdown"] == pytest.approx(501.1)
        assert m["max_consecutive_wins"] == 1


async def test_the_journal_lists_every_trade_with_its_entry_exit_and_reason(traded, reporting_app) -> None:
    app = reporting_app()
    async with serve(app), service_client(app, caller=ServiceName.WORKFLOW) as raw:
        journal = await ReportingClient(raw).journal(MONDAY, TUESDAY)
    assert journal.count == 3
    aapl, msft, nvda = journal.trades
    assert (aapl.symbol, aapl.entry_price, aapl.exit_price, aapl.exit_reason) == ("AAPL", 100, 110, "take_profit")
    assert (aapl.pattern, aapl.catalyst_type, aapl.pnl, aapl.commission) == ("bull_flag", "earnings_beat", 998, 2)
    assert aapl.hold_seconds == (aapl.closed_at - aapl.opened_at).total_seconds() > 0
    assert (msft.exit_reason, msft.pattern, msft.catalyst_type, msft.pnl) == ("stop_loss", "abcd", "fda", -502)
    assert (nvda.exit_reason, nvda.pattern, nvda.quantity, nvda.exit_price) == ("close", None, 10, 52)
    assert nvda.exit_note == "closed by operator: <b>take</b> the money"
    assert aapl.entry_order_id is not None


async def test_the_html_report_is_served_self_contained(traded, reporting_app) -> None:
    async with serve(reporting_app()) as client:
        answer = await client.get(f"/api/v1/reports/daily/{TUESDAY}/html")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    page = answer.text
    assert page.count('<tr class="trade">') == 1
    assert "NVDA" in page
    assert "&lt;b&gt;take&lt;/b&gt;" in page  # the note is escaped
    assert page.count("<svg") == 4
    assert "http://" not in page
    assert "https://" not in page
    assert not EXTERNAL.search(page)
    assert "<script" not in page


async def test_build_writes_the_file_and_mails_it(traded, reporting_app, smtp_server) -> None:
    inbox, port = smtp_server
    smtp = SmtpSettings(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TLS="none", SMTP_SENDER="reports@catalyst.test",
                        SMTP_RECIPIENTS="desk@catalyst.test, risk@catalyst.test")
    app = reporting_app(smtp)
    async with serve(app), service_client(app, caller=ServiceName.WORKFLOW) as raw:
        built = await ReportingClient(raw).build_daily(MONDAY)
        again = await ReportingClient(raw).build_daily(MONDAY, send_email=False)
    assert built.emailed_to == ["desk@catalyst.test", "risk@catalyst.test"]
    assert built.email_error is None
    assert built.url == "/api/v1/reports/daily/2026-03-02/html"
    assert built.report.metrics.trades == 2
    page = read_file(built.path)
    assert page.count('<tr class="trade">') == 2
    assert (again.path, again.emailed_to) == (built.path, [])  # rebuilt over the same file, not mailed
    [envelope] = inbox.envelopes
    assert envelope.mail_from == "reports@catalyst.test"
    assert envelope.rcpt_tos == ["desk@catalyst.test", "risk@catalyst.test"]
    assert isinstance(envelope.content, bytes)
    mail = message_from_bytes(envelope.content, _class=EmailMessage, policy=default_policy)
    assert "2026-03-02" in mail["Subject"]
    plain, html = mail.get_body(("plain",)), mail.get_body(("html",))
    assert plain is not None
    assert html is not None
    assert "Net P&L: $496.00" in plain.get_content()
    assert html.get_content().count('<tr class="trade">') == 2


async def test_a_built_report_sets_the_daily_gauges(traded, reporting_app) -> None:
    async with serve(reporting_app()) as client:
        built = (await client.post(f"/api/v1/reports/daily/{MONDAY}/build", json={})).json()
        metrics = (await client.get("/metrics")).text
    figures = built["report"]["metrics"]
    assert f"catalyst_reporting_daily_trades {float(figures['trades'])}" in metrics
    assert f"catalyst_reporting_daily_wins {float(figures['wins'])}" in metrics
    assert f"catalyst_reporting_daily_net_pnl_dollars {float(figures['net_pnl'])}" in metrics


async def test_no_smtp_host_no_mail_and_a_dead_server_is_reported(traded, reporting_app) -> None:
    async with serve(reporting_app()) as client:
        quiet = (await client.post(f"/api/v1/reports/daily/{MONDAY}/build", json={})).json()
    assert (quiet["emailed_to"], quiet["email_error"]) == ([], None)
    dead = SmtpSettings(SMTP_HOST="127.0.0.1", SMTP_PORT=9, SMTP_TLS="none", SMTP_RECIPIENTS="desk@catalyst.test",
                        SMTP_TIMEOUT=2)
    async with serve(reporting_app(dead)) as client:
        failed = (await client.post(f"/api/v1/reports/daily/{MONDAY}/build", json={"send_email": True})).json()
    assert failed["emailed_to"] == []
    assert failed["email_error"]
    assert "<!DOCTYPE html>" in read_file(failed["path"])  # the report stands when the mail fails


@pytest.mark.parametrize(("path", "code"), [
    ("/api/v1/reports/daily/not-a-date", "VALIDATION_ERROR"),
    ("/api/v1/reports/daily/2026-02-30", "VALIDATION_ERROR"),
    ("/api/v1/reports/daily/2026-03-04", "DAY_IN_FUTURE"),
    ("/api/v1/reports/daily/9999-12-31", "DAY_IN_FUTURE"),
    ("/api/v1/reports/weekly/2100-01-04", "DAY_IN_FUTURE"),
    ("/api/v1/reports/daily/2026-02-28", "NOT_A_TRADING_DAY"),  # a Saturday
    ("/api/v1/reports/monthly/1999-12-31", "DAY_OUTSIDE_CALENDAR"),
    ("/api/v1/reports/daily/2026-03-04/html", "DAY_IN_FUTURE"),
    ("/api/v1/journal?start=2026-03-03&end=2026-03-02", "INVALID_RANGE"),
    ("/api/v1/journal?start=2024-01-01&end=2026-03-02", "RANGE_TOO_LONG"),
    ("/api/v1/journal?start=2026-03-01", "VALIDATION_ERROR"),
])
async def test_bad_days_are_400_envelopes(world, reporting_app, path, code) -> None:
    async with serve(reporting_app()) as client:
        answer = await client.get(path)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == code


async def test_the_typed_client_raises_invalid_input_for_a_weekend(world, reporting_app) -> None:
    app = reporting_app()
    async with serve(app), service_client(app, caller=ServiceName.WORKFLOW) as raw:
        with pytest.raises(InvalidInput) as refused:
            await ReportingClient(raw).daily(date(2026, 3, 1))
    assert refused.value.code == "NOT_A_TRADING_DAY"
    assert refused.value.details["previous_trading_day"] == "2026-02-27"


async def test_a_day_without_trades(world, reporting_app) -> None:
    async with serve(reporting_app()) as client:
        report = (await client.get(f"/api/v1/reports/daily/{MONDAY}")).json()
    m = report["metrics"]
    assert (m["trades"], m["net_pnl"], m["win_rate"], m["profit_factor"], m["max_drawdown"]) == (0, 0, None, None, 0)
    assert report["by_pattern"] == {}
    assert report["equity_curve"] == [{"at": "2026-03-02T14:30:00Z", "equity": STARTING_CAPITAL, "drawdown": 0.0,
                                       "drawdown_pct": 0.0}]


async def test_health_uses_the_database_and_no_redis(world, reporting_app) -> None:
    async with serve(reporting_app()) as client:
        health = (await client.get("/health")).json()
    assert (health["status"], health["database"], health["redis"], health["dependencies"]) == (
        "healthy", "connected", "not_used", {})
