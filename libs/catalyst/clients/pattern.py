"""Typed client of the Pattern service: calls through ``PatternRoutes`` (``catalyst.clients.base``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from catalyst.clients.base import TypedClient
from catalyst.contracts import pattern as api
from catalyst.domain.market import Timeframe
from catalyst.services import ServiceName


class PatternClient(TypedClient):
    peer = ServiceName.PATTERN

    async def patterns(
        self, symbol: str, *, timeframe: Timeframe | str = api.DEFAULT_TIMEFRAME,
        patterns: Sequence[str] | None = None, bars: int = api.DEFAULT_BARS, refresh: bool = False,
    ) -> api.PatternsResponse:
        """Patterns at the symbol's last bar. Raises ``NotFound`` for an unknown symbol and
        ``InvalidInput`` (code ``INSUFFICIENT_DATA`` or ``UNSUPPORTED_TIMEFRAME``) for a 400."""
        params: dict[str, Any] = {"timeframe": str(timeframe), "bars": bars, "refresh": refresh}
        if patterns:
            params["patterns"] = ",".join(patterns)
        return await self.call(api.PatternRoutes.patterns_for_symbol, params=params, symbol=symbol)

    async def batch(
        self, symbols: Sequence[str], *, timeframe: Timeframe | str = api.DEFAULT_TIMEFRAME,
        patterns: Sequence[str] | None = None, bars: int = api.DEFAULT_BARS, refresh: bool = False,
    ) -> api.PatternBatchResponse:
        body = api.PatternBatchRequest(symbols=list(symbols), timeframe=str(timeframe), bars=bars, refresh=refresh,
                                   patterns=list(patterns) if patterns else None)
        return await self.call(api.PatternRoutes.patterns_batch, body)
