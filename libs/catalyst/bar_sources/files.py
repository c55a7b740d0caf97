"""Bars from CSV or Parquet files a user drops into a folder (``BAR_SOURCE=files``, ``BAR_FILES_DIR``).

Each file (``*.csv``, ``*.csv.gz``, ``*.parquet``, in the folder or below it) has the columns
``symbol, timestamp, open, high, low, close, volume`` (names case-insensitive; ``ts``, ``time``,
``datetime`` or ``date`` may stand for ``timestamp``), optionally ``vwap``, ``trade_count`` and
``timeframe``. Without a ``timeframe`` column the file name must carry one (``AAPL_1Day.csv``,
``universe.1Min.parquet``).

Timestamps are bar starts. Text with an offset (``Z``, ``-05:00``) is taken as written; text without
one is in ``BAR_FILES_TZ`` (New York by default), and a bare date is that day's daily bar (midnight
New York, as Alpaca stamps daily bars). Every row is checked with the bar store's own rules; a file
with any bad row is refused as a whole with an ``InvalidInput`` naming the file, the row (1-based,
after the header) and the reason, so nothing half-read is ever served. Files are re-read when they
change. Requests for a coarser timeframe than a file holds are served by aggregating (intraday
buckets; New York calendar days for ``1Day``).
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from catalyst.bar_columns import BarColumns, concat, daily_from_intraday, reported_by_all
from catalyst.bar_sources.base import BarRequest, BarSource
from catalyst.db.bar_frame import BarFrame, find_bad_bar, iso_utc
from catalyst.domain.market import Timeframe
from catalyst.errors import InvalidInput, ServiceUnavailable

REQUIRED = ("symbol", "timestamp", "open", "high", "low", "close", "volume")
OPTIONAL = ("vwap", "trade_count", "timeframe")
TIMESTAMP_ALIASES = ("timestamp", "ts", "time", "datetime", "date")
SUFFIXES = (".csv", ".csv.gz", ".parquet")
_OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})$"
_TF_IN_NAME = re.compile(r"(?<![A-Za-z0-9])(1min|5min|15min|1hour|1day)(?![A-Za-z0-9])", re.IGNORECASE)
_TF_BY_LOWER = {t.value.lower(): t for t in Timeframe}

Series = dict[tuple[str, Timeframe], BarColumns]


def _fail(path: Path, reason: str, *, row: int | None = None, code: str = "INVALID_BAR_FILE",
          **details: Any) -> InvalidInput:
    where = f" row {row}" if row is not None else ""
    return InvalidInput(f"{path.name}{where}: {reason}", code=code,
                        details={"file": path.name, "row": row, "reason": reason, **details})


def _read_table(path: Path) -> pd.DataFrame:
    try:
        if path.name.lower().endswith(".parquet"):
            return pq.read_table(path).to_pandas()
        return pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (OSError, ValueError, pd.errors.ParserError) as exc:  # pyarrow errors subclass these
        raise _fail(path, f"cannot be read: {exc}", code="UNREADABLE_BAR_FILE") from exc


def _columns(path: Path, table: pd.DataFrame) -> dict[str, str]:
    """Canonical column name -> the file's own spelling; refuses files missing a required column."""
    by_lower = {str(c).strip().lower(): str(c) for c in table.columns}
    found = {name: by_lower[name] for name in (*REQUIRED, *OPTIONAL) if name in by_lower}
    alias = next((a for a in TIMESTAMP_ALIASES if a in by_lower), None)
    if alias is not None:
        found["timestamp"] = by_lower[alias]
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        raise _fail(path, f"missing column(s): {', '.join(missing)}", code="MISSING_COLUMNS",
                    missing=missing, found=[str(c) for c in table.columns])
    return found


def _times_ns(values: pd.Series, naive_tz: str) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Epoch nanoseconds UTC, and a mask of unreadable rows."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        parsed = values.dt.tz_convert("UTC")
    elif pd.api.types.is_datetime64_dtype(values.dtype):
        parsed = values.dt.tz_localize(naive_tz, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")
    else:
        text = values.astype(str).str.strip()
        with_offset = text.str.contains(_OFFSET, regex=True)
        parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
        if with_offset.any():
            parsed[with_offset] = pd.to_datetime(text[with_offset], format="ISO8601", utc=True, errors="coerce")
        if (~with_offset).any():
            local = pd.to_datetime(text[~with_offset], format="ISO8601", errors="coerce")
            parsed[~with_offset] = local.dt.tz_localize(naive_tz, ambiguous="NaT", nonexistent="NaT") \
                .dt.tz_convert("UTC")
    bad = parsed.isna().to_numpy()
    ns = parsed.dt.as_unit("ns").astype("int64").to_numpy()
    return np.where(bad, 0, ns), bad


def _numbers(path: Path, table: pd.DataFrame, column: str, name: str, optional: bool) -> np.ndarray[Any, Any]:
    raw = table[column]
    values = pd.to_numeric(raw.replace("", np.nan) if raw.dtype == object else raw, errors="coerce")
    missing = values.isna().to_numpy()
    if missing.any() and not optional:
        row = int(np.argmax(missing))
        shown = str(raw.iloc[row])
        reason = f"{name} is missing" if shown.strip() in ("", "nan", "None") else f"{name} {shown!r} is not a number"
        raise _fail(path, reason, row=row + 1, column=name)
    out: np.ndarray[Any, Any] = values.to_numpy(dtype=np.float64, na_value=np.nan)
    return out


def _timeframes(path: Path, table: pd.DataFrame, cols: Mapping[str, str]) -> np.ndarray[Any, Any]:
    if "timeframe" in cols:
        text = table[cols["timeframe"]].astype(str).str.strip().str.lower()
        tfs = text.map(_TF_BY_LOWER)
        if tfs.isna().any():
            row = int(np.argmax(tfs.isna().to_numpy()))
            raise _fail(path, f"unknown timeframe {table[cols['timeframe']].iloc[row]!r}", row=row + 1,
                        column="timeframe", allowed=[t.value for t in Timeframe])
        found: np.ndarray[Any, Any] = tfs.to_numpy(dtype=object)
        return found
    match = _TF_IN_NAME.search(path.name)
    if match is None:
        raise _fail(path, "cannot tell the bars' timeframe: add a timeframe column or put one of "
                    f"{', '.join(t.value for t in Timeframe)} in the file name", code="UNKNOWN_TIMEFRAME")
    return np.full(len(table), _TF_BY_LOWER[match.group(1).lower()], dtype=object)


def read_bar_file(path: Path, naive_tz: str = "America/New_York") -> Series:
    """Every (symbol, timeframe) series in one file, validated as the bar store validates bars."""
    table = _read_table(path)
    cols = _columns(path, table)
    symbols = table[cols["symbol"]].astype(str).str.strip().str.upper().to_numpy(dtype=object)
    ts_ns, bad_ts = _times_ns(table[cols["timestamp"]], naive_tz)
    if bad_ts.any():
        row = int(np.argmax(bad_ts))
        raise _fail(path, f"timestamp {table[cols['timestamp']].iloc[row]!r} is not an ISO 8601 time "
                    f"(or does not exist in {naive_tz})", row=row + 1, column="timestamp")
    if (ts_ns % 1_000_000_000).any():
        row = int(np.argmax(ts_ns % 1_000_000_000 != 0))
        raise _fail(path, "timestamp is not on a whole second", row=row + 1, column="timestamp")
    prices = {c: _numbers(path, table, cols[c], c, optional=False)
              for c in ("open", "high", "low", "close", "volume")}
    extra = {c: _numbers(path, table, cols[c], c, optional=True) for c in ("vwap", "trade_count") if c in cols}
    tfs = _timeframes(path, table, cols)
    out: Series = {}
    for value in dict.fromkeys(tfs.tolist()):
        tf = Timeframe(value)  # numpy/pandas may hand the enum back as its plain string
        rows = np.flatnonzero(tfs == value)
        frame = BarFrame.from_arrays(symbols[rows], ts_ns[rows], prices["open"][rows], prices["high"][rows],
                                     prices["low"][rows], prices["close"][rows], prices["volume"][rows],
                                     vwap=extra["vwap"][rows] if "vwap" in extra else None,
                                     trade_count=extra["trade_count"][rows] if "trade_count" in extra else None)
        bad = find_bad_bar(frame, tf)
        if bad is not None:
            raise _fail(path, bad.reason, row=int(rows[bad.row]) + 1, bad_rows=bad.bad_rows,
                        symbol=str(symbols[rows[bad.row]]))
        out.update(_split(frame, tf))
    return out


def _split(frame: BarFrame, tf: Timeframe) -> Series:
    out: Series = {}
    for symbol in dict.fromkeys(frame.symbol.tolist()):
        idx = np.flatnonzero(frame.symbol == symbol)
        idx = idx[np.argsort(frame.ts[idx], kind="stable")]
        out[(symbol, tf)] = BarColumns(
            ts=frame.ts[idx], open=frame.open[idx], high=frame.high[idx], low=frame.low[idx],
            close=frame.close[idx], volume=frame.volume[idx],
            vwap=reported_by_all(frame.vwap[idx]), trade_count=reported_by_all(frame.trade_count[idx]),
        ).frozen()
    return out


def _merge(parts: list[tuple[Path, Series]]) -> Series:
    """One series per (symbol, timeframe) across files; the same bar in two files is refused."""
    grouped: dict[tuple[str, Timeframe], list[tuple[Path, BarColumns]]] = {}
    for path, series in parts:
        for key, bars in series.items():
            grouped.setdefault(key, []).append((path, bars))
    out: Series = {}
    for key, items in grouped.items():
        joined = concat([b for _, b in items])
        joined = replace(joined, vwap=reported_by_all(joined.vwap), trade_count=reported_by_all(joined.trade_count))
        dup = np.flatnonzero(np.diff(joined.ts) == 0)
        if dup.size:
            ts = iso_utc(int(joined.ts[dup[0]]))
            raise InvalidInput(f"{key[0]} {key[1].value} bar at {ts} appears in more than one file",
                               code="DUPLICATE_BARS",
                               details={"symbol": key[0], "timeframe": key[1].value, "ts": ts,
                                        "files": sorted(p.name for p, _ in items)})
        out[key] = joined
    return out


class FileBarSource(BarSource):
    name: ClassVar[str] = "files"

    def __init__(self, directory: Path | str, *, naive_tz: str = "America/New_York"):
        self.directory = Path(directory)
        if not self.directory.is_dir():
            raise ValueError(f"BAR_FILES_DIR {self.directory} is not a folder")
        self.naive_tz = naive_tz
        self._files: dict[Path, tuple[tuple[int, int], Series]] = {}
        self._merged: tuple[tuple[Any, ...], Series] | None = None
        self._lock = threading.Lock()

    def _bar_files(self) -> list[Path]:
        if not self.directory.is_dir():
            raise ServiceUnavailable(f"bar files folder {self.directory} is gone", code="BAR_FILES_MISSING")
        return sorted(p for p in self.directory.rglob("*")
                      if p.is_file() and p.name.lower().endswith(SUFFIXES) and not p.name.startswith("."))

    def load(self) -> Series:
        """All series in the folder, re-reading only files whose size or modification time changed."""
        with self._lock:
            files = self._bar_files()
            stamps = {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in files}
            signature = tuple(sorted((str(p), s) for p, s in stamps.items()))
            if self._merged is not None and self._merged[0] == signature:
                return self._merged[1]
            parts: list[tuple[Path, Series]] = []
            for path in files:
                cached = self._files.get(path)
                if cached is None or cached[0] != stamps[path]:
                    cached = (stamps[path], read_bar_file(path, self.naive_tz))
                    self._files[path] = cached
                parts.append((path, cached[1]))
            self._files = {p: v for p, v in self._files.items() if p in stamps}
            merged = _merge(parts)
            self._merged = (signature, merged)
            return merged

    async def _fetch(self, request: BarRequest) -> dict[str, BarColumns]:
        series = await asyncio.to_thread(self.load)
        out: dict[str, BarColumns] = {}
        for symbol in request.symbols:
            bars = _serve(series, symbol, request.timeframe)
            if bars is not None:
                out[symbol] = bars
        return out


def _serve(series: Series, symbol: str, timeframe: Timeframe) -> BarColumns | None:
    """The stored timeframe if present, else the finest finer one aggregated up."""
    if (symbol, timeframe) in series:
        return series[(symbol, timeframe)]
    finer = sorted((tf for (s, tf) in series if s == symbol and tf.seconds < timeframe.seconds),
                   key=lambda tf: tf.seconds)
    for tf in finer:
        if tf is Timeframe.DAY_1 or timeframe.seconds % tf.seconds:
            continue
        bars = series[(symbol, tf)]
        return daily_from_intraday(bars) if timeframe is Timeframe.DAY_1 else bars.aggregate(timeframe.seconds)
    return None
