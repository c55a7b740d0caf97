"""Return correlation over aligned days, and ATR against TA-Lib's."""

from __future__ import annotations

import numpy as np
import pytest
import talib

from catalyst.risk.correlation import CloseSeries, aligned_returns, correlations_with, return_correlation
from catalyst.risk.volatility import average_true_range

RNG = np.random.default_rng(7)


def _series(closes: np.ndarray, start: str = "2026-01-01") -> CloseSeries:
    days = np.arange(np.datetime64(start), np.datetime64(start) + len(closes))
    return CloseSeries(days, closes.astype(np.float64))


def _walk(n: int, returns: np.ndarray | None = None) -> np.ndarray:
    r = RNG.normal(0, 0.01, n) if returns is None else returns
    return 100.0 * np.cumprod(1 + r)


def test_identical_series_correlate_at_one() -> None:
    a = _series(_walk(80))
    assert return_correlation(a, a, lookback=60, min_observations=20) == pytest.approx(1.0)


def test_mirror_returns_correlate_at_minus_one() -> None:
    r = RNG.normal(0, 0.01, 80)
    c = return_correlation(_series(_walk(80, r)), _series(_walk(80, -r)), lookback=60, min_observations=20)
    assert c == pytest.approx(-1.0)


def test_matches_numpy_over_the_last_lookback_returns() -> None:
    a, b = _walk(120), _walk(120)
    ra, rb = np.diff(a) / a[:-1], np.diff(b) / b[:-1]
    expected = np.corrcoef(ra[-60:], rb[-60:])[0, 1]
    c = return_correlation(_series(a), _series(b), lookback=60, min_observations=20)
    assert c == pytest.approx(expected)


def test_days_are_aligned_before_returns() -> None:
    a = _series(_walk(70))
    b_full = _walk(70)
    keep = np.ones(70, dtype=bool)
    keep[[10, 30, 31]] = False  # b misses three days
    b = CloseSeries(a.days[keep], b_full[keep])
    ra, rb = aligned_returns(a, b, lookback=60)
    assert len(ra) == len(rb) == 60
    assert ra[-1] == pytest.approx(a.closes[-1] / a.closes[-2] - 1)


def test_too_little_common_history_is_unknown() -> None:
    a = _series(_walk(30))
    b = _series(_walk(30), start="2026-01-20")  # 11 common days: 10 returns
    assert return_correlation(a, b, lookback=60, min_observations=20) is None
    assert return_correlation(a, b, lookback=60, min_observations=10) is not None


def test_flat_series_is_unknown() -> None:
    a = _series(_walk(70))
    flat = _series(np.full(70, 50.0))
    assert return_correlation(a, flat, lookback=60, min_observations=20) is None


def test_correlations_with_reports_missing_history_as_unknown() -> None:
    a = _series(_walk(70))
    out = correlations_with(a, {"A": a, "B": None}, lookback=60, min_observations=20)
    assert out["A"] == pytest.approx(1.0)
    assert out["B"] is None
    assert correlations_with(None, {"A": a}, lookback=60, min_observations=20) == {"A": None}


def test_atr_matches_talib() -> None:
    close = _walk(60)
    high = close * (1 + RNG.uniform(0, 0.02, 60))
    low = close * (1 - RNG.uniform(0, 0.02, 60))
    expected = talib.ATR(high, low, close, timeperiod=14)[-1]
    assert average_true_range(high, low, close, 14) == pytest.approx(expected)


def test_atr_needs_period_plus_one_bars() -> None:
    c = _walk(14)
    assert average_true_range(c * 1.01, c * 0.99, c, 14) is None
    c = _walk(15)
    assert average_true_range(c * 1.01, c * 0.99, c, 14) is not None
