"""BarStore.read_last against the real schema: the last n bars per symbol, in time order, one query."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import asyncpg
import numpy as np
import pytest

from catalyst.bar_columns import BarColumns
from catalyst.db.bars import BarFrame, BarStore
from catalyst.domain.market import Timeframe
from catalyst.errors import InvalidInput, NotFound

FIELDS = ("open", "high", "low", "close", "volume", "vwap", "trade_count")


def _assert_rows(got: BarColumns, frame: BarFrame, rows: np.ndarray) -> None:
    np.testing.assert_array_equal(got.ts, frame.ts[rows])
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(got, name), getattr(frame, name)[rows], err_msg=name)


@pytest.mark.parametrize(("stored", "n", "expected"), [(3, 5, 3), (5, 5, 5), (12, 5, 5), (12, 1, 1), (4, 0, 0)])
async def test_last_n_bars_in_time_order(store: BarStore, new_symbol: Callable[[], str],
                                         make_frame: Callable[..., BarFrame], stored: int, n: int,
                                         expected: int) -> None:
    sym = new_symbol()
    frame = make_frame([sym], stored)
    await store.ingest(frame, Timeframe.MIN_1)
    got = await store.read_last([sym], "1Min", n)
    assert list(got) == [sym]
    assert len(got[sym]) == expected
    _assert_rows(got[sym], frame, np.arange(stored - expected, stored))


async def test_many_symbols_each_get_their_own_last_bars(store: BarStore, new_symbol: Callable[[], str],
                                                         make_frame: Callable[..., BarFrame]) -> None:
    symbols = [new_symbol() for _ in range(4)]
    lengths = [2, 7, 30, 7]
    frames = [make_frame([s], k, start=f"2024-03-0{4 + i}T14:30", seed=i)
              for i, (s, k) in enumerate(zip(symbols, lengths, strict=True))]
    rng = np.random.default_rng(5)
    frames[2] = replace(frames[2], vwap=np.where(rng.random(30) < 0.5, frames[2].close, np.nan),
                        trade_count=np.where(rng.random(30) < 0.5, rng.integers(0, 99, 30), np.nan))
    for frame in frames:
        await store.ingest(frame, "1Min")
    got = await store.read_last([symbols[3].lower(), *symbols[:3]], Timeframe.MIN_1, 7)
    assert set(got) == set(symbols)
    for sym, frame, k in zip(symbols, frames, lengths, strict=True):
        _assert_rows(got[sym], frame, np.arange(max(0, k - 7), k))
    everything = await store.read_many(symbols, "1Min")
    for sym in symbols:  # the same bars as the tail of a full read
        np.testing.assert_array_equal(got[sym].ts, everything[sym].ts[-7:])


async def test_other_timeframes_and_symbols_without_bars(store: BarStore, conn: asyncpg.Connection,
                                                         new_symbol: Callable[[], str],
                                                         make_frame: Callable[..., BarFrame]) -> None:
    sym, bare = new_symbol(), new_symbol()
    await store.ingest(make_frame([sym], 6), "1Min")
    await store.ingest(make_frame([sym], 3, start="2024-03-04T15:00", step_s=300), "5Min")
    await conn.fetchval("SELECT get_or_create_security($1)", bare)
    got = await store.read_last([sym, bare], "5Min", 10)
    assert len(got[sym]) == 3
    assert len(got[bare]) == 0
    assert len((await store.read_last([sym], "1Day", 10))[sym]) == 0


async def test_unknown_symbols_are_not_found_like_read_many(store: BarStore, new_symbol: Callable[[], str],
                                                            make_frame: Callable[..., BarFrame]) -> None:
    known, unknown = new_symbol(), new_symbol()
    await store.ingest(make_frame([known], 3), "1Min")
    with pytest.raises(NotFound) as err:
        await store.read_last([known, unknown], "1Min", 2)
    assert err.value.code == "UNKNOWN_SYMBOL"
    assert err.value.details["symbols"] == [unknown]


@pytest.mark.parametrize("n", [-1, 2.5, True])
async def test_bad_count_or_timeframe_is_refused(store: BarStore, new_symbol: Callable[[], str],
                                                 make_frame: Callable[..., BarFrame], n: object) -> None:
    sym = new_symbol()
    await store.ingest(make_frame([sym], 3), "1Min")
    with pytest.raises(InvalidInput):
        await store.read_last([sym], "1Min", n)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput) as err:
        await store.read_last([sym], "2Min", 3)
    assert err.value.code == "INVALID_TIMEFRAME"
