"""Technical indicators (spec 2.3, service 4): TA-Lib per symbol, whole-array numpy for many.

The TA-Lib reference (``catalyst.indicators.reference``) is not re-exported: the services that only
compute in batches (Scanner, Pattern, Risk) then never load TA-Lib.
"""

from catalyst.indicators.batch import IndicatorSet, compute_indicators
from catalyst.indicators.catalog import ALL_INDICATORS, OUTPUTS, REQUIRED_BARS, Indicator, check_enough_bars
from catalyst.indicators.levels import Level, Levels, LevelsBatch, support_resistance, support_resistance_batch
from catalyst.indicators.ohlcv import OHLCV, validate_ohlcv

__all__ = [
    "ALL_INDICATORS",
    "OHLCV",
    "OUTPUTS",
    "REQUIRED_BARS",
    "Indicator",
    "IndicatorSet",
    "Level",
    "Levels",
    "LevelsBatch",
    "check_enough_bars",
    "compute_indicators",
    "support_resistance",
    "support_resistance_batch",
    "validate_ohlcv",
]
