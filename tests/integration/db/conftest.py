"""Fixtures of the database tests: a throw-away database, a pooled connection, a bar store, symbols."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import asyncpg
import numpy as np
import pytest

from catalyst.db import Database
from catalyst.db.bars import BarFrame, BarStore
from tests.support.database import scratch_dsn_async


@pytest.fixture
async def fresh_dsn() -> AsyncIterator[str]:
    """An empty, unmigrated database of its own, dropped after the test."""
    async with scratch_dsn_async("catalyst_test_db", migrate=False) as dsn:
        yield dsn


@pytest.fixture
async def conn(database: Database) -> AsyncIterator[asyncpg.Connection]:
    async with database.acquire() as connection:
        yield connection


@pytest.fixture
def store(database: Database) -> BarStore:
    return BarStore(database)


@pytest.fixture
def new_symbol() -> Callable[[], str]:
    """Symbols no other test uses (the session database is shared)."""
    return lambda: "Z" + uuid.uuid4().hex[:7].upper()


def random_walk_frame(symbols: list[str], bars_per_symbol: int, *, start: str = "2024-03-04T14:30",
                      step_s: int = 60, seed: int = 7) -> BarFrame:
    """Plausible one-minute bars (prices to 4 decimals, whole volumes), symbol-major order."""
    rng = np.random.default_rng(seed)
    n = len(symbols) * bars_per_symbol
    sym = np.repeat(np.array(symbols, dtype=object), bars_per_symbol)
    ts = np.tile(np.datetime64(start, "ns") + np.arange(bars_per_symbol) * np.timedelta64(step_s, "s"),
                 len(symbols))
    close = np.round(40 * np.exp(np.cumsum(rng.normal(0, 0.002, n))), 4)
    open_ = np.round(close * (1 + rng.normal(0, 0.001, n)), 4)
    high = np.round(np.maximum(open_, close) * (1 + rng.uniform(0, 0.002, n)), 4)
    low = np.round(np.minimum(open_, close) * (1 - rng.uniform(0, 0.002, n)), 4)
    volume = rng.integers(0, 50_000, n).astype(np.float64)
    return BarFrame.from_arrays(sym, ts, open_, high, low, close, volume)


@pytest.fixture
def make_frame() -> Callable[..., BarFrame]:
    return random_walk_frame
