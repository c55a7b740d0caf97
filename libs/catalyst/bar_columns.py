"""``BarColumns``: the one columnar form of one symbol's bars (numpy arrays, one per field).

A ``list[Bar]`` costs a pydantic object per bar; a day of one-minute bars for the replay universe
is ~90,000 bars, so generation, aggregation, indicator code and the bar store work on columns and
only the API edges turn them into ``catalyst.domain.market.Bar`` models. Bar sources and
``BarStore`` reads both answer ``BarColumns``.

Conventions: ``ts`` is each bar's start as int64 nanoseconds since the Unix epoch, UTC, ascending;
``open``/``high``/``low``/``close``/``volume`` are float64; ``vwap`` and ``trade_count`` are
float64 with NaN where the bar does not report them. NumPy and the standard library only, so that
anything may import it cheaply.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

from catalyst.domain.calendar import NEW_YORK, daily_bar_time
from catalyst.domain.market import Bar

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

BAR_FIELDS = ("ts", "open", "high", "low", "close", "volume", "vwap", "trade_count")  # in constructor order
NS_PER_US = 1_000
NS_PER_S = 1_000_000_000
_NS_PER_HOUR = 3600 * NS_PER_S
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)


def to_ns(ts: datetime) -> int:
    """Nanoseconds since the epoch of an aware datetime (exact: a datetime holds microseconds)."""
    return (ts - _EPOCH) // _ONE_US * NS_PER_US


def from_ns(ns: int) -> datetime:
    """The aware UTC datetime of an epoch-nanosecond instant (to the microsecond)."""
    return _EPOCH + timedelta(microseconds=int(ns) // NS_PER_US)


def _floats(values: NDArray[Any] | None, n: int) -> F64:
    return np.full(n, np.nan) if values is None else np.asarray(values, dtype=np.float64)


@dataclass(frozen=True, eq=False, init=False, slots=True)
class BarColumns:
    """Bars of one symbol ordered by ``ts`` (see the module's conventions). ``vwap`` and
    ``trade_count`` may be left out (none reported: all NaN); an integer count is taken as float64."""

    ts: I64
    open: F64
    high: F64
    low: F64
    close: F64
    volume: F64
    vwap: F64
    trade_count: F64

    def __init__(self, ts: I64, open: F64, high: F64, low: F64, close: F64, volume: F64,
                 vwap: F64 | None = None, trade_count: NDArray[np.float64 | np.int64] | None = None):
        n = len(ts)
        columns = {"ts": ts, "open": open, "high": high, "low": low, "close": close, "volume": volume,
                   "vwap": _floats(vwap, n), "trade_count": _floats(trade_count, n)}
        if any(len(c) != n for c in columns.values()):
            raise ValueError("BarColumns columns must have equal lengths")
        for name, values in columns.items():
            object.__setattr__(self, name, values)

    def __len__(self) -> int:
        return len(self.ts)

    def _columns(self) -> Iterator[NDArray[Any]]:
        return (getattr(self, name) for name in BAR_FIELDS)

    @classmethod
    def empty(cls) -> BarColumns:
        f = np.empty(0, dtype=np.float64)
        return cls(np.empty(0, dtype=np.int64), f, f, f, f, f)

    @classmethod
    def from_bars(cls, bars: Sequence[Bar]) -> BarColumns:
        """Columns of ``bars`` (any order; sorted by time here)."""
        ordered = sorted(bars, key=lambda b: b.ts)
        return cls(
            ts=np.array([to_ns(b.ts) for b in ordered], dtype=np.int64),
            open=np.array([b.open for b in ordered], dtype=np.float64),
            high=np.array([b.high for b in ordered], dtype=np.float64),
            low=np.array([b.low for b in ordered], dtype=np.float64),
            close=np.array([b.close for b in ordered], dtype=np.float64),
            volume=np.array([b.volume for b in ordered], dtype=np.float64),
            vwap=np.array([np.nan if b.vwap is None else b.vwap for b in ordered], dtype=np.float64),
            trade_count=np.array([np.nan if b.trade_count is None else b.trade_count for b in ordered],
                                 dtype=np.float64),
        )

    def to_bars(self, symbol: str) -> list[Bar]:
        """Pydantic bars; the columns were validated when they were built, so no re-validation."""
        ts = self.ts.tolist()
        o, h, lo, c, v = (a.tolist() for a in (self.open, self.high, self.low, self.close, self.volume))
        vw = [None if x != x else x for x in self.vwap.tolist()]  # x != x: NaN
        n = [None if x != x else int(x) for x in self.trade_count.tolist()]
        return [
            Bar.model_construct(symbol=symbol, ts=from_ns(ts[i]), open=o[i], high=h[i], low=lo[i], close=c[i],
                                volume=v[i], vwap=vw[i], trade_count=n[i])
            for i in range(len(ts))
        ]

    def between(self, start: int, end: int) -> BarColumns:
        """Bars whose start lies in ``[start, end]`` (epoch ns, both inclusive, as Alpaca's range is)."""
        lo = int(np.searchsorted(self.ts, start, side="left"))
        hi = int(np.searchsorted(self.ts, end, side="right"))
        return self.take(slice(lo, hi))

    def until(self, end: int) -> BarColumns:
        """Bars starting at or before ``end`` (epoch ns)."""
        return self.take(slice(0, int(np.searchsorted(self.ts, end, side="right"))))

    def take(self, index: slice | NDArray[np.intp] | I64) -> BarColumns:
        return BarColumns(*(c[index] for c in self._columns()))

    def aggregate(self, seconds: int) -> BarColumns:
        """Bars of ``seconds`` length (a multiple of 60 dividing a day), each starting on a multiple of
        it in UTC; whole-hour offsets make those the same boundaries in New York time."""
        span = seconds * NS_PER_S
        return self.group(self.ts - self.ts % span)

    def group(self, buckets: I64) -> BarColumns:
        """One bar per run of equal ``buckets`` (non-decreasing, one per bar), stamped with the bucket.
        A bucket's vwap and trade count are NaN when any of its bars lacks them."""
        if len(self) == 0:
            return self
        starts = np.flatnonzero(np.r_[True, buckets[1:] != buckets[:-1]])
        ends = np.r_[starts[1:], len(self)] - 1
        volume = np.add.reduceat(self.volume, starts)
        vwap = np.divide(np.add.reduceat(self.vwap * self.volume, starts), volume, out=self.close[ends].copy(),
                         where=volume > 0)
        vwap[np.add.reduceat(np.isnan(self.vwap), starts) > 0] = np.nan
        return BarColumns(
            ts=buckets[starts],
            open=self.open[starts],
            high=np.maximum.reduceat(self.high, starts),
            low=np.minimum.reduceat(self.low, starts),
            close=self.close[ends],
            volume=volume,
            vwap=vwap,
            trade_count=np.add.reduceat(self.trade_count, starts),
        )

    def digest(self) -> str:
        """SHA-256 of every column's bytes: equal digests mean byte-identical bars."""
        h = hashlib.sha256()
        for col in self._columns():
            h.update(np.ascontiguousarray(col).tobytes())
        return h.hexdigest()

    def frozen(self) -> BarColumns:
        """The same bars with read-only arrays (bars shared from a cache must not be mutated)."""
        for col in self._columns():
            col.flags.writeable = False
        return self


def reported_by_all(values: F64) -> F64:
    """``values`` when every bar reports one, else all NaN: a source's vwap or trade count is
    served for every bar of a series or for none."""
    return np.full(len(values), np.nan) if np.isnan(values).any() else values


def concat(parts: Sequence[BarColumns]) -> BarColumns:
    """Bars of one symbol joined in time order (inputs must not overlap)."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return BarColumns.empty()
    if len(parts) == 1:
        return parts[0]
    joined = BarColumns(*(np.concatenate(cols) for cols in zip(*(p._columns() for p in parts), strict=True)))
    return joined.take(np.argsort(joined.ts, kind="stable"))


def summarize(bars: BarColumns, ts: int) -> BarColumns:
    """One bar stamped ``ts`` (epoch ns) spanning all of ``bars`` (e.g. the day so far from its
    minute bars); it reports no vwap or trade count."""
    if len(bars) == 0:
        return bars
    return BarColumns(
        ts=np.array([ts], dtype=np.int64),
        open=bars.open[:1].copy(),
        high=np.array([bars.high.max()]),
        low=np.array([bars.low.min()]),
        close=bars.close[-1:].copy(),
        volume=np.array([bars.volume.sum()]),
    )


def new_york_midnight(ts: I64) -> I64:
    """Midnight New York (in epoch ns) of each instant's New York calendar date.

    New York's offset is whole hours and changes on a whole UTC hour, so every instant of one UTC
    hour has the same local date: one zone lookup per distinct hour.
    """
    hours, inverse = np.unique(ts // _NS_PER_HOUR, return_inverse=True)
    midnights = np.array(
        [to_ns(daily_bar_time(datetime.fromtimestamp(int(h) * 3600, tz=NEW_YORK).date())) for h in hours],
        dtype=np.int64)
    return midnights[inverse.reshape(-1)]


def daily_from_intraday(bars: BarColumns) -> BarColumns:
    """Daily bars from intraday ones, one per New York calendar date, stamped at its midnight."""
    if len(bars) == 0:
        return bars
    return bars.group(new_york_midnight(bars.ts))
