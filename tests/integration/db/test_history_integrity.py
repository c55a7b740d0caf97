"""trading_history's references, checked per statement, and the permanent master rows they rely on.

trading_history has no declared foreign keys (per-row checks made bulk ingest 3-4x slower); two
statement-level triggers check every INSERT, COPY and UPDATE against securities and time_dimension,
and securities / time_dimension rows can be neither deleted nor re-keyed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import asyncpg
import numpy as np
import pytest

from catalyst.db import Database
from catalyst.db.bar_frame import prepare_bars
from catalyst.db.bars import COPY_COLUMNS, BarFrame, copy_chunks, resolve_ids
from catalyst.db.migrate import apply_migrations
from catalyst.domain.market import Timeframe

T0 = datetime(2023, 6, 5, 13, 30, tzinfo=UTC)
MISSING_TIME_ID = 915_148_800_000_001  # 1999-01-01 00:00:00.000001 UTC: no test stores this instant
Row = tuple[int, str, int, Decimal, Decimal, Decimal, Decimal, int, Decimal | None, int | None]


async def _security(conn: asyncpg.Connection, symbol: str) -> int:
    return int(await conn.fetchval("SELECT get_or_create_security($1)", symbol))


async def _times(conn: asyncpg.Connection, n: int, *, minute_offset: int = 0) -> list[int]:
    rows = await conn.fetch(
        "SELECT time_id FROM get_or_create_times(ARRAY(SELECT $1::timestamptz + (i + $2) * interval '1 minute'"
        " FROM generate_series(0, $3 - 1) AS i)) ORDER BY time_id", T0, minute_offset, n)
    return [int(r["time_id"]) for r in rows]


async def _missing_security_id(conn: asyncpg.Connection, above: int = 1000) -> int:
    return int(await conn.fetchval("SELECT coalesce(max(security_id), 0) + $1 FROM securities", above))


def _row(security_id: int, time_id: int) -> Row:
    return (security_id, "1Min", time_id, Decimal("10.5"), Decimal("11"), Decimal("10"), Decimal("10.25"), 1200,
            Decimal("10.4"), 12)


INSERT = ("INSERT INTO trading_history (security_id, timeframe, time_id, open, high, low, close, volume, vwap,"
          " trade_count) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")


async def _bars_of(conn: asyncpg.Connection, *security_ids: int) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM trading_history WHERE security_id = ANY($1::int[])",
                                   list(security_ids)))


async def _write(conn: asyncpg.Connection, how: str, rows: list[Row]) -> None:
    """One statement writing ``rows``: a multi-row INSERT or a binary COPY (asyncpg's encoder)."""
    if how == "insert":
        values = ", ".join(f"(${10 * i + 1}, ${10 * i + 2}, ${10 * i + 3}, ${10 * i + 4}, ${10 * i + 5},"
                           f" ${10 * i + 6}, ${10 * i + 7}, ${10 * i + 8}, ${10 * i + 9}, ${10 * i + 10})"
                           for i in range(len(rows)))
        await conn.execute(INSERT.split(" VALUES ")[0] + " VALUES " + values, *(v for r in rows for v in r))
    else:
        await conn.copy_records_to_table("trading_history", records=rows, columns=list(COPY_COLUMNS))


# ------------------------------------------------------------------------------ inserts and COPY


@pytest.mark.parametrize("how", ["insert", "copy"])
async def test_bar_of_a_missing_security_fails_and_writes_nothing(
        conn: asyncpg.Connection, new_symbol: Callable[[], str], how: str) -> None:
    sid = await _security(conn, new_symbol())
    times = await _times(conn, 3)
    missing = await _missing_security_id(conn)
    rows = [_row(sid, times[0]), _row(missing, times[1]), _row(sid, times[2])]
    with pytest.raises(asyncpg.ForeignKeyViolationError) as caught:
        await _write(conn, how, rows)
    assert caught.value.sqlstate == "23503"
    assert caught.value.constraint_name == "trading_history_security_id_fkey"
    assert caught.value.column_name == "security_id"
    assert f"Key (security_id)=({missing}) is not present" in (caught.value.detail or "")
    assert await _bars_of(conn, sid, missing) == 0  # the valid rows of the statement are not written either
    await _write(conn, how, [rows[0], rows[2]])  # the same rows without the bad one go in
    assert await _bars_of(conn, sid) == 2


@pytest.mark.parametrize("how", ["insert", "copy"])
async def test_bar_of_a_missing_time_fails_and_writes_nothing(
        conn: asyncpg.Connection, new_symbol: Callable[[], str], how: str) -> None:
    sid = await _security(conn, new_symbol())
    times = await _times(conn, 2)
    assert await conn.fetchval("SELECT count(*) FROM time_dimension WHERE time_id = $1", MISSING_TIME_ID) == 0
    rows = [_row(sid, times[0]), _row(sid, MISSING_TIME_ID), _row(sid, times[1])]
    with pytest.raises(asyncpg.ForeignKeyViolationError) as caught:
        await _write(conn, how, rows)
    assert caught.value.sqlstate == "23503"
    assert caught.value.constraint_name == "trading_history_time_id_fkey"
    assert f"Key (time_id)=({MISSING_TIME_ID}) is not present" in (caught.value.detail or "")
    assert await _bars_of(conn, sid) == 0


@pytest.mark.parametrize("key", ["security_id", "time_id"])
async def test_fast_path_binary_copy_is_checked_too(
        conn: asyncpg.Connection, new_symbol: Callable[[], str], make_frame: Callable[..., BarFrame],
        key: str) -> None:
    """The numpy-encoded COPY stream of BarStore, with one id spoiled after resolution."""
    frame = make_frame([new_symbol(), new_symbol()], 200, start="2023-06-06T13:30")
    prepared, bad = prepare_bars(frame, Timeframe.MIN_1)
    assert bad is None
    ids = await resolve_ids(conn, prepared)  # both securities and all 200 times now exist
    if key == "security_id":
        missing = await _missing_security_id(conn)
        ids = ids.copy()
        ids[250] = missing
    else:
        time_id = prepared.time_id.copy()
        time_id[250] = MISSING_TIME_ID
        prepared = replace(prepared, time_id=time_id)
    with pytest.raises(asyncpg.ForeignKeyViolationError) as caught:
        await conn.copy_to_table("trading_history", source=copy_chunks(prepared, ids, Timeframe.MIN_1, chunk_rows=64),
                                 columns=list(COPY_COLUMNS), format="binary")
    assert caught.value.constraint_name == f"trading_history_{key}_fkey"
    assert await _bars_of(conn, *np.unique(ids).tolist()) == 0


async def test_the_lowest_missing_key_and_the_count_are_reported(
        conn: asyncpg.Connection, new_symbol: Callable[[], str]) -> None:
    sid = await _security(conn, new_symbol())
    times = await _times(conn, 4)
    base = await _missing_security_id(conn)
    rows = [_row(sid, times[0]), _row(base + 7, times[1]), _row(base + 2, times[2]), _row(base + 7, times[3])]
    with pytest.raises(asyncpg.ForeignKeyViolationError) as caught:
        await _write(conn, "copy", rows)
    assert f"Key (security_id)=({base + 2}) is not present" in (caught.value.detail or "")
    assert "(2 missing security_id(s)" in (caught.value.detail or "")


async def test_key_boundaries_next_to_existing_rows(conn: asyncpg.Connection, new_symbol: Callable[[], str]) -> None:
    """An existing time plus or minus one microsecond, and the id just above the highest security, are refused."""
    sid = await _security(conn, new_symbol())
    (tid,) = await _times(conn, 1, minute_offset=10)
    for time_id in (tid - 1, tid + 1):
        with pytest.raises(asyncpg.ForeignKeyViolationError):
            await conn.execute(INSERT, *_row(sid, time_id))
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        await conn.execute(INSERT, *_row(await _missing_security_id(conn, above=1), tid))
    await conn.execute(INSERT, *_row(sid, tid))
    assert await _bars_of(conn, sid) == 1


# -------------------------------------------------------------------------- updates and transactions


async def test_update_to_a_missing_key_fails(conn: asyncpg.Connection, new_symbol: Callable[[], str]) -> None:
    sid, other = await _security(conn, new_symbol()), await _security(conn, new_symbol())
    (tid,) = await _times(conn, 1, minute_offset=20)
    await conn.execute(INSERT, *_row(sid, tid))
    missing = await _missing_security_id(conn)
    with pytest.raises(asyncpg.ForeignKeyViolationError, match="trading_history_security_id_fkey"):
        await conn.execute("UPDATE trading_history SET security_id = $1 WHERE security_id = $2", missing, sid)
    with pytest.raises(asyncpg.ForeignKeyViolationError, match="trading_history_time_id_fkey"):
        await conn.execute("UPDATE trading_history SET time_id = $1 WHERE security_id = $2", MISSING_TIME_ID, sid)
    assert await conn.fetchval("SELECT time_id FROM trading_history WHERE security_id = $1", sid) == tid
    await conn.execute("UPDATE trading_history SET security_id = $1 WHERE security_id = $2", other, sid)
    assert await _bars_of(conn, other) == 1
    # the upsert path (BarStore on_conflict='replace') is checked on its UPDATE side as well
    status = await conn.execute(INSERT + " ON CONFLICT (security_id, timeframe, time_id) DO UPDATE SET close = 10.5",
                                *_row(other, tid))
    assert status == "INSERT 0 1"
    assert await conn.fetchval("SELECT close FROM trading_history WHERE security_id = $1", other) == Decimal("10.5")


async def test_master_rows_of_the_same_transaction_count_and_rolled_back_ones_do_not(
        conn: asyncpg.Connection, new_symbol: Callable[[], str]) -> None:
    symbol, gone = new_symbol(), new_symbol()
    async with conn.transaction():
        sid = await _security(conn, symbol)
        tid = await conn.fetchval("SELECT get_or_create_time($1)", datetime(2023, 6, 7, 13, 31, 7, tzinfo=UTC))
        await conn.execute(INSERT, *_row(sid, tid))  # uncommitted master rows of this transaction are seen
        try:
            async with conn.transaction():  # savepoint
                gone_id = await _security(conn, gone)
                raise RuntimeError("roll the savepoint back")
        except RuntimeError:
            pass
        with pytest.raises(asyncpg.ForeignKeyViolationError):
            async with conn.transaction():
                await conn.execute(INSERT, *_row(gone_id, tid))
    assert await _bars_of(conn, sid) == 1
    assert await _bars_of(conn, gone_id) == 0
    assert await conn.fetchval("SELECT count(*) FROM securities WHERE symbol = $1", gone) == 0


async def test_a_security_another_transaction_has_not_committed_is_not_seen(
        database: Database, new_symbol: Callable[[], str]) -> None:
    async with database.acquire() as writer, database.acquire() as other:
        (tid,) = await _times(other, 1, minute_offset=30)
        tx = writer.transaction()
        await tx.start()
        try:
            pending = await _security(writer, new_symbol())
            with pytest.raises(asyncpg.ForeignKeyViolationError):
                await other.execute(INSERT, *_row(pending, tid))
        finally:
            await tx.rollback()
        assert await _bars_of(other, pending) == 0


# ------------------------------------------------------------------------------- permanent masters


async def test_a_security_cannot_be_deleted_or_rekeyed(conn: asyncpg.Connection,
                                                      new_symbol: Callable[[], str]) -> None:
    referenced, unreferenced = await _security(conn, new_symbol()), await _security(conn, new_symbol())
    (tid,) = await _times(conn, 1, minute_offset=40)
    await conn.execute(INSERT, *_row(referenced, tid))
    for sid in (referenced, unreferenced):  # referenced by bars only (no declared key), or by nothing
        with pytest.raises(asyncpg.RestrictViolationError, match="securities rows are permanent: DELETE"):
            await conn.execute("DELETE FROM securities WHERE security_id = $1", sid)
        with pytest.raises(asyncpg.RestrictViolationError, match="UPDATE of security_id"):
            await conn.execute("UPDATE securities SET security_id = $1 WHERE security_id = $2",
                               await _missing_security_id(conn), sid)
    assert await conn.fetchval("SELECT count(*) FROM securities WHERE security_id = ANY($1::int[])",
                               [referenced, unreferenced]) == 2
    # deactivating, renaming the company and a no-op key assignment are ordinary updates
    status = await conn.execute("UPDATE securities SET is_active = false, company_name = 'Gone Inc',"
                                " security_id = security_id WHERE security_id = $1", referenced)
    assert status == "UPDATE 1"
    assert await _bars_of(conn, referenced) == 1


async def test_a_time_row_cannot_be_deleted_or_changed(conn: asyncpg.Connection,
                                                       new_symbol: Callable[[], str]) -> None:
    sid = await _security(conn, new_symbol())
    referenced, unreferenced = await _times(conn, 2, minute_offset=50)
    await conn.execute(INSERT, *_row(sid, referenced))
    for tid in (referenced, unreferenced):
        with pytest.raises(asyncpg.RestrictViolationError, match="time_dimension rows are permanent: DELETE"):
            await conn.execute("DELETE FROM time_dimension WHERE time_id = $1", tid)
        with pytest.raises(asyncpg.RestrictViolationError, match="UPDATE of time_id"):
            await conn.execute("UPDATE time_dimension SET ts = ts + interval '1 minute' WHERE time_id = $1", tid)
        with pytest.raises(asyncpg.RestrictViolationError):
            await conn.execute("UPDATE time_dimension SET ts = ts WHERE time_id = $1", tid)  # immutable: any UPDATE
    assert await conn.fetchval("SELECT count(*) FROM time_dimension WHERE time_id = ANY($1::bigint[])",
                               [referenced, unreferenced]) == 2


async def test_master_tables_cannot_be_truncated_or_emptied(fresh_dsn: str) -> None:
    await asyncio.to_thread(apply_migrations, fresh_dsn)
    conn = await asyncpg.connect(fresh_dsn)
    try:
        await conn.execute("SELECT get_or_create_security('AAPL'), get_or_create_time(now())")
        for sql in ("TRUNCATE securities CASCADE", "TRUNCATE time_dimension CASCADE",
                    "TRUNCATE trading_history, time_dimension, securities CASCADE", "DELETE FROM securities",
                    "DELETE FROM time_dimension"):
            with pytest.raises(asyncpg.RestrictViolationError, match="rows are permanent"):
                await conn.execute(sql)
        assert await conn.fetchval(
            "SELECT (SELECT count(*) FROM securities) + (SELECT count(*) FROM time_dimension)") == 2
        await conn.execute("TRUNCATE trading_history")  # the fact table itself may still be emptied
        await conn.execute("DELETE FROM securities WHERE false")  # deleting no row is no error
    finally:
        await conn.close()


# ----------------------------------------------------------------------------------------- catalog


async def test_declared_keys_kept_everywhere_but_trading_history(conn: asyncpg.Connection) -> None:
    rows = await conn.fetch(
        "SELECT c.conrelid::regclass::text AS tbl, a.attname AS col, c.confrelid::regclass::text AS ref"
        " FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)"
        " WHERE c.contype = 'f' AND c.confrelid IN ('securities'::regclass, 'time_dimension'::regclass)")
    declared = {(r["tbl"], r["col"], r["ref"]) for r in rows}
    expected = {(t, "security_id", "securities") for t in (
        "news_sentiment", "technical_indicators", "positions", "orders", "scan_results", "risk_events",
        "decision_logs")} | {(t, "time_id", "time_dimension") for t in ("news_sentiment", "technical_indicators")}
    assert expected <= declared
    assert not {d for d in declared if d[0] == "trading_history"}
    kinds = [r["contype"] for r in await conn.fetch(
        "SELECT contype::text FROM pg_constraint WHERE conrelid = 'trading_history'::regclass"
        " AND contype <> 'n' ORDER BY contype")]  # PostgreSQL 18 lists NOT NULL as 'n'
    assert kinds == ["c"] * 9 + ["p"]  # the primary key and the nine CHECKs stay
    triggers = await conn.fetch(
        "SELECT tgname, tgenabled::text, pg_get_triggerdef(oid) AS def FROM pg_trigger"
        " WHERE tgrelid = 'trading_history'::regclass AND NOT tgisinternal")
    assert {r["tgname"]: r["tgenabled"] for r in triggers} == {
        "trading_history_references_on_insert": "O", "trading_history_references_on_update": "O"}
    for r in triggers:
        event = "INSERT" if r["tgname"].endswith("insert") else "UPDATE"
        assert f"AFTER {event} ON public.trading_history REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT" \
            in r["def"]


async def test_other_tables_keep_their_declared_time_key(conn: asyncpg.Connection,
                                                          new_symbol: Callable[[], str]) -> None:
    sid = await _security(conn, new_symbol())
    with pytest.raises(asyncpg.ForeignKeyViolationError, match="technical_indicators"):
        await conn.execute("INSERT INTO technical_indicators (security_id, timeframe, time_id) VALUES ($1, '1Min', $2)",
                           sid, MISSING_TIME_ID)


async def _seq_scans_of_masters(conn: asyncpg.Connection) -> int:
    """Sequential scans of securities and time_dimension by this backend in its current transaction."""
    return int(await conn.fetchval("SELECT coalesce(sum(seq_scan), 0) FROM pg_stat_xact_user_tables"
                                   " WHERE relname IN ('securities', 'time_dimension')"))


async def test_after_a_bulk_statement_a_one_bar_statement_probes_keys_not_tables(
        fresh_dsn: str, make_frame: Callable[..., BarFrame]) -> None:
    """The check's plan, cached for the session from a big COPY, must not scan the master tables later.

    Master tables of a realistic size (3,000 securities, 20,000 minutes, analyzed), in a database of
    their own; a new session, so the first plan of the check is made for the bulk statement.
    """
    await asyncio.to_thread(apply_migrations, fresh_dsn)
    conn = await asyncpg.connect(fresh_dsn)
    try:
        await conn.execute("SELECT count(*) FROM get_or_create_securities(ARRAY(SELECT 'M' || i FROM"
                           " generate_series(1, 3000) AS i))")
        await _times(conn, 20_000)
        await conn.execute("ANALYZE securities; ANALYZE time_dimension")
        frame = make_frame([f"M{i}" for i in range(1, 41)], 500, start="2023-06-05T13:30")
        prepared, _ = prepare_bars(frame, Timeframe.MIN_1)
        ids = await resolve_ids(conn, prepared)
        await conn.copy_to_table("trading_history", source=copy_chunks(prepared, ids, Timeframe.MIN_1),
                                 columns=list(COPY_COLUMNS), format="binary")
        tid = await conn.fetchval("SELECT max(time_id) FROM time_dimension")
        async with conn.transaction():
            before = await _seq_scans_of_masters(conn)
            await conn.execute(INSERT, *_row(int(ids[0]), tid))
            with pytest.raises(asyncpg.ForeignKeyViolationError):
                async with conn.transaction():
                    await conn.execute(INSERT, *_row(int(ids[0]), MISSING_TIME_ID))
            assert await _seq_scans_of_masters(conn) == before
        assert await _bars_of(conn, int(ids[0])) == 501
    finally:
        await conn.close()
