"""Performance metrics as pure functions over the journal's trades and the fills' ledger (no I/O).

The conventions (what a trade, a return, Sharpe, Sortino, the profit factor and the drawdown are)
are stated once, in ``catalyst.contracts.reporting``'s docstring, and tested against hand-computed
examples in ``tests/unit/reporting``. Returns are fractions here and percentages on the wire.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from catalyst.contracts.reporting import (
    UNKNOWN_GROUP,
    DayResult,
    EquityPoint,
    GroupStats,
    JournalTrade,
    PerformanceMetrics,
)
from catalyst.domain.calendar import trading_day

TRADING_DAYS_PER_YEAR = 252
ANNUALIZE = math.sqrt(TRADING_DAYS_PER_YEAR)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One fill's effect on equity: the P&L it realized (0 for an opening fill) and its commission."""

    at: datetime
    realized: float
    commission: float

    @property
    def net(self) -> float:
        return self.realized - self.commission


@dataclass(frozen=True, slots=True)
class Drawdown:
    amount: float = 0.0
    pct: float = 0.0
    start: datetime | None = None
    end: datetime | None = None


def net_of(entries: Iterable[LedgerEntry]) -> float:
    return sum((e.net for e in entries), 0.0)


def day_results(sessions: Sequence[date], ledger: Sequence[LedgerEntry], starting_equity: float) -> list[DayResult]:
    """Each session's net P&L and return on the equity it started with (``starting_equity`` plus
    every ledger entry before it, whatever day that entry fell on)."""
    by_day: dict[date, float] = {}
    for entry in ledger:
        day = trading_day(entry.at)
        by_day[day] = by_day.get(day, 0.0) + entry.net
    results = []
    for session in sessions:
        start = starting_equity + sum(net for day, net in by_day.items() if day < session)
        pnl = by_day.get(session, 0.0)
        results.append(DayResult(day=session, net_pnl=pnl, starting_equity=start, return_pct=_pct(pnl, start)))
    return results


def equity_curve(start_at: datetime, starting_equity: float, ledger: Sequence[LedgerEntry]) -> list[EquityPoint]:
    """The starting point, then equity after each fill in time order, each with its drawdown below
    the running peak."""
    points: list[EquityPoint] = []
    equity = peak = starting_equity
    for at, change in [(start_at, 0.0), *sorted(((e.at, e.net) for e in ledger), key=lambda p: p[0])]:
        equity += change
        peak = max(peak, equity)
        below = peak - equity
        points.append(EquityPoint(at=at, equity=equity, drawdown=below, drawdown_pct=_pct(below, peak)))
    return points


def max_drawdown(curve: Sequence[EquityPoint]) -> Drawdown:
    """The largest fall below a running peak: its size, % of that peak, the peak's and the trough's time.
    The earliest of equal falls counts."""
    worst = Drawdown()
    peak: EquityPoint | None = None
    for point in curve:
        if peak is None or point.equity > peak.equity:
            peak = point
            continue
        fall = peak.equity - point.equity
        if fall > worst.amount:
            worst = Drawdown(fall, _pct(fall, peak.equity), peak.at, point.at)
    return worst


def sharpe_ratio(returns: Sequence[float]) -> float | None:
    """Annualized: mean / sample standard deviation * sqrt(252); None under two returns or no spread."""
    if len(returns) < 2:
        return None
    spread = statistics.stdev(returns)
    return None if spread == 0 else statistics.fmean(returns) / spread * ANNUALIZE


def sortino_ratio(returns: Sequence[float]) -> float | None:
    """Annualized: mean / downside deviation * sqrt(252), the downside deviation being the root mean
    square of min(r, 0) over every return; None under two returns or without a negative one."""
    if len(returns) < 2:
        return None
    downside = math.sqrt(statistics.fmean(min(r, 0.0) ** 2 for r in returns))
    return None if downside == 0 else statistics.fmean(returns) / downside * ANNUALIZE


def longest_streaks(pnls: Iterable[float]) -> tuple[int, int]:
    """The longest runs of wins and of losses, in order; a break-even trade ends both."""
    wins = losses = best_wins = best_losses = 0
    for pnl in pnls:
        wins = wins + 1 if pnl > 0 else 0
        losses = losses + 1 if pnl < 0 else 0
        best_wins, best_losses = max(best_wins, wins), max(best_losses, losses)
    return best_wins, best_losses


def group_stats(trades: Sequence[JournalTrade], key: Callable[[JournalTrade], str | None]) -> dict[str, GroupStats]:
    """Trades grouped by ``key`` (None: ``unknown``), each group's count, wins, losses and P&L."""
    groups: dict[str, list[float]] = {}
    for trade in trades:
        groups.setdefault(key(trade) or UNKNOWN_GROUP, []).append(trade.pnl)
    return {name: _group(pnls) for name, pnls in sorted(groups.items())}


def _group(pnls: Sequence[float]) -> GroupStats:
    wins = sum(1 for p in pnls if p > 0)
    return GroupStats(trades=len(pnls), wins=wins, losses=sum(1 for p in pnls if p < 0), net_pnl=sum(pnls),
                      win_rate=wins / len(pnls), average_pnl=statistics.fmean(pnls))


def performance_metrics(trades: Sequence[JournalTrade], ledger: Sequence[LedgerEntry], starting_equity: float,
                        days: Sequence[DayResult], curve: Sequence[EquityPoint]) -> PerformanceMetrics:
    """The period's metrics: ``trades`` closed in it (in closing order), ``ledger`` its fills,
    ``days`` its sessions' results (the returns), ``curve`` its equity curve."""
    pnls = [t.pnl for t in sorted(trades, key=lambda t: t.closed_at)]
    won = [p for p in pnls if p > 0]
    lost = [p for p in pnls if p < 0]
    gross_profit, gross_loss = sum(won), -sum(lost)
    returns = [d.return_pct / 100 for d in days]
    drawdown = max_drawdown(curve)
    streak_wins, streak_losses = longest_streaks(pnls)
    net = net_of(ledger)
    return PerformanceMetrics(
        net_pnl=net, gross_pnl=sum(e.realized for e in ledger), commissions=sum(e.commission for e in ledger),
        pnl_pct=_pct(net, starting_equity), starting_equity=starting_equity, ending_equity=starting_equity + net,
        trades=len(pnls), wins=len(won), losses=len(lost), breakeven=len(pnls) - len(won) - len(lost),
        win_rate=len(won) / len(pnls) if pnls else None,
        profit_factor=gross_profit / gross_loss if gross_loss > 0 else None,
        gross_profit=gross_profit, gross_loss=gross_loss,
        sharpe=sharpe_ratio(returns), sortino=sortino_ratio(returns), sessions=len(returns),
        max_drawdown=drawdown.amount, max_drawdown_pct=drawdown.pct, max_drawdown_start=drawdown.start,
        max_drawdown_end=drawdown.end,
        expectancy=statistics.fmean(pnls) if pnls else None,
        average_win=statistics.fmean(won) if won else None, average_loss=statistics.fmean(lost) if lost else None,
        largest_win=max(won) if won else None, largest_loss=min(lost) if lost else None,
        average_hold_seconds=statistics.fmean(t.hold_seconds for t in trades) if trades else None,
        max_consecutive_wins=streak_wins, max_consecutive_losses=streak_losses,
    )


def _pct(part: float, whole: float) -> float:
    """``part`` as % of ``whole`` (0 when there is no whole: no equity to measure against)."""
    return part / whole * 100 if whole > 0 else 0.0
