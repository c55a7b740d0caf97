"""Typed client of the Technical service, over ``catalyst.http.ServiceClient`` with its own models."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from catalyst.contracts.technical import (
    DEFAULT_BARS,
    DEFAULT_TIMEFRAME,
    INDICATORS_PATH,
    IndicatorBatchRequest,
    IndicatorBatchResponse,
    IndicatorValues,
)
from catalyst.domain.market import Timeframe
from catalyst.http import ServiceClient


class TechnicalClient:
    def __init__(self, client: ServiceClient):
        self._client = client

    async def indicators(
        self, symbol: str, *, timeframe: Timeframe | str = DEFAULT_TIMEFRAME,
        indicators: Sequence[str] | None = None, bars: int = DEFAULT_BARS, refresh: bool = False,
    ) -> IndicatorValues:
        """Values at the symbol's last bar. Raises ``NotFound`` for an unknown symbol and
        ``InvalidInput`` (code ``INSUFFICIENT_DATA`` or ``UNSUPPORTED_TIMEFRAME``) for a 400."""
        params: dict[str, Any] = {"timeframe": str(timeframe), "bars": bars, "refresh": refresh}
        if indicators:
            params["indicators"] = ",".join(indicators)
        result: IndicatorValues = await self._client.get(f"{INDICATORS_PATH}/{symbol}", params=params,
                                                         model=IndicatorValues)
        return result

    async def batch(
        self, symbols: Sequence[str], *, timeframe: Timeframe | str = DEFAULT_TIMEFRAME,
        indicators: Sequence[str] | None = None, bars: int = DEFAULT_BARS, refresh: bool = False,
    ) -> IndicatorBatchResponse:
        body = IndicatorBatchRequest(
            symbols=list(symbols), timeframe=str(timeframe), bars=bars, refresh=refresh,
            indicators=list(indicators) if indicators else None,
        )
        result: IndicatorBatchResponse = await self._client.post(
            f"{INDICATORS_PATH}/batch", json=body, model=IndicatorBatchResponse
        )
        return result
