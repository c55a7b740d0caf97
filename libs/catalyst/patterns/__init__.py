"""Chart pattern detectors (spec 2.3, service 3): pure numpy, one symbol or thousands at once."""

from catalyst.domain.patterns import PatternType
from catalyst.patterns.abcd import AbcdParams, detect_abcd
from catalyst.patterns.ascending_triangle import AscendingTriangleParams, detect_ascending_triangle
from catalyst.patterns.base import PatternBatch, PatternSignal
from catalyst.patterns.bull_flag import BullFlagParams, detect_bull_flag
from catalyst.patterns.cup_handle import CupHandleParams, detect_cup_and_handle
from catalyst.patterns.detect import (
    ALL_PATTERNS,
    PatternSettings,
    detect_patterns,
    detect_patterns_batch,
    required_bars,
    session_start_index,
)
from catalyst.patterns.opening_range import OpeningRangeParams, detect_opening_range_breakout

__all__ = [
    "ALL_PATTERNS",
    "AbcdParams",
    "AscendingTriangleParams",
    "BullFlagParams",
    "CupHandleParams",
    "OpeningRangeParams",
    "PatternBatch",
    "PatternSettings",
    "PatternSignal",
    "PatternType",
    "detect_abcd",
    "detect_ascending_triangle",
    "detect_bull_flag",
    "detect_cup_and_handle",
    "detect_opening_range_breakout",
    "detect_patterns",
    "detect_patterns_batch",
    "required_bars",
    "session_start_index",
]
