"""Throw-away databases for tests and benchmarks: created under a unique name, migrated, dropped.

``async with scratch_database(admin_dsn) as dsn`` (or ``with scratch_database_sync(...)`` where no
event loop runs, e.g. a session fixture) creates ``<prefix>_<random>`` on the server ``admin_dsn``
points at, applies the migrations unless told not to, yields the new database's DSN and drops it
``WITH (FORCE)`` on exit, even when migrating or the caller's work failed. ``template`` clones an
existing (already migrated) database instead, much faster than migrating again.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import asyncpg

from catalyst.db.migrate import apply_migrations

DEFAULT_PREFIX = "catalyst_scratch"


def dsn_for(admin_dsn: str, database: str) -> str:
    """``admin_dsn`` with its database name replaced by ``database``."""
    base, _, _ = admin_dsn.rpartition("/")
    return f"{base}/{database}"


def database_name(dsn: str) -> str:
    """The database a DSN made by :func:`dsn_for` names."""
    return dsn.rpartition("/")[2]


async def admin_execute(admin_dsn: str, sql: str) -> None:
    """One statement on its own connection (CREATE/DROP DATABASE cannot run in a transaction)."""
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _new_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def _create_sql(name: str, template: str | None) -> str:
    return f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")


def _drop_sql(name: str) -> str:
    return f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'


async def recreate_database(admin_dsn: str, name: str) -> str:
    """``name`` dropped (if there) and made anew, empty, on ``admin_dsn``'s server; its DSN. For a
    database that lives until the next one replaces it (``catalyst run``'s), not a throw-away one."""
    await admin_execute(admin_dsn, _drop_sql(name))
    await admin_execute(admin_dsn, _create_sql(name, None))
    return dsn_for(admin_dsn, name)


@asynccontextmanager
async def scratch_database(admin_dsn: str, prefix: str = DEFAULT_PREFIX, *, migrate: bool = True,
                           template: str | None = None) -> AsyncIterator[str]:
    """A database of its own for the ``async with`` block: its DSN (migrations run in a thread)."""
    name = _new_name(prefix)
    await admin_execute(admin_dsn, _create_sql(name, template))
    dsn = dsn_for(admin_dsn, name)
    try:
        if migrate:
            await asyncio.to_thread(apply_migrations, dsn)
        yield dsn
    finally:
        await admin_execute(admin_dsn, _drop_sql(name))


@contextmanager
def scratch_database_sync(admin_dsn: str, prefix: str = DEFAULT_PREFIX, *, migrate: bool = True,
                          template: str | None = None) -> Iterator[str]:
    """:func:`scratch_database` for code with no running event loop (each statement gets its own)."""
    name = _new_name(prefix)
    asyncio.run(admin_execute(admin_dsn, _create_sql(name, template)))
    dsn = dsn_for(admin_dsn, name)
    try:
        if migrate:
            apply_migrations(dsn)
        yield dsn
    finally:
        asyncio.run(admin_execute(admin_dsn, _drop_sql(name)))
