"""The held connection Risk writes reservations on survives a dropped backend."""

from __future__ import annotations

import contextlib

import asyncpg
import pytest

from catalyst.db import Database, HeldConnection
from catalyst.errors import ServiceUnavailable


async def _backend_pids(dsn: str, name: str) -> list[int]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE application_name = $1", name)
        return [r["pid"] for r in rows]
    finally:
        await conn.close()


async def test_a_terminated_backend_is_replaced_by_a_new_connection(test_database_url: str) -> None:
    name = "held-connection-test"
    held = HeldConnection(Database(f"{test_database_url}?application_name={name}"))
    try:
        await held.execute("SELECT 1")
        [pid] = await _backend_pids(test_database_url, name)
        admin = await asyncpg.connect(test_database_url)
        try:
            await admin.execute("SELECT pg_terminate_backend($1)", pid)
        finally:
            await admin.close()
        with contextlib.suppress(Exception):  # a write that meets the dead backend may fail (refused) ...
            await held.execute("SELECT 1")
        await held.execute("SELECT 1")  # ... and from then on, a new connection serves
        assert await _backend_pids(test_database_url, name) not in ([], [pid])
    finally:
        await held.close()


async def test_an_unreachable_database_is_service_unavailable() -> None:
    held = HeldConnection(Database("postgresql://postgres@127.0.0.1:1/none"), connect_timeout=0.5)
    with pytest.raises(ServiceUnavailable):
        await held.execute("SELECT 1")
    await held.close()
