"""Bar ingest into trading_history: BarStore's bulk path against per-row inserts.

Creates a scratch database ``catalyst_bench_<random>``, applies the migrations, and ingests 1,000,000
one-minute bars (2,000 symbols x 500 bars, geometric random walks with vwap and trade counts) with
``BarStore.ingest`` — validation, bulk symbol/time resolution, binary COPY and commit all timed. The
naive path (one INSERT per bar calling get_or_create_security / get_or_create_time) is timed on 20,000
rows and extrapolated. asyncpg's ``copy_records_to_table`` is timed on 200,000 rows as the other COPY
encoder. A last table shows where the server's time goes: the same COPY stream into copies of
trading_history with fewer constraints. The scratch database is dropped at the end.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import asyncpg
import numpy as np

from catalyst.db.bar_frame import BarFrame, prepare_bars
from catalyst.db.bars import COPY_COLUMNS, BarStore, ConflictPolicy, copy_chunks, resolve_ids
from catalyst.db.migrate import apply_migrations
from catalyst.domain.market import Timeframe

ADMIN_DSN = os.environ.get("CATALYST_BENCH_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
SYMBOLS, BARS_PER_SYMBOL = 2_000, 500
NAIVE_ROWS, RECORDS_ROWS = 20_000, 200_000
TARGET_ROWS_PER_S = 250_000
COLUMNS = list(COPY_COLUMNS)


def synthetic_minutes(symbols: int, bars: int, *, start: str, seed: int, prefix: str = "B") -> BarFrame:
    """Random-walk one-minute bars, symbol-major, prices in cents, like a vendor's backfill."""
    rng = np.random.default_rng(seed)
    n = symbols * bars
    names = np.array([f"{prefix}{i:04d}" for i in range(symbols)], dtype=object)
    first = np.exp(rng.uniform(np.log(5), np.log(500), symbols))
    steps = rng.normal(0, 0.0008, (symbols, bars))
    close = np.round(first[:, None] * np.exp(np.cumsum(steps, axis=1)), 2).ravel()
    open_ = np.roll(close, 1)  # each bar opens at the previous close; a symbol's first bar at its start price
    open_[::bars] = np.round(first, 2)
    high = np.round(np.maximum(open_, close) * (1 + rng.exponential(0.0006, n)), 2)
    low = np.round(np.minimum(open_, close) * (1 - rng.exponential(0.0006, n)), 2)
    low = np.maximum(low, 0.01)
    vwap = np.round(np.clip((open_ + high + low + close) / 4, low, high), 4)
    volume = rng.lognormal(8, 1.2, n).round()
    trades = np.maximum(1, (volume / rng.uniform(50, 200, n)).round())
    ts = np.datetime64(start, "ns") + np.arange(bars) * np.timedelta64(60, "s")
    return BarFrame.from_arrays(np.repeat(names, bars), np.tile(ts, symbols), open_, high, low, close,
                                volume, vwap, trades)


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@dataclass
class Figure:
    path: str
    rows: int
    seconds: float
    note: str = ""

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


async def _timed(work: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await work()
    return max(time.perf_counter() - started, 1e-9)


async def _naive(conn: asyncpg.Connection, frame: BarFrame, rows: int) -> float:
    """Per-row INSERT resolving both ids with the helper functions, in one transaction (rolled back)."""
    stmt = await conn.prepare(
        "INSERT INTO trading_history (security_id, timeframe, time_id, open, high, low, close, volume, vwap,"
        " trade_count) VALUES (get_or_create_security($1), '1Min', get_or_create_time($2), $3, $4, $5, $6, $7,"
        " $8, $9)")
    ts = frame.ts[:rows].view("datetime64[ns]").astype("datetime64[us]").astype(object)
    data = [(frame.symbol[i], ts[i].replace(tzinfo=UTC), float(frame.open[i]), float(frame.high[i]),
             float(frame.low[i]), float(frame.close[i]), int(frame.volume[i]), float(frame.vwap[i]),
             int(frame.trade_count[i])) for i in range(rows)]
    tx = conn.transaction()
    await tx.start()
    try:
        started = time.perf_counter()
        for row in data:
            await stmt.fetch(*row)
        return time.perf_counter() - started
    finally:
        await tx.rollback()


async def _records(conn: asyncpg.Connection, frame: BarFrame, rows: int) -> float:
    """asyncpg's own binary encoder (a Python tuple per row), ids resolved in bulk, rolled back."""
    sub = BarFrame.from_arrays(*(getattr(frame, f)[:rows] for f in (
        "symbol", "ts", "open", "high", "low", "close", "volume", "vwap", "trade_count")))
    tx = conn.transaction()
    await tx.start()
    try:
        started = time.perf_counter()
        prepared, _ = prepare_bars(sub, Timeframe.MIN_1)
        ids = await resolve_ids(conn, prepared)
        records = zip(ids.tolist(), ["1Min"] * rows, prepared.time_id.tolist(), sub.open.tolist(),
                      sub.high.tolist(), sub.low.tolist(), sub.close.tolist(), prepared.volume.tolist(),
                      sub.vwap.tolist(), prepared.trade_count.tolist(), strict=True)
        await conn.copy_records_to_table("trading_history", records=records, columns=COLUMNS, timeout=600)
        return time.perf_counter() - started
    finally:
        await tx.rollback()


REF_CHECK = """
CREATE FUNCTION bench_check_refs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM securities s WHERE s.security_id IN (SELECT DISTINCT security_id FROM new_rows) FOR KEY SHARE;
    IF EXISTS (SELECT 1 FROM (SELECT DISTINCT security_id FROM new_rows) n
               WHERE NOT EXISTS (SELECT 1 FROM securities s WHERE s.security_id = n.security_id)) THEN
        RAISE foreign_key_violation;
    END IF;
    PERFORM 1 FROM time_dimension t WHERE t.time_id IN (SELECT DISTINCT time_id FROM new_rows) FOR KEY SHARE;
    IF EXISTS (SELECT 1 FROM (SELECT DISTINCT time_id FROM new_rows) n
               WHERE NOT EXISTS (SELECT 1 FROM time_dimension t WHERE t.time_id = n.time_id)) THEN
        RAISE foreign_key_violation;
    END IF;
    RETURN NULL;
END $$;
"""

VARIANTS = [
    ("no constraints, no index", "CREATE TABLE bench_v1 (LIKE trading_history INCLUDING DEFAULTS)"),
    ("primary key + CHECKs", "CREATE TABLE bench_v2 (LIKE trading_history INCLUDING DEFAULTS INCLUDING CONSTRAINTS"
                             " INCLUDING INDEXES)"),
    ("primary key + CHECKs + statement-level set-based reference check (not adopted)",
     "CREATE TABLE bench_v3 (LIKE trading_history INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES);"
     + REF_CHECK + "CREATE TRIGGER bench_v3_refs AFTER INSERT ON bench_v3 REFERENCING NEW TABLE AS new_rows"
     " FOR EACH STATEMENT EXECUTE FUNCTION bench_check_refs()"),
]


async def _stream(conn: asyncpg.Connection, frame: BarFrame) -> Callable[[], AsyncIterator[bytes]]:
    """The fast path's COPY stream for ``frame`` (ids resolved once), replayable."""
    prepared, _ = prepare_bars(frame, Timeframe.MIN_1)
    ids = await resolve_ids(conn, prepared)
    return lambda: copy_chunks(prepared, ids, Timeframe.MIN_1)


async def _variants(conn: asyncpg.Connection, frame: BarFrame) -> list[Figure]:
    stream = await _stream(conn, frame)
    figures = []
    for index, (label, ddl) in enumerate(VARIANTS, start=1):
        await conn.execute(ddl)
        await conn.execute("CHECKPOINT")
        table = f"bench_v{index}"

        async def copy(table: str = table) -> None:
            async with conn.transaction():
                await conn.copy_to_table(table, source=stream(), columns=COLUMNS, format="binary", timeout=600)

        figures.append(Figure(label, len(frame), await _timed(copy)))
        await conn.execute(f"DROP TABLE {table}")
    return figures


async def _reads(conn: asyncpg.Connection) -> list[tuple[str, int, float]]:
    """Median of 5 of each read against the 2M stored bars: (label, rows, seconds)."""
    store = BarStore(conn)
    hundred = [f"B{i:04d}" for i in range(0, SYMBOLS, SYMBOLS // 100)]
    cases: list[tuple[str, Callable[[], Awaitable[int]]]] = [
        ("BarStore.read, 1 symbol x 2 days (1,000 bars)", lambda: _count(store.read("B0007", "1Min"))),
        ("BarStore.read_many, 100 symbols x 2 days (100,000 bars)", lambda: _count(store.read_many(hundred, "1Min"))),
        ("BarStore.latest, 1 symbol", lambda: _count(store.latest("B0007"))),
        ("SELECT * FROM v_securities_latest (2,000 securities)",
         lambda: _count(conn.fetch("SELECT * FROM v_securities_latest"))),
    ]
    out = []
    for label, read in cases:
        times, rows = [], 0
        for _ in range(5):
            started = time.perf_counter()
            rows = await read()
            times.append(time.perf_counter() - started)
        out.append((label, rows, float(np.median(times))))
    return out


async def _count(result: Awaitable[Any]) -> int:
    value = await result
    if isinstance(value, dict):
        return sum(len(v) for v in value.values())
    return len(value) if hasattr(value, "__len__") else 1


async def _measure(dsn: str) -> tuple[list[Figure], list[Figure], dict[str, float], list[tuple[str, int, float]]]:
    frame = synthetic_minutes(SYMBOLS, BARS_PER_SYMBOL, start="2024-03-04T14:30", seed=1)
    later = synthetic_minutes(SYMBOLS, BARS_PER_SYMBOL, start="2024-03-05T14:30", seed=2)
    client: dict[str, float] = {}
    started = time.perf_counter()
    prepared, bad = prepare_bars(frame, Timeframe.MIN_1)
    client["validate + scale (numpy)"] = time.perf_counter() - started
    assert bad is None, bad
    ids = np.arange(len(prepared.symbols), dtype=np.int32)[prepared.codes]
    started = time.perf_counter()
    encoded = 0
    async for chunk in copy_chunks(prepared, ids, Timeframe.MIN_1):
        encoded += len(chunk)
    client["encode binary COPY (numpy)"] = time.perf_counter() - started
    client["COPY stream MB"] = encoded / 1e6

    conn = await asyncpg.connect(dsn)
    try:
        store = BarStore(conn)
        main = [
            Figure("BarStore.ingest, 2,000 new symbols + 500 new times, empty table", len(frame),
                   await _timed(lambda: store.ingest(frame, Timeframe.MIN_1))),
            Figure("BarStore.ingest, known symbols, next day, 1M rows already stored", len(later),
                   await _timed(lambda: store.ingest(later, Timeframe.MIN_1))),
        ]
        replay = synthetic_minutes(200, BARS_PER_SYMBOL, start="2024-03-05T14:30", seed=2)
        main.append(Figure("BarStore.ingest on_conflict=skip, 100k rows all already stored", len(replay),
                           await _timed(lambda: store.ingest(replay, "1Min",
                                                                          on_conflict=ConflictPolicy.SKIP))))
        other = synthetic_minutes(NAIVE_ROWS // BARS_PER_SYMBOL, BARS_PER_SYMBOL, start="2024-03-06T14:30", seed=3,
                                  prefix="N")
        main.append(Figure("asyncpg copy_records_to_table (tuple per row), ids in bulk", RECORDS_ROWS,
                           await _records(conn, synthetic_minutes(400, BARS_PER_SYMBOL, start="2024-03-07T14:30",
                                                                  seed=4, prefix="R"), RECORDS_ROWS),
                           f"measured on {RECORDS_ROWS:,} rows"))
        main.append(Figure("naive: INSERT per row with get_or_create_security/_time", NAIVE_ROWS,
                           await _naive(conn, other, NAIVE_ROWS),
                           f"measured on {NAIVE_ROWS:,} rows, extrapolated to 1M"))
        reads = await _reads(conn)
        parts = await _variants(conn, frame)
        stored = await conn.fetchval("SELECT count(*) FROM trading_history")
        assert stored == len(frame) + len(later), stored
    finally:
        await conn.close()
    return main, parts, client, reads


def _load() -> str:
    try:
        return "load average " + " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "load average unknown"


def _render(main: list[Figure], parts: list[Figure], client: dict[str, float],
            reads: list[tuple[str, int, float]], load_before: str) -> str:
    fast = main[0]
    naive = main[-1]
    lines = [
        "## Bar ingest (trading_history, BarStore)",
        "",
        "Command: `make bench` (alone: `.venv/bin/python -m bench bar_ingest`). Scratch database "
        "`catalyst_bench_<random>`, migrated, dropped at the end. 1,000,000 one-minute bars = 2,000 symbols x 500 "
        "bars (random walks, prices in cents, vwap and trade counts), into the real trading_history with its "
        "primary key, CHECK constraints and both foreign keys (securities, time_dimension).",
        "",
        "| Path | Rows | Seconds | Rows/s | Target |",
        "|---|---:|---:|---:|---|",
    ]
    for f in main:
        seconds = f"{f.seconds:.2f}" + (f" ({f.seconds * 1_000_000 / f.rows:.0f} for 1M)" if f.note else "")
        target = f"≥ {TARGET_ROWS_PER_S:,}" if f is fast else ""
        label = f.path + (f" — {f.note}" if f.note else "")
        lines.append(f"| {label} | {f.rows:,} | {seconds} | {f.rate:,.0f} | {target} |")
    met = "met" if fast.rate >= TARGET_ROWS_PER_S else "NOT met"
    lines += [
        "",
        f"Fast path vs naive per-row path: **{fast.rate / naive.rate:,.0f}x** faster. "
        f"Target {TARGET_ROWS_PER_S:,} rows/s: **{met}** ({fast.rate:,.0f} rows/s).",
        "",
        "Where the time goes — the same binary COPY stream (1M rows, ids already resolved) into copies of "
        "trading_history:",
        "",
        "| Table variant | Seconds | Rows/s |",
        "|---|---:|---:|",
        *[f"| {p.path} | {p.seconds:.2f} | {p.rate:,.0f} |" for p in parts],
        f"| real trading_history (+ 2 declared foreign keys) | {fast.seconds:.2f} | {fast.rate:,.0f} |",
        "",
        "Client side (numpy, no database): " + ", ".join(
            f"{k} {v:.1f}" if k.endswith("MB") else f"{k} {v:.2f} s" for k, v in client.items()) + ".",
        "",
        "Reads (median of 5, same database, 2M bars stored):",
        "",
        "| Read | Rows | Milliseconds |",
        "|---|---:|---:|",
        *[f"| {label} | {rows:,} | {seconds * 1000:.1f} |" for label, rows, seconds in reads],
        "",
        "Reading: the client side is a small part; PostgreSQL's per-row foreign-key triggers (one index probe and "
        "row lock on securities and one on time_dimension per bar) take most of the server time. A statement-level "
        "set-based check of the same references was measured above but not adopted: the schema keeps declared "
        "foreign keys. The naive figure is extrapolated linearly from its sample; copy_records_to_table and the "
        "naive sample are rolled back.",
        "",
        f"Machine: {os.cpu_count()} cores shared with other work ({load_before} at start, {_load()} at end); "
        "PostgreSQL 15 with stock settings (shared_buffers 128 MB, fsync on). Figures taken while other jobs "
        "load the CPU are noisy.",
    ]
    return "\n".join(lines) + "\n"


async def _run() -> str:
    name = f"catalyst_bench_{uuid.uuid4().hex[:10]}"
    load_before = _load()
    await _admin(f'CREATE DATABASE "{name}"')
    base, _, _ = ADMIN_DSN.rpartition("/")
    dsn = f"{base}/{name}"
    try:
        await asyncio.to_thread(apply_migrations, dsn)
        main, parts, client, reads = await _measure(dsn)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return _render(main, parts, client, reads, load_before)


def run() -> str:
    return asyncio.run(_run())


if __name__ == "__main__":
    print(run())
