"""Redis cache with the spec's three TTL tiers (section 4.3), counting hits and misses."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from enum import IntEnum
from typing import TypeVar

import redis.asyncio as aioredis
from pydantic import BaseModel

from catalyst.metrics import CACHE_REQUESTS

M = TypeVar("M", bound=BaseModel)


class CacheTier(IntEnum):
    """TTL in seconds."""

    HOT = 60  # latest prices, open positions, current risk status
    WARM = 300  # indicators, scan results, news sentiment
    COLD = 3600  # performance metrics, historical patterns, sector correlations


class Cache:
    """JSON values of pydantic models under ``<namespace>cache:<ns>:<key>``."""

    def __init__(self, redis: aioredis.Redis, namespace: str = ""):
        self._redis = redis
        self._prefix = f"{namespace}cache:"

    def _key(self, ns: str, key: str) -> str:
        return f"{self._prefix}{ns}:{key}"

    async def get(self, ns: str, key: str, model: type[M], tier: CacheTier) -> M | None:
        raw = await self._redis.get(self._key(ns, key))
        CACHE_REQUESTS.labels(ns, tier.name.lower(), "hit" if raw is not None else "miss").inc()
        return None if raw is None else model.model_validate_json(raw)

    async def set(self, ns: str, key: str, value: BaseModel, tier: CacheTier) -> None:
        await self._redis.set(self._key(ns, key), value.model_dump_json(), ex=int(tier))

    async def get_json(self, ns: str, key: str, tier: CacheTier) -> bytes | None:
        """``get`` without parsing: the JSON as kept, for an answer sent on as it is."""
        raw = await self._redis.get(self._key(ns, key))
        CACHE_REQUESTS.labels(ns, tier.name.lower(), "hit" if raw is not None else "miss").inc()
        return raw.encode() if isinstance(raw, str) else raw

    async def set_json(self, ns: str, key: str, raw: str | bytes, tier: CacheTier) -> None:
        """``set`` of a model's JSON made already."""
        await self._redis.set(self._key(ns, key), raw, ex=int(tier))

    async def get_many(self, entries: Sequence[tuple[str, str]], model: type[M], tier: CacheTier) -> list[M | None]:
        """``get`` of every ``(ns, key)`` in one round trip (MGET), in order: a batch answer's
        hundreds of lookups cost one request, not one each."""
        if not entries:
            return []
        raws = await self._redis.mget([self._key(ns, key) for ns, key in entries])
        for (ns, _key), raw in zip(entries, raws, strict=True):
            CACHE_REQUESTS.labels(ns, tier.name.lower(), "hit" if raw is not None else "miss").inc()
        return [None if raw is None else model.model_validate_json(raw) for raw in raws]

    async def set_many(self, entries: Sequence[tuple[str, str, BaseModel]], tier: CacheTier) -> None:
        """``set`` of every ``(ns, key, value)`` in one round trip (a pipeline, not a transaction)."""
        if not entries:
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            for ns, key, value in entries:
                pipe.set(self._key(ns, key), value.model_dump_json(), ex=int(tier))
            await pipe.execute()

    async def get_or_set(
        self, ns: str, key: str, model: type[M], tier: CacheTier, compute: Callable[[], Awaitable[M]]
    ) -> M:
        cached = await self.get(ns, key, model, tier)
        if cached is not None:
            return cached
        value = await compute()
        await self.set(ns, key, value, tier)
        return value

    async def invalidate(self, ns: str, key: str | None = None) -> int:
        """Drop one key, or every key of ``ns`` when ``key`` is None (on a database write)."""
        if key is not None:
            return int(await self._redis.delete(self._key(ns, key)))
        removed = 0
        async for k in self._redis.scan_iter(match=self._key(ns, "*"), count=500):
            removed += int(await self._redis.delete(k))
        return removed
