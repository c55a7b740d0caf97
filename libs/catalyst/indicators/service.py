"""What the Technical service does per request: cache, read bars, compute, store, answer.

Single symbols are computed by TA-Lib (the reference); batches by the fused numpy panel
(``compute_indicators``), symbols of equal bar count together. Both give the same values
(tests hold them to 1e-9). Results are cached 5 minutes (``CacheTier.WARM``, spec 4.3) under
the symbol, timeframe, bar count and indicator set, and each computation upserts the last
bar's values into ``technical_indicators``.

With a market clock the bars are read as of its now: only bars complete by then count (a
replayed day never sees ahead; see ``BarStore.read_last``), and the cache key names that bar
horizon (``result_cache.bar_horizon``).

Too little history is an error, never a null: a requested indicator that the available bars
cannot feed is a 400 ``INSUFFICIENT_DATA`` naming it, the bars it needs and the bars there
are (in a batch, that symbol's entry in ``errors``).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Sequence
from datetime import datetime
from functools import partial

from prometheus_client import Counter, Histogram

from catalyst.cache import Cache
from catalyst.clock import Clock
from catalyst.contracts.technical import (
    SUPPORTED_TIMEFRAMES,
    IndicatorBatchRequest,
    IndicatorBatchResponse,
    IndicatorValues,
    PriceLevel,
)
from catalyst.db.bars import BarStore
from catalyst.db.pool import Database
from catalyst.domain.market import Timeframe
from catalyst.errors import InvalidInput
from catalyst.indicators.batch import IndicatorSet, compute_indicators
from catalyst.indicators.catalog import ALL_INDICATORS, Indicator, check_enough_bars
from catalyst.indicators.levels import Levels
from catalyst.indicators.recent_bars import (
    RecentBars,
    load_ready_bars,
    load_ready_symbol,
    panels_by_count,
    parse_symbol,
    parse_symbols,
    parse_timeframe,
)
from catalyst.indicators.reference import talib_indicators
from catalyst.indicators.result_cache import (
    bar_horizon,
    cached_result,
    cached_results,
    result_key,
    store_result,
    store_results,
)
from catalyst.indicators.store import save_indicator_values
from catalyst.logging import get_logger

log = get_logger(__name__)

CACHE_NS = "technical"
COMPUTE_SECONDS = Histogram(
    "catalyst_technical_compute_seconds", "Indicator computation time per request (bars in memory)", ["path"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)
ROWS_STORED = Counter("catalyst_technical_rows_stored_total", "Rows upserted into technical_indicators")


def parse_indicators(names: Sequence[str] | None) -> tuple[Indicator, ...]:
    """Requested indicators in catalogue order (all when none are named); 400 naming the allowed ones."""
    if not names:
        return ALL_INDICATORS
    allowed = [i.value for i in ALL_INDICATORS]
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise InvalidInput(f"unknown indicator(s): {', '.join(unknown)}", code="UNKNOWN_INDICATOR",
                           details={"unknown": unknown, "allowed": allowed})
    wanted = set(names)
    return tuple(i for i in ALL_INDICATORS if i.value in wanted)


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _levels(levels: Levels | None) -> tuple[list[PriceLevel], list[PriceLevel]]:
    if levels is None:
        return [], []
    return ([PriceLevel(price=lv.price, touches=lv.touches) for lv in levels.support],
            [PriceLevel(price=lv.price, touches=lv.touches) for lv in levels.resistance])


def _values(recent: RecentBars, wanted: tuple[Indicator, ...], latest: dict[str, float],
            levels: Levels | None) -> IndicatorValues:
    support, resistance = _levels(levels)
    return IndicatorValues.model_validate({
        "symbol": recent.symbol, "timeframe": recent.timeframe, "as_of": recent.as_of, "bars": recent.count,
        "indicators": [i.value for i in wanted], "support": support, "resistance": resistance,
        **{name: _finite(v) for name, v in latest.items()},
    })


class TechnicalService:
    def __init__(self, db: Database, cache: Cache, clock: Clock | None = None):
        """``clock``: the market clock the bars are read as of (None: every stored bar)."""
        self._db = db
        self._bars = BarStore(db)
        self._cache = cache
        self._clock = clock

    def _as_of(self, timeframe: Timeframe) -> tuple[datetime | None, str | None]:
        """The read's end and the cache key's bar horizon (both None without a clock)."""
        if self._clock is None:
            return None, None
        now = self._clock.now()
        return now, bar_horizon(now, timeframe)

    async def indicators(self, symbol: str, timeframe: str, names: Sequence[str] | None, bars: int,
                         *, refresh: bool = False) -> IndicatorValues:
        """One symbol's values at its last bar (TA-Lib)."""
        tf = parse_timeframe(timeframe, SUPPORTED_TIMEFRAMES)
        sym, wanted = parse_symbol(symbol), parse_indicators(names)
        end, horizon = self._as_of(tf)
        key = result_key(sym, tf, bars, wanted, horizon)
        if hit := await cached_result(self._cache, CACHE_NS, key, IndicatorValues, refresh=refresh):
            return hit
        recent = await load_ready_symbol(self._bars, sym, tf, bars, partial(check_enough_bars, wanted), end=end)
        started = time.perf_counter()
        result = talib_indicators(recent.bars, wanted)
        latest = {k: float(v[0]) for k, v in result.latest().items()}
        levels = result.levels.for_symbol(0) if result.levels is not None else None
        COMPUTE_SECONDS.labels("single").observe(time.perf_counter() - started)
        values = _values(recent, wanted, latest, levels)
        await save_indicator_values(self._db, [values])
        ROWS_STORED.inc()
        await store_result(self._cache, CACHE_NS, key, values)
        return values

    async def batch(self, request: IndicatorBatchRequest) -> IndicatorBatchResponse:
        """Many symbols at once (fused numpy); per-symbol failures go to ``errors``."""
        tf = parse_timeframe(request.timeframe, SUPPORTED_TIMEFRAMES)
        wanted = parse_indicators(request.indicators)
        symbols = parse_symbols(request.symbols)
        end, horizon = self._as_of(tf)
        keys = {sym: result_key(sym, tf, request.bars, wanted, horizon) for sym in symbols}
        results, todo = await cached_results(self._cache, CACHE_NS, keys, IndicatorValues, refresh=request.refresh)
        ready, errors = await load_ready_bars(self._bars, todo, tf, request.bars, partial(check_enough_bars, wanted),
                                              end=end)
        computed = await asyncio.to_thread(self._compute_panels, ready, wanted)
        await save_indicator_values(self._db, computed)
        ROWS_STORED.inc(len(computed))
        await store_results(self._cache, CACHE_NS, [(keys[v.symbol], v) for v in computed])
        results.update((v.symbol, v) for v in computed)
        log.info("indicator_batch", timeframe=tf.value, symbols=len(symbols), computed=len(computed),
                 cached=len(symbols) - len(todo), errors=len(errors))
        return IndicatorBatchResponse(
            timeframe=tf,
            results={s: results[s] for s in symbols if s in results},
            errors={s: e.envelope().error for s, e in errors.items()},
        )

    @staticmethod
    def _compute_panels(ready: list[RecentBars], wanted: tuple[Indicator, ...]) -> list[IndicatorValues]:
        """Symbols with the same number of bars form one panel each."""
        started = time.perf_counter()
        out: list[IndicatorValues] = []
        for group, panel in panels_by_count(ready):
            result: IndicatorSet = compute_indicators(panel, wanted)
            latest = result.latest()
            for s, recent in enumerate(group):
                levels = result.levels.for_symbol(s) if result.levels is not None else None
                out.append(_values(recent, wanted, {k: float(v[s]) for k, v in latest.items()}, levels))
        COMPUTE_SECONDS.labels("batch").observe(time.perf_counter() - started)
        return out


__all__ = ["TechnicalService", "parse_indicators"]
