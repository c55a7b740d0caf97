"""The risk book: open positions and today's P&L, kept in memory from position updates (pure).

Daily P&L = realized today + unrealized of the open positions (the system trades intraday, so
the whole unrealized P&L of a position carried overnight counts against today).

Realized today per position = its cumulative realized P&L − its *base*, the part realized
before today (0 for a position opened today; set at each day rollover and at start-up from the
database). Positions closed today add their realized-today to ``closed_realized_today``; a
closed position id is remembered for the day so a repeated or late update cannot count twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from catalyst.domain.orders import PositionSide
from catalyst.risk.engine import BookView, HeldPosition

EXCHANGE_TZ = ZoneInfo("America/New_York")


def trading_day(at: datetime) -> date:
    """The exchange's calendar day of an instant (the risk day rolls over at midnight ET)."""
    return at.astimezone(EXCHANGE_TZ).date()


@dataclass(frozen=True, slots=True)
class PositionMark:
    position_id: str
    symbol: str
    side: PositionSide
    quantity: float  # unsigned, > 0 while open
    avg_entry_price: float
    market_price: float
    unrealized_pnl: float
    realized_pnl: float  # cumulative over the position's life
    realized_base: float = 0.0  # the part of realized_pnl booked before today

    @property
    def signed_quantity(self) -> float:
        return self.quantity if self.side is PositionSide.LONG else -self.quantity

    @property
    def notional(self) -> float:
        return self.quantity * self.market_price

    @property
    def realized_today(self) -> float:
        return self.realized_pnl - self.realized_base

    def marked(self, price: float) -> PositionMark:
        """This position at a new market price (unrealized recomputed)."""
        direction = 1.0 if self.side is PositionSide.LONG else -1.0
        return replace(self, market_price=price,
                       unrealized_pnl=(price - self.avg_entry_price) * self.quantity * direction)


@dataclass(frozen=True, slots=True)
class PositionChange:
    """One position update as the book needs it (from the bus or the database)."""

    position_id: str
    symbol: str
    side: PositionSide
    quantity: float
    avg_entry_price: float
    market_price: float
    unrealized_pnl: float
    realized_pnl: float
    closed: bool


class RiskBook:
    def __init__(self, day: date):
        self.day = day
        self.positions: dict[str, PositionMark] = {}
        self.closed_realized_today = 0.0
        self._closed_today: set[str] = set()
        self._view: BookView | None = None

    # -- changes ------------------------------------------------------------------------------
    def load(self, open_positions: Iterable[PositionMark], closed_today: dict[str, float]) -> None:
        """Start-up state: open positions (bases set) and the realized P&L of today's closes."""
        self.positions = {p.position_id: p for p in open_positions}
        self._closed_today = set(closed_today)
        self.closed_realized_today = sum(closed_today.values())
        self._view = None

    def apply(self, change: PositionChange) -> bool:
        """Apply one update; False when it is stale (the position already closed today)."""
        if change.position_id in self._closed_today:
            return False
        previous = self.positions.get(change.position_id)
        base = previous.realized_base if previous is not None else 0.0
        if change.closed or change.quantity <= 0:
            self.positions.pop(change.position_id, None)
            self._closed_today.add(change.position_id)
            self.closed_realized_today += change.realized_pnl - base
        else:
            self.positions[change.position_id] = PositionMark(
                change.position_id, change.symbol, change.side, change.quantity, change.avg_entry_price,
                change.market_price, change.unrealized_pnl, change.realized_pnl, base)
        self._view = None
        return True

    def mark(self, symbol: str, price: float) -> bool:
        """Re-mark every open position in ``symbol`` at ``price`` (a fill is a real print)."""
        hit = False
        for pid, p in list(self.positions.items()):
            if p.symbol == symbol:
                self.positions[pid] = p.marked(price)
                hit = True
        if hit:
            self._view = None
        return hit

    def knows(self, position_id: str) -> bool:
        return position_id in self.positions or position_id in self._closed_today

    def roll_to(self, day: date) -> bool:
        """Start a new trading day: realized so far becomes the base; today's closes reset."""
        if day <= self.day:
            return False
        self.day = day
        self.positions = {pid: replace(p, realized_base=p.realized_pnl) for pid, p in self.positions.items()}
        self.closed_realized_today = 0.0
        self._closed_today.clear()
        self._view = None
        return True

    # -- reads --------------------------------------------------------------------------------
    @property
    def realized_today(self) -> float:
        return self.closed_realized_today + sum(p.realized_today for p in self.positions.values())

    @property
    def unrealized(self) -> float:
        return sum(p.unrealized_pnl for p in self.positions.values())

    @property
    def daily_pnl(self) -> float:
        return self.realized_today + self.unrealized

    def by_symbol(self) -> dict[str, HeldPosition]:
        """Net position per symbol (signed quantity, notional-weighted market price)."""
        qty: dict[str, float] = {}
        price: dict[str, float] = {}
        for p in self.positions.values():
            qty[p.symbol] = qty.get(p.symbol, 0.0) + p.signed_quantity
            price[p.symbol] = p.market_price
        return {s: HeldPosition(s, q, price[s]) for s, q in qty.items() if q != 0}

    def view(self) -> BookView:
        """What the rules see; cached until the next change (the validate hot path reads it)."""
        if self._view is None:
            self._view = BookView(self.by_symbol(), self.daily_pnl)
        return self._view

    @property
    def gross_exposure(self) -> float:
        return sum(p.notional for p in self.positions.values())

    @property
    def net_exposure(self) -> float:
        return sum(p.signed_quantity * p.market_price for p in self.positions.values())
