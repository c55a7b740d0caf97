"""The scan's universe from the database: listed securities with daily bars complete as of the
market clock (``catalyst.db.bars.completed_by``: a replayed day never sees ahead), each with its
last close and its mean daily volume, most liquid (mean dollar volume) first, in one query. A scan
reads them all (its universe is the most liquid of those with news: ``catalyst.scanner.service``),
or the symbols it was asked for.

The ranking only changes when a daily bar completes, so it is cached (``CacheTier.WARM``, 5 minutes)
under the daily bar horizon it was read at (``catalyst.indicators.result_cache.bar_horizon``), the
look-back, the size and the symbols asked for: scans of the same day reuse it, and a bar stored late
for that day shows after at most one cache lifetime (the Technical service's policy too).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel

from catalyst.cache import Cache, CacheTier
from catalyst.db.bars import completed_by, time_us
from catalyst.db.pool import Database
from catalyst.domain.market import Timeframe
from catalyst.indicators.result_cache import bar_horizon
from catalyst.logging import get_logger

log = get_logger(__name__)

CACHE_NS = "scanner:universe"

# Each security's last ``$2`` daily bars up to time_id ``$1``: a LATERAL walk of the primary key
# backwards, so the cost follows the look-back, not the length of the history.
_UNIVERSE_SQL = """
SELECT s.symbol, b.last_close, b.avg_volume
FROM securities s
CROSS JOIN LATERAL (
    SELECT (array_agg(h.close ORDER BY h.time_id DESC))[1]::float8 AS last_close,
           avg(h.volume)::float8 AS avg_volume, count(*) AS bars
    FROM (SELECT time_id, close, volume FROM trading_history
          WHERE security_id = s.security_id AND timeframe = '1Day' AND time_id <= $1
          ORDER BY time_id DESC LIMIT $2) h
) b
WHERE s.is_active AND b.bars > 0 AND ($3::text[] IS NULL OR s.symbol = ANY($3::text[]))
ORDER BY b.avg_volume * b.last_close DESC, s.symbol
LIMIT $4::int
"""


@dataclass(frozen=True)
class UniverseRow:
    symbol: str
    price: float
    avg_volume: float


class RankedUniverse(BaseModel):
    """The cached form of a read: the rows' columns, most liquid first."""

    symbols: list[str]
    prices: list[float]
    avg_volumes: list[float]


class UniverseReader:
    def __init__(self, db: Database, cache: Cache, *, lookback_days: int):
        self._db = db
        self._cache = cache
        self._lookback = lookback_days

    async def load(self, as_of: datetime, limit: int | None,
                   symbols: Sequence[str] | None = None) -> list[UniverseRow]:
        """The ``limit`` (None: every one) most liquid securities (of ``symbols`` when given) as of ``as_of``."""
        asked = "all" if symbols is None else hashlib.sha256(",".join(sorted(symbols)).encode()).hexdigest()[:24]
        key = f"{bar_horizon(as_of, Timeframe.DAY_1)}:{self._lookback}:{limit}:{asked}"
        cached = await self._cached(key)
        if cached is None:
            cached = await self._read(as_of, limit, symbols)
            await self._keep(key, cached)
        return [UniverseRow(*row) for row in zip(cached.symbols, cached.prices, cached.avg_volumes, strict=True)]

    async def _read(self, as_of: datetime, limit: int | None, symbols: Sequence[str] | None) -> RankedUniverse:
        last = time_us(completed_by(as_of, Timeframe.DAY_1))
        async with self._db.transaction() as conn:
            await conn.execute("SET LOCAL jit = off")  # a few hundred ms of index walks: compiling costs more
            rows = await conn.fetch(_UNIVERSE_SQL, last, self._lookback,
                                    None if symbols is None else list(symbols), limit)
        return RankedUniverse(symbols=[r["symbol"] for r in rows], prices=[r["last_close"] for r in rows],
                              avg_volumes=[r["avg_volume"] for r in rows])

    async def _cached(self, key: str) -> RankedUniverse | None:
        try:
            return await self._cache.get(CACHE_NS, key, RankedUniverse, CacheTier.WARM)
        except Exception as exc:  # Redis trouble: read the database
            log.warning("scanner_universe_cache_unavailable", error=str(exc))
            return None

    async def _keep(self, key: str, universe: RankedUniverse) -> None:
        try:
            await self._cache.set(CACHE_NS, key, universe, CacheTier.WARM)
        except Exception as exc:
            log.warning("scanner_universe_cache_unavailable", error=str(exc))
