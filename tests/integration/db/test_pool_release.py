"""Releasing a pooled connection: no reset query is sent, and an unfinished transaction still ends.

The pool skips asyncpg's reset query (``catalyst.db.pool``); what it relies on is that a
transaction's state (its advisory locks, its rows) ends with the transaction, and that asyncpg
still rolls back a transaction left open when the connection goes back to the pool.
"""

from __future__ import annotations

import asyncpg

from catalyst.db import Database
from tests.support.database import connected

LOCK_KEY = 731_944_211  # an advisory key no other code uses


async def _last_statement(dsn: str, pid: int) -> str:
    admin = await asyncpg.connect(dsn)
    try:
        text: str = await admin.fetchval("SELECT query FROM pg_stat_activity WHERE pid = $1", pid)
        return text
    finally:
        await admin.close()


async def test_a_released_connection_gets_no_reset_query(test_database_url: str) -> None:
    async with connected(test_database_url, min_size=1, max_size=1) as db:
        async with db.acquire() as conn:
            pid = await conn.fetchval("SELECT pg_backend_pid()")
            await conn.execute("SELECT 'the last statement'")
        assert await _last_statement(test_database_url, pid) == "SELECT 'the last statement'"


async def test_a_transaction_left_open_is_rolled_back_on_release(test_database_url: str) -> None:
    async with connected(test_database_url, min_size=1, max_size=1) as db:
        async with db.acquire() as conn:
            await conn.execute("BEGIN")
            await conn.execute("SELECT pg_advisory_xact_lock($1)", LOCK_KEY)
        other = await asyncpg.connect(test_database_url)
        try:
            assert await other.fetchval("SELECT pg_try_advisory_xact_lock($1)", LOCK_KEY)
        finally:
            await other.close()
        async with db.acquire() as conn:
            assert not conn.is_in_transaction()
            assert await conn.fetchval("SELECT 1") == 1


async def test_a_failed_transaction_leaves_the_connection_usable(test_database_url: str) -> None:
    db = Database(test_database_url, min_size=1, max_size=1)
    try:
        try:
            async with db.transaction() as conn:
                await conn.execute("SELECT pg_advisory_xact_lock($1)", LOCK_KEY)
                await conn.execute("SELECT 1/0")
        except asyncpg.DivisionByZeroError:
            pass
        async with db.transaction() as conn:
            assert await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", LOCK_KEY)
    finally:
        await db.close()
