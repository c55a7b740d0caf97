"""``catalyst.db.scratch``: a throw-away database exists, migrated, only inside its block."""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg
import pytest

from catalyst.db.scratch import database_name, dsn_for, scratch_database, scratch_database_sync
from tests.support.env import ADMIN_DSN


async def _exists(name: str) -> bool:
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        return bool(await conn.fetchval("SELECT count(*) FROM pg_database WHERE datname = $1", name))
    finally:
        await conn.close()


async def _tables(dsn: str) -> set[str]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await conn.close()
    return {r["tablename"] for r in rows}


def test_dsn_for_replaces_the_database_name() -> None:
    dsn = dsn_for("postgresql://postgres@127.0.0.1:5432/postgres", "scratch_1")
    assert dsn == "postgresql://postgres@127.0.0.1:5432/scratch_1"
    assert database_name(dsn) == "scratch_1"


async def test_migrated_inside_the_block_and_dropped_after() -> None:
    async with scratch_database(ADMIN_DSN, "catalyst_test_scratch") as dsn:
        name = database_name(dsn)
        assert name.startswith("catalyst_test_scratch_")
        assert await _exists(name)
        assert {"securities", "time_dimension", "trading_history"} <= await _tables(dsn)
        held = await asyncpg.connect(dsn)  # an open session does not keep it: the drop is WITH (FORCE)
    assert not await _exists(name)
    with contextlib.suppress(Exception):
        await held.close()


async def test_unmigrated_when_asked_and_dropped_after_an_error() -> None:
    seen: list[tuple[str, set[str]]] = []

    async def fail_inside() -> None:
        async with scratch_database(ADMIN_DSN, "catalyst_test_scratch", migrate=False) as dsn:
            seen.append((dsn, await _tables(dsn)))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await fail_inside()
    [(dsn, tables)] = seen
    assert tables == set()
    assert not await _exists(database_name(dsn))


def test_sync_variant_and_template_clone() -> None:
    with scratch_database_sync(ADMIN_DSN, "catalyst_test_scratch_tmpl") as template_dsn:
        template = database_name(template_dsn)
        with scratch_database_sync(ADMIN_DSN, "catalyst_test_scratch", migrate=False, template=template) as dsn:
            assert dsn != template_dsn
            assert "securities" in asyncio.run(_tables(dsn))
        assert not asyncio.run(_exists(database_name(dsn)))
    assert not asyncio.run(_exists(template))
