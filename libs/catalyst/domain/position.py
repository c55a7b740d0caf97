"""The one position: a signed quantity of one symbol at an average entry price.

Long is ``quantity > 0``, short ``< 0``, flat ``0``. ``realized_pnl`` is what fills against the
position have realized so far (gross of commissions); ``market_price`` is the last mark, when
known. ``catalyst.accounting.apply_fill`` moves it by one fill; the simulated broker books its
own positions with it, the broker adapters report theirs as it, and the OMS's ``positions`` row
(``catalyst.trading.repository.PositionRow``: the record, with its id, life cycle and exit
averages) gives its holding as one.

A frozen dataclass, not a pydantic model: it is built in the hot paths (every simulated fill,
every mark) from values already checked, and never read from outside without a model around
it; its fields are ``Money`` / ``Quantity`` decimals (``catalyst.domain.money``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from catalyst.domain.money import ZERO, Money, Quantity
from catalyst.domain.orders import PositionSide, Side


@dataclass(frozen=True, slots=True)
class Position:
    symbol: str
    quantity: Quantity = ZERO  # signed: + long, − short
    avg_entry_price: Money = ZERO
    realized_pnl: Money = ZERO
    market_price: Money | None = None

    @property
    def side(self) -> PositionSide | None:
        if self.quantity > 0:
            return PositionSide.LONG
        if self.quantity < 0:
            return PositionSide.SHORT
        return None

    @property
    def size(self) -> Decimal:
        """Shares held, whatever the side."""
        return abs(self.quantity)

    @property
    def is_flat(self) -> bool:
        return self.quantity == 0

    @property
    def closing_side(self) -> Side:
        """The order side that reduces it (sell a long, buy back a short)."""
        return Side.SELL if self.quantity > 0 else Side.BUY

    def unrealized_at(self, price: Decimal) -> Decimal:
        """P&L since the average entry if marked at ``price``."""
        return (price - self.avg_entry_price) * self.quantity

    @property
    def unrealized_pnl(self) -> Decimal | None:
        """At the last mark; None when there is none."""
        return None if self.market_price is None else self.unrealized_at(self.market_price)

    def marked(self, price: Decimal) -> Position:
        return replace(self, market_price=price)
