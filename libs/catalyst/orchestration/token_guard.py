"""Single use of confirmation tokens: a Redis ``SET NX`` per token, kept as long as the token could verify.

Shared by every replica (the key lives in Redis, under the settings' namespace), so a token confirmed
on one replica is refused on another. A call that failed before Workflow answered releases its claim:
the retry is then sent with the same request id, which Workflow answers idempotently.
"""

from __future__ import annotations

import redis.asyncio as aioredis


class TokenGuard:
    def __init__(self, redis: aioredis.Redis, namespace: str = ""):
        self._redis = redis
        self._prefix = f"{namespace}catalyst:mcp:token:"

    async def claim(self, digest: str, ttl_s: float) -> bool:
        """True for the first claim of ``digest``; False when it was claimed already."""
        return bool(await self._redis.set(self._prefix + digest, "1", nx=True, ex=max(1, int(ttl_s) + 1)))

    async def release(self, digest: str) -> None:
        await self._redis.delete(self._prefix + digest)
