"""A clean slate for each run: its own database and Redis namespace, so a replayed day starts empty.

The database is the system's memory: a cycle that closed stays closed and yesterday's run's orders
stay recorded. A user who runs the day again expects to see it again, so ``catalyst run`` makes
``catalyst_run`` anew on the server ``DATABASE_URL`` points at (the previous run's database lives
until the next run, for a look afterwards) and clears its Redis namespace. ``--keep-state`` runs
on ``DATABASE_URL`` itself instead.
"""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

from catalyst.db.scratch import recreate_database

RUN_DATABASE = "catalyst_run"
RUN_NAMESPACE = "catalyst-run:"


async def _clear_namespace(redis_url: str, namespace: str) -> int:
    client = aioredis.Redis.from_url(redis_url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{namespace}*", count=1000)]
        for start in range(0, len(keys), 1000):
            await client.delete(*keys[start:start + 1000])
        return len(keys)
    finally:
        await client.aclose()


def fresh_state(database_url: str, redis_url: str, port_base: int | None = None) -> dict[str, str]:
    """The run's database made anew (empty: the run migrates it), its Redis namespace emptied: the
    variables the services get. A run beside another (``--port-base``) gets a database of its own."""
    name, namespace = (RUN_DATABASE, RUN_NAMESPACE) if port_base is None else \
        (f"{RUN_DATABASE}_{port_base}", f"{RUN_NAMESPACE.rstrip(':')}-{port_base}:")
    dsn = asyncio.run(recreate_database(database_url, name))
    asyncio.run(_clear_namespace(redis_url, namespace))
    return {"DATABASE_URL": dsn, "REDIS_NAMESPACE": namespace}
