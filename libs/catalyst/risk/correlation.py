"""Correlation of daily returns between two symbols (pure numpy).

Closes are aligned on the days both symbols traded; the last ``lookback`` returns of that
common calendar are correlated (Pearson). Too few common returns, or a flat series, give
None (unknown) rather than a made-up number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class CloseSeries:
    """Daily closes of one symbol: ``days`` as ``datetime64[D]`` ascending, ``closes`` > 0."""

    days: npt.NDArray[np.datetime64]
    closes: npt.NDArray[np.float64]


def aligned_returns(
    a: CloseSeries, b: CloseSeries, lookback: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Simple daily returns of ``a`` and ``b`` over their last ``lookback`` common days."""
    _, ia, ib = np.intersect1d(a.days, b.days, assume_unique=True, return_indices=True)
    ca = a.closes[ia][-(lookback + 1):]
    cb = b.closes[ib][-(lookback + 1):]
    if len(ca) < 2:
        empty = np.empty(0, dtype=np.float64)
        return empty, empty
    return np.diff(ca) / ca[:-1], np.diff(cb) / cb[:-1]


def return_correlation(a: CloseSeries, b: CloseSeries, *, lookback: int, min_observations: int) -> float | None:
    """Pearson correlation of aligned daily returns, or None when it cannot be trusted."""
    ra, rb = aligned_returns(a, b, lookback)
    if len(ra) < min_observations:
        return None
    sa, sb = ra - ra.mean(), rb - rb.mean()
    denom = float(np.sqrt((sa @ sa) * (sb @ sb)))
    if denom == 0.0 or not np.isfinite(denom):
        return None
    return float(np.clip((sa @ sb) / denom, -1.0, 1.0))


def correlations_with(
    candidate: CloseSeries | None, others: Mapping[str, CloseSeries | None], *, lookback: int,
    min_observations: int,
) -> dict[str, float | None]:
    """Correlation of ``candidate`` with each of ``others`` (None where either history is missing)."""
    out: dict[str, float | None] = {}
    for symbol, series in others.items():
        if candidate is None or series is None:
            out[symbol] = None
        else:
            out[symbol] = return_correlation(candidate, series, lookback=lookback,
                                             min_observations=min_observations)
    return out
