"""The tiered cache on the real Redis, with hit/miss metrics."""

from __future__ import annotations

from prometheus_client import REGISTRY
from pydantic import BaseModel

from catalyst.cache import Cache, CacheTier


class Price(BaseModel):
    symbol: str
    price: float


def _count(ns: str, result: str) -> float:
    return REGISTRY.get_sample_value("catalyst_cache_requests_total",
                                     {"namespace": ns, "tier": "hot", "result": result}) or 0.0


async def test_get_or_set_computes_once_and_counts(redis_client, redis_namespace):
    cache = Cache(redis_client, redis_namespace)
    calls = 0

    async def compute() -> Price:
        nonlocal calls
        calls += 1
        return Price(symbol="AAPL", price=190.5)

    hits, misses = _count("prices", "hit"), _count("prices", "miss")
    first = await cache.get_or_set("prices", "AAPL", Price, CacheTier.HOT, compute)
    second = await cache.get_or_set("prices", "AAPL", Price, CacheTier.HOT, compute)
    assert first == second == Price(symbol="AAPL", price=190.5)
    assert calls == 1
    assert _count("prices", "miss") == misses + 1
    assert _count("prices", "hit") == hits + 1
    ttl = await redis_client.ttl(f"{redis_namespace}cache:prices:AAPL")
    assert 0 < ttl <= 60


async def test_tiers_are_the_spec_ttls():
    assert (CacheTier.HOT, CacheTier.WARM, CacheTier.COLD) == (60, 300, 3600)


async def test_invalidate_namespace(redis_client, redis_namespace):
    cache = Cache(redis_client, redis_namespace)
    for sym in ("A", "B"):
        await cache.set("ind", sym, Price(symbol=sym, price=1.0), CacheTier.WARM)
    assert await cache.invalidate("ind") == 2
    assert await cache.get("ind", "A", Price, CacheTier.WARM) is None


async def test_many_keys_in_one_round_trip_each_way(redis_client, redis_namespace):
    cache = Cache(redis_client, redis_namespace)
    await cache.set_many([("many", "A", Price(symbol="A", price=1.0)), ("many", "B", Price(symbol="B", price=2.0))],
                         CacheTier.HOT)
    hits, misses = _count("many", "hit"), _count("many", "miss")
    found = await cache.get_many([("many", "B"), ("many", "Z"), ("many", "A")], Price, CacheTier.HOT)
    assert found == [Price(symbol="B", price=2.0), None, Price(symbol="A", price=1.0)]
    assert (_count("many", "hit"), _count("many", "miss")) == (hits + 2, misses + 1)
    assert 0 < await redis_client.ttl(f"{redis_namespace}cache:many:A") <= 60
    assert await cache.get_many([], Price, CacheTier.HOT) == []
    await cache.set_many([], CacheTier.HOT)
