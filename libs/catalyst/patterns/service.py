"""What the Pattern service does per request: cache, read bars, detect, answer.

Detection runs on the numpy detectors for one symbol or a panel of symbols of equal bar
count. Results are cached 5 minutes (``CacheTier.WARM``, spec 2.3) under the symbol,
timeframe, bar count and pattern set. The opening range is located from the bars' own
timestamps (the first bar at or after 09:30 New York on the last bar's date). With a market
clock the bars are read as of its now (only bars complete by then; no look-ahead in a replay)
and the cache key names that bar horizon.

A pattern asked for that the bars cannot hold is a 400 ``INSUFFICIENT_DATA`` naming the
pattern, the bars it needs and the bars there are; ORB asked for on a timeframe longer than
15 minutes is a 400 naming the timeframes it supports.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Sequence
from datetime import datetime
from functools import partial

import numpy as np
from prometheus_client import Counter, Histogram

from catalyst.cache import Cache
from catalyst.clock import Clock
from catalyst.contracts.pattern import (
    SUPPORTED_TIMEFRAMES,
    DetectedPattern,
    PatternBatchRequest,
    PatternBatchResponse,
    PatternsResponse,
)
from catalyst.db.bars import BarStore
from catalyst.db.pool import Database
from catalyst.domain.market import Timeframe
from catalyst.domain.patterns import PatternType
from catalyst.errors import InsufficientData, InvalidInput
from catalyst.indicators.recent_bars import (
    RecentBars,
    load_ready_bars,
    load_ready_symbol,
    panels_by_count,
    parse_symbol,
    parse_symbols,
    parse_timeframe,
)
from catalyst.indicators.result_cache import (
    bar_horizon,
    cached_result,
    cached_results,
    result_key,
    store_result,
    store_results,
)
from catalyst.logging import get_logger
from catalyst.patterns.base import PatternBatch, PatternSignal
from catalyst.patterns.detect import (
    ALL_PATTERNS,
    PatternSettings,
    detect_patterns_batch,
    required_bars,
    session_start_index,
)

log = get_logger(__name__)

CACHE_NS = "patterns"
DETECT_SECONDS = Histogram(
    "catalyst_pattern_detect_seconds", "Pattern detection time per request (bars in memory)", ["path"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)
DETECTIONS = Counter("catalyst_pattern_detections_total", "Patterns detected, by pattern and breakout",
                     ["pattern", "breakout"])


def parse_patterns(names: Sequence[str] | None, settings: PatternSettings, timeframe: Timeframe
                   ) -> tuple[PatternType, ...]:
    """Requested patterns in catalogue order; all the timeframe supports when none are named."""
    if not names:
        return tuple(p for p in ALL_PATTERNS if settings.supports(p))
    allowed = [p.value for p in ALL_PATTERNS]
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise InvalidInput(f"unknown pattern(s): {', '.join(unknown)}", code="UNKNOWN_PATTERN",
                           details={"unknown": unknown, "allowed": allowed})
    wanted = tuple(p for p in ALL_PATTERNS if p.value in set(names))
    for p in wanted:
        if not settings.supports(p):
            ok = [tf.value for tf in SUPPORTED_TIMEFRAMES if PatternSettings.for_timeframe(tf).supports(p)]
            raise InvalidInput(f"{p.value} is not detected on {timeframe.value} bars; use one of {', '.join(ok)}",
                               code="UNSUPPORTED_TIMEFRAME",
                               details={"pattern": p.value, "timeframe": timeframe.value, "allowed": ok})
    return wanted


def check_pattern_bars(wanted: Sequence[PatternType], settings: PatternSettings, available: int) -> None:
    short = sorted(((required_bars(p, settings), p) for p in wanted if required_bars(p, settings) > available),
                   key=lambda x: -x[0])
    if short:
        required, worst = short[0]
        raise InsufficientData(
            f"{worst.value} needs {required} bars, {available} available",
            details={"required": required, "available": available, "pattern": worst.value,
                     "shortfalls": {p.value: n for n, p in short}},
        )


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _detected(recent: RecentBars, sig: PatternSignal) -> DetectedPattern:
    DETECTIONS.labels(sig.pattern.value, str(sig.breakout).lower()).inc()
    return DetectedPattern(
        pattern=sig.pattern, confidence=sig.confidence, breakout=sig.breakout, entry=sig.entry, stop=sig.stop,
        target=sig.target, support=sig.support, resistance=sig.resistance,
        started_at=recent.time_at(sig.start_index), features={k: _finite(v) for k, v in sig.features.items()},
    )


def _response(recent: RecentBars, wanted: Sequence[PatternType], found: dict[PatternType, PatternBatch],
              column: int) -> PatternsResponse:
    signals = [sig for p in wanted if p in found and (sig := found[p].signal(column)) is not None]
    signals.sort(key=lambda sig: -sig.confidence)
    return PatternsResponse(
        symbol=recent.symbol, timeframe=recent.timeframe, as_of=recent.as_of, bars=recent.count,
        checked=list(wanted), patterns=[_detected(recent, sig) for sig in signals],
    )


def _session_start(recent: RecentBars) -> int:
    return -1 if recent.timeframe is Timeframe.DAY_1 else session_start_index(recent.ts)


def detect_for(ready: list[RecentBars], wanted: Sequence[PatternType], settings: PatternSettings
               ) -> list[PatternsResponse]:
    """Symbols with the same number of bars are detected as one panel."""
    out: list[PatternsResponse] = []
    for group, panel in panels_by_count(ready):
        starts = np.array([_session_start(r) for r in group], dtype=np.int64)
        found = detect_patterns_batch(panel, settings, session_start=starts, patterns=wanted)
        out += [_response(recent, wanted, found, s) for s, recent in enumerate(group)]
    return out


class PatternService:
    def __init__(self, db: Database, cache: Cache, clock: Clock | None = None):
        """``clock``: the market clock the bars are read as of (None: every stored bar)."""
        self._bars = BarStore(db)
        self._cache = cache
        self._clock = clock

    def _as_of(self, timeframe: Timeframe) -> tuple[datetime | None, str | None]:
        if self._clock is None:
            return None, None
        now = self._clock.now()
        return now, bar_horizon(now, timeframe)

    async def patterns(self, symbol: str, timeframe: str, names: Sequence[str] | None, bars: int,
                       *, refresh: bool = False) -> PatternsResponse:
        tf = parse_timeframe(timeframe, SUPPORTED_TIMEFRAMES)
        settings = PatternSettings.for_timeframe(tf)
        sym, wanted = parse_symbol(symbol), parse_patterns(names, settings, tf)
        end, horizon = self._as_of(tf)
        key = result_key(sym, tf, bars, wanted, horizon)
        if hit := await cached_result(self._cache, CACHE_NS, key, PatternsResponse, refresh=refresh):
            return hit
        recent = await load_ready_symbol(self._bars, sym, tf, bars, partial(check_pattern_bars, wanted, settings),
                                         end=end)
        started = time.perf_counter()
        (result,) = detect_for([recent], wanted, settings)
        DETECT_SECONDS.labels("single").observe(time.perf_counter() - started)
        await store_result(self._cache, CACHE_NS, key, result)
        return result

    async def batch(self, request: PatternBatchRequest) -> PatternBatchResponse:
        tf = parse_timeframe(request.timeframe, SUPPORTED_TIMEFRAMES)
        settings = PatternSettings.for_timeframe(tf)
        wanted = parse_patterns(request.patterns, settings, tf)
        symbols = parse_symbols(request.symbols)
        end, horizon = self._as_of(tf)
        keys = {sym: result_key(sym, tf, request.bars, wanted, horizon) for sym in symbols}
        results, todo = await cached_results(self._cache, CACHE_NS, keys, PatternsResponse, refresh=request.refresh)
        ready, errors = await load_ready_bars(self._bars, todo, tf, request.bars,
                                              partial(check_pattern_bars, wanted, settings), end=end)
        started = time.perf_counter()
        computed = await asyncio.to_thread(detect_for, ready, wanted, settings)
        DETECT_SECONDS.labels("batch").observe(time.perf_counter() - started)
        await store_results(self._cache, CACHE_NS, [(keys[r.symbol], r) for r in computed])
        results.update((r.symbol, r) for r in computed)
        log.info("pattern_batch", timeframe=tf.value, symbols=len(symbols), computed=len(computed),
                 errors=len(errors))
        return PatternBatchResponse(
            timeframe=tf,
            results={s: results[s] for s in symbols if s in results},
            errors={s: e.envelope().error for s, e in errors.items()},
        )
