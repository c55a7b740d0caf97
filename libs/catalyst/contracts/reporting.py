"""Reporting API (port 5009): performance reports, the trade journal and the daily HTML report.

How the numbers are made (``catalyst.reporting.performance``):

- **P&L** is realized: each fill's realized P&L less its commission, summed over the fills of the
  period (the ledger).
- **Open positions** at the end are listed (``holdings``), each marked at the close of its last bar
  complete by then (one-minute bars, else daily: the prices the Risk Manager marks with); their
  unrealized P&L (``unrealized_pnl``) stands apart from the realized P&L and the metrics. A position
  whose symbol has no bar stored has no mark (null), never a guess.
- **%** is of the *starting equity* of the period's first day: the configured starting capital
  (``REPORTING_STARTING_CAPITAL``) plus the net realized P&L of every fill before that day.
- **A trade** is a position closed in the period; its P&L is its realized P&L less the commissions
  of all its fills (entry included). Win: P&L > 0; loss: P&L < 0; a break-even trade is neither.
- **Sharpe / Sortino** are annualized from the daily returns of the period's sessions (each day's net
  P&L over its starting equity), risk-free rate 0: ``mean / stdev (sample) * sqrt(252)`` and
  ``mean / downside deviation * sqrt(252)`` (downside deviation: root mean square of the negative
  returns over all days). None with fewer than two sessions (so always for a daily report), when
  the deviation is 0, and for Sortino when no day lost.
- **Profit factor** is gross profit / gross loss over the trades; None when there is no loss to
  divide by (no trades, or only wins and break-evens): look at ``gross_profit`` then.
- **Max drawdown** is the largest fall of the equity curve (one point per fill) below its running
  peak: amount, % of that peak, and when the peak and the trough were.
"""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from catalyst.contracts.endpoints import RouteTable, endpoint
from catalyst.domain.orders import PositionSide

__all__ = [
    "JOURNAL_PATH", "MAX_JOURNAL_DAYS", "REPORTS_PATH", "BuildReportRequest", "BuiltReport", "DayResult",
    "EquityPoint", "ExitReason", "GroupStats", "JournalTrade", "OpenPosition", "PerformanceMetrics",
    "PerformanceReport", "Period", "ReportingRoutes", "TradeJournal",
]

REPORTS_PATH = "/api/v1/reports"  # GET /{daily,weekly,monthly}/{day}, POST /daily/{day}/build, GET /daily/{day}/html
JOURNAL_PATH = "/api/v1/journal"
MAX_JOURNAL_DAYS = 366  # the longest journal one request may ask for
UNKNOWN_GROUP = "unknown"  # the pattern or catalyst of a trade nothing recorded

Period = Literal["daily", "weekly", "monthly"]
ExitReason = Literal["take_profit", "stop_loss", "flatten", "close"]


class PerformanceMetrics(BaseModel):
    """The period's numbers (how each is made: the module's docstring). Amounts in dollars."""

    net_pnl: float = Field(description="Realized P&L of the period's fills less their commissions")
    gross_pnl: float = Field(description="Realized P&L of the period's fills before commissions")
    commissions: float
    pnl_pct: float = Field(description="net_pnl as % of the starting equity of the period's first day")
    starting_equity: float = Field(description="Starting capital plus net realized P&L before the period")
    ending_equity: float
    trades: int = Field(ge=0, description="Positions closed in the period")
    wins: int = Field(ge=0)
    losses: int = Field(ge=0)
    breakeven: int = Field(ge=0)
    win_rate: float | None = Field(description="wins / trades, 0..1; None without trades")
    profit_factor: float | None = Field(description="gross_profit / gross_loss; None when nothing was lost")
    gross_profit: float = Field(ge=0, description="Sum of the winning trades' P&L")
    gross_loss: float = Field(ge=0, description="Sum of the losing trades' P&L, as a positive amount")
    sharpe: float | None = Field(description="Annualized (sqrt(252)) from daily returns; None under two sessions")
    sortino: float | None = Field(description="Annualized (sqrt(252)) from daily returns; None under two sessions "
                                              "or without a losing day")
    sessions: int = Field(ge=0, description="Trading sessions whose returns Sharpe and Sortino use")
    max_drawdown: float = Field(ge=0, description="Largest fall of equity below its running peak (dollars)")
    max_drawdown_pct: float = Field(ge=0, description="max_drawdown as % of that peak")
    max_drawdown_start: AwareDatetime | None = Field(description="When the peak was (None: no drawdown)")
    max_drawdown_end: AwareDatetime | None = Field(description="When the trough was (None: no drawdown)")
    expectancy: float | None = Field(description="Mean P&L per trade")
    average_win: float | None
    average_loss: float | None = Field(description="Mean P&L of the losing trades (negative)")
    largest_win: float | None
    largest_loss: float | None = Field(description="The most negative trade P&L")
    average_hold_seconds: float | None
    max_consecutive_wins: int = Field(ge=0)
    max_consecutive_losses: int = Field(ge=0)


class GroupStats(BaseModel):
    """The trades of one pattern or one catalyst type."""

    trades: int = Field(ge=0)
    wins: int = Field(ge=0)
    losses: int = Field(ge=0)
    net_pnl: float
    win_rate: float | None = Field(description="0..1; None without trades")
    average_pnl: float | None


class EquityPoint(BaseModel):
    """Equity after one fill (the first point: the period's starting equity, at its start)."""

    at: AwareDatetime
    equity: float
    drawdown: float = Field(ge=0, description="Below the running peak, dollars")
    drawdown_pct: float = Field(ge=0, description="Below the running peak, % of the peak")


class DayResult(BaseModel):
    """One session of the period: its net P&L and its return on its starting equity."""

    day: date
    net_pnl: float
    starting_equity: float
    return_pct: float


class OpenPosition(BaseModel):
    """A position open at the end of the period (or now), and its mark then. Shares and entry are the
    position's as Trading holds them."""

    position_id: UUID
    symbol: str
    side: PositionSide
    quantity: float = Field(gt=0, description="Shares held")
    avg_entry_price: float
    opened_at: AwareDatetime
    mark_price: float | None = Field(None, description="Close of the last bar complete at the end (one-minute, "
                                                       "else daily); None: no bar stored, no mark")
    marked_at: AwareDatetime | None = Field(None, description="When that bar ended")
    unrealized_pnl: float | None = Field(None, description="(mark - entry) x shares, negated for a short; "
                                                           "None without a mark")


class PerformanceReport(BaseModel):
    period: Period
    start: date = Field(description="First day of the period (the day itself, the week's Monday, the 1st)")
    end: date = Field(description="Last day of the period (the day itself, the week's Sunday, the month's last)")
    metrics: PerformanceMetrics
    by_pattern: dict[str, GroupStats] = Field(description=f"Per pattern; {UNKNOWN_GROUP!r}: none recorded")
    by_catalyst: dict[str, GroupStats] = Field(description=f"Per catalyst type; {UNKNOWN_GROUP!r}: none recorded")
    equity_curve: list[EquityPoint]
    days: list[DayResult] = Field(description="Each session of the period up to today")
    open_positions: int = Field(ge=0, description="Positions open at the end of the period (or now)")
    holdings: list[OpenPosition] = Field(default_factory=list, description="Those positions, marked")
    unrealized_pnl: float = Field(0.0, description="Their unrealized P&L: the sum over those with a mark")


class JournalTrade(BaseModel):
    """One closed position: how it went in, how it came out, what it made."""

    position_id: UUID
    symbol: str
    side: PositionSide
    quantity: float = Field(description="Shares exited")
    entry_price: float = Field(description="Average entry price")
    exit_price: float | None = Field(description="Average exit price")
    opened_at: AwareDatetime
    closed_at: AwareDatetime
    hold_seconds: float
    gross_pnl: float = Field(description="Realized P&L before commissions")
    commission: float = Field(description="Commissions of every fill of the position")
    pnl: float = Field(description="gross_pnl less commission")
    exit_reason: ExitReason = Field(description="The order that closed it: the bracket's target or stop, a "
                                                "flatten, or a market close (a close request or an exit order)")
    exit_note: str | None = Field(None, description="Why it was closed, when the request said (decision_logs)")
    pattern: str | None = Field(description="The pattern the entry was taken on (decision_logs of the entry)")
    catalyst_type: str | None = Field(description="The news catalyst behind the entry (decision_logs of the entry)")
    entry_order_id: UUID | None


class TradeJournal(BaseModel):
    start: date
    end: date
    trades: list[JournalTrade] = Field(description="Positions closed from start to end, in closing order")
    count: int = Field(ge=0)


class BuildReportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    send_email: bool = Field(True, description="Mail the summary and the report (skipped when no SMTP host is set)")


class BuiltReport(BaseModel):
    day: date
    path: str = Field(description="The HTML file written (rebuilding overwrites it)")
    url: str = Field(description="Path of the HTML report on this service")
    emailed_to: list[str] = Field(description="Recipients the mail server accepted; empty when not sent")
    email_error: str | None = Field(description="Why the mail was not sent, when it failed")
    report: PerformanceReport


class ReportingRoutes(RouteTable):
    """Reporting's operations. A day is YYYY-MM-DD, at most today (the market clock's); a daily
    report's day is a trading day. Building is not retried blindly (each try may send a mail)."""

    daily = endpoint("GET", f"{REPORTS_PATH}/daily/{{day}}", PerformanceReport)
    weekly = endpoint("GET", f"{REPORTS_PATH}/weekly/{{day}}", PerformanceReport)
    monthly = endpoint("GET", f"{REPORTS_PATH}/monthly/{{day}}", PerformanceReport)
    journal = endpoint("GET", JOURNAL_PATH, TradeJournal)
    build_daily = endpoint("POST", f"{REPORTS_PATH}/daily/{{day}}/build", BuiltReport, request=BuildReportRequest,
                           retry=False, timeout_s=120.0)  # the report, its file and the mail server's answer


def daily_html_path(day: date) -> str:
    """Where the service answers the self-contained HTML report of ``day`` (text/html, not JSON)."""
    return f"{REPORTS_PATH}/daily/{day.isoformat()}/html"
