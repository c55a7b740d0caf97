"""The 0001 schema: migrations are idempotent and the helper functions are safe under concurrency."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime

import asyncpg
import pytest

from catalyst.db.migrate import apply_migrations

TABLES = {
    "sectors", "securities", "time_dimension", "trading_history", "news_sentiment", "technical_indicators",
    "trading_cycles", "positions", "orders", "fills", "scan_results", "risk_events", "decision_logs",
    "risk_parameters", "audit_log", "scans",
}


async def _tables(conn: asyncpg.Connection) -> set[str]:
    rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {r["tablename"] for r in rows}


async def test_migrating_an_up_to_date_database_is_a_no_op(test_database_url: str, conn: asyncpg.Connection) -> None:
    before = await conn.fetchval("SELECT count(*) FROM _yoyo_migration")
    assert await asyncio.to_thread(apply_migrations, test_database_url) == []
    assert await asyncio.to_thread(apply_migrations, test_database_url) == []
    assert await conn.fetchval("SELECT count(*) FROM _yoyo_migration") == before
    assert await _tables(conn) >= TABLES


async def test_schema_applies_to_a_fresh_database(fresh_dsn: str) -> None:
    applied = await asyncio.to_thread(apply_migrations, fresh_dsn)
    assert "0001_schema" in applied
    assert await asyncio.to_thread(apply_migrations, fresh_dsn) == []
    conn = await asyncpg.connect(fresh_dsn)
    try:
        assert await _tables(conn) >= TABLES
        assert await conn.fetchval("SELECT count(*) FROM sectors") == 11
        views = {r["viewname"] for r in await conn.fetch("SELECT viewname FROM pg_views WHERE schemaname='public'")}
        assert "v_securities_latest" in views
    finally:
        await conn.close()


async def test_no_table_but_securities_has_a_symbol_column(conn: asyncpg.Connection) -> None:
    rows = await conn.fetch(
        "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'symbol'"
        " AND table_name IN (SELECT tablename FROM pg_tables WHERE schemaname = 'public')")
    assert {r["table_name"] for r in rows} == {"securities"}


async def test_spec_indexes_exist(conn: asyncpg.Connection) -> None:
    defs = {r["indexname"]: r["indexdef"] for r in await conn.fetch(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")}
    assert "(security_id, timeframe, time_id)" in defs["trading_history_pkey"]
    assert "(security_id, time_id DESC)" in defs["news_sentiment_security_time_idx"]
    assert "WHERE (status = 'open'::text)" in defs["positions_open_idx"]
    assert "WHERE (status = ANY" in defs["orders_open_idx"]
    assert "(status)" in defs["orders_status_idx"]
    assert "(security_id)" in defs["positions_security_idx"]


# ----------------------------------------------------------------------------- helper functions


async def _gather_on_connections(dsn: str, n: int, sql: str, *args: object) -> list[object]:
    conns = await asyncio.gather(*(asyncpg.connect(dsn) for _ in range(n)))
    try:
        return list(await asyncio.gather(*(c.fetchval(sql, *args) for c in conns)))
    finally:
        await asyncio.gather(*(c.close() for c in conns))


async def test_50_concurrent_get_or_create_security_make_one_row(fresh_dsn: str) -> None:
    await asyncio.to_thread(apply_migrations, fresh_dsn)
    ids = await _gather_on_connections(fresh_dsn, 50, "SELECT get_or_create_security($1)", "TSLA")
    assert len(set(ids)) == 1
    conn = await asyncpg.connect(fresh_dsn)
    try:
        assert await conn.fetchval("SELECT count(*) FROM securities WHERE symbol = 'TSLA'") == 1
        assert await conn.fetchval("SELECT security_id FROM securities WHERE symbol = 'TSLA'") == ids[0]
        # lower case and padding name the same security
        assert await conn.fetchval("SELECT get_or_create_security(' tsla ')") == ids[0]
    finally:
        await conn.close()


async def test_50_concurrent_get_or_create_time_make_one_row(fresh_dsn: str) -> None:
    await asyncio.to_thread(apply_migrations, fresh_dsn)
    ts = datetime(2024, 3, 1, 14, 30, 0, 123456, tzinfo=UTC)
    ids = await _gather_on_connections(fresh_dsn, 50, "SELECT get_or_create_time($1)", ts)
    assert len(set(ids)) == 1
    conn = await asyncpg.connect(fresh_dsn)
    try:
        assert await conn.fetchval("SELECT count(*) FROM time_dimension") == 1
        assert ids[0] == await conn.fetchval("SELECT time_id FROM time_dimension WHERE ts = $1", ts)
    finally:
        await conn.close()


async def test_concurrent_bulk_resolution_agrees_and_does_not_deadlock(fresh_dsn: str) -> None:
    await asyncio.to_thread(apply_migrations, fresh_dsn)
    symbols = [f"S{i:03d}" for i in range(200)]
    conns = await asyncio.gather(*(asyncpg.connect(fresh_dsn) for _ in range(8)))
    try:
        async def resolve(c: asyncpg.Connection, seed: int) -> dict[str, int]:
            mine = random.Random(seed).sample(symbols, 150)
            async with c.transaction():
                rows = await c.fetch("SELECT * FROM get_or_create_securities($1)", mine)
            return {r["symbol"]: r["security_id"] for r in rows}

        results = await asyncio.gather(*(resolve(c, i) for i, c in enumerate(conns)))
        rows = await conns[0].fetch("SELECT symbol, security_id FROM securities")
        stored = {r["symbol"]: r["security_id"] for r in rows}
    finally:
        await asyncio.gather(*(c.close() for c in conns))
    assert len(stored) == len(set().union(*results))
    for result in results:
        assert len(result) == 150
        assert all(stored[s] == i for s, i in result.items())


@pytest.mark.parametrize("bad", ["", "1ABC", "TOOLONGSYMBOL", "BRK/B", None])
async def test_get_or_create_security_refuses_bad_symbols(conn: asyncpg.Connection, bad: str | None) -> None:
    with pytest.raises(asyncpg.InvalidParameterValueError):
        await conn.fetchval("SELECT get_or_create_security($1)", bad)


async def test_symbol_boundaries(conn: asyncpg.Connection) -> None:
    assert await conn.fetchval("SELECT get_or_create_security('ABCDEFGHIJ')") > 0  # 10 characters: allowed
    assert await conn.fetchval("SELECT get_or_create_security('BRK.B')") > 0
    with pytest.raises(asyncpg.InvalidParameterValueError):
        await conn.fetchval("SELECT get_or_create_security('ABCDEFGHIJK')")  # 11
    with pytest.raises(asyncpg.CheckViolationError):
        await conn.execute("INSERT INTO securities (symbol) VALUES ('lower')")


async def test_time_dimension_is_chronological_and_knows_the_session(conn: asyncpg.Connection) -> None:
    # 2024-03-08 (Fri, EST, UTC-5) and 2024-03-11 (Mon, EDT, UTC-4): DST started in between.
    cases = {
        "2024-03-08 14:29:59+00": False,  # 09:29:59 ET
        "2024-03-08 14:30:00+00": True,  # 09:30 ET
        "2024-03-08 20:59:59+00": True,  # 15:59:59 ET
        "2024-03-08 21:00:00+00": False,  # 16:00 ET
        "2024-03-09 15:00:00+00": False,  # Saturday
        "2024-03-11 13:30:00+00": True,  # 09:30 EDT
        "2024-03-11 14:29:00+00": True,
        "2024-03-11 20:00:00+00": False,  # 16:00 EDT
    }
    for text, expected in cases.items():
        ts = datetime.fromisoformat(text)
        tid = await conn.fetchval("SELECT get_or_create_time($1)", ts)
        row = await conn.fetchrow("SELECT * FROM time_dimension WHERE time_id = $1", tid)
        assert row["is_market_hours"] is expected, text
        assert tid == int(ts.timestamp()) * 1_000_000  # µs since the epoch: ordering by id is by time
    row = await conn.fetchrow("SELECT * FROM time_dimension WHERE ts = '2024-03-11 13:30:00+00'")
    assert (row["trade_date"].isoformat(), row["day_of_week"], row["hour"], row["minute"]) == ("2024-03-11", 1, 9, 30)
    with pytest.raises(asyncpg.InvalidParameterValueError):
        await conn.fetchval("SELECT get_or_create_time('infinity'::timestamptz)")
    with pytest.raises(asyncpg.GeneratedAlwaysError):
        await conn.execute("INSERT INTO time_dimension (time_id, ts) VALUES (1, now())")
