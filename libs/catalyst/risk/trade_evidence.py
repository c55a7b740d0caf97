"""The closed trades Kelly sizing learns from, and the statistics drawn from them."""

from __future__ import annotations

from decimal import Decimal

from catalyst.db import Database
from catalyst.domain.risk import RiskParameters
from catalyst.risk import repository
from catalyst.risk.sizing import TradeStats, trade_stats


class TradeEvidence:
    """Re-read when a position closes or the lookback changes; the statistics follow the parameters."""

    def __init__(self, db: Database, params: RiskParameters):
        self._db = db
        self._closed_pnls: list[Decimal] = []
        self._stats = trade_stats([], params)

    @property
    def stats(self) -> TradeStats:
        return self._stats

    async def reload(self, params: RiskParameters) -> None:
        """Read the last ``kelly_lookback_trades`` closed P&Ls and recompute (raises while the database is down)."""
        self._closed_pnls = await repository.load_recent_closed_pnls(self._db, params.kelly_lookback_trades)
        self._stats = trade_stats(self._closed_pnls, params)

    def restat(self, params: RiskParameters) -> None:
        """Recompute from the trades already read (parameters changed)."""
        self._stats = trade_stats(self._closed_pnls, params)
