"""Reporting API (port 5009), as agreed with its owner (interfaces of the Scanner, Workflow and Reporting):
the models and route table the Workflow codes against until the Reporting service's own module lands."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from catalyst.contracts.endpoints import RouteTable, endpoint

REPORTS_PATH = "/api/v1/reports"
JOURNAL_PATH = "/api/v1/journal"


class PerformanceMetrics(BaseModel):
    model_config = ConfigDict(extra="allow")

    net_pnl: float
    pnl_pct: float
    trades: int
    win_rate: float
    profit_factor: float | None
    sharpe: float | None
    sortino: float | None
    max_drawdown: float


class GroupStats(BaseModel):
    model_config = ConfigDict(extra="allow")


class EquityPoint(BaseModel):
    model_config = ConfigDict(extra="allow")


class PerformanceReport(BaseModel):
    period: Literal["daily", "weekly", "monthly"]
    start: date
    end: date
    metrics: PerformanceMetrics
    by_pattern: dict[str, GroupStats]
    by_catalyst: dict[str, GroupStats]
    equity_curve: list[EquityPoint]
    open_positions: int


class TradeJournal(BaseModel):
    model_config = ConfigDict(extra="allow")


class BuildReportRequest(BaseModel):
    send_email: bool = True


class BuiltReport(BaseModel):
    day: date
    path: str = Field(description="The HTML file written")
    url: str
    emailed_to: list[str]
    email_error: str | None
    report: PerformanceReport


class ReportingRoutes(RouteTable):
    daily = endpoint("GET", f"{REPORTS_PATH}/daily/{{day}}", PerformanceReport)
    weekly = endpoint("GET", f"{REPORTS_PATH}/weekly/{{day}}", PerformanceReport)
    monthly = endpoint("GET", f"{REPORTS_PATH}/monthly/{{day}}", PerformanceReport)
    journal = endpoint("GET", JOURNAL_PATH, TradeJournal)
    build_daily = endpoint("POST", f"{REPORTS_PATH}/daily/{{day}}/build", BuiltReport, request=BuildReportRequest,
                           retry=False)
