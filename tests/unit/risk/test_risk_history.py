"""Daily history: built from bars, cached per symbol, one read for every missing symbol."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import numpy as np
import pytest

from catalyst.bar_columns import BarColumns
from catalyst.risk.history import HistoryCache, build_history, calendar_span


def daily(ts: np.ndarray, high: np.ndarray, low: np.ndarray, close: np.ndarray) -> BarColumns:
    return BarColumns(ts, close, high, low, close, np.full(len(ts), 1e6))


def _bars(n: int) -> BarColumns:
    close = np.linspace(100, 110, n)
    ts = (np.datetime64("2026-01-01") + np.arange(n)).astype("datetime64[ns]").view(np.int64)  # epoch ns
    return daily(ts, close + 1, close - 1, close)


def test_build_history_keeps_the_lookback_and_computes_atr() -> None:
    h = build_history(_bars(100), lookback_days=60, atr_period=14)
    assert h is not None
    assert len(h.series.closes) == 61
    assert h.series.days[-1] == np.datetime64("2026-04-10")
    assert h.atr == pytest.approx(2.0, abs=0.2)
    assert build_history(_bars(1), lookback_days=60, atr_period=14) is None
    short = build_history(_bars(10), lookback_days=60, atr_period=14)
    assert short is not None
    assert short.atr is None


def test_calendar_span_covers_the_trading_days() -> None:
    assert calendar_span(60, 14).days >= 61 * 7 // 5


async def test_cache_reads_missing_symbols_once() -> None:
    reads: list[list[str]] = []
    now = [0.0]

    async def loader(symbols: list[str], start: datetime, end: datetime) -> Mapping[str, BarColumns]:
        reads.append(symbols)
        return {s: _bars(80) for s in symbols if s != "NONE"}

    cache = HistoryCache(loader, max_age_s=60, clock=lambda: now[0])
    at = datetime(2026, 4, 1, tzinfo=UTC)
    first = await cache.get_many(["AAPL", "MSFT", "NONE"], lookback_days=60, atr_period=14, now_utc=at)
    assert first["NONE"] is None
    assert first["AAPL"] is not None
    assert cache.cached(["AAPL", "NONE"]) is not None
    await cache.get_many(["AAPL", "KO"], lookback_days=60, atr_period=14, now_utc=at)
    assert reads == [["AAPL", "MSFT", "NONE"], ["KO"]]
    now[0] = 61.0  # stale
    assert cache.cached(["AAPL"]) is None
    await cache.get_many(["AAPL"], lookback_days=60, atr_period=14, now_utc=at)
    await cache.get_many(["AAPL"], lookback_days=30, atr_period=14, now_utc=at)  # shape changed
    assert reads[-2:] == [["AAPL"], ["AAPL"]]


async def test_pair_correlations_are_memoised_until_a_history_is_reread() -> None:
    rng = np.random.default_rng(5)
    walks = {s: 100 * np.cumprod(1 + rng.normal(0, 0.01, 80)) for s in ("A", "B")}
    reads = []

    async def loader(symbols: list[str], start: datetime, end: datetime) -> Mapping[str, BarColumns]:
        reads.append(symbols)
        ts = (np.datetime64("2026-01-01") + np.arange(80)).astype("datetime64[ns]").view(np.int64)
        return {s: daily(ts, walks[s] * 1.01, walks[s] * 0.99, walks[s]) for s in symbols if s in walks}

    now = [0.0]
    cache = HistoryCache(loader, max_age_s=60, clock=lambda: now[0])
    at = datetime(2026, 4, 1, tzinfo=UTC)
    await cache.get_many(["A", "B", "C"], lookback_days=60, atr_period=14, now_utc=at)
    ab = cache.correlation("A", "B", lookback=60, min_observations=20)
    assert ab is not None
    assert cache.correlation("B", "A", lookback=60, min_observations=20) == ab
    assert cache.correlation("A", "C", lookback=60, min_observations=20) is None
    walks["B"] = walks["A"].copy()  # B's history changes; the memo holds until B is re-read
    assert cache.correlation("A", "B", lookback=60, min_observations=20) == ab
    now[0] = 61.0
    await cache.get_many(["A", "B"], lookback_days=60, atr_period=14, now_utc=at)
    assert cache.correlation("A", "B", lookback=60, min_observations=20) == pytest.approx(1.0)
