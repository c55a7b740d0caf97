"""Chart-pattern vocabulary: the names the detectors report and the Pattern contract carries.

Here, not in ``catalyst.patterns``, so that the contract names a pattern without loading NumPy.
"""

from __future__ import annotations

from enum import StrEnum


class PatternType(StrEnum):
    BULL_FLAG = "bull_flag"
    CUP_AND_HANDLE = "cup_and_handle"
    ASCENDING_TRIANGLE = "ascending_triangle"
    ABCD = "abcd"
    OPENING_RANGE_BREAKOUT = "opening_range_breakout"
