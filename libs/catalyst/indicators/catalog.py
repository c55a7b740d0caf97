"""What the Technical service calculates (spec 2.3, service 4): names, parameters, bars each needs.

An indicator is requested by name; it yields one or more output fields (``macd`` gives
``macd``, ``macd_signal`` and ``macd_hist``). ``REQUIRED_BARS`` is the smallest number of
bars for which the latest value exists; it equals TA-Lib's lookback plus one, so the
vectorised and TA-Lib paths agree on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from catalyst.errors import InsufficientData

SMA_PERIODS = (20, 50, 200)
EMA_PERIODS = (9, 21)
RSI_PERIOD = 14
MACD_FAST, MACD_SLOW, MACD_SIGNAL = 12, 26, 9
ATR_PERIOD = 14
BB_PERIOD, BB_DEVIATIONS = 20, 2.0
VOLUME_AVG_PERIOD = 20
PIVOT_HALF_WINDOW = 5  # a pivot is the extreme of the 5 bars either side of it


class Indicator(StrEnum):
    SMA_20 = "sma_20"
    SMA_50 = "sma_50"
    SMA_200 = "sma_200"
    EMA_9 = "ema_9"
    EMA_21 = "ema_21"
    RSI_14 = "rsi_14"
    MACD = "macd"
    ATR_14 = "atr_14"
    BBANDS = "bbands"
    OBV = "obv"
    VOLUME_RATIO = "volume_ratio"
    LEVELS = "levels"


# Output fields of each indicator, in response order.
OUTPUTS: dict[Indicator, tuple[str, ...]] = {
    Indicator.SMA_20: ("sma_20",),
    Indicator.SMA_50: ("sma_50",),
    Indicator.SMA_200: ("sma_200",),
    Indicator.EMA_9: ("ema_9",),
    Indicator.EMA_21: ("ema_21",),
    Indicator.RSI_14: ("rsi_14",),
    Indicator.MACD: ("macd", "macd_signal", "macd_hist"),
    Indicator.ATR_14: ("atr_14",),
    Indicator.BBANDS: ("bb_upper", "bb_middle", "bb_lower"),
    Indicator.OBV: ("obv",),
    Indicator.VOLUME_RATIO: ("volume_ratio",),
    Indicator.LEVELS: (),  # levels are lists, not series; see catalyst.indicators.levels
}

REQUIRED_BARS: dict[Indicator, int] = {
    Indicator.SMA_20: 20,
    Indicator.SMA_50: 50,
    Indicator.SMA_200: 200,
    Indicator.EMA_9: 9,
    Indicator.EMA_21: 21,
    Indicator.RSI_14: RSI_PERIOD + 1,  # 14 price changes
    Indicator.MACD: MACD_SLOW + MACD_SIGNAL - 1,  # 34: signal EMA over 9 MACD values
    Indicator.ATR_14: ATR_PERIOD + 1,  # 14 true ranges, each needing the previous close
    Indicator.BBANDS: BB_PERIOD,
    Indicator.OBV: 1,
    Indicator.VOLUME_RATIO: VOLUME_AVG_PERIOD + 1,  # the bar plus the 20 bars before it
    Indicator.LEVELS: 2 * PIVOT_HALF_WINDOW + 1,  # room for one confirmed pivot
}

ALL_INDICATORS: tuple[Indicator, ...] = tuple(Indicator)


def required_bars(indicators: Iterable[Indicator]) -> int:
    """Bars needed for the latest value of every indicator in ``indicators``."""
    return max((REQUIRED_BARS[i] for i in indicators), default=1)


def check_enough_bars(indicators: Iterable[Indicator], available: int) -> None:
    """Raise ``InsufficientData`` naming the most demanding indicator that ``available`` bars cannot feed.

    Details carry ``required``, ``available``, ``indicator`` and every ``shortfalls`` entry,
    so a caller can drop exactly the indicators it cannot have.
    """
    short = sorted(
        ((REQUIRED_BARS[i], i) for i in set(indicators) if REQUIRED_BARS[i] > available), reverse=True
    )
    if not short:
        return
    required, worst = short[0]
    raise InsufficientData(
        f"{worst.value} needs {required} bars, {available} available",
        details={
            "required": required,
            "available": available,
            "indicator": worst.value,
            "shortfalls": {i.value: n for n, i in short},
        },
    )
