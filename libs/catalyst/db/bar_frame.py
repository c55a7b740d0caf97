"""``BarFrame``, many symbols' bars as one ``BarStore.ingest`` batch, and its vectorised validation.

A ``BarFrame`` is ``catalyst.bar_columns.BarColumns`` with a symbol per row: one numpy array per
field instead of a Python object per bar, in the same conventions (``ts`` int64 ns UTC, naive
``datetime64`` values read as UTC; NaN vwap / trade count: not reported). ``find_bad_bar`` checks a
whole frame with array operations before anything is written, and names the first bad row so a
caller can fix its data. Prices are stored to 6 decimal places; validation runs on the rounded
values, so what passes here also passes the table's CHECK constraints. ``ScaledBars`` (the rows as
the table stores them) is the store's own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from catalyst.bar_columns import BAR_FIELDS, NS_PER_S, NS_PER_US, BarColumns, to_ns
from catalyst.db.pgcopy import NUMERIC_LIMIT, scale_numeric
from catalyst.domain.market import Bar, Timeframe, is_symbol
from catalyst.errors import InvalidInput

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

TS_MIN_NS = 0  # 1970-01-01
TS_MAX_NS = int(datetime(2100, 1, 1, tzinfo=UTC).timestamp()) * NS_PER_S
INT64_MAX = np.iinfo(np.int64).max
_NAT = np.iinfo(np.int64).min
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _floats(values: Any, name: str) -> F64:
    try:
        return np.ascontiguousarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"bar column {name} is not numeric", code="INVALID_BAR",
                           details={"column": name}) from exc


def to_epoch_ns(values: Any) -> I64:
    """int64 ns since the epoch from datetime64 (any unit), int64 ns, or aware ``datetime`` objects."""
    arr = np.asarray(values)
    if arr.dtype.kind == "M":
        return arr.astype("datetime64[ns]").view(np.int64)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    if arr.dtype.kind == "O":
        # Datetime objects are the rare caller's form (arrays are the bar sources' and the store's); pandas
        # parses them with its exact rules (pd.Timestamp's nanoseconds, any tzinfo) and is loaded only then.
        import pandas as pd

        try:
            index = pd.DatetimeIndex(list(arr))
        except (TypeError, ValueError) as exc:
            raise InvalidInput("bar timestamps are not datetimes", code="INVALID_BAR") from exc
        if index.tz is None:
            raise InvalidInput("bar timestamps must be timezone-aware", code="INVALID_BAR")
        return np.asarray(index.tz_convert("UTC").as_unit("ns").asi8, dtype=np.int64)
    raise InvalidInput(f"bar timestamps of dtype {arr.dtype} are not supported", code="INVALID_BAR")


@dataclass(frozen=True, slots=True, eq=False)
class BarFrame:
    """Bars as parallel arrays (one entry per bar); build with ``from_arrays``, ``from_columns`` or
    ``from_bars``."""

    symbol: npt.NDArray[np.object_]
    ts: I64
    open: F64
    high: F64
    low: F64
    close: F64
    volume: F64
    vwap: F64
    trade_count: F64

    def __len__(self) -> int:
        return int(self.ts.shape[0])

    @classmethod
    def from_arrays(cls, symbol: Any, ts: Any, open: Any, high: Any, low: Any, close: Any, volume: Any,
                    vwap: Any = None, trade_count: Any = None) -> BarFrame:
        """Coerce array-likes to the frame's dtypes; columns of different lengths are refused."""
        symbols = np.asarray(symbol, dtype=object)
        n = symbols.shape[0]
        frame = cls(
            symbol=symbols,
            ts=to_epoch_ns(ts),
            open=_floats(open, "open"),
            high=_floats(high, "high"),
            low=_floats(low, "low"),
            close=_floats(close, "close"),
            volume=_floats(volume, "volume"),
            vwap=np.full(n, np.nan) if vwap is None else _floats(vwap, "vwap"),
            trade_count=np.full(n, np.nan) if trade_count is None else _floats(trade_count, "trade_count"),
        )
        lengths = {name: getattr(frame, name).shape for name in frame.__slots__}
        if any(shape != (n,) for shape in lengths.values()):
            raise InvalidInput("bar columns must be one-dimensional and of equal length", code="INVALID_BAR",
                               details={"lengths": {k: list(v) for k, v in lengths.items()}})
        return frame

    @classmethod
    def from_columns(cls, bars: Mapping[str, BarColumns]) -> BarFrame:
        """Many symbols' bars as one batch (symbols without bars add nothing)."""
        parts = [(symbol, b) for symbol, b in bars.items() if len(b)] or [("", BarColumns.empty())]
        return cls.from_arrays(
            symbol=np.repeat(np.array([s for s, _ in parts], dtype=object), [len(b) for _, b in parts]),
            **{name: np.concatenate([getattr(b, name) for _, b in parts]) for name in BAR_FIELDS},
        )

    @classmethod
    def from_bars(cls, bars: Sequence[Bar]) -> BarFrame:
        return cls.from_arrays(
            symbol=[b.symbol for b in bars],
            ts=np.array([to_ns(b.ts) for b in bars], dtype=np.int64),
            open=[b.open for b in bars],
            high=[b.high for b in bars],
            low=[b.low for b in bars],
            close=[b.close for b in bars],
            volume=[b.volume for b in bars],
            vwap=[np.nan if b.vwap is None else b.vwap for b in bars],
            trade_count=[np.nan if b.trade_count is None else b.trade_count for b in bars],
        )


@dataclass(frozen=True, slots=True)
class ScaledBars:
    """A validated frame in the form the database stores: factorised symbols, µs time ids, 1e-6 prices
    (the bar store's; ``prepare_bars`` makes it)."""

    codes: npt.NDArray[np.intp]  # index into ``symbols`` per row
    symbols: list[str]
    time_id: I64  # µs since the epoch (time_dimension.time_id)
    open: I64
    high: I64
    low: I64
    close: I64
    volume: I64
    vwap: I64
    has_vwap: npt.NDArray[np.bool_]
    trade_count: I64
    has_trade_count: npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class BadBar:
    row: int
    reason: str
    bad_rows: int


def _scaled(values: F64) -> I64:
    """Prices as millionths; non-finite or out-of-range values become 0 (they are flagged separately)."""
    ok = np.isfinite(values) & (np.abs(values) < NUMERIC_LIMIT)
    return scale_numeric(np.where(ok, values, 0.0))


def _duplicates(codes: npt.NDArray[np.intp], ts: I64) -> npt.NDArray[np.bool_]:
    """True for every repeat of an earlier (symbol, ts) in the batch."""
    dup = np.zeros(ts.shape[0], dtype=bool)
    if ts.shape[0] < 2:
        return dup
    lo, hi = int(ts.min()), int(ts.max())
    span = hi - lo + 1
    if int(codes.max()) + 1 < INT64_MAX // span:
        key = codes.astype(np.int64) * span + (ts - lo)
        if bool((key[1:] >= key[:-1]).all()):  # symbol-major batches in time order: neighbours only
            dup[1:] = key[1:] == key[:-1]
            return dup
        order = np.argsort(key, kind="stable")  # stable: an earlier row comes first among its equals
        ranked = key[order]
        dup[order[1:][ranked[1:] == ranked[:-1]]] = True
        return dup
    order = np.lexsort((ts, codes))  # lexsort is stable too
    c, t = codes[order], ts[order]
    dup[order[1:][(c[1:] == c[:-1]) & (t[1:] == t[:-1])]] = True
    return dup


def _symbol_codes(symbol: npt.NDArray[np.object_]) -> tuple[npt.NDArray[np.intp], list[str]]:
    """A code per row (first-seen order) and the distinct symbols; every non-text value shares one code
    with the symbol "" (the row is refused as an invalid symbol whatever it holds).

    Batches come grouped by symbol, so only the first row of each run of equal symbols is looked up.
    """
    n = symbol.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.intp), []
    starts = np.flatnonzero(np.concatenate(([True], symbol[1:] != symbol[:-1])))
    heads = symbol if starts.shape[0] == n else symbol[starts]
    index: dict[str, int] = {}
    head_codes = np.fromiter((index.setdefault(s if isinstance(s, str) else "", len(index)) for s in heads.tolist()),
                             dtype=np.intp, count=heads.shape[0])
    if starts.shape[0] == n:
        return head_codes, list(index)
    return np.repeat(head_codes, np.diff(np.append(starts, n))), list(index)


def _row_checks(frame: BarFrame, timeframe: Timeframe, codes: npt.NDArray[np.intp],
                bad_symbol: npt.NDArray[np.bool_], scaled: dict[str, I64]) -> list[tuple[str, npt.NDArray[np.bool_]]]:
    """(reason, mask) pairs in the order a row's reason is reported."""
    ts, volume, vwap, count = frame.ts, frame.volume, frame.vwap, frame.trade_count
    prices = [frame.open, frame.high, frame.low, frame.close]
    o, h, lo, c = scaled["open"], scaled["high"], scaled["low"], scaled["close"]
    finite = np.logical_and.reduce([np.isfinite(v) for v in prices])
    in_range = np.logical_and.reduce([np.abs(v) < NUMERIC_LIMIT for v in prices])
    has_vwap, has_count = ~np.isnan(vwap), ~np.isnan(count)
    vwap_ok = np.isfinite(vwap) & (np.abs(vwap) < NUMERIC_LIMIT) & (scaled["vwap"] > 0)
    count_ok = np.isfinite(count) & (count >= 0) & (count < 2.0**63) & (count == np.floor(count))
    checks: list[tuple[str, npt.NDArray[np.bool_]]] = [
        ("invalid symbol", bad_symbol[codes]),
        ("timestamp missing or out of range (1970..2100)", (ts == _NAT) | (ts < TS_MIN_NS) | (ts >= TS_MAX_NS)),
        ("timestamp finer than a microsecond", ts % NS_PER_US != 0),
        ("price is NaN or infinite", ~finite),
        ("price out of range (>= 1e12)", finite & ~in_range),
        ("price <= 0", (o <= 0) | (h <= 0) | (lo <= 0) | (c <= 0)),
        ("high < low", h < lo),
        ("open outside [low, high]", (o < lo) | (o > h)),
        ("close outside [low, high]", (c < lo) | (c > h)),
        ("volume is NaN or infinite", ~np.isfinite(volume)),
        ("volume < 0", volume < 0),
        ("volume is not a whole number", np.isfinite(volume) & (volume != np.floor(volume))),
        ("volume too large", np.isfinite(volume) & (volume >= 2.0**63)),
        ("vwap not a positive finite price", has_vwap & ~vwap_ok),
        ("trade_count not a whole number >= 0", has_count & ~count_ok),
    ]
    if timeframe is not Timeframe.DAY_1:  # daily bars start at midnight New York time, not UTC
        checks.append((f"timestamp not aligned to {timeframe.value}", ts % (timeframe.seconds * NS_PER_S) != 0))
    checks.append(("duplicate (symbol, ts) in batch", _duplicates(codes, ts)))
    return checks


def _whole(values: F64, present: npt.NDArray[np.bool_]) -> I64:
    return np.where(present & np.isfinite(values) & (np.abs(values) < 2.0**63), values, 0).astype(np.int64)


def prepare_bars(frame: BarFrame, timeframe: Timeframe) -> tuple[ScaledBars, BadBar | None]:
    """Validate ``frame`` and convert it for storage; the BadBar names the first failing row, if any."""
    codes, symbols = _symbol_codes(frame.symbol)
    bad_symbol = np.array([not is_symbol(s) for s in symbols], dtype=bool)
    scaled = {name: _scaled(getattr(frame, name)) for name in ("open", "high", "low", "close", "vwap")}
    checks = _row_checks(frame, timeframe, codes, bad_symbol, scaled)
    has_vwap, has_count = ~np.isnan(frame.vwap), ~np.isnan(frame.trade_count)
    result = ScaledBars(
        codes=codes, symbols=symbols, time_id=frame.ts // NS_PER_US,
        open=scaled["open"], high=scaled["high"], low=scaled["low"], close=scaled["close"],
        volume=_whole(frame.volume, np.ones(len(frame), dtype=bool)),
        vwap=scaled["vwap"], has_vwap=has_vwap,
        trade_count=_whole(frame.trade_count, has_count), has_trade_count=has_count,
    )
    bad = np.logical_or.reduce([mask for _, mask in checks])
    if not bad.any():
        return result, None
    row = int(np.argmax(bad))
    reason = next(name for name, mask in checks if mask[row])
    return result, BadBar(row=row, reason=reason, bad_rows=int(bad.sum()))


def find_bad_bar(frame: BarFrame, timeframe: Timeframe) -> BadBar | None:
    """The first row of ``frame`` the bar store would refuse, if any (sources check what they serve)."""
    return prepare_bars(frame, timeframe)[1]


def iso_utc(ts_ns: int) -> str:
    """ISO 8601 text of an epoch-ns instant (UTC), as error details show it."""
    us, ns = divmod(ts_ns, 1000)
    text = (_EPOCH + timedelta(microseconds=us)).isoformat()
    return text if ns == 0 else f"{text[:-6]}{'' if us % 1_000_000 else '.000000'}{ns:03d}{text[-6:]}"


def invalid_bar_error(frame: BarFrame, bad: BadBar) -> InvalidInput:
    """The 400 naming the first bad row, its symbol and time, and how many rows are bad."""
    ts_ns = int(frame.ts[bad.row])
    ts_text = None if ts_ns == _NAT else iso_utc(ts_ns)
    symbol = frame.symbol[bad.row]
    details: dict[str, Any] = {
        "row": bad.row,
        "symbol": symbol if isinstance(symbol, str) else repr(symbol),
        "ts": ts_text,
        "reason": bad.reason,
        "bad_rows": bad.bad_rows,
    }
    return InvalidInput(f"bar {bad.row} rejected: {bad.reason} ({bad.bad_rows} bad row(s) in batch)",
                        code="INVALID_BAR", details=details)


__all__ = ["BadBar", "BarFrame", "find_bad_bar", "invalid_bar_error", "iso_utc"]
