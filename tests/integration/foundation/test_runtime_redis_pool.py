"""A service's Redis pool under a burst: more concurrent commands than connections wait, never fail.

Regression: the runtime's pool of 10 refused the eleventh concurrent command ("too many
connections"); the Scanner's concurrent batch calls to Technical came back as 500s.
"""

from __future__ import annotations

import asyncio

from catalyst.app import REDIS_POOL_SIZE, build_runtime
from catalyst.clock import SystemClock
from catalyst.config import Settings
from catalyst.services import WIRING, ServiceName
from tests.support.env import REDIS_URL


async def test_a_burst_beyond_the_pool_size_waits_for_a_connection(redis_namespace: str) -> None:
    rt = build_runtime(WIRING[ServiceName.TECHNICAL], Settings(redis_url=REDIS_URL), SystemClock())
    try:
        burst = 6 * REDIS_POOL_SIZE
        keys = [f"{redis_namespace}:burst:{i}" for i in range(burst)]
        await asyncio.gather(*(rt.redis.set(k, i) for i, k in enumerate(keys)))
        values = await asyncio.gather(*(rt.redis.get(k) for k in keys))
        assert [int(v) for v in values] == list(range(burst))
        await rt.redis.delete(*keys)
    finally:
        await rt.close()
