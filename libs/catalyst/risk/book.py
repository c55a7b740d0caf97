"""The risk book: what is open, what is reserved, and today's P&L, as the rules see it (pure).

The book is a copy of the database's committed state (``catalyst.risk.repository.load_snapshot``:
open positions, today's fills, outstanding reservations and working exits), re-read whenever
Trading says something changed and on a timer, plus the approvals this process signed since the
last read, and the latest market marks. Nothing is applied incrementally, so a lost or repeated
event cannot leave it wrong: the next read replaces it.

Daily P&L = realized today + unrealized since today's reference, where

* realized today is the sum over today's fills of the P&L each realized, less their commissions
  (a position opened yesterday and partly closed today counts today's part, across restarts);
* a position's reference price is its average entry when opened today, else the last price
  before today started (the previous close), so a carried position counts only today's move.

Exposure counts what is approved but not filled: an entry reservation holds its symbol's slot,
its notional at the price bound and its loss at the stop, until the order that used it ends.

Every amount and share count is a ``Decimal`` as the database stores it (sums are exact).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from catalyst.domain.money import ZERO
from catalyst.domain.orders import Intent, Side
from catalyst.risk.engine import BookView, PendingEntry, PositionMark


@dataclass(frozen=True, slots=True)
class Reservation:
    """Exposure held by an approval: in full until an order uses it, then that order's unfilled part."""

    nonce: str
    symbol: str
    side: Side
    intent: Intent
    quantity: Decimal  # outstanding shares
    price_bound: Decimal
    stop: Decimal | None
    used: bool = False

    @property
    def loss_at_stop(self) -> Decimal:
        if self.stop is None or self.intent is Intent.EXIT:
            return ZERO
        return abs(self.price_bound - self.stop) * self.quantity


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The database's committed state for one trading day (what ``load_snapshot`` reads)."""

    day: date
    positions: tuple[PositionMark, ...] = ()
    realized_today: Decimal = ZERO
    commissions_today: Decimal = ZERO
    reservations: tuple[Reservation, ...] = ()
    working_exits: Mapping[str, Decimal] = field(default_factory=dict)  # symbol → unsigned shares


class RiskBook:
    """A snapshot plus the reservations signed since it was read, and the latest marks."""

    def __init__(self, day: date):
        self.snapshot = Snapshot(day)
        self._local: dict[str, tuple[int, Reservation]] = {}
        self._marks: dict[str, tuple[datetime, Decimal]] = {}
        self.seq = 0
        self._view: BookView | None = None

    @property
    def day(self) -> date:
        return self.snapshot.day

    # -- changes ------------------------------------------------------------------------------
    def replace(self, snapshot: Snapshot, read_from_seq: int) -> None:
        """Install a fresh snapshot; reservations signed at or after ``read_from_seq`` (the
        counter when the read began) may be missing from it and are kept until a later read."""
        self.snapshot = snapshot
        self._local = {n: (s, r) for n, (s, r) in self._local.items() if s >= read_from_seq}
        self._view = None

    def reserve(self, reservation: Reservation) -> None:
        self._local[reservation.nonce] = (self.seq, reservation)
        self.seq += 1
        self._view = None

    def mark(self, prices: Mapping[str, tuple[datetime, Decimal]]) -> None:
        """Market prints (when, price): a bar's close or a fill; the newest print of a symbol wins,
        and marks outlive snapshots (which only know the last fill price)."""
        for symbol, (at, price) in prices.items():
            known = self._marks.get(symbol)
            if known is None or at >= known[0]:
                self._marks[symbol] = (at, price)
        self._view = None

    # -- reads --------------------------------------------------------------------------------
    @property
    def positions(self) -> tuple[PositionMark, ...]:
        return tuple(p.marked(self._marks[p.symbol][1]) if p.symbol in self._marks else p
                     for p in self.snapshot.positions)

    @property
    def reservations(self) -> tuple[Reservation, ...]:
        known = {r.nonce for r in self.snapshot.reservations}
        return self.snapshot.reservations + tuple(r for _, r in self._local.values() if r.nonce not in known)

    @property
    def symbols(self) -> list[str]:
        return sorted({p.symbol for p in self.snapshot.positions})

    @property
    def realized_today(self) -> Decimal:
        return self.snapshot.realized_today - self.snapshot.commissions_today

    @property
    def unrealized(self) -> Decimal:
        return sum((p.unrealized_today for p in self.positions), ZERO)

    @property
    def daily_pnl(self) -> Decimal:
        return self.realized_today + self.unrealized

    @property
    def committed_loss(self) -> Decimal:
        """Today's loss if every open position and every entry reserved were stopped out."""
        worst = (self.realized_today + sum((p.pnl_at_stop for p in self.positions), ZERO)
                 - sum((r.loss_at_stop for r in self.reservations), ZERO))
        return max(ZERO, -worst)

    @property
    def gross_exposure(self) -> Decimal:
        return sum((p.notional for p in self.positions), ZERO)

    @property
    def net_exposure(self) -> Decimal:
        return sum((p.quantity * p.market_price for p in self.positions), ZERO)

    def view(self) -> BookView:
        """What the rules see; cached until the next change (the validate hot path reads it)."""
        if self._view is None:
            self._view = build_view(self.positions, self.reservations, self.snapshot.working_exits,
                                    self.daily_pnl, self.committed_loss)
        return self._view


def build_view(positions: Iterable[PositionMark], reservations: Iterable[Reservation],
               working_exits: Mapping[str, Decimal], daily_pnl: Decimal, committed_loss: Decimal) -> BookView:
    held = {p.symbol: p for p in positions}
    pending: dict[str, PendingEntry] = {}
    exiting = dict(working_exits)
    for r in reservations:
        if r.intent is Intent.EXIT:
            if not r.used:  # a used exit reservation is a working exit order already
                exiting[r.symbol] = exiting.get(r.symbol, ZERO) + r.quantity
            continue
        before = pending.get(r.symbol, PendingEntry(r.symbol))
        pending[r.symbol] = before.plus(1 if r.side is Side.BUY else -1, r.quantity, r.quantity * r.price_bound)
    return BookView(held, daily_pnl, pending=pending, being_exited=exiting, committed_loss=committed_loss)
