"""ABCD measured move: a leg up, a 38-79 % pullback to a higher low, and the break of B."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

from catalyst.patterns import AbcdParams, detect_abcd
from catalyst.patterns.base import PatternSignal


def abcd(series: Callable[[], Any], c_close: float, after: Sequence[float], *, b: float = 106.0) -> Any:
    s = series().path([100.0] * 10).path(np.linspace(100.0, b, 7)[1:], volume=3000.0)
    s.path(np.linspace(b, c_close, 6)[1:], volume=1200.0)
    return s.path(after)


def one(s: Any, params: AbcdParams | None = None) -> PatternSignal | None:
    return detect_abcd(s.ohlcv(), params).signal(0)


def test_break_of_b_after_a_half_retracement(series: Callable[[], Any]) -> None:
    sig = one(abcd(series, 103.0, [103.5, 104.2, 105.0, 106.3]))
    assert sig is not None
    assert sig.breakout
    # A low 99.95, B high 106.05, C low 102.95: AB = 6.10, retracement 3.10 / 6.10
    assert sig.entry == pytest.approx(106.05)
    assert sig.stop == pytest.approx(102.95)
    assert sig.target == pytest.approx(102.95 + 6.10)  # D = C + AB
    assert sig.features["bc_retrace_pct"] == pytest.approx(100 * 3.10 / 6.10)
    assert sig.features["ab_gain_pct"] == pytest.approx(100 * 6.10 / 99.95)
    assert sig.features["reward_risk"] == pytest.approx((102.95 + 6.10 - 106.05) / 3.10)
    assert sig.features["volume_contraction"] == pytest.approx(1200 / 3000, rel=0.2)
    assert sig.start_index == 10


def test_turning_up_from_c_before_b_is_pending(series: Callable[[], Any]) -> None:
    sig = one(abcd(series, 103.0, [103.5, 104.2, 105.0]))
    assert sig is not None
    assert not sig.breakout


@pytest.mark.parametrize(("c_close", "why"), [(105.0, "20 % pullback: too shallow"),
                                              (100.6, "90 % pullback: too deep"),
                                              (99.0, "C under A")])
def test_pullbacks_outside_the_band_are_not_abcd(series: Callable[[], Any], c_close: float, why: str) -> None:
    assert one(abcd(series, c_close, [c_close + 0.5, c_close + 1.0, c_close + 1.5])) is None, why


def test_c_must_have_turned_up(series: Callable[[], Any]) -> None:
    s = abcd(series, 103.0, [])  # the pullback's last bar is C, and the current bar falls further
    s.bar(103.0, 103.05, 102.6, 102.7)
    assert one(s) is None


def test_a_weak_leg_is_not_abcd(series: Callable[[], Any]) -> None:
    s = abcd(series, 100.5, [100.6, 100.8, 101.0, 101.2], b=101.0)  # AB 1.1 %
    assert one(s) is None
    assert one(s, AbcdParams(ab_min_gain=0.01)) is not None


def test_retracement_band_edges(series: Callable[[], Any]) -> None:
    s = abcd(series, 103.0, [103.5, 104.2, 105.0])
    r = 3.10 / 6.10
    assert one(s, AbcdParams(min_retrace=r - 1e-9)) is not None
    assert one(s, AbcdParams(min_retrace=r + 1e-9)) is None
    assert one(s, AbcdParams(max_retrace=r + 1e-9)) is not None
    assert one(s, AbcdParams(max_retrace=r - 1e-9)) is None
