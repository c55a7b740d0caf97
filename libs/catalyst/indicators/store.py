"""Latest indicator values into ``technical_indicators`` (one row per security, timeframe and bar)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from catalyst.contracts.technical import IndicatorValues, PriceLevel
from catalyst.db.pool import Database

VALUE_COLUMNS = (
    "sma_20", "sma_50", "sma_200", "ema_9", "ema_21", "rsi_14", "macd", "macd_signal", "macd_hist", "atr_14",
    "bb_upper", "bb_middle", "bb_lower", "obv", "volume_ratio",
)
LEVEL_COLUMNS = ("support_1", "support_2", "resistance_1", "resistance_2")
_COLUMNS = VALUE_COLUMNS + LEVEL_COLUMNS

# A later computation of the same bar fills in what it computed and keeps what it did not:
# asking for sma_20 alone never erases a stored rsi_14.
_UPSERT = (
    f"INSERT INTO technical_indicators (security_id, timeframe, time_id, {', '.join(_COLUMNS)}, computed_at) "
    f"SELECT s.security_id, $2, get_or_create_time($3), "
    + ", ".join(f"${i + 4}" for i in range(len(_COLUMNS)))
    + ", now() FROM securities s WHERE s.symbol = $1 "
    "ON CONFLICT (security_id, timeframe, time_id) DO UPDATE SET "
    + ", ".join(f"{c} = COALESCE(EXCLUDED.{c}, technical_indicators.{c})" for c in _COLUMNS)
    + ", computed_at = EXCLUDED.computed_at"
)


def _num(x: float | None) -> Decimal | None:
    """The float's shortest decimal spelling (asyncpg would otherwise store its full binary expansion)."""
    return None if x is None else Decimal(repr(x))


def _level(levels: list[PriceLevel], i: int) -> Decimal | None:
    return _num(levels[i].price) if len(levels) > i else None


def _row(v: IndicatorValues) -> tuple[object, ...]:
    values = [_num(getattr(v, c)) for c in VALUE_COLUMNS]
    levels = [_level(v.support, 0), _level(v.support, 1), _level(v.resistance, 0), _level(v.resistance, 1)]
    return (v.symbol, v.timeframe.value, v.as_of, *values, *levels)


async def save_indicator_values(db: Database, rows: Sequence[IndicatorValues]) -> None:
    """Upsert the values of ``rows`` at their last bar, all in one transaction."""
    if not rows:
        return
    async with db.transaction() as conn:
        await conn.executemany(_UPSERT, [_row(v) for v in rows])
