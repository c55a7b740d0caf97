"""All five detectors behind one call, with parameters chosen by timeframe."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import time

import numpy as np
from numpy.typing import NDArray

from catalyst.bar_columns import from_ns, to_ns
from catalyst.domain.calendar import NEW_YORK
from catalyst.domain.market import Timeframe
from catalyst.domain.patterns import PatternType
from catalyst.indicators.ohlcv import OHLCV
from catalyst.patterns.abcd import AbcdParams, detect_abcd
from catalyst.patterns.ascending_triangle import AscendingTriangleParams, detect_ascending_triangle
from catalyst.patterns.base import IntArray, PatternBatch, PatternSignal
from catalyst.patterns.bull_flag import BullFlagParams, detect_bull_flag
from catalyst.patterns.cup_handle import CupHandleParams, detect_cup_and_handle
from catalyst.patterns.opening_range import OpeningRangeParams, detect_opening_range_breakout

ALL_PATTERNS: tuple[PatternType, ...] = tuple(PatternType)
MARKET_OPEN = time(9, 30)
OPENING_RANGE_MINUTES = 15


@dataclass(frozen=True)
class PatternSettings:
    """Every detector's parameters. Intraday defaults count in bars of the timeframe given."""

    bull_flag: BullFlagParams = field(default_factory=BullFlagParams)
    cup_and_handle: CupHandleParams = field(default_factory=CupHandleParams)
    ascending_triangle: AscendingTriangleParams = field(default_factory=AscendingTriangleParams)
    abcd: AbcdParams = field(default_factory=AbcdParams)
    opening_range: OpeningRangeParams | None = field(default_factory=OpeningRangeParams)

    @classmethod
    def for_timeframe(cls, timeframe: Timeframe) -> PatternSettings:
        """Daily presets for 1Day; intraday ones otherwise. The opening range is 15 minutes
        of bars, so ORB exists only for timeframes of 15 minutes or less."""
        if timeframe is Timeframe.DAY_1:
            return cls(BullFlagParams.daily(), CupHandleParams.daily(), AscendingTriangleParams.daily(),
                       AbcdParams.daily(), None)
        minutes = timeframe.seconds // 60
        if minutes > OPENING_RANGE_MINUTES:
            return cls(opening_range=None)
        return cls(opening_range=replace(OpeningRangeParams(), range_bars=OPENING_RANGE_MINUTES // minutes))

    def supports(self, pattern: PatternType) -> bool:
        return pattern is not PatternType.OPENING_RANGE_BREAKOUT or self.opening_range is not None


def required_bars(pattern: PatternType, settings: PatternSettings) -> int:
    """The fewest bars (the current one included) on which ``pattern`` can be looked for at all."""
    if pattern is PatternType.BULL_FLAG:
        return settings.bull_flag.pole_min_bars + settings.bull_flag.flag_min_bars + 2
    if pattern is PatternType.CUP_AND_HANDLE:
        return settings.cup_and_handle.cup_min_bars + settings.cup_and_handle.handle_min_bars + 2
    if pattern is PatternType.ASCENDING_TRIANGLE:
        return settings.ascending_triangle.min_bars + 2
    if pattern is PatternType.ABCD:
        return settings.abcd.ab_min_bars + settings.abcd.bc_min_bars + 2
    if settings.opening_range is None:
        raise ValueError("no opening range on this timeframe")
    return settings.opening_range.range_bars + 1


def detect_patterns_batch(
    bars: OHLCV,
    settings: PatternSettings | None = None,
    *,
    session_start: IntArray | int = 0,
    patterns: Iterable[PatternType] = ALL_PATTERNS,
) -> dict[PatternType, PatternBatch]:
    """Run the requested detectors over one symbol or a panel (see ``catalyst.patterns.base``).

    ``session_start`` (ORB only) is the index of the current session's first bar, one per
    symbol or one for all. Patterns the settings do not support are left out.
    """
    s = settings or PatternSettings()
    out: dict[PatternType, PatternBatch] = {}
    for pattern in patterns:
        if pattern is PatternType.BULL_FLAG:
            out[pattern] = detect_bull_flag(bars, s.bull_flag)
        elif pattern is PatternType.CUP_AND_HANDLE:
            out[pattern] = detect_cup_and_handle(bars, s.cup_and_handle)
        elif pattern is PatternType.ASCENDING_TRIANGLE:
            out[pattern] = detect_ascending_triangle(bars, s.ascending_triangle)
        elif pattern is PatternType.ABCD:
            out[pattern] = detect_abcd(bars, s.abcd)
        elif s.opening_range is not None:
            out[pattern] = detect_opening_range_breakout(bars, session_start, s.opening_range)
    return out


def detect_patterns(
    bars: OHLCV,
    settings: PatternSettings | None = None,
    *,
    session_start: int = 0,
    patterns: Iterable[PatternType] = ALL_PATTERNS,
) -> list[PatternSignal]:
    """One symbol's detected patterns (1-D bars), most confident first."""
    found = detect_patterns_batch(bars, settings, session_start=session_start, patterns=patterns)
    signals = [sig for batch in found.values() if (sig := batch.signal(0)) is not None]
    return sorted(signals, key=lambda sig: -sig.confidence)


def session_start_index(ts: NDArray[np.int64]) -> int:
    """Index of the first bar at or after 09:30 New York time on the last bar's trading date
    (``ts``: bar starts, epoch ns UTC, as ``BarColumns`` holds them).

    -1 when the last bar is before that open (pre-market: no opening range yet) or there are no bars.
    """
    if ts.shape[0] == 0:
        return -1
    local = from_ns(int(ts[-1])).astimezone(NEW_YORK)
    opening = local.replace(hour=MARKET_OPEN.hour, minute=MARKET_OPEN.minute, second=0, microsecond=0)
    if local < opening:
        return -1
    return int(np.searchsorted(ts, to_ns(opening), side="left"))
