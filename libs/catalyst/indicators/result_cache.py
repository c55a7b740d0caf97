"""The 5-minute result cache both analysis services (Technical, Pattern) read before computing.

A result is cached per symbol under its timeframe, bar count and the (catalogue-ordered) names
asked for, so a batch can serve some symbols from the cache and compute only the rest.

Read as of a market-clock instant, the key also names the bar horizon (``bar_horizon``): the
latest bar start that is complete at that instant. Within one horizon the set of bars a read
sees is the same, so a cached result is never served to an instant before its last bar (a
replay restarted earlier, or run faster than the cache's wall-clock lifetime) and never outlives
the next completed bar.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from pydantic import BaseModel

from catalyst.cache import Cache, CacheTier
from catalyst.domain.calendar import NEW_YORK
from catalyst.domain.market import Timeframe

M = TypeVar("M", bound=BaseModel)

RESULT_TIER = CacheTier.WARM


def bar_horizon(now: datetime, timeframe: Timeframe) -> str:
    """Which bars are complete at ``now`` (``catalyst.db.bars.completed_by``), as a key part.

    Intraday bars start on multiples of their timeframe (UTC epoch; New York's offset is whole
    hours), so the set changes when ``now`` crosses such a multiple; a daily bar (stamped at
    midnight New York) is complete 24 hours after its start, so the set is named by the New York
    date a day before ``now``.
    """
    if timeframe is Timeframe.DAY_1:
        return (now - timedelta(days=1)).astimezone(NEW_YORK).date().isoformat()
    step = timeframe.seconds
    start = int(now.astimezone(UTC).timestamp()) // step * step - step
    return datetime.fromtimestamp(start, UTC).strftime("%Y%m%dT%H%M")


def result_key(symbol: str, timeframe: Timeframe, bars: int, wanted: Iterable[StrEnum],
               horizon: str | None = None) -> str:
    key = f"{symbol}:{timeframe.value}:{bars}:{'+'.join(w.value for w in wanted)}"
    return key if horizon is None else f"{key}@{horizon}"


async def cached_result(cache: Cache, namespace: str, key: str, model: type[M], *, refresh: bool) -> M | None:
    """The cached result marked ``cached=True``, or None (always None when ``refresh``)."""
    hit = None if refresh else await cache.get(namespace, key, model, RESULT_TIER)
    return None if hit is None else hit.model_copy(update={"cached": True})


async def cached_results(cache: Cache, namespace: str, keys: Mapping[str, str], model: type[M], *,
                         refresh: bool) -> tuple[dict[str, M], list[str]]:
    """Cached results by symbol, and the symbols (in ``keys`` order) still to compute (one round trip)."""
    if refresh:
        return {}, list(keys)
    found = await cache.get_many([(namespace, key) for key in keys.values()], model, RESULT_TIER)
    hits = {symbol: hit.model_copy(update={"cached": True})
            for symbol, hit in zip(keys, found, strict=True) if hit is not None}
    return hits, [symbol for symbol in keys if symbol not in hits]


async def store_result(cache: Cache, namespace: str, key: str, value: BaseModel) -> None:
    await cache.set(namespace, key, value, RESULT_TIER)


async def store_results(cache: Cache, namespace: str, values: Sequence[tuple[str, BaseModel]]) -> None:
    """``store_result`` of every ``(key, value)`` in one round trip."""
    await cache.set_many([(namespace, key, value) for key, value in values], RESULT_TIER)


__all__ = ["RESULT_TIER", "bar_horizon", "cached_result", "cached_results", "result_key", "store_result",
           "store_results"]
