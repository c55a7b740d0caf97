"""Fixtures shared by every test: a fresh, migrated database per session on the real
PostgreSQL, the real Redis under a per-session namespace, settings, and app clients."""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI

from catalyst.config import Settings
from catalyst.context import API_KEY_HEADER
from catalyst.db import Database
from catalyst.db.scratch import scratch_database_sync
from catalyst.services import ServiceName

HANG_DUMP_AFTER_S = float(os.environ.get("CATALYST_TEST_HANG_DUMP_S", "120"))


def _dump_asyncio_tasks() -> None:
    """Print every pending asyncio task's stack to the real stderr (not the test's capture)."""
    loops = [o for o in gc.get_objects() if isinstance(o, asyncio.AbstractEventLoop) and o.is_running()]
    for loop in loops:
        for task in list(asyncio.all_tasks(loop)):
            print(f"--- pending task {task.get_name()}", file=sys.__stderr__)
            task.print_stack(file=sys.__stderr__)


@pytest.fixture(autouse=True)
def _hang_watchdog(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test still running after HANG_DUMP_AFTER_S dumps the asyncio tasks; pytest-timeout
    (pyproject) then fails it, so one hang never stalls the whole run."""
    timer = threading.Timer(HANG_DUMP_AFTER_S, _dump_asyncio_tasks)
    timer.daemon = True
    timer.start()
    yield
    timer.cancel()


ADMIN_DSN = os.environ.get("CATALYST_TEST_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("CATALYST_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def test_database_url() -> Iterator[str]:
    """A database of its own for this pytest session, migrated, dropped at the end."""
    with scratch_database_sync(ADMIN_DSN, "catalyst_test") as dsn:
        yield dsn


@pytest.fixture(scope="session")
def redis_namespace() -> str:
    return f"test-{uuid.uuid4().hex[:8]}:"


@pytest.fixture(scope="session")
def make_settings(test_database_url: str, redis_namespace: str) -> Callable[..., Settings]:
    """Settings for ``service`` on the session's database and Redis namespace."""

    def make(service: ServiceName = ServiceName.ORCHESTRATION, **env: object) -> Settings:
        values: dict[str, object] = {
            "CATALYST_SERVICE": service,
            "CATALYST_ENV": "test",
            "DATABASE_URL": test_database_url,
            "REDIS_URL": REDIS_URL,
            "REDIS_NAMESPACE": redis_namespace,
            "LOG_LEVEL": "WARNING",
        }
        values.update(env)
        return Settings(**values)  # type: ignore[arg-type]

    return make


@pytest.fixture(scope="session")
def test_settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture(scope="session")
async def database(test_database_url: str) -> AsyncIterator[Database]:
    db = Database(test_database_url)
    await db.connect()
    yield db
    await db.close()


@pytest.fixture(scope="session")
async def redis_client() -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(REDIS_URL)
    yield client
    await client.aclose()


@pytest.fixture(scope="session")
def api_client() -> Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]:
    """``async with api_client(app) as client``: runs the app's lifespan, authenticates as Workflow
    (the service that calls every other, spec 2.1); ``api_key`` presents another caller's key."""

    @asynccontextmanager
    async def open_client(app: FastAPI, *, api_key: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
        async with app.router.lifespan_context(app):
            settings: Settings = app.state.runtime.settings
            key = api_key if api_key is not None else settings.api_key(ServiceName.WORKFLOW)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver",
                                         headers={API_KEY_HEADER: key}) as client:
                yield client

    return open_client
