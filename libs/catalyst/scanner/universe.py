"""The scan's universe from the database: listed securities with daily bars complete as of the
market clock (``catalyst.db.bars.completed_by``: a replayed day never sees ahead), each with its
last close and its mean daily volume, most liquid (mean dollar volume) first, in one query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from catalyst.db.bars import completed_by
from catalyst.db.pool import Database
from catalyst.domain.market import Timeframe

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

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
LIMIT $4
"""


@dataclass(frozen=True)
class UniverseRow:
    symbol: str
    price: float
    avg_volume: float


class UniverseReader:
    def __init__(self, db: Database, *, lookback_days: int):
        self._db = db
        self._lookback = lookback_days

    async def load(self, as_of: datetime, limit: int, symbols: Sequence[str] | None = None) -> list[UniverseRow]:
        """The ``limit`` most liquid securities (of ``symbols`` when given) as of ``as_of``."""
        last = (completed_by(as_of, Timeframe.DAY_1) - _EPOCH) // timedelta(microseconds=1)
        async with self._db.acquire() as conn:
            rows = await conn.fetch(_UNIVERSE_SQL, last, self._lookback,
                                    None if symbols is None else list(symbols), limit)
        return [UniverseRow(r["symbol"], r["last_close"], r["avg_volume"]) for r in rows]
