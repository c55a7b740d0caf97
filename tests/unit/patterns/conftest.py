"""Builders for the hand-made bar series of the pattern tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pytest

from catalyst.indicators.ohlcv import OHLCV

SPREAD = 0.05


@dataclass
class Series:
    """Bars appended piece by piece: a path of closes, or explicit (open, high, low, close) bars.

    A path bar opens at the previous close and its high/low sit ``SPREAD`` beyond its body,
    so every high and low of a test is known exactly.
    """

    rows: list[tuple[float, float, float, float]] = field(default_factory=list)
    volumes: list[float] = field(default_factory=list)

    def path(self, closes: Sequence[float], volume: float = 1000.0) -> Series:
        prev = self.rows[-1][3] if self.rows else float(closes[0])
        for c in closes:
            c = float(c)
            self.rows.append((prev, max(prev, c) + SPREAD, min(prev, c) - SPREAD, c))
            self.volumes.append(volume)
            prev = c
        return self

    def bar(self, o: float, h: float, lo: float, c: float, volume: float = 1000.0) -> Series:
        self.rows.append((o, h, lo, c))
        self.volumes.append(volume)
        return self

    def ohlcv(self) -> OHLCV:
        a = np.array(self.rows, dtype=np.float64)
        return OHLCV(a[:, 0].copy(), a[:, 1].copy(), a[:, 2].copy(), a[:, 3].copy(),
                     np.array(self.volumes, dtype=np.float64))

    @property
    def highs(self) -> np.ndarray:
        return np.array([r[1] for r in self.rows])

    @property
    def lows(self) -> np.ndarray:
        return np.array([r[2] for r in self.rows])


@pytest.fixture
def series() -> Callable[[], Series]:
    return Series


def panel_of(items: Sequence[OHLCV]) -> OHLCV:
    return OHLCV.stack(list(items))


@pytest.fixture
def stack() -> Callable[[Sequence[OHLCV]], OHLCV]:
    return panel_of
