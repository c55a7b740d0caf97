"""asyncpg pool with the spec's sizing (2..5 connections, 10 s command timeout).

The pool is created lazily and re-tried on demand, so a service starts (and reports
``database: disconnected`` on /health) while PostgreSQL is down, and recovers when it is back.

A released connection is not sent asyncpg's reset query (``pg_advisory_unlock_all(); CLOSE ALL;
UNLISTEN *; RESET ALL``), a round trip on every release: Catalyst keeps no session state on a
pooled connection (advisory locks are transaction-scoped, settings ``SET LOCAL``, temporary
tables ``ON COMMIT DROP``, no LISTEN, no cursors outside a transaction), which
``tests/unit/foundation/test_session_state.py`` checks in the sources. asyncpg still rolls back
a transaction left open on release and drops the connection's listeners before this hook runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from catalyst.errors import ServiceUnavailable
from catalyst.logging import get_logger

log = get_logger(__name__)


async def keep_session(conn: asyncpg.Connection) -> None:
    """The pool's reset hook: nothing to reset (see the module docstring); asyncpg has already
    rolled back an open transaction when it calls this."""


class Database:
    def __init__(self, dsn: str, *, min_size: int = 2, max_size: int = 5, command_timeout: float = 10.0,
                 connect_timeout: float = 3.0, acquire_timeout: float = 10.0):
        self.dsn = dsn
        self._min = min_size
        self._max = max_size
        self._command_timeout = command_timeout
        self._connect_timeout = connect_timeout
        self._acquire_timeout = acquire_timeout
        self._pool: asyncpg.Pool | None = None
        self._lock = asyncio.Lock()

    async def connect(self) -> asyncpg.Pool:
        """The pool, created on first use; raises ServiceUnavailable when PostgreSQL is unreachable."""
        if self._pool is not None:
            return self._pool
        async with self._lock:
            if self._pool is None:
                try:
                    self._pool = await asyncpg.create_pool(
                        dsn=self.dsn,
                        min_size=self._min,
                        max_size=self._max,
                        command_timeout=self._command_timeout,
                        timeout=self._connect_timeout,
                        reset=keep_session,
                    )
                except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
                    log.warning("database_unreachable", error=str(exc))
                    raise ServiceUnavailable("database unavailable", code="DATABASE_UNAVAILABLE") from exc
        return self._pool

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise ServiceUnavailable("database not connected", code="DATABASE_UNAVAILABLE")
        return self._pool

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection. Waiting for one is bounded: an exhausted pool (a burst, or code
        that holds one connection while waiting for another) answers 503 instead of hanging."""
        pool = await self.connect()
        try:
            conn = await pool.acquire(timeout=self._acquire_timeout)
        except TimeoutError as exc:
            log.error("database_pool_exhausted", waited_s=self._acquire_timeout, size=self._max)
            raise ServiceUnavailable("no database connection free", code="DATABASE_BUSY",
                                     details={"waited_s": self._acquire_timeout}) from exc
        try:
            yield conn
        finally:
            await pool.release(conn)

    @asynccontextmanager
    async def transaction(self, isolation: str | None = None) -> AsyncIterator[asyncpg.Connection]:
        """One transaction (``isolation``: asyncpg's name, e.g. ``repeatable_read`` for a
        consistent multi-query read; None: the server's default, read committed)."""
        async with self.acquire() as conn, conn.transaction(isolation=isolation):
            yield conn

    async def ping(self, limit_s: float = 2.0) -> bool:
        try:
            pool = await self.connect()
            async with asyncio.timeout(limit_s):
                await pool.fetchval("SELECT 1")
            return True
        except (ServiceUnavailable, OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
            return False

    def usage(self) -> tuple[int, int, int]:
        """Connections in use, idle, and the pool's maximum (0, 0, max before the first connect)."""
        if self._pool is None:
            return 0, 0, self._max
        idle = self._pool.get_idle_size()
        return self._pool.get_size() - idle, idle, self._max

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
