"""Bars for the Technical and Pattern service tests, ingested once per session through BarStore.

Symbols start with ``AN`` so that they never meet another suite's data in the shared database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

import httpx
import numpy as np
import pytest

from catalyst.config import Settings
from catalyst.db import Database
from catalyst.db.bar_frame import BarFrame
from catalyst.db.bars import BarStore, ConflictPolicy
from catalyst.services import ServiceName

DAILY_LONG, DAILY_SHORT = "ANLD", "ANLS"  # 250 and 100 daily bars
MINUTE_ONLY = "ANLM"  # one-minute bars only: no daily history at all
FLAG, ORB, QUIET = "ANFL", "ANOR", "ANQT"  # one session of one-minute bars each
SESSION_OPEN = np.datetime64("2024-07-01T13:30", "ns")  # 09:30 New York (EDT)


@dataclass(frozen=True)
class Rows:
    """(open, high, low, close) rows and volumes, as a test writes them."""

    ohlc: np.ndarray
    volume: np.ndarray


def random_daily(n: int, seed: int) -> Rows:
    rng = np.random.default_rng(seed)
    close = np.round(40.0 * np.exp(np.cumsum(rng.normal(0.0, 0.015, n))), 2)
    open_ = np.round(np.concatenate([[40.0], close[:-1]]) * np.exp(rng.normal(0, 0.004, n)), 2)
    high = np.round(np.maximum(open_, close) * (1 + rng.uniform(0, 0.01, n)), 2) + 0.01
    low = np.round(np.minimum(open_, close) * (1 - rng.uniform(0, 0.01, n)), 2) - 0.01
    return Rows(np.column_stack([open_, high, low, close]), rng.integers(200_000, 2_000_000, n).astype(float))


def path(closes: Sequence[float], volumes: Sequence[float], spread: float = 0.05) -> Rows:
    """Each bar opens at the previous close; high/low ``spread`` beyond the body."""
    c = np.asarray(closes, dtype=float)
    o = np.concatenate([[c[0]], c[:-1]])
    rows = np.column_stack([o, np.maximum(o, c) + spread, np.minimum(o, c) - spread, c])
    return Rows(np.round(rows, 4), np.asarray(volumes, dtype=float))


def flag_session() -> Rows:
    """60 quiet minutes at 100, a five-minute pole to 105, a four-bar flag, a breakout bar."""
    base = path([100.0] * 60 + list(np.linspace(100.0, 105.0, 6)[1:]), [1000.0] * 60 + [5000.0] * 5)
    flag = np.array([(104.9, 104.95, 104.3, 104.4), (104.4, 104.6, 104.0, 104.2), (104.2, 104.5, 103.9, 104.1),
                     (104.1, 104.4, 103.8, 104.3), (104.3, 105.4, 104.2, 105.3)])
    return Rows(np.vstack([base.ohlc, flag]), np.concatenate([base.volume, [1500.0] * 4, [4000.0]]))


ORB_RANGE = [100.0, 100.5, 100.2, 100.8, 100.4, 100.6, 100.3, 100.9, 100.5, 100.7, 100.4, 100.6, 100.5, 100.7,
             100.6]


def orb_session() -> Rows:
    """A 15-minute range 99.95-100.95, 30 minutes inside it, then a close at 101.2 on 4x volume."""
    inside = [100.5 + 0.2 * np.sin(i) for i in range(30)]
    return path(ORB_RANGE + inside + [101.2], [2000.0] * 15 + [1000.0] * 30 + [8000.0])


def quiet_session() -> Rows:
    """Flat minutes: no pattern at all."""
    return path([50.0 + 0.01 * (i % 3) for i in range(120)], [500.0] * 120)


def frame(symbol: str, rows: Rows, start: np.datetime64, step: np.timedelta64) -> BarFrame:
    n = rows.ohlc.shape[0]
    ts = start + np.arange(n) * step
    o, h, lo, c = rows.ohlc.T
    return BarFrame.from_arrays(np.full(n, symbol, dtype=object), ts, o, h, lo, c, rows.volume)


DAY = np.timedelta64(1, "D")
MINUTE = np.timedelta64(60, "s")
DAILY_START = np.datetime64("2023-06-01T04:00", "ns")  # midnight New York (EDT)

SERIES: dict[str, Rows] = {
    DAILY_LONG: random_daily(250, 31),
    DAILY_SHORT: random_daily(100, 32),
    FLAG: flag_session(),
    ORB: orb_session(),
    QUIET: quiet_session(),
    MINUTE_ONLY: quiet_session(),
}


@pytest.fixture(scope="session")
async def analysis_bars(database: Database) -> dict[str, Rows]:
    """Every series above, stored once (daily ones as 1Day, the sessions as 1Min)."""
    store = BarStore(database)
    daily = [frame(s, SERIES[s], DAILY_START, DAY) for s in (DAILY_LONG, DAILY_SHORT)]
    minutes = [frame(s, SERIES[s], SESSION_OPEN, MINUTE) for s in (FLAG, ORB, QUIET, MINUTE_ONLY)]
    for part in daily:
        await store.ingest(part, "1Day", on_conflict=ConflictPolicy.SKIP)
    for part in minutes:
        await store.ingest(part, "1Min", on_conflict=ConflictPolicy.SKIP)
    return SERIES


@pytest.fixture(scope="module")
async def technical_client(
    make_settings: Callable[..., Settings], analysis_bars: dict[str, Rows],
    api_client: Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]],
) -> AsyncIterator[httpx.AsyncClient]:
    from services.technical.app import build_app

    async with api_client(build_app(make_settings(ServiceName.TECHNICAL))) as client:
        yield client


@pytest.fixture(scope="module")
async def pattern_client(
    make_settings: Callable[..., Settings], analysis_bars: dict[str, Rows],
    api_client: Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]],
) -> AsyncIterator[httpx.AsyncClient]:
    from services.pattern.app import build_app

    async with api_client(build_app(make_settings(ServiceName.PATTERN))) as client:
        yield client
