"""Random but realistic bar panels for the indicator tests (seeded: failures reproduce)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from catalyst.indicators.ohlcv import OHLCV


def random_bars(n_bars: int, n_symbols: int, *, seed: int = 7, price: float = 100.0, vol: float = 0.002) -> OHLCV:
    """Geometric random walks with consistent OHLC (low <= open, close <= high), time-major."""
    rng = np.random.default_rng(seed)
    close = price * np.exp(np.cumsum(rng.normal(0.0, vol, (n_bars, n_symbols)), axis=0))
    open_ = np.vstack([close[:1], close[:-1]]) * np.exp(rng.normal(0.0, vol / 4, (n_bars, n_symbols)))
    high = np.maximum(open_, close) * (1.0 + rng.uniform(0.0, vol, (n_bars, n_symbols)))
    low = np.minimum(open_, close) * (1.0 - rng.uniform(0.0, vol, (n_bars, n_symbols)))
    volume = rng.integers(100, 50_000, (n_bars, n_symbols)).astype(np.float64)
    return OHLCV(open_, high, low, close, volume)


@pytest.fixture
def make_bars() -> Callable[..., OHLCV]:
    return random_bars
