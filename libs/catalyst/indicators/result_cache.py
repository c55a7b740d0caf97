"""The 5-minute result cache both analysis services (Technical, Pattern) read before computing.

A result is cached per symbol under its timeframe, bar count and the (catalogue-ordered) names
asked for, so a batch can serve some symbols from the cache and compute only the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import TypeVar

from pydantic import BaseModel

from catalyst.cache import Cache, CacheTier
from catalyst.domain.market import Timeframe

M = TypeVar("M", bound=BaseModel)

RESULT_TIER = CacheTier.WARM


def result_key(symbol: str, timeframe: Timeframe, bars: int, wanted: Iterable[StrEnum]) -> str:
    return f"{symbol}:{timeframe.value}:{bars}:{'+'.join(w.value for w in wanted)}"


async def cached_result(cache: Cache, namespace: str, key: str, model: type[M], *, refresh: bool) -> M | None:
    """The cached result marked ``cached=True``, or None (always None when ``refresh``)."""
    hit = None if refresh else await cache.get(namespace, key, model, RESULT_TIER)
    return None if hit is None else hit.model_copy(update={"cached": True})


async def cached_results(cache: Cache, namespace: str, keys: Mapping[str, str], model: type[M], *,
                         refresh: bool) -> tuple[dict[str, M], list[str]]:
    """Cached results by symbol, and the symbols (in ``keys`` order) still to compute."""
    hits: dict[str, M] = {}
    todo: list[str] = []
    for symbol, key in keys.items():
        hit = await cached_result(cache, namespace, key, model, refresh=refresh)
        if hit is None:
            todo.append(symbol)
        else:
            hits[symbol] = hit
    return hits, todo


async def store_result(cache: Cache, namespace: str, key: str, value: BaseModel) -> None:
    await cache.set(namespace, key, value, RESULT_TIER)


__all__ = ["RESULT_TIER", "cached_result", "cached_results", "result_key", "store_result"]
