"""The bar store: bulk ingest of OHLCV bars into ``trading_history`` and range reads as ``BarColumns``.

Ingest is one transaction: validate the whole batch with numpy (nothing is written when any row is
bad), resolve every new symbol with one statement and every distinct timestamp with another, then
stream the rows to the server as binary COPY built from numpy arrays (``catalyst.db.pgcopy``).

Conflict policy (a bar already stored for the same security, timeframe and time):

- ``error`` (default): the batch is refused with ``Conflict`` (409) naming its first such row and how
  many collide; nothing of the batch is written. New data must not silently rewrite history.
- ``skip``: stored bars are kept, only the batch's new bars are written (idempotent replay re-ingest).
- ``replace``: stored bars take the batch's values (a corrected feed); identical bars are not rewritten.

``skip`` and ``replace`` stage the batch in a temporary table and merge it with one statement.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeAlias, TypeVar, overload

import asyncpg
import numpy as np
import numpy.typing as npt
from prometheus_client import Counter, Histogram

from catalyst.bar_columns import NS_PER_US, BarColumns
from catalyst.db.bar_frame import BarFrame, ScaledBars, invalid_bar_error, iso_utc, prepare_bars
from catalyst.db.pgcopy import COPY_HEADER, COPY_TRAILER, CopyColumn, CopyType, encode_tuples
from catalyst.db.pool import Database
from catalyst.domain.market import Bar, Timeframe
from catalyst.errors import Conflict, InvalidInput, NotFound
from catalyst.logging import get_logger

log = get_logger(__name__)

BARS_INGESTED = Counter(
    "catalyst_bars_ingested_total", "Bars written to trading_history, by timeframe and conflict policy",
    ["timeframe", "policy"],
)
BARS_REJECTED = Counter(
    "catalyst_bars_rejected_total", "Bar batches refused (invalid rows or conflicts), by reason",
    ["reason"],
)
INGEST_SECONDS = Histogram(
    "catalyst_bars_ingest_duration_seconds", "Wall time of one BarStore.ingest call",
    buckets=(0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)

Connectable: TypeAlias = Database | asyncpg.Pool | asyncpg.Connection

COPY_COLUMNS = ("security_id", "timeframe", "time_id", "open", "high", "low", "close", "volume", "vwap",
            "trade_count")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_STAGE = "_bar_ingest_stage"
E = TypeVar("E", bound=StrEnum)


class ConflictPolicy(StrEnum):
    ERROR = "error"
    SKIP = "skip"
    REPLACE = "replace"


def _member(kind: type[E], value: E | str, what: str, code: str) -> E:
    """``value`` as a member of ``kind``, or a 400 naming the allowed values."""
    try:
        return kind(value)
    except ValueError as exc:
        raise InvalidInput(f"unknown {what} {value!r}", code=code,
                           details={"allowed": [m.value for m in kind]}) from exc


def _timeframe(value: Timeframe | str) -> Timeframe:
    return _member(Timeframe, value, "timeframe", "INVALID_TIMEFRAME")


def _policy(value: ConflictPolicy | str) -> ConflictPolicy:
    return _member(ConflictPolicy, value, "conflict policy", "INVALID_INPUT")


@overload
def time_us(value: datetime) -> int: ...


@overload
def time_us(value: None) -> None: ...


def time_us(value: datetime | None) -> int | None:
    """A time as a time_id (µs since the epoch, the ``trading_history`` key); None (an unbounded range
    bound) stays None."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise InvalidInput("range bounds must be timezone-aware", code="INVALID_INPUT")
    return (value - _EPOCH) // timedelta(microseconds=1)


def completed_by(now: datetime, timeframe: Timeframe | str) -> datetime:
    """The latest bar start whose bar is complete at ``now``: ``now`` minus one timeframe.

    A bar starting at ``ts`` spans ``[ts, ts + timeframe)``, so it is complete once
    ``ts + timeframe <= now`` (inclusive: the 09:30 minute bar counts from 09:31:00 exactly).
    Daily bars (stamped at midnight New York) count from 24 hours later: after the session,
    never before it ends.
    """
    return now - timedelta(seconds=_timeframe(timeframe).seconds)


def copy_chunks(bars: ScaledBars, security_ids: npt.NDArray[np.int32], timeframe: Timeframe, *,
                order: npt.NDArray[np.intp] | None = None, chunk_rows: int = 65_536) -> AsyncIterator[bytes]:
    """The binary COPY stream of ``bars`` for trading_history's ``COPY_COLUMNS``, in chunks of rows.

    Rows with and without vwap / trade_count go in separate groups so each group is fixed-width. Encoding
    chunk by chunk lets the server work on one chunk while the next is built.
    """
    tf = timeframe.value.encode()

    async def chunks() -> AsyncIterator[bytes]:
        yield COPY_HEADER
        n = security_ids.shape[0]
        for start in range(0, n, chunk_rows):
            rows = np.arange(start, min(start + chunk_rows, n)) if order is None else order[start:start + chunk_rows]
            pattern = bars.has_vwap[rows].astype(np.int8) * 2 + bars.has_trade_count[rows]
            for code in np.unique(pattern):
                sel = rows[pattern == code]
                yield encode_tuples([
                    CopyColumn("security_id", CopyType.INT4, security_ids[sel]),
                    CopyColumn("timeframe", CopyType.CONST_TEXT, tf),
                    CopyColumn("time_id", CopyType.INT8, bars.time_id[sel]),
                    CopyColumn("open", CopyType.NUMERIC6, bars.open[sel]),
                    CopyColumn("high", CopyType.NUMERIC6, bars.high[sel]),
                    CopyColumn("low", CopyType.NUMERIC6, bars.low[sel]),
                    CopyColumn("close", CopyType.NUMERIC6, bars.close[sel]),
                    CopyColumn("volume", CopyType.INT8, bars.volume[sel]),
                    CopyColumn("vwap", CopyType.NUMERIC6, bars.vwap[sel] if code & 2 else None),
                    CopyColumn("trade_count", CopyType.INT8, bars.trade_count[sel] if code & 1 else None),
                ], int(sel.shape[0]))
        yield COPY_TRAILER

    return chunks()


async def resolve_ids(conn: Any, bars: ScaledBars) -> npt.NDArray[np.int32]:
    """Security id per row (one statement for all symbols) and every timestamp in time_dimension."""
    rows = await conn.fetch("SELECT symbol, security_id FROM get_or_create_securities($1::text[])",
                            bars.symbols)
    by_symbol = {r["symbol"]: r["security_id"] for r in rows}
    per_code = np.array([by_symbol[s] for s in bars.symbols], dtype=np.int32)
    times = np.unique(bars.time_id)
    stored = await conn.fetchval(
        "SELECT count(*) FROM get_or_create_times(ARRAY(SELECT 'epoch'::timestamptz + u * interval '1 microsecond'"
        " FROM unnest($1::bigint[]) AS u))", times.tolist())
    if stored != times.shape[0]:  # the generated time_id disagrees with ours: refuse rather than mis-file
        raise RuntimeError(f"time_dimension resolved {stored} of {times.shape[0]} timestamps")
    return per_code[bars.codes]


def _row_order(security_ids: npt.NDArray[np.int32], time_id: npt.NDArray[np.int64]) -> npt.NDArray[np.intp] | None:
    """Rows in primary-key order (None when already so): keeps B-tree inserts local and lock order stable."""
    if security_ids.shape[0] < 2:
        return None
    sid = security_ids.astype(np.int64)
    ordered = (sid[1:] > sid[:-1]) | ((sid[1:] == sid[:-1]) & (time_id[1:] > time_id[:-1]))
    if bool(ordered.all()):
        return None
    return np.lexsort((time_id, sid))


def unknown_symbols(missing: Sequence[str]) -> NotFound:
    """The 404 of a read that names symbols never stored (``details.symbols`` lists them)."""
    return NotFound(f"unknown symbol(s): {', '.join(missing[:20])}", code="UNKNOWN_SYMBOL",
                    details={"symbols": list(missing)})


class BarStore:
    """Bars in ``trading_history`` over a ``Database``, an asyncpg pool, or one connection.

    Passing a connection that is already in a transaction makes ingest part of it (a savepoint).
    """

    def __init__(self, db: Connectable, *, chunk_rows: int = 65_536, copy_timeout: float | None = None):
        self._db = db
        self._chunk_rows = chunk_rows
        self._copy_timeout = copy_timeout

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[Any]:
        if isinstance(self._db, Database | asyncpg.Pool):
            async with self._db.acquire() as conn:
                yield conn
        else:
            yield self._db

    def _timeout(self, rows: int) -> float:
        """COPY may outlast the pool's 10 s command timeout on big batches: allow 30 s + 1 s per 20k rows."""
        return self._copy_timeout if self._copy_timeout is not None else 30.0 + rows / 20_000

    # ----------------------------------------------------------------------------------- ingest

    async def ingest(self, bars: BarFrame | Sequence[Bar], timeframe: Timeframe | str, *,
                     on_conflict: ConflictPolicy | str = ConflictPolicy.ERROR) -> int:
        """Write ``bars`` in one transaction; returns how many rows were written (inserted or replaced)."""
        started = time.perf_counter()
        tf, policy = _timeframe(timeframe), _policy(on_conflict)
        frame = bars if isinstance(bars, BarFrame) else BarFrame.from_bars(bars)
        if len(frame) == 0:
            return 0
        prepared, bad = prepare_bars(frame, tf)
        if bad is not None:
            BARS_REJECTED.labels("invalid").inc()
            raise invalid_bar_error(frame, bad)
        async with self._connection() as conn, conn.transaction():
            security_ids = await resolve_ids(conn, prepared)
            order = _row_order(security_ids, prepared.time_id)
            chunks = copy_chunks(prepared, security_ids, tf, order=order, chunk_rows=self._chunk_rows)
            if policy is ConflictPolicy.ERROR:
                written = await self._copy_or_conflict(conn, frame, prepared, security_ids, tf, chunks)
            else:
                written = await self._merge(conn, policy, chunks, len(frame))
        BARS_INGESTED.labels(tf.value, policy.value).inc(written)
        INGEST_SECONDS.observe(time.perf_counter() - started)
        log.info("bars_ingested", timeframe=tf.value, rows=len(frame), written=written, policy=policy.value,
                 symbols=len(prepared.symbols), seconds=round(time.perf_counter() - started, 3))
        return written

    async def _copy_or_conflict(self, conn: Any, frame: BarFrame, bars: ScaledBars,
                                security_ids: npt.NDArray[np.int32], tf: Timeframe,
                                chunks: AsyncIterator[bytes]) -> int:
        try:
            async with conn.transaction():  # savepoint: the outer transaction stays usable to explain
                await conn.copy_to_table("trading_history", source=chunks, columns=list(COPY_COLUMNS),
                                         format="binary", timeout=self._timeout(len(frame)))
        except asyncpg.UniqueViolationError:
            raise await self._conflict_error(conn, frame, bars, security_ids, tf) from None
        return len(frame)

    async def _conflict_error(self, conn: Any, frame: BarFrame, bars: ScaledBars,
                              security_ids: npt.NDArray[np.int32], tf: Timeframe) -> Conflict:
        found = await conn.fetchrow(
            "SELECT min(b.ord) - 1 AS row, count(*) AS n FROM unnest($1::int[], $2::bigint[]) WITH ORDINALITY"
            " AS b(security_id, time_id, ord) JOIN trading_history h ON h.security_id = b.security_id"
            " AND h.timeframe = $3 AND h.time_id = b.time_id",
            security_ids.tolist(), bars.time_id.tolist(), tf.value)
        BARS_REJECTED.labels("conflict").inc()
        row = found["row"]
        if row is None:  # a concurrent writer committed the same bar after our COPY failed on it
            return Conflict("bars collide with bars being written concurrently", code="BAR_CONFLICT",
                            details={"timeframe": tf.value})
        ts = iso_utc(int(frame.ts[row]))
        return Conflict(
            f"bar {row} is already stored ({found['n']} bar(s) of the batch are); use on_conflict='skip' or"
            " 'replace' to re-ingest", code="BAR_CONFLICT",
            details={"row": int(row), "symbol": str(frame.symbol[row]), "ts": ts, "timeframe": tf.value,
                     "conflicting_rows": int(found["n"])})

    async def _merge(self, conn: Any, policy: ConflictPolicy, chunks: AsyncIterator[bytes], rows: int) -> int:
        cols = ", ".join(COPY_COLUMNS)
        await conn.execute(f"CREATE TEMP TABLE {_STAGE} (LIKE trading_history INCLUDING DEFAULTS) ON COMMIT DROP")
        await conn.copy_to_table(_STAGE, source=chunks, columns=list(COPY_COLUMNS), format="binary",
                                 timeout=self._timeout(rows))
        merge = f"INSERT INTO trading_history ({cols}) SELECT {cols} FROM {_STAGE} ORDER BY security_id, time_id"
        if policy is ConflictPolicy.SKIP:
            status = await conn.execute(f"{merge} ON CONFLICT (security_id, timeframe, time_id) DO NOTHING",
                                        timeout=self._timeout(rows))
        else:
            values = ("open", "high", "low", "close", "volume", "vwap", "trade_count")
            status = await conn.execute(
                f"{merge} ON CONFLICT (security_id, timeframe, time_id) DO UPDATE SET "
                + ", ".join(f"{c} = EXCLUDED.{c}" for c in values) + ", ingested_at = EXCLUDED.ingested_at"
                + f" WHERE ({', '.join('trading_history.' + c for c in values)})"
                + f" IS DISTINCT FROM ({', '.join('EXCLUDED.' + c for c in values)})",
                timeout=self._timeout(rows))
        await conn.execute(f"DROP TABLE {_STAGE}")
        return int(status.rsplit(" ", 1)[1])

    # ------------------------------------------------------------------------------------ reads

    async def _security_ids(self, conn: Any, symbols: Sequence[str]) -> dict[str, int]:
        wanted = [s.strip().upper() for s in symbols]
        rows = await conn.fetch("SELECT symbol, security_id FROM securities WHERE symbol = ANY($1::text[])", wanted)
        found = {r["symbol"]: r["security_id"] for r in rows}
        missing = sorted(set(wanted) - found.keys())
        if missing:
            raise unknown_symbols(missing)
        return found

    async def read(self, symbol: str, timeframe: Timeframe | str, start: datetime | None = None,
                   end: datetime | None = None) -> BarColumns:
        """Bars of ``symbol`` with start time in ``[start, end)`` ordered by time (empty arrays when none)."""
        return (await self.read_many([symbol], timeframe, start, end))[symbol.strip().upper()]

    async def read_many(self, symbols: Sequence[str], timeframe: Timeframe | str, start: datetime | None = None,
                        end: datetime | None = None) -> dict[str, BarColumns]:
        """One query for many symbols: ``{symbol: BarColumns}``; unknown symbols raise NotFound (404)."""
        tf = _timeframe(timeframe)
        bounds = "".join(f" AND time_id {op} {us}" for op, us in ((">=", time_us(start)), ("<", time_us(end)))
                         if us is not None)
        async with self._connection() as conn:
            ids = await self._security_ids(conn, symbols)
            raw = await _copy_out(conn, (
                f"SELECT {_READ_COLUMNS} FROM trading_history WHERE security_id = ANY('{_int_array(ids)}'::int[])"
                f" AND timeframe = '{tf.value}'{bounds} ORDER BY security_id, time_id"))
        return _split_by_symbol(ids, raw)

    async def read_last(self, symbols: Sequence[str], timeframe: Timeframe | str, n: int, *,
                        end: datetime | None = None) -> dict[str, BarColumns]:
        """The last ``n`` bars of each symbol (fewer when it has fewer), in time order, in one query.

        ``end`` reads as of that instant (the market clock's now): only bars *complete* by then
        count, i.e. bars whose start is at or before ``end`` minus one timeframe (``completed_by``).
        A bar that started later is still forming at ``end`` (its high, low and close lie in the
        future), so a replayed day never sees ahead. None: every stored bar.

        Same result form and unknown-symbol policy as ``read_many``. Each symbol is a LATERAL
        ``ORDER BY time_id DESC LIMIT n`` that walks the primary key backwards, so the cost follows
        ``n``, not the length of the history (the ``end`` bound starts the walk at it).
        """
        tf = _timeframe(timeframe)
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise InvalidInput(f"bar count must be a whole number >= 0, got {n!r}", code="INVALID_INPUT",
                               details={"n": repr(n)})
        last = time_us(None if end is None else completed_by(end, tf))
        bound = "" if last is None else f" AND time_id <= {int(last)}"
        async with self._connection() as conn:
            ids = await self._security_ids(conn, symbols)
            raw = await _copy_out(conn, (
                f"SELECT {_READ_COLUMNS} FROM unnest('{_int_array(ids)}'::int[]) AS s(sid)"
                " CROSS JOIN LATERAL (SELECT * FROM trading_history WHERE security_id = s.sid"
                f" AND timeframe = '{tf.value}'{bound} ORDER BY time_id DESC LIMIT {n}) AS h"
                " ORDER BY security_id, time_id"))
        return _split_by_symbol(ids, raw)

    async def latest(self, symbol: str, timeframe: Timeframe | str | None = None) -> Bar:
        """The most recent bar of ``symbol`` (in ``timeframe``, or any timeframe as v_securities_latest),
        with the timeframe it is stored under."""
        async with self._connection() as conn:
            sid = (await self._security_ids(conn, [symbol]))[symbol.strip().upper()]
            if timeframe is None:
                row = await conn.fetchrow(
                    "SELECT symbol, timeframe, latest_ts AS ts, latest_open AS open, latest_high AS high,"
                    " latest_low AS low, latest_close AS close, latest_volume AS volume, latest_vwap AS vwap,"
                    " NULL::bigint AS trade_count FROM v_securities_latest WHERE security_id = $1"
                    " AND timeframe IS NOT NULL", sid)
            else:
                row = await conn.fetchrow(
                    "SELECT s.symbol, h.timeframe, t.ts, h.open, h.high, h.low, h.close, h.volume, h.vwap,"
                    " h.trade_count FROM trading_history h JOIN securities s USING (security_id)"
                    " JOIN time_dimension t USING (time_id) WHERE h.security_id = $1 AND h.timeframe = $2"
                    " ORDER BY h.time_id DESC LIMIT 1", sid, _timeframe(timeframe).value)
        if row is None:
            raise NotFound(f"no bars stored for {symbol}", code="NO_BARS", details={"symbol": symbol})
        return Bar(**{k: (float(v) if k in {"open", "high", "low", "close", "volume", "vwap"} and v is not None
                                else v) for k, v in dict(row).items()})


_ROW_DTYPE = np.dtype([
    ("n", ">i2"), ("l0", ">i4"), ("security_id", ">i4"), ("l1", ">i4"), ("time_id", ">i8"),
    *[item for i, c in enumerate(("open", "high", "low", "close", "volume", "vwap", "trade_count"), start=2)
      for item in ((f"l{i}", ">i4"), (c, ">f8"))],
])


# The columns of a bar read, in ``_ROW_DTYPE``'s order: fixed-width float8 so binary COPY parses into numpy.
_READ_COLUMNS = ("security_id, time_id, open::float8, high::float8, low::float8, close::float8, volume::float8,"
                 " coalesce(vwap::float8, 'NaN'), coalesce(trade_count::float8, 'NaN')")


def _int_array(ids: dict[str, int]) -> str:
    """The security ids as a Postgres array literal. Reads interpolate only ints and Timeframe members,
    so their literal queries are safe (and binary COPY out takes no parameters)."""
    return "{" + ",".join(str(int(i)) for i in ids.values()) + "}"


def _split_by_symbol(ids: dict[str, int], raw: bytes) -> dict[str, BarColumns]:
    """``{symbol: BarColumns}`` from COPY rows ordered by (security_id, time_id)."""
    table = _parse_bar_rows(raw)
    result: dict[str, BarColumns] = {}
    for sym, sid in ids.items():
        lo_i, hi_i = np.searchsorted(table["security_id"], [sid, sid + 1])
        part = table[lo_i:hi_i]
        result[sym] = BarColumns(
            np.ascontiguousarray(part["time_id"], dtype=np.int64) * NS_PER_US,
            *(np.ascontiguousarray(part[c], dtype=np.float64)
              for c in ("open", "high", "low", "close", "volume", "vwap", "trade_count")))
    return result


async def _copy_out(conn: Any, query: str) -> bytes:
    parts: list[bytes] = []

    async def sink(chunk: bytes) -> None:
        parts.append(chunk)

    await conn.copy_from_query(query, output=sink, format="binary")
    return b"".join(parts)


def _parse_bar_rows(raw: bytes) -> npt.NDArray[np.void]:
    """Fixed-width rows of the binary COPY of a bar read (``_READ_COLUMNS``) as a structured array."""
    ext = int.from_bytes(raw[15:19], "big")
    body = raw[19 + ext:-2]
    if len(body) % _ROW_DTYPE.itemsize:
        raise RuntimeError("unexpected binary COPY layout from trading_history read")
    return np.frombuffer(body, dtype=_ROW_DTYPE)


__all__ = ["COPY_COLUMNS", "BarFrame", "BarStore", "ConflictPolicy", "completed_by",
           "copy_chunks", "resolve_ids", "unknown_symbols"]
