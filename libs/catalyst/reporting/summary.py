"""The daily summary in words (pure): the metric lines the page and the mail share, and the mail itself."""

from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage

from catalyst.contracts.reporting import JournalTrade, OpenPosition, PerformanceReport
from catalyst.domain.calendar import NEW_YORK
from catalyst.reporting.amounts import amount_text


def _ratio(value: float | None, spec: str = ".2f") -> str:
    return "n/a" if value is None else format(value, spec)


def metric_lines(report: PerformanceReport) -> list[str]:
    """One ``name: value`` line per metric (n/a where a metric is undefined, e.g. no trade or no loss)."""
    m = report.metrics
    hold = "n/a" if m.average_hold_seconds is None else f"{m.average_hold_seconds / 60:.1f} min"
    return [
        f"Net P&L: {amount_text(m.net_pnl)} ({m.pnl_pct:+.2f}% of {amount_text(m.starting_equity)})",
        f"Gross P&L: {amount_text(m.gross_pnl)}, commissions {amount_text(m.commissions)}",
        f"Ending equity: {amount_text(m.ending_equity)}",
        f"Trades: {m.trades} ({m.wins} won, {m.losses} lost, {m.breakeven} even)",
        f"Win rate: {_ratio(m.win_rate, '.1%')}",
        f"Profit factor: {_ratio(m.profit_factor)}",
        f"Sharpe: {_ratio(m.sharpe)}, Sortino: {_ratio(m.sortino)} ({m.sessions} session(s))",
        f"Max drawdown: {amount_text(m.max_drawdown)} ({m.max_drawdown_pct:.2f}%)",
        f"Expectancy: {amount_text(m.expectancy)} per trade",
        f"Average win: {amount_text(m.average_win)}, average loss: {amount_text(m.average_loss)}",
        f"Largest win: {amount_text(m.largest_win)}, largest loss: {amount_text(m.largest_loss)}",
        f"Average hold: {hold}",
        f"Max consecutive wins: {m.max_consecutive_wins}, losses: {m.max_consecutive_losses}",
        f"Open positions at the end: {report.open_positions}{_unrealized(report)}",
    ]


def _unrealized(report: PerformanceReport) -> str:
    """``, unrealized P&L $50.00`` over the marked positions, saying how many have no mark."""
    if not report.holdings:
        return ""
    unmarked = sum(p.mark_price is None for p in report.holdings)
    if unmarked == len(report.holdings):
        return ", unrealized P&L n/a (no mark)"
    rest = f" ({unmarked} with no mark, not counted)" if unmarked else ""
    return f", unrealized P&L {amount_text(report.unrealized_pnl)}{rest}"


def holding_line(p: OpenPosition) -> str:
    """One open position and its mark: ``TSLA long 10 @ 300.00, mark 305.00 at 2026-03-03 16:00 ET: $50.00``."""
    held = f"{p.symbol} {p.side.value} {p.quantity:g} @ {p.avg_entry_price:.2f}"
    if p.mark_price is None or p.marked_at is None:
        return f"{held}: no mark"
    return (f"{held}, mark {p.mark_price:.2f} at {p.marked_at.astimezone(NEW_YORK):%Y-%m-%d %H:%M} ET: "
            f"{amount_text(p.unrealized_pnl)}")


def plain_text_summary(report: PerformanceReport, journal: Sequence[JournalTrade]) -> str:
    lines = [f"Catalyst daily report {report.start.isoformat()}", "", *metric_lines(report), ""]
    if report.by_pattern:
        lines.append("By pattern: " + ", ".join(f"{k} {amount_text(g.net_pnl)} ({g.trades})"
                                                for k, g in report.by_pattern.items()))
    if report.by_catalyst:
        lines.append("By catalyst: " + ", ".join(f"{k} {amount_text(g.net_pnl)} ({g.trades})"
                                                 for k, g in report.by_catalyst.items()))
    if report.holdings:
        lines += ["", "Open positions (unrealized):"] + [f"  {holding_line(p)}" for p in report.holdings]
    lines += ["", "Trades:"] + [
        f"  {t.symbol} {t.side.value} {t.quantity:g} @ {t.entry_price:.2f} -> "
        f"{'' if t.exit_price is None else f'{t.exit_price:.2f}'} {t.exit_reason} {amount_text(t.pnl)}"
        for t in journal] if journal else ["", "No trade closed this day."]
    return "\n".join(lines) + "\n"


def daily_message(report: PerformanceReport, journal: Sequence[JournalTrade], html: str, *, sender: str,
                  recipients: Sequence[str]) -> EmailMessage:
    """The mail: the plain-text summary, with the HTML report as its alternative part."""
    message = EmailMessage()
    m = report.metrics
    message["Subject"] = (f"Catalyst daily report {report.start.isoformat()}: {amount_text(m.net_pnl)} "
                          f"({m.pnl_pct:+.2f}%), {m.trades} trade(s)")
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message.set_content(plain_text_summary(report, journal))
    message.add_alternative(html, subtype="html")
    return message
