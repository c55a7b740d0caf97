"""Bars as arrays: the input of every indicator and pattern function."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from catalyst.errors import InvalidInput
from catalyst.indicators.kernels import FloatArray


@dataclass(frozen=True)
class OHLCV:
    """Open/high/low/close/volume, time on axis 0.

    ``(n_bars,)`` arrays hold one symbol; ``(n_bars, n_symbols)`` arrays hold a panel, one
    column per symbol (a pandas wide frame's layout), all of the same length.
    """

    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray

    @property
    def n_bars(self) -> int:
        return int(self.close.shape[0])

    @property
    def n_symbols(self) -> int:
        return 1 if self.close.ndim == 1 else int(self.close.shape[1])

    def column(self, s: int) -> OHLCV:
        """Symbol ``s`` of a panel as 1-D arrays."""
        if self.close.ndim == 1:
            return self
        return OHLCV(*(np.ascontiguousarray(a[:, s]) for a in self.arrays()))

    def tail(self, n_bars: int) -> OHLCV:
        return OHLCV(*(a[-n_bars:] for a in self.arrays()))

    def arrays(self) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
        return self.open, self.high, self.low, self.close, self.volume

    @classmethod
    def from_symbol_major(
        cls, open: FloatArray, high: FloatArray, low: FloatArray, close: FloatArray, volume: FloatArray
    ) -> OHLCV:
        """A panel from ``(n_symbols, n_bars)`` arrays (one row per symbol), copied time-major."""
        return cls(*(np.ascontiguousarray(np.asarray(a, dtype=np.float64).T) for a in (open, high, low, close,
                                                                                         volume)))

    @classmethod
    def stack(cls, series: list[OHLCV]) -> OHLCV:
        """Equal-length 1-D series as one panel (column ``s`` is ``series[s]``)."""
        return cls(*(np.stack(parts, axis=1) for parts in zip(*(s.arrays() for s in series), strict=True)))


def validate_ohlcv(bars: OHLCV) -> None:
    """Refuse bars that no indicator can be computed from (``InvalidInput``).

    Shapes must agree, prices be finite and positive, ``low <= open, close <= high``,
    volume finite and non-negative.
    """
    shape = bars.close.shape
    if bars.close.ndim not in (1, 2) or any(a.shape != shape for a in bars.arrays()):
        raise InvalidInput("open/high/low/close/volume must be arrays of one shape", details={"shape": shape})
    o, h, lo, c, v = bars.arrays()
    prices_ok = np.isfinite(h).all() and np.isfinite(lo).all() and bool((lo > 0).all())
    if not prices_ok:
        raise InvalidInput("prices must be finite and positive")
    if not (np.isfinite(v).all() and (v >= 0).all()):
        raise InvalidInput("volume must be finite and non-negative")
    inside = (lo <= o) & (o <= h) & (lo <= c) & (c <= h)
    if not inside.all():
        bad = np.argwhere(~inside)[0].tolist()
        raise InvalidInput("open and close must lie within [low, high]", details={"first_bad_index": bad})
