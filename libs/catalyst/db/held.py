"""One connection held apart from the pool, for a hot write that is already serialized.

Risk's reservation INSERT runs under the decision lock, one at a time, and sits on the
approval's critical path. Taking it from the pool costs an acquire, and a wait whenever the pool
is busy with other work; a connection held for the purpose costs neither. A broken
connection is dropped and the next write opens a new one (from the database's DSN at that time).
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg

from catalyst.db.pool import Database
from catalyst.errors import ServiceUnavailable
from catalyst.logging import get_logger

log = get_logger(__name__)


class HeldConnection:
    def __init__(self, db: Database, *, command_timeout: float = 10.0, connect_timeout: float = 3.0):
        self._db = db
        self._command_timeout = command_timeout
        self._connect_timeout = connect_timeout
        self._conn: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()  # one statement at a time on one connection

    async def execute(self, query: str, *args: Any) -> None:
        """Run ``query``; raises ServiceUnavailable when PostgreSQL cannot be reached."""
        async with self._lock:
            conn = await self._connection()
            try:
                await conn.execute(query, *args, timeout=self._command_timeout)
            except BaseException:  # whatever broke (a dead backend, a cancel mid-statement), start clean
                self._drop()
                raise

    async def _connection(self) -> asyncpg.Connection:
        if self._conn is not None and not self._conn.is_closed():
            return self._conn
        try:
            self._conn = await asyncpg.connect(self._db.dsn, timeout=self._connect_timeout)
        except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
            log.warning("database_unreachable", error=str(exc), connection="held")
            raise ServiceUnavailable("database unavailable", code="DATABASE_UNAVAILABLE") from exc
        return self._conn

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.terminate()

    async def close(self) -> None:
        async with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                await conn.close(timeout=self._connect_timeout)
