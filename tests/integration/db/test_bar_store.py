"""BarStore against the real schema: round trips, validation before any write, conflict policies, reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import asyncpg
import numpy as np
import pytest

from catalyst.bar_columns import BarColumns, from_ns
from catalyst.db import Database
from catalyst.db.bars import BarFrame, BarStore, ConflictPolicy
from catalyst.domain.market import Bar, Timeframe
from catalyst.errors import Conflict, InvalidInput, NotFound

FIELDS = ("open", "high", "low", "close", "volume", "vwap", "trade_count")


def _assert_same(got: BarColumns, frame: BarFrame, rows: np.ndarray) -> None:
    np.testing.assert_array_equal(got.ts, frame.ts[rows])
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(got, name), getattr(frame, name)[rows], err_msg=name)


async def _counts(conn: asyncpg.Connection) -> tuple[int, int, int]:
    row = await conn.fetchrow("SELECT (SELECT count(*) FROM trading_history) AS bars,"
                              " (SELECT count(*) FROM securities) AS securities,"
                              " (SELECT count(*) FROM time_dimension) AS times")
    return row["bars"], row["securities"], row["times"]


async def test_round_trip_returns_identical_arrays(store: BarStore, new_symbol: Callable[[], str],
                                                   make_frame: Callable[..., BarFrame]) -> None:
    symbols = [new_symbol() for _ in range(3)]
    base = make_frame(symbols, 400)
    n = len(base)
    rng = np.random.default_rng(3)
    vwap = np.where(rng.random(n) < 0.5, np.round((base.low + base.high) / 2, 4), np.nan)
    count = np.where(rng.random(n) < 0.7, rng.integers(0, 900, n), np.nan)
    frame = replace(base, vwap=vwap, trade_count=count)
    assert await store.ingest(frame, Timeframe.MIN_1) == n
    for i, sym in enumerate(symbols):
        _assert_same(await store.read(sym, "1Min"), frame, np.arange(i * 400, (i + 1) * 400))
    many = await store.read_many(symbols[::-1], Timeframe.MIN_1)
    assert set(many) == set(symbols)
    for i, sym in enumerate(symbols):
        _assert_same(many[sym], frame, np.arange(i * 400, (i + 1) * 400))


async def test_ingest_of_time_major_rows_reads_back_in_time_order(
        store: BarStore, new_symbol: Callable[[], str], make_frame: Callable[..., BarFrame]) -> None:
    symbols = [new_symbol() for _ in range(4)]
    frame = make_frame(symbols, 50)
    shuffled_rows = np.random.default_rng(1).permutation(len(frame))
    shuffled = BarFrame.from_arrays(*(getattr(frame, f)[shuffled_rows] for f in ("symbol", "ts", *FIELDS[:5])))
    await store.ingest(shuffled, "1Min")
    _assert_same(await store.read(symbols[2], "1Min"), frame, np.arange(100, 150))


async def test_ingest_of_bar_models(store: BarStore, new_symbol: Callable[[], str]) -> None:
    sym = new_symbol()
    t0 = datetime(2024, 5, 6, 13, 30, tzinfo=UTC)
    bars = [Bar(symbol=sym, ts=t0 + timedelta(minutes=5 * i), open=10 + i, high=11 + i, low=9.5 + i, close=10.5 + i,
                volume=1000 * i, vwap=10.25 + i if i % 2 else None, trade_count=i or None) for i in range(6)]
    assert await store.ingest(bars, "5Min") == 6
    got = await store.read(sym, "5Min")
    assert [from_ns(t) for t in got.ts.tolist()] == [b.ts for b in bars]
    assert got.close.tolist() == [b.close for b in bars]
    assert np.isnan(got.vwap[0])
    assert got.vwap[1] == 11.25
    assert np.isnan(got.trade_count[0])
    assert got.trade_count[5] == 5
    assert len(await store.read(sym, "1Min")) == 0  # same symbol, other timeframe


async def test_read_range_is_start_inclusive_end_exclusive(store: BarStore, new_symbol: Callable[[], str],
                                                            make_frame: Callable[..., BarFrame]) -> None:
    sym = new_symbol()
    await store.ingest(make_frame([sym], 10, start="2024-03-04T14:30"), "1Min")
    start, end = datetime(2024, 3, 4, 14, 32, tzinfo=UTC), datetime(2024, 3, 4, 14, 35, tzinfo=UTC)
    got = await store.read(sym, "1Min", start, end)
    assert [from_ns(t).strftime("%H:%M") for t in got.ts.tolist()] == ["14:32", "14:33", "14:34"]
    with pytest.raises(InvalidInput):
        await store.read(sym, "1Min", datetime(2024, 3, 4, 14, 32))  # naive datetime


async def test_unknown_symbols_are_not_found(store: BarStore, conn: asyncpg.Connection,
                                             new_symbol: Callable[[], str],
                                             make_frame: Callable[..., BarFrame]) -> None:
    known, unknown = new_symbol(), new_symbol()
    await store.ingest(make_frame([known], 3), "1Min")
    with pytest.raises(NotFound) as err:
        await store.read(unknown, "1Min")
    assert err.value.code == "UNKNOWN_SYMBOL"
    with pytest.raises(NotFound) as err:
        await store.read_many([known, unknown], "1Min")
    assert err.value.details["symbols"] == [unknown]
    with pytest.raises(NotFound):
        await store.latest(unknown)
    bare = new_symbol()
    await conn.fetchval("SELECT get_or_create_security($1)", bare)
    assert len(await store.read(bare, "1Day")) == 0
    with pytest.raises(NotFound) as err:
        await store.latest(bare)
    assert err.value.code == "NO_BARS"


# ------------------------------------------------------------------------------ validation

BAD_CASES = [
    ("open", np.nan, "price is NaN or infinite"),
    ("close", np.inf, "price is NaN or infinite"),
    ("low", 0.0, "price <= 0"),
    ("low", 4e-7, "price <= 0"),  # rounds to 0 at the stored 6 decimals
    ("high", -1.0, "price <= 0"),
    ("high", 2e12, "price out of range (>= 1e12)"),
    ("volume", -1.0, "volume < 0"),
    ("volume", 1.5, "volume is not a whole number"),
    ("volume", np.nan, "volume is NaN or infinite"),
    ("high", "low-0.01", "high < low"),
    ("open", "high+0.000001", "open outside [low, high]"),
    ("close", "low-0.000001", "close outside [low, high]"),
    ("vwap", 0.0, "vwap not a positive finite price"),
    ("trade_count", -1.0, "trade_count not a whole number >= 0"),
    ("trade_count", 2.5, "trade_count not a whole number >= 0"),
    ("symbol", "bad sym", "invalid symbol"),
    ("symbol", None, "invalid symbol"),
    ("ts", "+30s", "timestamp not aligned to 1Min"),
    ("ts", "+1ns", "timestamp finer than a microsecond"),
    ("ts", "nat", "timestamp missing or out of range (1970..2100)"),
    ("ts", "dup", "duplicate (symbol, ts) in batch"),
]


def _spoil(frame: BarFrame, row: int, column: str, value: object) -> BarFrame:
    arrays = {f: getattr(frame, f).copy() for f in ("symbol", "ts", *FIELDS)}
    if column == "ts":
        ts = arrays["ts"]
        ts[row] = {"+30s": ts[row] + 30 * 10**9, "+1ns": ts[row] + 1, "nat": np.iinfo(np.int64).min,
                   "dup": ts[row - 1]}[str(value)]
        if value == "dup":
            arrays["symbol"][row] = arrays["symbol"][row - 1]
    elif isinstance(value, str) and column != "symbol":
        ref, delta = value.split("+") if "+" in value else (value.split("-")[0], "-" + value.split("-")[1])
        arrays[column][row] = round(arrays[ref][row] + float(delta), 6)
    else:
        arrays[column][row] = value
    return BarFrame(**arrays)


@pytest.mark.parametrize(("column", "value", "reason"), BAD_CASES)
async def test_bad_bar_is_named_and_nothing_is_written(
        store: BarStore, conn: asyncpg.Connection, new_symbol: Callable[[], str],
        make_frame: Callable[..., BarFrame], column: str, value: object, reason: str) -> None:
    frame = make_frame([new_symbol(), new_symbol()], 20)
    bad = _spoil(frame, 27, column, value)
    before = await _counts(conn)
    with pytest.raises(InvalidInput) as err:
        await store.ingest(bad, "1Min")
    assert err.value.code == "INVALID_BAR"
    details = err.value.details
    assert (details["row"], details["reason"], details["bad_rows"]) == (27, reason, 1)
    assert details["symbol"] == (bad.symbol[27] if isinstance(bad.symbol[27], str) else repr(bad.symbol[27]))
    assert await _counts(conn) == before


async def test_first_bad_row_and_count_are_reported(store: BarStore, conn: asyncpg.Connection,
                                                    new_symbol: Callable[[], str],
                                                    make_frame: Callable[..., BarFrame]) -> None:
    frame = make_frame([new_symbol()], 50)
    frame = _spoil(_spoil(_spoil(frame, 40, "volume", -5.0), 12, "low", 0.0), 30, "open", np.nan)
    before = await _counts(conn)
    with pytest.raises(InvalidInput) as err:
        await store.ingest(frame, "1Min")
    assert err.value.details["row"] == 12
    assert err.value.details["bad_rows"] == 3
    assert err.value.details["ts"] == "2024-03-04T14:42:00+00:00"
    assert await _counts(conn) == before


async def test_boundary_bars_are_accepted(store: BarStore, new_symbol: Callable[[], str]) -> None:
    sym = new_symbol()
    frame = BarFrame.from_arrays(
        [sym] * 3, np.array(["2024-03-04T00:00", "2024-03-05T00:00", "2024-03-06T05:00"], dtype="datetime64[ns]"),
        open=[1e-6, 10, 999_999_999_999.99], high=[1e-6, 10, 999_999_999_999.99],
        low=[1e-6, 10, 999_999_999_999.99], close=[1e-6, 10, 999_999_999_999.99], volume=[0, 0, 2**53])
    assert await store.ingest(frame, "1Day") == 3  # daily bars need not be UTC-midnight aligned
    got = await store.read(sym, "1Day")
    assert got.open.tolist() == [1e-6, 10.0, 999_999_999_999.99]
    assert got.volume.tolist() == [0.0, 0.0, 2.0**53]


async def test_bad_arguments_are_invalid_input(store: BarStore, new_symbol: Callable[[], str],
                                               make_frame: Callable[..., BarFrame]) -> None:
    frame = make_frame([new_symbol()], 2)
    with pytest.raises(InvalidInput):
        await store.ingest(frame, "2Min")
    with pytest.raises(InvalidInput):
        await store.ingest(frame, "1Min", on_conflict="overwrite")
    with pytest.raises(InvalidInput):
        BarFrame.from_arrays(["A", "B"], np.zeros(2, dtype=np.int64), [1, 2], [1, 2], [1, 2], [1, 2], [1])
    assert await store.ingest([], "1Min") == 0


# ------------------------------------------------------------------------------ conflicts


async def test_conflict_error_names_the_row_and_writes_nothing(
        store: BarStore, conn: asyncpg.Connection, new_symbol: Callable[[], str],
        make_frame: Callable[..., BarFrame]) -> None:
    sym_a, sym_b = new_symbol(), new_symbol()
    await store.ingest(make_frame([sym_a], 10), "1Min")
    # new symbol B first, then A's 10 stored minutes plus 5 new ones
    batch = make_frame([sym_b, sym_a], 15, seed=9)
    before = await _counts(conn)
    with pytest.raises(Conflict) as err:
        await store.ingest(batch, "1Min")
    assert err.value.code == "BAR_CONFLICT"
    assert err.value.details["row"] == 15
    assert err.value.details["symbol"] == sym_a
    assert err.value.details["conflicting_rows"] == 10
    assert await _counts(conn) == before  # B's symbol, times and bars were rolled back too
    assert await conn.fetchval("SELECT count(*) FROM securities WHERE symbol = $1", sym_b) == 0


async def test_skip_keeps_stored_bars_and_adds_new_ones(store: BarStore, new_symbol: Callable[[], str],
                                                        make_frame: Callable[..., BarFrame]) -> None:
    sym = new_symbol()
    first = make_frame([sym], 10)
    await store.ingest(first, "1Min")
    second = make_frame([sym], 15, seed=99)
    assert await store.ingest(second, "1Min", on_conflict=ConflictPolicy.SKIP) == 5
    got = await store.read(sym, "1Min")
    np.testing.assert_array_equal(got.close[:10], first.close)
    np.testing.assert_array_equal(got.close[10:], second.close[10:])
    assert await store.ingest(second, "1Min", on_conflict="skip") == 0  # replay re-ingest is idempotent


async def test_replace_overwrites_changed_bars_only(store: BarStore, new_symbol: Callable[[], str],
                                                    make_frame: Callable[..., BarFrame]) -> None:
    sym = new_symbol()
    first = make_frame([sym], 10)
    await store.ingest(first, "1Min")
    corrected = replace(first, volume=first.volume.copy())
    corrected.volume[[2, 7]] += 100
    assert await store.ingest(corrected, "1Min", on_conflict="replace") == 2
    np.testing.assert_array_equal((await store.read(sym, "1Min")).volume, corrected.volume)
    assert await store.ingest(corrected, "1Min", on_conflict="replace") == 0


async def test_store_over_a_connection_joins_the_callers_transaction(
        database: Database, new_symbol: Callable[[], str], make_frame: Callable[..., BarFrame]) -> None:
    sym = new_symbol()
    async with database.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        await BarStore(conn).ingest(make_frame([sym], 5), "1Min")
        assert await conn.fetchval("SELECT count(*) FROM trading_history JOIN securities USING (security_id)"
                                   " WHERE symbol = $1", sym) == 5
        await tx.rollback()
        assert await conn.fetchval("SELECT count(*) FROM securities WHERE symbol = $1", sym) == 0


# ------------------------------------------------------------------------------ latest


async def test_latest_bar_in_view_and_store(store: BarStore, conn: asyncpg.Connection,
                                            new_symbol: Callable[[], str],
                                            make_frame: Callable[..., BarFrame]) -> None:
    sym = new_symbol()
    minutes = make_frame([sym], 30, start="2024-03-04T14:30")
    await store.ingest(minutes, "1Min")
    daily = BarFrame.from_arrays([sym, sym], np.array(["2024-03-01T05:00", "2024-03-04T05:00"], dtype="datetime64[ns]"),
                                 [40, 41], [42, 43], [39, 40], [41, 42], [1e6, 2e6])
    await store.ingest(daily, "1Day")
    # an older minute bar ingested last must not become "latest" (time ids are chronological)
    await store.ingest(make_frame([sym], 1, start="2024-03-04T14:00"), "1Min")
    row = await conn.fetchrow("SELECT * FROM v_securities_latest WHERE symbol = $1", sym)
    assert row["timeframe"] == "1Min"
    assert row["latest_ts"] == datetime(2024, 3, 4, 14, 59, tzinfo=UTC)
    assert float(row["latest_close"]) == minutes.close[-1]
    assert row["latest_volume"] == minutes.volume[-1]
    latest = await store.latest(sym)
    assert (latest.ts, latest.close, latest.timeframe) == (row["latest_ts"], minutes.close[-1], Timeframe.MIN_1)
    day = await store.latest(sym, "1Day")
    assert (day.ts, day.close, day.volume) == (datetime(2024, 3, 4, 5, 0, tzinfo=UTC), 42.0, 2e6)
    no_bars = new_symbol()
    await conn.fetchval("SELECT get_or_create_security($1)", no_bars)
    empty = await conn.fetchrow("SELECT * FROM v_securities_latest WHERE symbol = $1", no_bars)
    assert empty["latest_close"] is None
    assert empty["timeframe"] is None
