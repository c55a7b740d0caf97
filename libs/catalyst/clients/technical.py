"""Typed client of the Technical service: calls through ``TechnicalRoutes`` (``catalyst.clients.base``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from catalyst.clients.base import TypedClient
from catalyst.contracts import technical as api
from catalyst.domain.market import Timeframe
from catalyst.services import ServiceName


class TechnicalClient(TypedClient):
    peer = ServiceName.TECHNICAL

    async def indicators(
        self, symbol: str, *, timeframe: Timeframe | str = api.DEFAULT_TIMEFRAME,
        indicators: Sequence[str] | None = None, bars: int = api.DEFAULT_BARS, refresh: bool = False,
    ) -> api.IndicatorValues:
        """Values at the symbol's last bar. Raises ``NotFound`` for an unknown symbol and
        ``InvalidInput`` (code ``INSUFFICIENT_DATA`` or ``UNSUPPORTED_TIMEFRAME``) for a 400."""
        params: dict[str, Any] = {"timeframe": str(timeframe), "bars": bars, "refresh": refresh}
        if indicators:
            params["indicators"] = ",".join(indicators)
        return await self.call(api.TechnicalRoutes.indicators_for_symbol, params=params, symbol=symbol)

    async def batch(
        self, symbols: Sequence[str], *, timeframe: Timeframe | str = api.DEFAULT_TIMEFRAME,
        indicators: Sequence[str] | None = None, bars: int = api.DEFAULT_BARS, refresh: bool = False,
    ) -> api.IndicatorBatchResponse:
        body = api.IndicatorBatchRequest(
            symbols=list(symbols), timeframe=str(timeframe), bars=bars, refresh=refresh,
            indicators=list(indicators) if indicators else None,
        )
        return await self.call(api.TechnicalRoutes.indicators_batch, body)
