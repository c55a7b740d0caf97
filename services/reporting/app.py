"""Reporting service (port 5009): routes and start-up only; the logic is ``catalyst.reporting``.

Reads the trading tables and the stored bars its open positions are marked at (PostgreSQL only;
no peers, no Redis). Every "today" is the market clock's; trading days are the NYSE calendar's.
Run: ``uvicorn services.reporting.app:build_app --factory --port 5009``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Path, Query
from fastapi.responses import HTMLResponse

from catalyst.access import REPORTING
from catalyst.app import ServiceRuntime, app_state, create_app
from catalyst.calendars.nyse import nyse_calendar
from catalyst.clock import Clock
from catalyst.config import Settings
from catalyst.contracts.reporting import (
    REPORTS_PATH,
    BuildReportRequest,
    BuiltReport,
    PerformanceReport,
    ReportingRoutes,
    TradeJournal,
)
from catalyst.db.bars import BarStore
from catalyst.domain.calendar import MarketCalendar
from catalyst.environment import read
from catalyst.reporting.config import ReportingSettings, SmtpSettings
from catalyst.reporting.repository import ReportingRepository
from catalyst.reporting.service import ReportingService
from catalyst.risk.prices import MarketPrices, bar_store_prices
from catalyst.routing import serve
from catalyst.services import ServiceName

Reports = Annotated[ReportingService, Depends(app_state("reports", ReportingService))]
Day = Annotated[date, Path(description="YYYY-MM-DD, at most today (market clock)", examples=["2026-03-02"])]

router = APIRouter(tags=["reports"])


@serve(router, ReportingRoutes.daily)
async def daily(day: Day, reports: Reports) -> PerformanceReport:
    """The trading day's P&L, metrics, P&L by pattern and catalyst, and equity curve.

    400 ``DAY_IN_FUTURE``, ``DAY_OUTSIDE_CALENDAR`` or ``NOT_A_TRADING_DAY``. Sharpe and Sortino are
    annualized from daily returns (sqrt(252)), so a single day has none (null).
    """
    return await reports.report("daily", day)


@serve(router, ReportingRoutes.weekly)
async def weekly(day: Day, reports: Reports) -> PerformanceReport:
    """The week (Monday to Sunday) containing ``day``, up to today; Sharpe and Sortino over its
    sessions' daily returns, annualized with sqrt(252)."""
    return await reports.report("weekly", day)


@serve(router, ReportingRoutes.monthly)
async def monthly(day: Day, reports: Reports) -> PerformanceReport:
    """The calendar month containing ``day``, up to today; Sharpe and Sortino over its sessions'
    daily returns, annualized with sqrt(252)."""
    return await reports.report("monthly", day)


@serve(router, ReportingRoutes.journal)
async def journal(reports: Reports, start: Annotated[date, Query(description="First day (YYYY-MM-DD)")],
                  end: Annotated[date, Query(description="Last day, included")]) -> TradeJournal:
    """Every position closed from ``start`` to ``end``: entry, exit, why it closed, pattern,
    catalyst, P&L and hold time. 400 ``INVALID_RANGE``, ``RANGE_TOO_LONG`` (over 366 days) or a bad day."""
    return await reports.journal(start, end)


@serve(router, ReportingRoutes.build_daily)
async def build_daily(day: Day, body: BuildReportRequest, reports: Reports) -> BuiltReport:
    """Write the day's self-contained HTML report (overwriting an earlier one) and mail the summary
    with it to the configured recipients (skipped without an SMTP host; a failure is in ``email_error``)."""
    return await reports.build_daily(day, send_email=body.send_email)


@router.get(f"{REPORTS_PATH}/daily/{{day}}/html", response_class=HTMLResponse, name="daily_html",
            responses={200: {"content": {"text/html": {}}, "description": "The self-contained page"}})
async def daily_html(day: Day, reports: Reports) -> HTMLResponse:
    """The day's report as one HTML page: equity and drawdown charts (inline SVG), P&L by pattern and
    catalyst, and the trade journal; no script, no external resource. Errors as for the daily report."""
    return HTMLResponse(await reports.daily_html(day))


def build_app(settings: Settings | None = None, *, clock: Clock | None = None, calendar: MarketCalendar | None = None,
              reporting_settings: ReportingSettings | None = None,
              smtp_settings: SmtpSettings | None = None) -> FastAPI:
    """``clock`` replaces the market clock and ``calendar`` the NYSE one (tests); the sections are
    read from the environment unless given."""
    reporting = reporting_settings or read(ReportingSettings)
    smtp = smtp_settings or read(SmtpSettings)

    async def start(app: FastAPI, rt: ServiceRuntime) -> None:
        prices = MarketPrices(bar_store_prices(BarStore(rt.db)))
        app.state.reports = ReportingService(ReportingRepository(rt.db), prices=prices, clock=rt.clock,
                                             calendar=calendar or nyse_calendar(), settings=reporting, smtp=smtp)

    return create_app(
        ServiceName.REPORTING, settings=settings, routers=[(router, REPORTING)], on_startup=[start], clock=clock,
        title="Catalyst Reporting",
        description="Performance analytics, the trade journal and the daily report by mail (spec 2.3, service 9). "
                    "P&L is realized and net of commissions, % of the day's starting equity; Sharpe and Sortino "
                    "are annualized from daily returns with sqrt(252), risk-free rate 0.",
    )
