"""The one database isolation scheme of the tests.

- A suite that may share data uses the session database (``tests/conftest.py``: ``database``),
  each test writing symbols of its own.
- A suite whose code reads *everything* in a table (the Risk book, the Trading reconciler) has a
  scratch database of its own for the session, ``scratch_dsn("catalyst_<area>")``, and empties it
  at the start of each test with ``clean_database`` (the state the migrations left).
- A test of the database machinery itself that needs a blank server-side database gets one per
  test from ``scratch_dsn_async(..., migrate=False)``.

All of them are ``catalyst.db.scratch`` databases on ``ADMIN_DSN``'s server: created under a
unique name, migrated, dropped at the end.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, AbstractContextManager, asynccontextmanager
from typing import Any

from catalyst.db import Database
from catalyst.db.scratch import scratch_database, scratch_database_sync
from tests.support.env import ADMIN_DSN

REFERENCE_TABLES = frozenset({"sectors"})
"""Rows the migrations insert and no test changes: kept by ``clean_database``. So are the tables
the schema itself refuses to empty (a ``BEFORE TRUNCATE`` trigger: ``securities`` and
``time_dimension`` are permanent, ``audit_log`` append-only); tests find their rows there by key."""

_TABLES_SQL = """
SELECT t.tablename,
       EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = format('%I', t.tablename)::regclass
               AND NOT g.tgisinternal AND g.tgtype & 32 <> 0) AS refuses_truncate
FROM pg_tables t WHERE t.schemaname = 'public' AND t.tablename NOT LIKE '%yoyo%' ORDER BY t.tablename
"""

SEEDED_ROWS = ("INSERT INTO risk_control (id) VALUES (1)",)
"""Rows the migrations insert that tests do change: put back, with their defaults, after emptying."""


def scratch_dsn(prefix: str, **options: Any) -> AbstractContextManager[str]:
    """``with scratch_dsn("catalyst_risk") as dsn``: a migrated database of its own (session or
    module fixtures, where no event loop runs), dropped on exit. ``options``: ``migrate``, ``template``."""
    return scratch_database_sync(ADMIN_DSN, prefix, **options)


def scratch_dsn_async(prefix: str, **options: Any) -> AbstractAsyncContextManager[str]:
    """:func:`scratch_dsn` inside a running event loop (a function-scoped async fixture)."""
    return scratch_database(ADMIN_DSN, prefix, **options)


@asynccontextmanager
async def connected(dsn: str, **pool: Any) -> AsyncIterator[Database]:
    """A connected :class:`Database` on ``dsn`` for the block, closed after it."""
    db = Database(dsn, **pool)
    await db.connect()
    try:
        yield db
    finally:
        await db.close()


async def clean_database(db: Database) -> None:
    """Every table back to what the migrations left: data tables emptied (identities restarted),
    reference and permanent tables kept, seeded rows restored. The way a test starts on a database of its own."""
    async with db.acquire() as conn:
        emptied = [r["tablename"] for r in await conn.fetch(_TABLES_SQL)
                   if not r["refuses_truncate"] and r["tablename"] not in REFERENCE_TABLES]
        async with conn.transaction():
            quoted = ", ".join(f'"{t}"' for t in emptied)
            await conn.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
            for statement in SEEDED_ROWS:
                await conn.execute(statement)
