"""Pre-trade decision: every rule over one proposal and the current book (pure, no I/O).

An order that reduces an open position (sell against a long, buy against a short, at most what
is held and not already being exited: ``catalyst.domain.orders.classify_intent``) is an *exit*
and is always approved, whatever the state: a protection stops new entries and never exits.
Everything else is an *entry* and must pass every rule; the decision lists every result, so a
rejection names every reason at once.

Entries are judged against the book *and* what is approved but not yet filled (``pending``): an
approval reserves its symbol's slot among the open positions, its notional, and its loss at the
stop in the daily-loss headroom, so two concurrent approvals can never add up past a limit.
A held position's notional is counted at the higher of its entry and its market price, so a
falling price never makes room to add past the cap at fill prices.

Prices, share counts, notionals and P&L are ``Decimal`` (``catalyst.domain.money``); a product of
two six-decimal numbers is exact (twelve decimals, within ``Decimal``'s 28 digits), so nothing is
rounded before a rule compares it. Correlations and the ATR are float statistics of market data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from catalyst.domain.money import ZERO, money, shares_text
from catalyst.domain.orders import Intent, OrderType, Side, classify_intent
from catalyst.domain.risk import RiskParameters, RiskState, Severity, scale
from catalyst.risk import rules
from catalyst.risk.rules import Rule, RuleResult
from catalyst.risk.sizing import PositionSize, TradeStats, size_position


@dataclass(frozen=True, slots=True)
class PositionMark:
    """Risk's view of one open position (the OMS's ``positions`` row, read by
    ``catalyst.risk.repository``): signed quantity, its prices, today's reference price and the
    stop its approval was sized with. Not the domain ``Position``: it adds what only the risk
    rules measure (today's reference, the stop) and drops what they never read (realized P&L,
    which the book takes from today's fills).
    """

    position_id: str
    symbol: str
    quantity: Decimal  # signed: + long, − short
    avg_entry_price: Decimal
    reference_price: Decimal  # today's P&L is measured from here
    market_price: Decimal
    stop: Decimal | None = None

    @property
    def notional(self) -> Decimal:
        """At the market (gross exposure, the status report)."""
        return abs(self.quantity) * self.market_price

    @property
    def cap_notional(self) -> Decimal:
        """At the higher of market and entry price: what the position cap counts (a falling
        price never makes room to add past the cap at fill prices)."""
        return abs(self.quantity) * max(self.market_price, self.avg_entry_price)

    @property
    def direction(self) -> int:
        return 1 if self.quantity > 0 else -1

    @property
    def unrealized_today(self) -> Decimal:
        return (self.market_price - self.reference_price) * self.quantity

    @property
    def unrealized(self) -> Decimal:
        return (self.market_price - self.avg_entry_price) * self.quantity

    @property
    def pnl_at_stop(self) -> Decimal:
        """Today's P&L of this position if it were stopped out now: at its stop, or at the market
        when that is already worse (a gap through the stop); the market without a stop."""
        if self.stop is None:
            return self.unrealized_today
        return min((self.stop - self.reference_price) * self.quantity, self.unrealized_today)

    def marked(self, price: Decimal) -> PositionMark:
        return replace(self, market_price=price)


@dataclass(frozen=True, slots=True)
class PendingEntry:
    """Entries approved for one symbol and not filled yet, per side (a buy and a sell pending at
    once never cancel out): shares and notional at the price bound."""

    symbol: str
    long_quantity: Decimal = ZERO
    long_notional: Decimal = ZERO
    short_quantity: Decimal = ZERO
    short_notional: Decimal = ZERO

    def notional(self, direction: int) -> Decimal:
        return self.long_notional if direction > 0 else self.short_notional

    @property
    def direction(self) -> int:
        """The side with more pending notional (what a pending-only symbol correlates as)."""
        return 1 if self.long_notional >= self.short_notional else -1

    @property
    def any(self) -> bool:
        return self.long_quantity > 0 or self.short_quantity > 0

    def plus(self, side_direction: int, quantity: Decimal, notional: Decimal) -> PendingEntry:
        if side_direction > 0:
            return replace(self, long_quantity=self.long_quantity + quantity,
                           long_notional=self.long_notional + notional)
        return replace(self, short_quantity=self.short_quantity + quantity,
                       short_notional=self.short_notional + notional)


@dataclass(frozen=True, slots=True)
class BookView:
    """What the rules need of the book: net positions by symbol, pending entries, shares being
    exited, today's P&L, and the loss today would reach if everything were stopped out."""

    positions: Mapping[str, PositionMark] = field(default_factory=dict)
    daily_pnl: Decimal = ZERO
    pending: Mapping[str, PendingEntry] = field(default_factory=dict)
    being_exited: Mapping[str, Decimal] = field(default_factory=dict)
    committed_loss: Decimal = ZERO

    @property
    def daily_loss(self) -> Decimal:
        return max(ZERO, -self.daily_pnl)

    @property
    def exposed_symbols(self) -> set[str]:
        """Symbols that hold a slot among the open positions: held, or with an entry pending."""
        return set(self.positions) | {s for s, p in self.pending.items() if p.any}


@dataclass(frozen=True, slots=True)
class TradeProposal:
    symbol: str
    side: Side
    quantity: int
    entry: Decimal  # the price the order can fill at (limit, or the market for market/stop orders)
    stop: Decimal | None = None
    target: Decimal | None = None
    atr: float | None = None  # a statistic of daily bars
    support: Decimal | None = None
    order_type: OrderType = OrderType.LIMIT


@dataclass(frozen=True, slots=True)
class RiskDecision:
    approved: bool
    is_exit: bool
    results: tuple[RuleResult, ...]
    size: PositionSize | None
    max_quantity: int
    price_bound: Decimal

    @property
    def failures(self) -> list[RuleResult]:
        return [r for r in self.results if not r.passed]

    @property
    def warnings(self) -> list[RuleResult]:
        return [r for r in self.results if r.passed and r.severity is Severity.WARNING]


def price_bound(side: Side, entry: Decimal, tolerance: float, order_type: OrderType = OrderType.MARKET) -> Decimal:
    """Worst price the approval covers: a limit order's own limit (it never fills beyond it);
    for a market or stop order, the market plus the tolerance for a buy, minus for a sell (the
    market moves between the approval and the order), at six decimals."""
    if order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT):
        return money(entry)
    move = scale(tolerance, entry)
    return money(entry + move if side is Side.BUY else entry - move)


def evaluate(
    proposal: TradeProposal, *, params: RiskParameters, state: RiskState, book: BookView,
    stats: TradeStats, correlations: Mapping[str, float | None],
) -> RiskDecision:
    """Approve or reject ``proposal``; ``correlations`` are raw return correlations of the
    proposal's symbol with each open symbol (None or missing: unknown)."""
    p = proposal
    held = book.positions.get(p.symbol)
    held_signed = held.quantity if held is not None else ZERO
    exiting = book.being_exited.get(p.symbol, ZERO)
    bound = price_bound(p.side, p.entry, params.price_tolerance_pct, p.order_type)
    if classify_intent(held_signed, exiting, p.side, Decimal(p.quantity)) is Intent.EXIT:
        free = abs(held_signed) - exiting
        exit_result = RuleResult(Rule.EXIT, True,
                                 f"reduces the open position of {shares_text(abs(held_signed))} "
                                 f"({shares_text(free)} not already being exited): exits are never blocked",
                                 p.quantity, free)
        return RiskDecision(True, True, (exit_result,), None, p.quantity, bound)

    direction = 1 if p.side is Side.BUY else -1
    pending = book.pending.get(p.symbol)
    same_direction_notional = (held.cap_notional if held is not None and held.direction == direction else ZERO) + (
        pending.notional(direction) if pending is not None else ZERO)
    exposed = book.exposed_symbols
    open_after = len(exposed) + (0 if p.symbol in exposed else 1)
    adjusted: dict[str, float | None] = {}
    for symbol in exposed:
        if symbol != p.symbol:
            c = correlations.get(symbol)  # missing counts as unknown, never as uncorrelated
            position_direction = held_direction(book, symbol)
            adjusted[symbol] = None if c is None else c * direction * position_direction
    results = [
        rules.check_emergency_halt(state),
        rules.check_reducing(state),
        rules.check_no_reversal(p.side, p.quantity, held_signed - exiting if held_signed > 0
                                else held_signed + exiting),
        rules.check_daily_loss(book.daily_pnl, params),
        rules.check_max_positions(open_after, params),
        rules.check_position_size(same_direction_notional + p.quantity * bound, params),
        stop_result := rules.check_stop_loss(p.side, p.entry, p.stop, atr=p.atr, support=p.support,
                                             params=params),
        rules.check_risk_reward(p.side, p.entry, p.stop, p.target, params),
        rules.check_correlation(adjusted, params),
    ]
    size: PositionSize | None = None
    if stop_result.passed and p.stop is not None:
        size = size_position(entry=bound, stop=p.stop, requested=p.quantity, stats=stats, params=params,
                             daily_loss=max(book.daily_loss, book.committed_loss),
                             held_notional=same_direction_notional)
        results.append(rules.check_sizing(size.quantity, size.binding))
    approved = all(r.passed for r in results)
    max_quantity = size.quantity if approved and size is not None else 0
    return RiskDecision(approved, False, tuple(results), size, max_quantity, bound)


def held_direction(book: BookView, symbol: str) -> int:
    """Direction of what is held (or, for a symbol only pending, what is approved) in ``symbol``."""
    held = book.positions.get(symbol)
    if held is not None:
        return held.direction
    return book.pending[symbol].direction
