"""Columnar OHLCV bars of one symbol (numpy arrays) as the bar sources produce them.

A ``list[Bar]`` costs a pydantic object per bar; a day of one-minute bars for the replay universe
is ~90,000 bars, so generation, aggregation and ingestion work on arrays and only the API edges
turn them into ``Bar`` models. ``to_arrays`` gives the bar store's read form
(``catalyst.db.bar_frame.BarArrays``) and ``store_frame`` its ingest form, so bars from a source
and bars from the store look the same to indicator code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from catalyst.db.bar_frame import BarArrays, BarFrame
from catalyst.domain.calendar import NEW_YORK
from catalyst.domain.market import Bar

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


def to_epoch(ts: datetime) -> int:
    """Whole seconds since the epoch of an aware datetime."""
    return int((ts - _EPOCH).total_seconds())


def from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(int(seconds), tz=UTC)


@dataclass(frozen=True, eq=False)
class SymbolBars:
    """Bars of one symbol sorted by ``ts`` (bar start, epoch seconds UTC); ``vwap``/``trade_count``
    are present only when the source reports them."""

    ts: I64
    open: F64
    high: F64
    low: F64
    close: F64
    volume: F64
    vwap: F64 | None = None
    trade_count: I64 | None = None

    def __post_init__(self) -> None:
        n = len(self.ts)
        lengths = [len(c) for c in (self.open, self.high, self.low, self.close, self.volume, self.vwap,
                                      self.trade_count) if c is not None]
        if any(k != n for k in lengths):
            raise ValueError("SymbolBars columns must have equal lengths")

    def __len__(self) -> int:
        return len(self.ts)

    @classmethod
    def empty(cls) -> SymbolBars:
        f = np.empty(0, dtype=np.float64)
        return cls(np.empty(0, dtype=np.int64), f, f, f, f, f)

    @classmethod
    def from_bars(cls, bars: Sequence[Bar]) -> SymbolBars:
        """Columns of ``bars`` (any order; sorted by time here)."""
        if not bars:
            return cls.empty()
        ordered = sorted(bars, key=lambda b: b.ts)
        has_vwap = all(b.vwap is not None for b in ordered)
        has_count = all(b.trade_count is not None for b in ordered)
        return cls(
            ts=np.array([to_epoch(b.ts) for b in ordered], dtype=np.int64),
            open=np.array([b.open for b in ordered], dtype=np.float64),
            high=np.array([b.high for b in ordered], dtype=np.float64),
            low=np.array([b.low for b in ordered], dtype=np.float64),
            close=np.array([b.close for b in ordered], dtype=np.float64),
            volume=np.array([b.volume for b in ordered], dtype=np.float64),
            vwap=np.array([b.vwap for b in ordered], dtype=np.float64) if has_vwap else None,
            trade_count=np.array([b.trade_count for b in ordered], dtype=np.int64) if has_count else None,
        )

    def to_bars(self, symbol: str) -> list[Bar]:
        """Pydantic bars; the arrays were validated when the frame was built, so no re-validation."""
        ts = self.ts.tolist()
        o, h, lo, c, v = (a.tolist() for a in (self.open, self.high, self.low, self.close, self.volume))
        vw = self.vwap.tolist() if self.vwap is not None else None
        n = self.trade_count.tolist() if self.trade_count is not None else None
        return [
            Bar.model_construct(
                symbol=symbol, ts=from_epoch(ts[i]), open=o[i], high=h[i], low=lo[i], close=c[i],
                volume=v[i], vwap=vw[i] if vw is not None else None,
                trade_count=n[i] if n is not None else None,
            )
            for i in range(len(ts))
        ]

    def between(self, start: int, end: int) -> SymbolBars:
        """Bars whose start lies in ``[start, end]`` (both inclusive, as Alpaca's range is)."""
        lo = int(np.searchsorted(self.ts, start, side="left"))
        hi = int(np.searchsorted(self.ts, end, side="right"))
        return self.take(slice(lo, hi))

    def until(self, end: int) -> SymbolBars:
        """Bars starting at or before ``end``."""
        return self.take(slice(0, int(np.searchsorted(self.ts, end, side="right"))))

    def take(self, index: slice | I64) -> SymbolBars:
        return SymbolBars(
            ts=self.ts[index], open=self.open[index], high=self.high[index], low=self.low[index],
            close=self.close[index], volume=self.volume[index],
            vwap=self.vwap[index] if self.vwap is not None else None,
            trade_count=self.trade_count[index] if self.trade_count is not None else None,
        )

    def aggregate(self, seconds: int) -> SymbolBars:
        """Bars of ``seconds`` length (a multiple of 60 dividing a day), each starting on a multiple of
        it in UTC; whole-hour offsets make those the same boundaries in New York time."""
        return self.group(self.ts - self.ts % seconds)

    def group(self, buckets: I64) -> SymbolBars:
        """One bar per run of equal ``buckets`` (non-decreasing, one per bar), stamped with the bucket."""
        if len(self) == 0:
            return self
        starts = np.flatnonzero(np.r_[True, buckets[1:] != buckets[:-1]])
        ends = np.r_[starts[1:], len(self)] - 1
        volume = np.add.reduceat(self.volume, starts)
        vwap = None
        if self.vwap is not None:
            pv = np.add.reduceat(self.vwap * self.volume, starts)
            vwap = np.divide(pv, volume, out=self.close[ends].copy(), where=volume > 0)
        return SymbolBars(
            ts=buckets[starts],
            open=self.open[starts],
            high=np.maximum.reduceat(self.high, starts),
            low=np.minimum.reduceat(self.low, starts),
            close=self.close[ends],
            volume=volume,
            vwap=vwap,
            trade_count=np.add.reduceat(self.trade_count, starts) if self.trade_count is not None else None,
        )

    def to_arrays(self) -> BarArrays:
        """The bar store's read form: ``ts`` as datetime64[ns] UTC, NaN where vwap/count are unknown."""
        n = len(self)
        return BarArrays(
            ts=(self.ts * 1_000_000_000).astype("datetime64[ns]"),
            open=self.open, high=self.high, low=self.low, close=self.close, volume=self.volume,
            vwap=self.vwap if self.vwap is not None else np.full(n, np.nan),
            trade_count=self.trade_count.astype(np.float64) if self.trade_count is not None else np.full(n, np.nan),
        )

    def digest(self) -> str:
        """SHA-256 of every column's bytes: equal digests mean byte-identical bars."""
        h = hashlib.sha256()
        for col in (self.ts, self.open, self.high, self.low, self.close, self.volume,
                    self.vwap, self.trade_count):
            h.update(b"-" if col is None else np.ascontiguousarray(col).tobytes())
        return h.hexdigest()

    def frozen(self) -> SymbolBars:
        """The same frame with read-only arrays (frames shared from a cache must not be mutated)."""
        for col in (self.ts, self.open, self.high, self.low, self.close, self.volume,
                    self.vwap, self.trade_count):
            if col is not None:
                col.flags.writeable = False
        return self


def concat(frames: Sequence[SymbolBars]) -> SymbolBars:
    """Frames of one symbol joined in time order (inputs must not overlap)."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return SymbolBars.empty()
    if len(frames) == 1:
        return frames[0]
    keep_vwap = all(f.vwap is not None for f in frames)
    keep_count = all(f.trade_count is not None for f in frames)
    joined = SymbolBars(
        ts=np.concatenate([f.ts for f in frames]),
        open=np.concatenate([f.open for f in frames]),
        high=np.concatenate([f.high for f in frames]),
        low=np.concatenate([f.low for f in frames]),
        close=np.concatenate([f.close for f in frames]),
        volume=np.concatenate([f.volume for f in frames]),
        vwap=np.concatenate([f.vwap for f in frames if f.vwap is not None]) if keep_vwap else None,
        trade_count=(np.concatenate([f.trade_count for f in frames if f.trade_count is not None])
                     if keep_count else None),
    )
    order = np.argsort(joined.ts, kind="stable")
    return joined.take(order)


def summarize(frame: SymbolBars, ts: int) -> SymbolBars:
    """One bar stamped ``ts`` spanning all of ``frame`` (e.g. the day so far from its minute bars)."""
    if len(frame) == 0:
        return frame
    return SymbolBars(
        ts=np.array([ts], dtype=np.int64),
        open=frame.open[:1].copy(),
        high=np.array([frame.high.max()]),
        low=np.array([frame.low.min()]),
        close=frame.close[-1:].copy(),
        volume=np.array([frame.volume.sum()]),
    )


def daily_from_intraday(bars: SymbolBars) -> SymbolBars:
    """Daily bars from intraday ones, one per New York calendar date, stamped at its midnight."""
    if len(bars) == 0:
        return bars
    local = pd.to_datetime(bars.ts, unit="s", utc=True).tz_convert(NEW_YORK).normalize()
    midnight = np.asarray(local.tz_convert("UTC").as_unit("s").asi8, dtype=np.int64)
    return bars.group(midnight)


def store_frame(bars: Mapping[str, SymbolBars]) -> BarFrame:
    """Many symbols' bars as one ``BarStore.ingest`` batch."""
    parts = [(sym, b) for sym, b in bars.items() if len(b)]
    if not parts:
        return BarFrame.from_arrays([], np.empty(0, dtype=np.int64), *([np.empty(0)] * 5))
    with_vwap = all(b.vwap is not None for _, b in parts)
    with_count = all(b.trade_count is not None for _, b in parts)

    def col(get: Callable[[SymbolBars], NDArray[Any]]) -> NDArray[Any]:
        return np.concatenate([get(b) for _, b in parts])

    return BarFrame.from_arrays(
        symbol=np.repeat(np.array([s for s, _ in parts], dtype=object), [len(b) for _, b in parts]),
        ts=col(lambda b: b.ts) * 1_000_000_000,
        open=col(lambda b: b.open), high=col(lambda b: b.high), low=col(lambda b: b.low),
        close=col(lambda b: b.close), volume=col(lambda b: b.volume),
        vwap=col(lambda b: b.vwap if b.vwap is not None else np.full(len(b), np.nan)) if with_vwap else None,
        trade_count=(col(lambda b: b.trade_count if b.trade_count is not None else np.zeros(len(b)))
                     .astype(np.float64) if with_count else None),
    )
