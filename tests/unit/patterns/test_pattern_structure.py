"""The structure searches the bull flag, ABCD and cup-and-handle detectors share (patterns/base.py)."""

from __future__ import annotations

import numpy as np

from catalyst.patterns.base import later_volume_ratio, peak_then_pause, rise_into


def _cols(*series: list[float]) -> np.ndarray:
    return np.column_stack([np.asarray(s, dtype=float) for s in series])


def test_peak_then_pause_finds_the_high_and_the_bars_after_it() -> None:
    #            0    1    2    3    4    5    6    7    8
    h = _cols([10, 11, 12, 15, 14, 14.5, 13, 14, 20],  # the last bar (8) is the current one: not searched
              [10, 10, 10, 10, 10, 10, 10, 10, 10])  # a flat line: ties go to the earliest bar
    lo = h - 1.0
    lo[6, 0] = 11.0
    lo[7, 0] = 11.0
    got = peak_then_pause(h, lo, min_pause=2, max_pause=5, min_before=2)
    assert got is not None
    assert got.end == 7
    assert got.idx.tolist() == [3, 2]  # bars 2..5 (e - 5 .. e - 2) are candidates
    assert got.high.tolist() == [15.0, 10.0]
    assert got.valid.tolist() == [True, True]
    assert got.pause_high.tolist() == [14.5, 10.0]
    assert got.pause_low.tolist() == [11.0, 9.0]
    assert got.pause_low_idx.tolist() == [7, 7]  # the latest of equal lows


def test_peak_window_starts_no_earlier_than_min_before_and_needs_the_bars() -> None:
    h = _cols([30, 11, 12, 13, 12, 11, 10])
    got = peak_then_pause(h, h - 1, min_pause=1, max_pause=5, min_before=2)
    assert got is not None
    assert got.idx.tolist() == [3]  # bar 0 is higher but leaves no room for the rise before it
    # e = 5 needs e - min_pause - min_before >= 0: 5 - 1 - 4 = 0 just fits, 5 - 2 - 4 does not
    assert peak_then_pause(h, h - 1, min_pause=1, max_pause=5, min_before=4) is not None
    assert peak_then_pause(h, h - 1, min_pause=2, max_pause=5, min_before=4) is None


def test_rise_into_starts_at_the_latest_lowest_low_before_the_peak() -> None:
    h = _cols([12, 11, 10.5, 11, 12, 13, 14])
    lo = _cols([11, 10, 10, 10.5, 11.5, 12.5, 13.5])
    start, low, high_before = rise_into(h, lo, np.array([6]), max_bars=5)
    assert (start.tolist(), low.tolist(), high_before.tolist()) == ([2], [10.0], [13.0])
    start, _, _ = rise_into(h, lo, np.array([6]), max_bars=4)
    assert start.tolist() == [2]
    start, low, _ = rise_into(h, lo, np.array([6]), max_bars=3)
    assert (start.tolist(), low.tolist()) == ([3], [10.5])


def test_later_volume_ratio_compares_volume_per_bar() -> None:
    v = _cols([100, 300, 50, 50, 50], [0, 0, 10, 10, 10])
    got = later_volume_ratio(v, np.array([0, 0]), np.array([2, 2]), np.array([4, 4]))
    assert got[0] == 0.25  # 50 a bar after 200 a bar
    assert np.isnan(got[1])  # nothing traded before: no ratio
