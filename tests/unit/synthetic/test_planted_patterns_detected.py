"""The contract with the Pattern service: its own detectors see every planted pattern above the
scanner's 0.7 confidence bar, and no daily pattern in the setups planted without one.

Daily patterns are read as a pre-market scan of the replay day reads them: on daily bars through
the setup day (the session before). An opening-range breakout is intraday, on the replay day: it
is read at the minute that first closes above the range (``levels["breakout_minute"]``), which is
when an intraday read would see it; before the open, its symbol shows no daily pattern.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from catalyst.bar_columns import BarColumns, to_ns
from catalyst.domain.calendar import daily_bar_time
from catalyst.domain.market import Timeframe
from catalyst.indicators.ohlcv import OHLCV
from catalyst.patterns import PatternSettings, PatternType, detect_patterns
from catalyst.synthetic.universe import Universe, build_universe

DAILY = PatternSettings.for_timeframe(Timeframe.DAY_1)
MINUTE = PatternSettings.for_timeframe(Timeframe.MIN_1)
SCANNER_MIN_CONFIDENCE = 0.7


def ohlcv(bars: BarColumns, end: int) -> OHLCV:
    return OHLCV(bars.open[:end], bars.high[:end], bars.low[:end], bars.close[:end], bars.volume[:end])


def premarket_confidences(u: Universe, symbol: str, day: date) -> dict[PatternType, float]:
    """Daily patterns at 08:00 on ``day``: the bars through its setup day."""
    bars = u.daily[symbol]
    i = int(np.searchsorted(bars.ts, to_ns(daily_bar_time(u.setup_day(day)))))
    return {s.pattern: s.confidence for s in detect_patterns(ohlcv(bars, i + 1), DAILY)}


def orb_confidence(u: Universe, symbol: str, day: date) -> float:
    """ORB confidence at the first minute that closes above the 15-minute range (0: never does)."""
    m = u.minute_bars(day)[symbol]
    above = np.flatnonzero(m.close[15:] > m.high[:15].max())
    if not len(above):
        return 0.0
    signals = detect_patterns(ohlcv(m, 15 + int(above[0]) + 1), MINUTE, session_start=0,
                              patterns=[PatternType.OPENING_RANGE_BREAKOUT])
    return signals[0].confidence if signals else 0.0


@pytest.mark.parametrize("seed", [42, 7])
def test_planted_patterns_pass_stage4_and_plain_setups_do_not(seed: int) -> None:
    u = build_universe(seed)
    for day in u.replay_days:
        funnel = u.expected_funnel(day)
        for p in (p for p in u.planted_patterns if p.day == day):
            if p.pattern == "opening_range_breakout":
                confidence = orb_confidence(u, p.symbol, day)
            else:
                confidence = premarket_confidences(u, p.symbol, day).get(PatternType(p.pattern), 0.0)
            assert confidence > SCANNER_MIN_CONFIDENCE, (seed, day, p.symbol, p.pattern, confidence)
        for symbol in funnel.stage3 - funnel.stage4:  # the trend setups and the opening-range name
            best = max(premarket_confidences(u, symbol, day).values(), default=0.0)
            assert best <= SCANNER_MIN_CONFIDENCE, (seed, day, symbol, best)


def test_the_planted_orb_is_what_the_detector_calls_the_breakout() -> None:
    u = build_universe(42)
    for p in (p for p in u.planted_patterns if p.pattern == "opening_range_breakout"):
        m = u.minute_bars(p.day)[p.symbol]
        at = int(p.levels["breakout_minute"])
        signals = detect_patterns(ohlcv(m, at + 1), MINUTE, session_start=0,
                                  patterns=[PatternType.OPENING_RANGE_BREAKOUT])
        assert signals
        assert signals[0].breakout
        assert signals[0].entry == p.levels["opening_range_high"]
        assert signals[0].stop == p.levels["opening_range_low"]
