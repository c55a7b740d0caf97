"""Cup and handle: a parabolic cup is found, a V-shaped one and other near-misses are not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from catalyst.patterns import CupHandleParams, detect_cup_and_handle
from catalyst.patterns.base import PatternSignal

X = np.linspace(-1.0, 1.0, 61)
U_CUP = 96.0 + 4.0 * X**2  # rims 100, bottom 96: a parabola
V_CUP = 96.0 + 4.0 * np.abs(X)
HANDLE = [(100.0, 100.0, 99.5, 99.6), (99.6, 99.7, 99.1, 99.2), (99.2, 99.4, 98.9, 99.3), (99.3, 99.6, 99.2, 99.5)]
BREAKOUT = (99.5, 100.4, 99.4, 100.3)


def cup(series: Callable[[], Any], closes: np.ndarray, current: tuple[float, float, float, float] = BREAKOUT,
        handle: list[tuple[float, float, float, float]] = HANDLE, scale: float = 1.0) -> Any:
    s = series().path(np.linspace(95.0, 100.0, 10)[:-1] * scale).path(closes * scale, volume=2000.0)
    for row in handle:
        s.bar(*(x * scale for x in row), volume=800.0)
    return s.bar(*(x * scale for x in current), volume=3000.0)


def one(s: Any, params: CupHandleParams | None = None) -> PatternSignal | None:
    return detect_cup_and_handle(s.ohlcv(), params).signal(0)


def test_u_shaped_cup_with_handle_breaks_out(series: Callable[[], Any]) -> None:
    s = cup(series, U_CUP)
    sig = one(s)
    assert sig is not None
    assert sig.breakout
    # rims: highs 100.05; bottom: low 95.95 → cup height 4.10
    assert sig.entry == pytest.approx(100.05)
    assert sig.stop == pytest.approx(98.9)  # handle low
    assert sig.target == pytest.approx(100.05 + 4.10)
    assert sig.features["cup_depth_pct"] == pytest.approx(100 * 4.10 / 100.05)
    assert sig.features["handle_retrace_pct"] == pytest.approx(100 * (100.05 - 98.9) / 4.10)
    assert sig.features["cup_bars"] == 60
    assert sig.features["handle_bars"] == 4
    assert sig.features["roundness"] > 0.5
    assert sig.features["volume_contraction"] == pytest.approx(800 / 2000)
    assert sig.start_index == 9  # the left rim: first bar of the cup
    assert 0.0 < sig.confidence <= 1.0


def test_inside_the_handle_is_pending(series: Callable[[], Any]) -> None:
    sig = one(cup(series, U_CUP, current=(99.5, 99.9, 99.3, 99.8)))
    assert sig is not None
    assert not sig.breakout


def test_closing_below_the_handle_voids_it(series: Callable[[], Any]) -> None:
    assert one(cup(series, U_CUP, current=(99.5, 99.5, 98.5, 98.6))) is None


def test_a_v_shaped_cup_is_rejected(series: Callable[[], Any]) -> None:
    s = cup(series, V_CUP)
    assert one(s) is None
    # the only failing rule is roundness (about a third of the bars sit in the bottom third)
    assert one(s, CupHandleParams(min_roundness=0.3)) is not None


def test_roundness_boundary(series: Callable[[], Any]) -> None:
    s = cup(series, U_CUP)
    sig = one(s)
    assert sig is not None
    r = sig.features["roundness"]
    assert one(s, CupHandleParams(min_roundness=r)) is not None
    assert one(s, CupHandleParams(min_roundness=r + 1e-9)) is None


def test_a_too_shallow_cup_is_rejected(series: Callable[[], Any]) -> None:
    shallow = 99.6 + 0.4 * X**2
    handle = [(100.0, 100.0, 99.9, 99.95), (99.95, 99.98, 99.85, 99.9), (99.9, 99.95, 99.86, 99.92)]
    s = cup(series, shallow, current=(99.92, 100.2, 99.9, 100.15), handle=handle)
    assert one(s) is None  # depth 0.5 % < 1 %
    assert one(s, CupHandleParams(min_depth=0.004)) is not None


def test_a_deep_handle_is_rejected(series: Callable[[], Any]) -> None:
    deep = [*HANDLE[:2], (99.2, 99.4, 97.5, 99.3), HANDLE[3]]  # retraces 62 % of the cup
    assert one(cup(series, U_CUP, handle=deep)) is None


def test_mismatched_rims_are_rejected(series: Callable[[], Any]) -> None:
    lopsided = np.where(X < 0, 96.0 + 4.0 * X**2, 96.0 + 2.5 * X**2)  # right rim 98.5 vs left 100
    handle = [(98.5, 98.5, 98.1, 98.2), (98.2, 98.3, 97.9, 98.0), (98.0, 98.3, 97.9, 98.2)]
    assert one(cup(series, lopsided, current=(98.2, 98.9, 98.1, 98.8), handle=handle)) is None


def test_daily_preset_wants_a_deeper_cup(series: Callable[[], Any]) -> None:
    deep_cup = 80.0 + 20.0 * X**2  # 20 % deep
    handle = [(100.0, 100.0, 97.0, 97.5), (97.5, 98.0, 95.0, 96.0), (96.0, 97.5, 95.5, 97.0),
              (97.0, 98.5, 96.5, 98.0), (98.0, 99.0, 97.5, 98.5)]
    s = cup(series, deep_cup, current=(98.5, 100.8, 98.4, 100.6), handle=handle)
    assert one(s) is None  # intraday: 20 % is deeper than 10 %
    sig = one(s, CupHandleParams.daily())
    assert sig is not None
    assert sig.breakout
    assert sig.stop == pytest.approx(95.0)
