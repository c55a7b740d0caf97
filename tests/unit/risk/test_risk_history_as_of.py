"""Daily history as of the market clock: only bars complete by then are read, and a cached history
goes stale when that horizon moves to another day (a fast replay), not only after max_age_s."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import numpy as np

from catalyst.bar_columns import BarColumns
from catalyst.risk.history import HistoryCache, complete_daily_horizon

NOW = datetime(2013, 3, 1, 15, 15, tzinfo=UTC)  # 10:15 New York
US = timedelta(microseconds=1)


def daily(ts: np.ndarray, high: np.ndarray, low: np.ndarray, close: np.ndarray) -> BarColumns:
    return BarColumns(ts, close, high, low, close, np.full(len(ts), 1e6))


def _bars(n: int) -> BarColumns:
    close = np.linspace(100, 110, n)
    ts = (np.datetime64("2013-01-01") + np.arange(n)).astype("datetime64[ns]").view(np.int64)  # epoch ns
    return daily(ts, close + 1, close - 1, close)


async def test_only_bars_complete_at_now_are_read_and_a_new_day_rereads() -> None:
    windows: list[tuple[datetime, datetime]] = []

    async def loader(symbols: list[str], start: datetime, end: datetime) -> Mapping[str, BarColumns]:
        windows.append((start, end))
        return {s: _bars(40) for s in symbols}

    cache = HistoryCache(loader, max_age_s=3600, clock=lambda: 0.0)
    await cache.get_many(["UNIO"], lookback_days=60, atr_period=14, now_utc=NOW)
    assert windows[0][1] == NOW - timedelta(days=1) + US  # [start, end): bars starting up to a day ago
    assert complete_daily_horizon(NOW) == NOW - timedelta(days=1)

    midnight = datetime(2013, 3, 2, 5, 0, tzinfo=UTC)  # midnight New York: 2013-03-01's bar completes
    assert cache.cached(["UNIO"], midnight - US) is not None  # same horizon day, within max_age_s
    assert cache.cached(["UNIO"], midnight) is None
    assert cache.cached(["UNIO"]) is not None  # without a now: age only (as before)
    await cache.get_many(["UNIO"], lookback_days=60, atr_period=14, now_utc=midnight)
    assert len(windows) == 2
    assert windows[1][1] == midnight - timedelta(days=1) + US
