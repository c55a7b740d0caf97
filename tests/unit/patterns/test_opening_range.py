"""Opening range breakout: the first 15 minutes set the range; the current bar takes it out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from catalyst.patterns import OpeningRangeParams, detect_opening_range_breakout, session_start_index
from catalyst.patterns.base import PatternSignal

RANGE = [100.0, 100.5, 100.2, 100.8, 100.4, 100.6, 100.3, 100.9, 100.5, 100.7, 100.4, 100.6, 100.5, 100.7, 100.6]


def session(series: Callable[[], Any], after: list[float], current: tuple[float, float, float, float],
            *, premarket: int = 0) -> Any:
    s = series()
    if premarket:  # flat at 100 with a spike to 103: outside the range, it must not widen it
        s.path([100.0] * (premarket - 2) + [103.0, 100.0], volume=100.0)
    s.path(RANGE, volume=2000.0).path(after, volume=1000.0)
    return s.bar(*current, volume=4000.0)


def one(s: Any, start: int = 0, params: OpeningRangeParams | None = None) -> PatternSignal | None:
    return detect_opening_range_breakout(s.ohlcv(), start, params).signal(0)


def test_close_above_the_range_high_is_a_breakout(series: Callable[[], Any]) -> None:
    sig = one(session(series, [100.7, 100.8, 100.75], (100.75, 101.3, 100.7, 101.2)))
    assert sig is not None
    assert sig.breakout
    # range: high 100.95 (bar closing 100.9), low 99.95 (first bar)
    assert sig.entry == pytest.approx(100.95)
    assert sig.stop == pytest.approx(99.95)
    assert sig.target == pytest.approx(101.95)
    assert sig.features["breakout_volume_ratio"] == pytest.approx(2.0)
    assert sig.features["fresh"] == 1.0
    assert sig.features["range_pct"] == pytest.approx(100 * 1.0 / 99.95)
    assert sig.features["extension"] == pytest.approx(0.25)


def test_poking_through_without_closing_above_is_not_yet_a_breakout(series: Callable[[], Any]) -> None:
    sig = one(session(series, [100.7, 100.8], (100.8, 101.1, 100.7, 100.9)))
    assert sig is not None
    assert not sig.breakout


def test_a_range_that_failed_downward_is_no_setup(series: Callable[[], Any]) -> None:
    assert one(session(series, [100.4, 99.6, 100.5], (100.5, 101.3, 100.4, 101.2))) is None


def test_trading_inside_the_range_is_nothing(series: Callable[[], Any]) -> None:
    assert one(session(series, [100.7], (100.7, 100.8, 100.6, 100.7))) is None


def test_the_range_must_be_complete(series: Callable[[], Any]) -> None:
    s = series().path(RANGE[:10]).bar(100.7, 101.5, 100.6, 101.4)
    assert one(s) is None


def test_a_too_wide_range_is_rejected(series: Callable[[], Any]) -> None:
    s = session(series, [100.7, 100.8], (100.75, 101.3, 100.7, 101.2))
    assert one(s, params=OpeningRangeParams(max_range=0.009)) is None  # range is 1.0 %
    assert one(s, params=OpeningRangeParams(max_range=0.011)) is not None


def test_an_earlier_breakout_is_not_fresh(series: Callable[[], Any]) -> None:
    sig = one(session(series, [101.1, 100.9], (100.9, 101.5, 100.8, 101.4)))
    assert sig is not None
    assert sig.breakout
    assert sig.features["fresh"] == 0.0


def test_premarket_bars_do_not_count_towards_the_range(series: Callable[[], Any]) -> None:
    s = session(series, [100.7, 100.8], (100.75, 101.3, 100.7, 101.2), premarket=30)
    sig = one(s, start=30)
    assert sig is not None
    assert sig.start_index == 30
    assert sig.stop == pytest.approx(99.95)
    assert sig.entry == pytest.approx(100.95)
    assert one(s, start=-1) is None  # no session yet


def test_session_start_index_in_new_york_time() -> None:
    # 2024-07-01 (EDT, UTC-4): 09:30 New York = 13:30 UTC; bars from 13:00 UTC, one a minute (epoch ns)
    ts = np.arange(np.datetime64("2024-07-01T13:00"), np.datetime64("2024-07-01T14:00"),
                   np.timedelta64(1, "m")).astype("datetime64[ns]").view(np.int64)
    assert session_start_index(ts) == 30
    assert session_start_index(ts[:25]) == -1  # last bar 13:24 UTC = 09:24: pre-market
    # 2024-01-02 (EST, UTC-5): 09:30 New York = 14:30 UTC
    winter = np.arange(np.datetime64("2024-01-02T14:00"), np.datetime64("2024-01-02T15:00"),
                       np.timedelta64(1, "m")).astype("datetime64[ns]").view(np.int64)
    assert session_start_index(winter) == 30
    assert session_start_index(np.array([], dtype=np.int64)) == -1


def test_session_start_skips_the_previous_day() -> None:
    yesterday = np.arange(np.datetime64("2024-07-01T13:30"), np.datetime64("2024-07-01T20:00"),
                          np.timedelta64(1, "m"))
    today = np.arange(np.datetime64("2024-07-02T13:30"), np.datetime64("2024-07-02T14:00"),
                      np.timedelta64(1, "m"))
    ts = np.concatenate([yesterday, today]).astype("datetime64[ns]").view(np.int64)
    assert session_start_index(ts) == yesterday.shape[0]
