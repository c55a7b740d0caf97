"""Ascending triangle: a flat top over rising lows, and the shapes that only look like one."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

from catalyst.patterns import AscendingTriangleParams, detect_ascending_triangle
from catalyst.patterns.base import PatternSignal


def zigzag(series: Callable[[], Any], turns: Sequence[float], current: tuple[float, float, float, float],
           legs: int = 4) -> Any:
    """Closes moving in straight legs of ``legs`` bars between the turning points (spread 0)."""
    s = series()
    closes = [turns[0]]
    for a, b in itertools.pairwise(turns):
        closes += list(np.linspace(a, b, legs + 1)[1:])
    prev = closes[0]
    for c in closes:
        s.bar(prev, max(prev, c), min(prev, c), c)
        prev = c
    return s.bar(*current)


TRIANGLE = [96.0, 100.0, 97.0, 100.0, 98.0, 100.0, 99.0, 99.8]
BREAKOUT = (99.8, 100.6, 99.7, 100.5)


def one(s: Any, params: AscendingTriangleParams | None = None) -> PatternSignal | None:
    return detect_ascending_triangle(s.ohlcv(), params).signal(0)


def test_three_touches_over_rising_lows_break_out(series: Callable[[], Any]) -> None:
    sig = one(zigzag(series, TRIANGLE, BREAKOUT))
    assert sig is not None
    assert sig.breakout
    assert sig.entry == 100.0
    assert sig.stop == 99.0
    assert sig.target == pytest.approx(103.0)  # 100 + (100 - 97)
    assert sig.features["touches"] == 3
    assert sig.features["higher_lows"] == 3
    assert sig.features["height_pct"] == pytest.approx(3.0)
    assert sig.start_index == 4  # the first touch
    assert sig.confidence > 0.7


def test_pressing_the_ceiling_without_closing_through_is_pending(series: Callable[[], Any]) -> None:
    sig = one(zigzag(series, TRIANGLE, (99.8, 99.95, 99.6, 99.9)))
    assert sig is not None
    assert not sig.breakout


def test_losing_the_last_higher_low_voids_it(series: Callable[[], Any]) -> None:
    assert one(zigzag(series, TRIANGLE, (99.8, 99.8, 98.5, 98.6))) is None


def test_lows_that_do_not_rise_are_no_triangle(series: Callable[[], Any]) -> None:
    assert one(zigzag(series, [96.0, 100.0, 97.0, 100.0, 96.5, 100.0, 99.0, 99.8], BREAKOUT)) is None


def test_flat_lows_are_a_rectangle_not_a_triangle(series: Callable[[], Any]) -> None:
    assert one(zigzag(series, [96.0, 100.0, 97.0, 100.0, 97.0, 100.0, 97.0, 99.8], BREAKOUT)) is None


def test_a_falling_ceiling_is_no_triangle(series: Callable[[], Any]) -> None:
    assert one(zigzag(series, [96.0, 100.0, 97.0, 99.0, 98.0, 98.2, 97.5, 97.9], (97.9, 100.6, 97.8, 100.5))) is None


def test_touch_tolerance_decides_what_counts_as_the_same_ceiling(series: Callable[[], Any]) -> None:
    uneven = [96.0, 100.0, 97.0, 99.5, 98.0, 100.0, 99.0, 99.8]  # middle peak 0.5 % short of the top
    s = zigzag(series, uneven, BREAKOUT)
    sig = one(s)
    assert sig is not None
    assert sig.features["touches"] == 2
    assert one(s, AscendingTriangleParams(min_touches=3)) is None
    loose = one(s, AscendingTriangleParams(touch_tolerance=0.006))
    assert loose is not None
    assert loose.features["touches"] == 3


def test_too_few_bars_detect_nothing(series: Callable[[], Any]) -> None:
    s = series().path([10.0, 10.2, 10.1])
    assert not detect_ascending_triangle(s.ohlcv()).detected.any()
