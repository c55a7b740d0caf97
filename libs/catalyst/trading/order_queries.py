"""Read-only views of the OMS's books: orders (with their bracket legs), positions, the broker's account.

Nothing here writes or takes a lock, so the routes that only read never contend with submits or
broker sync.
"""

from __future__ import annotations

import uuid
from typing import Any

from catalyst.brokers.base import Broker
from catalyst.brokers.models import BrokerAccount
from catalyst.db import Database
from catalyst.domain.orders import OrderStatus
from catalyst.errors import NotFound
from catalyst.trading import repository as repo
from catalyst.trading.repository import OrderRow, PositionRow


class OrderQueries:
    def __init__(self, db: Database, broker: Broker, *, broker_name: str):
        self._db = db
        self._broker = broker
        self.broker_name = broker_name

    async def get(self, order_id: uuid.UUID) -> OrderRow:
        """The order as recorded now; ``NotFound`` (404) for an unknown id."""
        async with self._db.acquire() as conn:
            row = await repo.get_order(conn, order_id)
        if row is None:
            raise _not_found(order_id)
        return row

    async def by_client_id(self, client_order_id: str) -> OrderRow | None:
        """The order recorded under ``client_order_id`` (the idempotency key of submits and closes); None if none."""
        async with self._db.acquire() as conn:
            return await repo.get_order_by_client_id(conn, client_order_id)

    async def with_legs(self, order_id: uuid.UUID) -> tuple[OrderRow, list[OrderRow]]:
        """The order and its bracket legs (sorted by order type), read in one statement."""
        async with self._db.acquire() as conn:
            tree = await repo.get_order_tree(conn, order_id)
        row = next((r for r in tree if r.order_id == order_id), None)
        if row is None:
            raise _not_found(order_id)
        return row, sort_legs([r for r in tree if r.order_id != order_id])

    async def details(self, order_id: uuid.UUID) -> dict[str, Any]:
        """What an error about this order tells its caller (ids, status, reject reason)."""
        order = await self.get(order_id)
        return {"order_id": str(order.order_id), "client_order_id": order.client_order_id,
                "status": order.status.value, "reject_reason": order.reject_reason}

    async def list_orders(self, status: OrderStatus | None, limit: int) -> list[OrderRow]:
        async with self._db.acquire() as conn:
            return await repo.list_orders(conn, statuses=(status.value,) if status else None, limit=limit)

    async def list_positions(self, status: str | None, limit: int) -> list[PositionRow]:
        """``status`` "open" or "closed"; None for both."""
        async with self._db.acquire() as conn:
            return await repo.list_positions(conn, status, limit)

    async def account(self) -> BrokerAccount:
        """The broker's cash and equity now."""
        return await self._broker.get_account()


def sort_legs(legs: list[OrderRow]) -> list[OrderRow]:
    """Bracket legs in the order the API lists them (by order type: limit, then stop or stop-limit)."""
    return sorted(legs, key=lambda r: r.order_type.value)


def _not_found(order_id: uuid.UUID) -> NotFound:
    return NotFound(f"order {order_id} not found", code="ORDER_NOT_FOUND")
