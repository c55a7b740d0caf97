"""load_recent_bars over the real bar store: last N bars per symbol, per-symbol errors, gaps in history."""

from __future__ import annotations

import uuid

import numpy as np

from catalyst.db import Database
from catalyst.db.bar_frame import BarFrame
from catalyst.db.bars import BarStore
from catalyst.domain.market import Timeframe
from catalyst.errors import NotFound
from catalyst.indicators.recent_bars import RecentBars, load_recent_bars


def _symbol() -> str:
    return "ANR" + uuid.uuid4().hex[:5].upper()


def _daily(symbol: str, days: np.ndarray) -> BarFrame:
    n = days.shape[0]
    close = 50.0 + np.arange(n, dtype=float)
    return BarFrame.from_arrays([symbol] * n, days.astype("datetime64[ns]") + np.timedelta64(4, "h"),
                                close, close + 1, close - 1, close, np.full(n, 1000.0))


async def test_last_bars_errors_and_empty_histories_per_symbol(database: Database) -> None:
    store = BarStore(database)
    gapped, short, bare, unknown = _symbol(), _symbol(), _symbol(), _symbol()
    # 30 bars two years back, then 10 recent ones: a calendar window of the latest bars would miss the old ones
    old = np.datetime64("2022-01-03") + np.arange(30)
    recent = np.datetime64("2024-06-03") + np.arange(10)
    await store.ingest(_daily(gapped, np.concatenate([old, recent])), Timeframe.DAY_1)
    await store.ingest(_daily(short, recent[:3]), Timeframe.DAY_1)
    async with database.acquire() as conn:
        await conn.fetchval("SELECT get_or_create_security($1)", bare)

    got = await load_recent_bars(store, [unknown, gapped, short, bare], Timeframe.DAY_1, 25)

    assert list(got) == [unknown, gapped, short, bare]
    err = got[unknown]
    assert isinstance(err, NotFound)
    assert (err.code, err.details) == ("UNKNOWN_SYMBOL", {"symbols": [unknown]})
    g = got[gapped]
    assert isinstance(g, RecentBars)
    assert g.count == 25
    assert g.time_at(0).isoformat() == "2022-01-18T04:00:00+00:00"  # the 16th of the 30 old bars
    assert g.as_of.isoformat() == "2024-06-12T04:00:00+00:00"
    np.testing.assert_array_equal(g.bars.close, 50.0 + np.arange(15, 40))
    s = got[short]
    assert isinstance(s, RecentBars)
    assert s.count == 3
    b = got[bare]
    assert isinstance(b, RecentBars)
    assert (b.count, b.bars.close.shape) == (0, (0,))


async def test_only_unknown_symbols_and_no_symbols(database: Database) -> None:
    store = BarStore(database)
    a, b = _symbol(), _symbol()
    got = await load_recent_bars(store, [a, b], Timeframe.MIN_1, 5)
    assert all(isinstance(e, NotFound) and e.details == {"symbols": [s]} for s, e in got.items())
    assert await load_recent_bars(store, [], Timeframe.MIN_1, 5) == {}
