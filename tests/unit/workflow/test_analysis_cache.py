"""The analysis a confirmation reuses is the one of its own market minute, never an older one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from catalyst.contracts.workflow import TradeAnalysis
from catalyst.domain.market import Timeframe
from catalyst.workflow.analysis_cache import AnalysisCache, market_minute

T0 = datetime(2013, 3, 1, 15, 15, 7, tzinfo=UTC)


def test_an_analysis_is_reused_within_its_market_minute() -> None:
    cache, key, analysis = AnalysisCache(), (uuid4(), "AAPL", Timeframe.DAY_1), TradeAnalysis()
    cache.put(key, analysis, T0)
    assert cache.get(key, T0 + timedelta(seconds=52)) is analysis
    assert cache.get((key[0], "MSFT", Timeframe.DAY_1), T0) is None
    assert cache.get((uuid4(), "AAPL", Timeframe.DAY_1), T0) is None  # another scan


def test_a_new_minute_drops_every_analysis_made_before_it() -> None:
    cache, key = AnalysisCache(), (uuid4(), "AAPL", Timeframe.MIN_1)
    cache.put(key, TradeAnalysis(), T0)
    assert cache.get(key, market_minute(T0) + timedelta(minutes=1)) is None
    assert cache.get(key, T0) is None  # gone, also when a clock goes back to that minute
