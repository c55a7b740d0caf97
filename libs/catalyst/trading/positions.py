"""Positions follow fills: one open row per security, moved by ``accounting.apply_fill``.

A fill in the position's direction grows it (new average); against it, it shrinks it (realized
P&L, average exit price); to zero, it closes the row; past zero, it closes the row and opens the
other side for the excess at the fill price. Runs inside the caller's transaction, with the open
row locked, so orders, fills and positions change together. Rows open and close at the fill's
(market) time.

An entry fill carries the stop its approval was sized with: the position keeps the tighter of
its stop and that one (``positions.stop_loss``), which the Risk Manager's daily-loss budget
counts as the loss the position can still take.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from catalyst.accounting import apply_fill, signed
from catalyst.domain.fill import Fill
from catalyst.domain.money import QUANTUM
from catalyst.domain.orders import PositionSide
from catalyst.domain.position import Position
from catalyst.trading import repository as repo
from catalyst.trading.repository import PositionRow


def _side(quantity: Decimal) -> PositionSide:
    return PositionSide.LONG if quantity > 0 else PositionSide.SHORT


def state_of(row: PositionRow | None, symbol: str) -> Position:
    return Position(symbol) if row is None else row.holding


def _exit_average(row: PositionRow, closed: Decimal, price: Decimal) -> tuple[Decimal, Decimal | None]:
    exited = row.exited_quantity + closed
    if closed == 0:
        return exited, row.avg_exit_price
    previous = (row.avg_exit_price or Decimal(0)) * row.exited_quantity
    return exited, ((previous + price * closed) / exited).quantize(QUANTUM)


@dataclass(frozen=True, slots=True)
class FillEffect:
    """What one fill did: the position rows it changed (the closed one first on a flip) and the
    P&L it realized (0 for a fill that opens or adds)."""

    positions: list[PositionRow]
    realized_pnl: Decimal


def _tighter(side: PositionSide, current: Decimal | None, stop: Decimal | None) -> Decimal | None:
    if stop is None:
        return current
    if current is None:
        return stop
    return max(current, stop) if side is PositionSide.LONG else min(current, stop)


async def apply_fill_to_position(conn: Any, sid: int, fill: Fill, *, stop: Decimal | None = None) -> FillEffect:
    """Apply one fill to the open position of security ``sid``; ``stop`` is the stop of the
    approval behind an entry fill."""
    side, quantity, price, at = fill.side, fill.quantity, fill.price, fill.at
    row = await repo.open_position(conn, sid, for_update=True)
    before = state_of(row, fill.symbol)
    after = apply_fill(before, side, quantity, price)
    realized = after.realized_pnl - before.realized_pnl
    if row is None:
        opened = await repo.insert_position(conn, sid=sid, side=_side(after.quantity), quantity=abs(after.quantity),
                                            avg_price=after.avg_entry_price, market_price=price, opened_at=at,
                                            stop_loss=stop)
        return FillEffect([opened], realized)
    reducing = (before.quantity > 0) != (signed(side, quantity) > 0)
    closed = min(abs(before.quantity), quantity) if reducing else Decimal(0)
    exited, avg_exit = _exit_average(row, closed, price)
    common = {"realized_pnl": after.realized_pnl, "exited_quantity": exited, "avg_exit_price": avg_exit,
              "market_price": price}
    if after.is_flat:
        return FillEffect([await repo.close_position_row(conn, row.position_id, closed_at=at, **common)], realized)
    if (after.quantity > 0) == (before.quantity > 0):
        stop_loss = row.stop_loss if reducing else _tighter(row.side, row.stop_loss, stop)
        return FillEffect([await repo.update_position(conn, row.position_id, quantity=abs(after.quantity),
                                                      avg_entry_price=after.avg_entry_price, stop_loss=stop_loss,
                                                      unrealized_pnl=after.unrealized_at(price), **common)],
                          realized)
    closed_row = await repo.close_position_row(conn, row.position_id, closed_at=at, **common)
    flipped = await repo.insert_position(conn, sid=sid, side=_side(after.quantity), quantity=abs(after.quantity),
                                         avg_price=price, market_price=price, opened_at=at)
    return FillEffect([closed_row, flipped], realized)
