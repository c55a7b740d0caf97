"""Pre-trade decision: every rule over one proposal and the current book (pure, no I/O).

An order that reduces an open position (sell against a long, buy against a short, at most the
held quantity) is an *exit* and is always approved, whatever the state: a protection stops new
entries and never exits. Everything else is an *entry* and must pass every rule; the decision
lists every result, so a rejection names every reason at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from catalyst.domain.orders import Side
from catalyst.risk import rules
from catalyst.risk.parameters import RiskParameters
from catalyst.risk.rules import Rule, RuleResult
from catalyst.risk.sizing import PositionSize, TradeStats, size_position
from catalyst.risk.state import RiskState, Severity


@dataclass(frozen=True, slots=True)
class HeldPosition:
    """Net open position in one symbol; ``quantity`` is signed (+ long, − short)."""

    symbol: str
    quantity: float
    market_price: float

    @property
    def notional(self) -> float:
        return abs(self.quantity) * self.market_price

    @property
    def direction(self) -> int:
        return 1 if self.quantity > 0 else -1


@dataclass(frozen=True, slots=True)
class BookView:
    """What the rules need of the book: net positions by symbol and today's P&L."""

    positions: Mapping[str, HeldPosition] = field(default_factory=dict)
    daily_pnl: float = 0.0

    @property
    def daily_loss(self) -> float:
        return max(0.0, -self.daily_pnl)


@dataclass(frozen=True, slots=True)
class TradeProposal:
    symbol: str
    side: Side
    quantity: int
    entry: float
    stop: float | None = None
    target: float | None = None
    atr: float | None = None
    support: float | None = None


@dataclass(frozen=True, slots=True)
class RiskDecision:
    approved: bool
    is_exit: bool
    results: tuple[RuleResult, ...]
    size: PositionSize | None
    max_quantity: int
    price_bound: float

    @property
    def failures(self) -> list[RuleResult]:
        return [r for r in self.results if not r.passed]

    @property
    def warnings(self) -> list[RuleResult]:
        return [r for r in self.results if r.passed and r.severity is Severity.WARNING]


def price_bound(side: Side, entry: float, tolerance: float) -> float:
    """Worst price the approval covers: entry plus the tolerance for a buy, minus for a sell."""
    return round(entry * (1 + tolerance) if side is Side.BUY else entry * (1 - tolerance), 6)


def is_exit(side: Side, quantity: int, held_signed: float) -> bool:
    reduces = (side is Side.SELL and held_signed > 0) or (side is Side.BUY and held_signed < 0)
    return reduces and quantity <= abs(held_signed)


def evaluate(
    proposal: TradeProposal, *, params: RiskParameters, state: RiskState, book: BookView,
    stats: TradeStats, correlations: Mapping[str, float | None],
) -> RiskDecision:
    """Approve or reject ``proposal``; ``correlations`` are raw return correlations of the
    proposal's symbol with each open symbol (None or missing: unknown)."""
    p = proposal
    held = book.positions.get(p.symbol)
    held_signed = held.quantity if held is not None else 0.0
    bound = price_bound(p.side, p.entry, params.price_tolerance_pct)
    if is_exit(p.side, p.quantity, held_signed):
        exit_result = RuleResult(Rule.EXIT, True,
                                 f"reduces the open position of {abs(held_signed):g}: exits are never blocked",
                                 p.quantity, abs(held_signed))
        return RiskDecision(True, True, (exit_result,), None, p.quantity, bound)

    direction = 1 if p.side is Side.BUY else -1
    same_direction_notional = held.notional if held is not None and held.direction == direction else 0.0
    open_after = len(book.positions) + (0 if held is not None else 1)
    adjusted: dict[str, float | None] = {}
    for symbol, position in book.positions.items():
        if symbol != p.symbol:
            c = correlations.get(symbol)  # missing counts as unknown, never as uncorrelated
            adjusted[symbol] = None if c is None else c * direction * position.direction
    results = [
        rules.check_emergency_halt(state),
        rules.check_reducing(state),
        rules.check_no_reversal(p.side, p.quantity, held_signed),
        rules.check_daily_loss(book.daily_pnl, params),
        rules.check_max_positions(open_after, params),
        rules.check_position_size(same_direction_notional + p.quantity * p.entry, params),
        stop_result := rules.check_stop_loss(p.side, p.entry, p.stop, atr=p.atr, support=p.support,
                                             params=params),
        rules.check_risk_reward(p.side, p.entry, p.stop, p.target, params),
        rules.check_correlation(adjusted, params),
    ]
    size: PositionSize | None = None
    if stop_result.passed and p.stop is not None:
        size = size_position(entry=p.entry, stop=p.stop, requested=p.quantity, stats=stats, params=params,
                             daily_loss=book.daily_loss, held_notional=same_direction_notional)
        results.append(rules.check_sizing(size.quantity, size.binding))
    approved = all(r.passed for r in results)
    max_quantity = size.quantity if approved and size is not None else 0
    return RiskDecision(approved, False, tuple(results), size, max_quantity, bound)
