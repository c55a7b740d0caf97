"""The simulated venue's books: in memory, or in its own Postgres tables so they survive a restart.

The sim plays an outside broker, so its books must outlive the trading process: an order the
venue accepted before the process died is still there when reconciliation asks for it. The
tables (``sim_broker_accounts``, ``sim_broker_orders``, ``sim_broker_fills``, migration 0005)
belong to the venue, not to Catalyst's own model; each operation is saved in one transaction,
and ``UNIQUE (account, client_order_id)`` is the venue's own duplicate guard.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Protocol

from catalyst.db import Database
from catalyst.domain.fill import Fill

AccountState = dict[str, Any]
OrderDoc = dict[str, Any]


class SimLedger(Protocol):
    async def load(self, account: str) -> tuple[AccountState, list[OrderDoc]] | None: ...

    async def save(self, account: str, state: AccountState, orders: list[OrderDoc], fills: list[Fill]) -> None: ...


class InMemorySimLedger:
    """Books that live as long as the object (benchmarks, unit tests, throwaway sims)."""

    def __init__(self) -> None:
        self.accounts: dict[str, AccountState] = {}
        self.orders: dict[str, dict[str, OrderDoc]] = {}
        self.fills: dict[str, list[Fill]] = {}

    async def load(self, account: str) -> tuple[AccountState, list[OrderDoc]] | None:
        if account not in self.accounts:
            return None
        return copy.deepcopy(self.accounts[account]), copy.deepcopy(list(self.orders[account].values()))

    async def save(self, account: str, state: AccountState, orders: list[OrderDoc], fills: list[Fill]) -> None:
        # The engine builds fresh documents for every save and never touches them again, so they are
        # kept as given; ``load`` hands out copies.
        self.accounts[account] = state
        book = self.orders.setdefault(account, {})
        for doc in orders:
            book[doc["id"]] = doc
        self.fills.setdefault(account, []).extend(fills)


class PostgresSimLedger:
    def __init__(self, db: Database):
        self._db = db

    async def load(self, account: str) -> tuple[AccountState, list[OrderDoc]] | None:
        async with self._db.acquire() as conn:
            state = await conn.fetchval("SELECT state FROM sim_broker_accounts WHERE account = $1", account)
            if state is None:
                return None
            rows = await conn.fetch("SELECT doc FROM sim_broker_orders WHERE account = $1", account)
        return json.loads(state), [json.loads(r["doc"]) for r in rows]

    async def save(self, account: str, state: AccountState, orders: list[OrderDoc], fills: list[Fill]) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                """INSERT INTO sim_broker_accounts (account, state, updated_at) VALUES ($1, $2::jsonb, now())
                   ON CONFLICT (account) DO UPDATE SET state = EXCLUDED.state, updated_at = now()""",
                account, json.dumps(state),
            )
            if orders:
                await conn.executemany(
                    """INSERT INTO sim_broker_orders
                           (broker_order_id, account, client_order_id, status, doc, updated_at)
                       VALUES ($1::uuid, $2, $3, $4, $5::jsonb, now())
                       ON CONFLICT (broker_order_id) DO UPDATE
                       SET status = EXCLUDED.status, doc = EXCLUDED.doc, updated_at = now()""",
                    [(d["id"], account, d["client_order_id"], d["status"], json.dumps(d)) for d in orders],
                )
            if fills:
                await conn.executemany(
                    """INSERT INTO sim_broker_fills
                           (account, broker_order_id, side, quantity, price, commission, filled_at)
                       VALUES ($1, $2::uuid, $3, $4, $5, $6, $7)""",
                    [(account, f.broker_order_id, f.side.value, f.quantity, f.price, f.commission, f.at)
                     for f in fills],
                )
