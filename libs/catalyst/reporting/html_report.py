"""The daily report as one self-contained HTML page (pure): styles inline, charts as inline SVG, no
script, no external URL, so it reads the same from a mail, a file or the service.

Every piece of text is escaped (``html.escape``): symbols, patterns, catalysts and exit notes come
from outside.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from catalyst.contracts.reporting import GroupStats, JournalTrade, PerformanceReport
from catalyst.domain.calendar import NEW_YORK
from catalyst.reporting.charts import bar_chart, line_chart
from catalyst.reporting.summary import holding_line, metric_lines

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#1d2330;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}p.sub{color:#5b6475;margin:0 0 16px}
table{border-collapse:collapse;font-size:13px;width:100%}th,td{border-bottom:1px solid #e3e6ec;padding:4px 8px;
text-align:right}th:first-child,td:first-child{text-align:left}th{background:#f4f6f9}
td.gain{color:#137a3f}td.loss{color:#b3261e}
.metrics{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:4px 24px;font-size:14px}
.chart{width:100%;max-width:760px;display:block;margin:8px 0}.chart .axis{stroke:#9aa3b2}
.chart .title{font-size:13px;font-weight:600;fill:#1d2330}.chart .label{font-size:11px;fill:#5b6475}
.chart .gain{fill:#2e9d5b}.chart .loss{fill:#d0463c}
"""


def render_daily_report(report: PerformanceReport, journal: Sequence[JournalTrade]) -> str:
    """The page for ``report`` (its day) with ``journal`` (the trades closed that day)."""
    day = report.start.isoformat()
    curve = [(p.at, p.equity) for p in report.equity_curve]
    drawdown = [(p.at, -p.drawdown) for p in report.equity_curve]
    sections = [
        f"<h1>Catalyst daily report {escape(day)}</h1>",
        f'<p class="sub">{report.metrics.trades} trade(s) closed, {report.open_positions} position(s) open at the '
        "end of the day. P&amp;L is realized, net of commissions; % of the day's starting equity.</p>",
        '<div class="metrics">' + "".join(f"<div>{escape(line)}</div>" for line in metric_lines(report)) + "</div>",
        "<h2>Equity</h2>", line_chart("Equity (after each fill)", curve, colour="#2f6fdf"),
        line_chart("Drawdown below the running peak", drawdown, colour="#d0463c"),
        "<h2>P&amp;L by pattern</h2>", _groups("pattern", report.by_pattern),
        "<h2>P&amp;L by catalyst</h2>", _groups("catalyst", report.by_catalyst),
        "<h2>Trade journal</h2>", _journal(journal),
        *_holdings(report),
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>Catalyst daily report {escape(day)}</title><style>{STYLE}</style></head>"
            f"<body>{''.join(sections)}</body></html>\n")


def _groups(kind: str, groups: dict[str, GroupStats]) -> str:
    chart = bar_chart(f"Net P&L by {kind}", [(name, g.net_pnl) for name, g in groups.items()])
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td>{g.trades}</td><td>{g.wins}</td><td>{g.losses}</td>"
        f"<td>{_rate(g.win_rate)}</td>{_money_cell(g.net_pnl)}</tr>"
        for name, g in groups.items())
    return (chart + f"<table><tr><th>{escape(kind.title())}</th><th>Trades</th><th>Wins</th><th>Losses</th>"
            f"<th>Win rate</th><th>Net P&amp;L</th></tr>{rows}</table>")


def _journal(trades: Sequence[JournalTrade]) -> str:
    head = ("<tr><th>Symbol</th><th>Side</th><th>Shares</th><th>Entry</th><th>Exit</th><th>Opened (ET)</th>"
            "<th>Closed (ET)</th><th>Held</th><th>Exit reason</th><th>Pattern</th><th>Catalyst</th>"
            "<th>P&amp;L</th></tr>")
    rows = "".join(
        f'<tr class="trade"><td>{escape(t.symbol)}</td><td>{escape(t.side.value)}</td><td>{t.quantity:g}</td>'
        f"<td>{t.entry_price:,.2f}</td><td>{'' if t.exit_price is None else f'{t.exit_price:,.2f}'}</td>"
        f"<td>{t.opened_at.astimezone(NEW_YORK):%Y-%m-%d %H:%M}</td>"
        f"<td>{t.closed_at.astimezone(NEW_YORK):%Y-%m-%d %H:%M}</td><td>{_duration(t.hold_seconds)}</td>"
        f"<td>{escape(t.exit_reason)}{'' if t.exit_note is None else ': ' + escape(t.exit_note)}</td>"
        f"<td>{escape(t.pattern or '')}</td><td>{escape(t.catalyst_type or '')}</td>{_money_cell(t.pnl)}</tr>"
        for t in trades)
    if not trades:
        rows = '<tr><td colspan="12">No trade closed this day.</td></tr>'
    return f"<table>{head}{rows}</table>"


def _holdings(report: PerformanceReport) -> list[str]:
    """The open positions and their marks, when there are any."""
    if not report.holdings:
        return []
    items = "".join(f'<li class="open">{escape(holding_line(p))}</li>' for p in report.holdings)
    return ["<h2>Open positions (unrealized)</h2>", f"<ul>{items}</ul>"]


def _money_cell(value: float) -> str:
    kind = "gain" if value > 0 else "loss" if value < 0 else ""
    return f'<td class="{kind}">{value:,.2f}</td>'


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes // 60}h {minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"
