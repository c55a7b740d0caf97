"""Reporting's application service: a period's report, the journal, and the daily build (file and mail).

Days are checked against the market clock and calendar before anything is read: a day after today
(the clock's trading day), outside the calendar, or (for a daily report) without a session is a 400.
A period still running ends at the market clock's now: its fills, closed trades, sessions and open
positions are those before it, so under a replay clock a report never sees a later fill. The open
positions are marked as of that end, at the prices the Risk Manager marks with
(``catalyst.risk.prices``: the last complete one-minute bar, else daily).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date
from pathlib import Path

from catalyst.clock import Clock
from catalyst.contracts.reporting import (
    MAX_JOURNAL_DAYS,
    BuiltReport,
    JournalTrade,
    PerformanceReport,
    Period,
    TradeJournal,
    daily_html_path,
)
from catalyst.domain.calendar import MarketCalendar, OutsideCalendar, day_end, day_start, trading_day
from catalyst.errors import InvalidInput
from catalyst.logging import get_logger
from catalyst.reporting.config import ReportingSettings, SmtpSettings
from catalyst.reporting.holdings import marked, unrealized_total
from catalyst.reporting.html_report import render_daily_report
from catalyst.reporting.mailer import send_mail
from catalyst.reporting.metrics import DAILY_NET_PNL, DAILY_TRADES, DAILY_WINS
from catalyst.reporting.performance import day_results, equity_curve, group_stats, performance_metrics
from catalyst.reporting.periods import period_bounds
from catalyst.reporting.repository import ReportingRepository
from catalyst.reporting.summary import daily_message
from catalyst.risk.prices import MarketPrices

log = get_logger(__name__)


class ReportingService:
    def __init__(self, repository: ReportingRepository, *, prices: MarketPrices, clock: Clock,
                 calendar: MarketCalendar, settings: ReportingSettings, smtp: SmtpSettings):
        self._repo = repository
        self._prices = prices
        self._clock = clock
        self._calendar = calendar
        self._settings = settings
        self._smtp = smtp

    async def report(self, period: Period, day: date) -> PerformanceReport:
        """The ``period`` (daily, weekly, monthly) containing ``day``."""
        report, _ = await self._report(period, day)
        return report

    async def _report(self, period: Period, day: date) -> tuple[PerformanceReport, list[JournalTrade]]:
        """The report and the trades closed in it."""
        self._check_day(day, trading=period == "daily")
        start, end = period_bounds(period, day)
        begin, until = day_start(start), min(day_end(end), self._clock.now())
        ledger = await self._repo.ledger(begin, until)
        starting_equity = self._settings.starting_capital + await self._repo.net_before(begin)
        sessions = [s for s in self._calendar.sessions(max(start, self._calendar.first_day),
                                                       min(end, self._today())) if s.open <= until]
        curve_start = min([sessions[0].open if sessions else begin.astimezone(UTC), *(e.at for e in ledger)])
        days = day_results([s.day for s in sessions], ledger, starting_equity)
        curve = equity_curve(curve_start, starting_equity, ledger)
        trades = await self._repo.closed_positions(begin, until)
        held = await self._repo.open_positions_at(until)
        marks = await self._prices.latest([p.symbol for p in held], until)
        holdings = [marked(p, marks.get(p.symbol)) for p in held]
        report = PerformanceReport(
            period=period, start=start, end=end,
            metrics=performance_metrics(trades, ledger, starting_equity, days, curve),
            by_pattern=group_stats(trades, lambda t: t.pattern),
            by_catalyst=group_stats(trades, lambda t: t.catalyst_type),
            equity_curve=curve, days=days, open_positions=len(holdings), holdings=holdings,
            unrealized_pnl=unrealized_total(holdings),
        )
        return report, trades

    async def journal(self, start: date, end: date) -> TradeJournal:
        """Positions closed from ``start`` to ``end`` (both included), at most ``MAX_JOURNAL_DAYS`` days."""
        if start > end:
            raise InvalidInput("start is after end", code="INVALID_RANGE",
                               details={"start": start.isoformat(), "end": end.isoformat()})
        if (end - start).days + 1 > MAX_JOURNAL_DAYS:
            raise InvalidInput(f"a journal covers at most {MAX_JOURNAL_DAYS} days", code="RANGE_TOO_LONG",
                               details={"days": (end - start).days + 1, "max": MAX_JOURNAL_DAYS})
        self._check_day(start)
        self._check_day(end)
        trades = await self._repo.closed_positions(day_start(start), min(day_end(end), self._clock.now()))
        return TradeJournal(start=start, end=end, trades=trades, count=len(trades))

    async def daily_html(self, day: date) -> str:
        """The self-contained HTML page of the trading day ``day``."""
        return render_daily_report(*await self._report("daily", day))

    async def build_daily(self, day: date, *, send_email: bool) -> BuiltReport:
        """Write ``day``'s page to the report directory (overwriting) and mail it when asked and configured."""
        report, trades = await self._report("daily", day)
        DAILY_TRADES.set(report.metrics.trades)
        DAILY_WINS.set(report.metrics.wins)
        DAILY_NET_PNL.set(report.metrics.net_pnl)
        html = render_daily_report(report, trades)
        path = self.report_path(day)
        await asyncio.to_thread(_write_whole, path, html)
        emailed: list[str] = []
        error: str | None = None
        if send_email and self._smtp.enabled:
            message = daily_message(report, trades, html, sender=self._smtp.sender, recipients=self._smtp.recipients)
            try:
                emailed = await send_mail(self._smtp, message)
            except OSError as exc:  # smtplib's errors are OSErrors too: the report stands, the mail failed
                error = f"{type(exc).__name__}: {exc}"
                log.warning("daily_report_mail_failed", day=day.isoformat(), error=error)
        log.info("daily_report_built", day=day.isoformat(), path=str(path), emailed=len(emailed))
        return BuiltReport(day=day, path=str(path), url=daily_html_path(day), emailed_to=emailed,
                           email_error=error, report=report)

    def report_path(self, day: date) -> Path:
        return self._settings.report_dir / f"daily-{day.isoformat()}.html"

    def _today(self) -> date:
        return trading_day(self._clock.now())

    def _check_day(self, day: date, *, trading: bool = False) -> None:
        today = self._today()
        if day > today:
            raise InvalidInput(f"{day.isoformat()} is after today ({today.isoformat()})", code="DAY_IN_FUTURE",
                               details={"day": day.isoformat(), "today": today.isoformat()})
        first = self._calendar.first_day
        if day < first:
            raise InvalidInput(f"{day.isoformat()} is before the market calendar starts ({first.isoformat()})",
                               code="DAY_OUTSIDE_CALENDAR",
                               details={"day": day.isoformat(), "first": first.isoformat()})
        if trading and not self._calendar.is_trading_day(day):
            raise InvalidInput(f"{day.isoformat()} is not a trading day", code="NOT_A_TRADING_DAY",
                               details={"day": day.isoformat(), "previous_trading_day": self._previous(day)})

    def _previous(self, day: date) -> str | None:
        """The last trading day before ``day`` (None when the calendar has none)."""
        try:
            return self._calendar.previous_session(day_start(day)).day.isoformat()
        except OutsideCalendar:
            return None



def _write_whole(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file, so a reader never sees half a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".html.part")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
