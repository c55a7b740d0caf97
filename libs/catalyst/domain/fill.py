"""The one fill: some shares of one order traded at one price, at one time.

The simulated venue makes them (``catalyst.brokers.sim_engine``) and its ledger keeps them; the
OMS finds them in a broker's cumulative reports (``catalyst.accounting.fill_delta``), records
them in ``fills`` and applies them to the position. ``catalyst.bus.OrderFilled`` is the wire
event announcing one, built from it at the bus's edge.

A frozen dataclass for the same reason as ``Position``: built in hot paths from checked values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from catalyst.domain.money import Money, Quantity
from catalyst.domain.orders import Side


@dataclass(frozen=True, slots=True)
class Fill:
    broker_order_id: str
    client_order_id: str
    symbol: str
    side: Side
    quantity: Quantity  # > 0
    price: Money  # > 0
    commission: Money
    at: datetime
