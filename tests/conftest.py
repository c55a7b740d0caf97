"""Fixtures shared by every test: a fresh, migrated database per session on the real
PostgreSQL, the real Redis under a per-session namespace, settings, and app clients. What they
are made of lives in ``tests/support`` (one definition each)."""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager

import httpx
import pytest
import redis.asyncio as aioredis

from catalyst.config import Settings
from catalyst.db import Database
from catalyst.services import ServiceName
from tests.support.database import connected, scratch_dsn
from tests.support.env import REDIS_URL
from tests.support.services import serve

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


@pytest.fixture(scope="session")
def test_database_url() -> Iterator[str]:
    """A database of its own for this pytest session, migrated, dropped at the end."""
    with scratch_dsn("catalyst_test") as dsn:
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
    async with connected(test_database_url) as db:
        yield db


@pytest.fixture(scope="session")
async def redis_client() -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(REDIS_URL)
    yield client
    await client.aclose()


@pytest.fixture(scope="session")
def api_client() -> Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]:
    """``async with api_client(app) as client``: :func:`tests.support.services.serve` (the app's
    lifespan; Workflow's key, or ``caller=`` / ``api_key=`` another's)."""
    return serve
