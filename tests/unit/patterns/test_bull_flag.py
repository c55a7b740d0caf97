"""Bull flag: hand-built poles and flags, and the near-misses that must not count."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from catalyst.patterns import BullFlagParams, PatternType, detect_bull_flag
from catalyst.patterns.base import PatternSignal

FLAG = [  # (open, high, low, close): drifts down from the pole top at 105.05
    (104.9, 104.95, 104.3, 104.4),
    (104.4, 104.6, 104.0, 104.2),
    (104.2, 104.5, 103.9, 104.1),
    (104.1, 104.4, 103.8, 104.3),
]


def flag(series: Callable[[], Any], current: tuple[float, float, float, float], *,
         pole_to: float = 105.0, flag_rows: list[tuple[float, float, float, float]] = FLAG) -> Any:
    s = series().path([100.0] * 20).path(np.linspace(100.0, pole_to, 6)[1:], volume=5000.0)
    for row in flag_rows:
        s.bar(*row, volume=1500.0)
    return s.bar(*current, volume=4000.0)


def one(s: Any, params: BullFlagParams | None = None) -> PatternSignal | None:
    return detect_bull_flag(s.ohlcv(), params).signal(0)


def test_breakout_over_the_flag_high(series: Callable[[], Any]) -> None:
    sig = one(flag(series, (104.3, 105.4, 104.2, 105.3)))
    assert sig is not None
    assert sig.pattern is PatternType.BULL_FLAG
    assert sig.breakout
    # pole: low 99.95 (first pole bar) to high 105.05 (last) = 5.10
    assert sig.entry == pytest.approx(104.95)  # flag high
    assert sig.stop == pytest.approx(103.8)  # flag low
    assert sig.target == pytest.approx(104.95 + 5.10)
    assert (sig.support, sig.resistance) == (sig.stop, sig.entry)
    assert sig.features["pole_gain_pct"] == pytest.approx(100 * 5.10 / 99.95)
    assert sig.features["flag_retrace_pct"] == pytest.approx(100 * (105.05 - 103.8) / 5.10)
    assert sig.features["volume_contraction"] == pytest.approx(1500 / 5000)
    assert sig.features["flag_bars"] == 4
    assert sig.features["pole_bars"] == 4
    assert sig.start_index == 20
    assert 0.7 < sig.confidence <= 1.0


def test_inside_the_flag_is_a_pending_flag(series: Callable[[], Any]) -> None:
    sig = one(flag(series, (104.3, 104.7, 104.1, 104.6)))
    assert sig is not None
    assert not sig.breakout
    assert sig.entry == pytest.approx(104.95)


def test_closing_below_the_flag_low_voids_it(series: Callable[[], Any]) -> None:
    assert one(flag(series, (104.3, 104.4, 103.4, 103.5))) is None


def test_a_weak_pole_is_no_flag(series: Callable[[], Any]) -> None:
    weak_flag = [(r[0] - 4.0, r[1] - 4.0, r[2] - 4.0, r[3] - 4.0) for r in FLAG]
    weak = flag(series, (100.3, 101.4, 100.2, 101.3), pole_to=101.0, flag_rows=weak_flag)
    # the pole gains 1.10 / 99.95 = 1.1 %, under the 2 % minimum
    assert one(weak) is None


def test_pole_gain_boundary(series: Callable[[], Any]) -> None:
    s = flag(series, (104.3, 105.4, 104.2, 105.3))
    gain = 5.10 / 99.95
    assert one(s, BullFlagParams(pole_min_gain=gain - 1e-9)) is not None
    assert one(s, BullFlagParams(pole_min_gain=gain + 1e-9)) is None


def test_a_deep_pullback_is_no_flag(series: Callable[[], Any]) -> None:
    deep = [*FLAG[:3], (104.1, 104.4, 102.0, 104.3)]  # retraces (105.05 - 102) / 5.1 = 60 %
    assert one(flag(series, (104.3, 105.4, 104.2, 105.3), flag_rows=deep)) is None


def test_a_flag_that_drags_on_is_no_flag(series: Callable[[], Any]) -> None:
    long_flag = FLAG * 4  # 16 bars > 15
    assert one(flag(series, (104.3, 105.4, 104.2, 105.3), flag_rows=long_flag)) is None


def test_a_flag_above_the_pole_top_is_no_flag(series: Callable[[], Any]) -> None:
    higher = [*FLAG[:2], (104.2, 105.2, 103.9, 104.1), FLAG[3]]
    assert one(flag(series, (104.3, 105.4, 104.2, 105.3), flag_rows=higher)) is None


def test_daily_preset_wants_a_bigger_pole(series: Callable[[], Any]) -> None:
    s = flag(series, (104.3, 105.4, 104.2, 105.3))
    assert one(s, BullFlagParams.daily()) is None  # 5 % pole < 10 %
    big = [(r[0] * 1.12, r[1] * 1.12, r[2] * 1.12, r[3] * 1.12) for r in FLAG]
    daily = series().path([100.0] * 20).path(np.linspace(100.0, 117.6, 6)[1:]).path([117.0])
    for row in big[1:]:
        daily.bar(*row)
    daily.bar(116.8, 118.2, 116.7, 118.0)
    sig = one(daily, BullFlagParams.daily())
    assert sig is not None
    assert sig.breakout


def test_too_few_bars_detect_nothing() -> None:
    from catalyst.indicators.ohlcv import OHLCV

    x = np.array([1.0, 1.1, 1.2])
    batch = detect_bull_flag(OHLCV(x, x, x, x, x))
    assert not batch.detected.any()
