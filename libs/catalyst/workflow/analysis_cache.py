"""A trade request's analysis, kept for the market minute it was made in.

A confirmation follows its preview within seconds, and used to ask the Scanner, Pattern and
Technical again for what they had just answered. Their answers depend only on the scan and on the
bars complete at the market clock's now, and bars complete on minute boundaries (the shortest
timeframe is one minute), so an analysis made earlier in the same market minute from the same scan
is the one a fresh look would give: it is reused then, and made again once the minute turns. An
analysis with a warning (a source that did not answer) is never kept: the next request asks again.
Risk never reads it for its judgement (it prices and measures from its own stored bars), and every
request is still judged by Risk afresh.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from catalyst.contracts.workflow import TradeAnalysis
from catalyst.domain.market import Timeframe

Key = tuple[UUID | None, str, Timeframe]


def market_minute(now: datetime) -> datetime:
    """The minute ``now`` is in: no bar completes inside it."""
    return now.replace(second=0, microsecond=0)


class AnalysisCache:
    """Analyses of the current market minute by (scan, symbol, timeframe); older minutes are dropped."""

    def __init__(self) -> None:
        self._minute: datetime | None = None
        self._kept: dict[Key, TradeAnalysis] = {}

    def get(self, key: Key, now: datetime) -> TradeAnalysis | None:
        self._turn(now)
        return self._kept.get(key)

    def put(self, key: Key, analysis: TradeAnalysis, now: datetime) -> None:
        self._turn(now)
        self._kept[key] = analysis

    def _turn(self, now: datetime) -> None:
        minute = market_minute(now)
        if minute != self._minute:
            self._minute = minute
            self._kept.clear()
