"""All detectors together: panels give the same answers as single symbols; timeframe presets."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from catalyst.domain.market import Timeframe
from catalyst.indicators.ohlcv import OHLCV
from catalyst.patterns import (
    ALL_PATTERNS,
    PatternSettings,
    PatternType,
    detect_patterns,
    detect_patterns_batch,
    required_bars,
)


def random_panel(n_bars: int, n_symbols: int, seed: int) -> OHLCV:
    rng = np.random.default_rng(seed)
    close = 50.0 * np.exp(np.cumsum(rng.normal(0.0, 0.004, (n_bars, n_symbols)), axis=0))
    open_ = np.vstack([close[:1], close[:-1]])
    high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.002, close.shape))
    low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.002, close.shape))
    return OHLCV(open_, high, low, close, rng.integers(100, 10_000, close.shape).astype(np.float64))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_panel_gives_every_symbol_its_own_answer(seed: int) -> None:
    bars = random_panel(390, 300, seed)
    starts = np.random.default_rng(seed).integers(0, 60, 300)
    panel = detect_patterns_batch(bars, session_start=starts)
    assert set(panel) == set(ALL_PATTERNS)
    assert sum(int(b.detected.sum()) for b in panel.values()) > 0  # the comparison is not vacuous
    for s in range(300):
        single = detect_patterns_batch(bars.column(s), session_start=int(starts[s]))
        for pattern, batch in panel.items():
            assert batch.signal(s) == single[pattern].signal(0), (pattern, s)


def test_results_are_well_formed() -> None:
    bars = random_panel(390, 500, 9)
    for batch in detect_patterns_batch(bars).values():
        d = batch.detected
        assert ((batch.confidence >= 0) & (batch.confidence <= 1)).all()
        assert (batch.confidence[~d] == 0).all()
        assert np.isnan(batch.entry[~d]).all()
        assert (batch.stop[d] < batch.entry[d]).all()
        assert (batch.target[d] > batch.entry[d]).all()
        assert (batch.breakout <= d).all()
        assert (bars.close[-1][batch.breakout] > batch.entry[batch.breakout]).all()


def test_single_symbol_signals_come_most_confident_first() -> None:
    bars = random_panel(390, 200, 4)
    found = 0
    for s in range(200):
        signals = detect_patterns(bars.column(s))
        found += len(signals)
        assert [x.confidence for x in signals] == sorted((x.confidence for x in signals), reverse=True)
    assert found > 0


def test_timeframe_presets() -> None:
    assert PatternSettings.for_timeframe(Timeframe.MIN_1).opening_range is not None
    five = PatternSettings.for_timeframe(Timeframe.MIN_5).opening_range
    assert five is not None
    assert five.range_bars == 3
    assert PatternSettings.for_timeframe(Timeframe.HOUR_1).opening_range is None
    daily = PatternSettings.for_timeframe(Timeframe.DAY_1)
    assert daily.opening_range is None
    assert not daily.supports(PatternType.OPENING_RANGE_BREAKOUT)
    assert daily.bull_flag.pole_min_gain == 0.10
    assert PatternType.OPENING_RANGE_BREAKOUT not in detect_patterns_batch(random_panel(300, 2, 1), daily)


@pytest.mark.parametrize("pattern", [p for p in ALL_PATTERNS])
def test_required_bars_is_where_each_detector_starts_looking(pattern: PatternType) -> None:
    settings = PatternSettings()
    need = required_bars(pattern, settings)
    bars = random_panel(need, 3, 5)
    shorter = bars.tail(need - 1)
    found = detect_patterns_batch(bars, settings, patterns=[pattern])[pattern]
    assert found.features  # the detector ran its geometry (it returns its feature arrays either way)
    short = detect_patterns_batch(shorter, settings, patterns=[pattern])[pattern]
    assert not short.detected.any()


def test_a_minimal_flag_fits_in_exactly_the_required_bars(series: Any) -> None:
    # pole bottom, 3 pole bars, 2 flag bars, the current bar: 7 bars
    s = series().bar(100.0, 100.05, 99.9, 100.0).path([101.0, 102.0, 103.0], volume=5000.0)
    s.bar(102.9, 102.95, 102.5, 102.6, volume=1000.0).bar(102.6, 102.8, 102.4, 102.7, volume=1000.0)
    s.bar(102.7, 103.2, 102.6, 103.1)
    settings = PatternSettings()
    assert len(s.rows) == required_bars(PatternType.BULL_FLAG, settings)
    sig = detect_patterns(s.ohlcv(), settings, patterns=[PatternType.BULL_FLAG])
    assert [x.pattern for x in sig] == [PatternType.BULL_FLAG]
