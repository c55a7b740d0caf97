"""Typed client of the Pattern service: calls through ``PatternRoutes`` (``catalyst.clients.base``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from catalyst.clients.base import TypedClient
from catalyst.contracts.pattern import (
    DEFAULT_BARS,
    DEFAULT_TIMEFRAME,
    PatternBatchRequest,
    PatternBatchResponse,
    PatternRoutes,
    PatternsResponse,
)
from catalyst.domain.market import Timeframe


class PatternClient(TypedClient):
    async def patterns(
        self, symbol: str, *, timeframe: Timeframe | str = DEFAULT_TIMEFRAME,
        patterns: Sequence[str] | None = None, bars: int = DEFAULT_BARS, refresh: bool = False,
    ) -> PatternsResponse:
        """Patterns at the symbol's last bar. Raises ``NotFound`` for an unknown symbol and
        ``InvalidInput`` (code ``INSUFFICIENT_DATA`` or ``UNSUPPORTED_TIMEFRAME``) for a 400."""
        params: dict[str, Any] = {"timeframe": str(timeframe), "bars": bars, "refresh": refresh}
        if patterns:
            params["patterns"] = ",".join(patterns)
        return await self.call(PatternRoutes.patterns_for_symbol, params=params, symbol=symbol)

    async def batch(
        self, symbols: Sequence[str], *, timeframe: Timeframe | str = DEFAULT_TIMEFRAME,
        patterns: Sequence[str] | None = None, bars: int = DEFAULT_BARS, refresh: bool = False,
    ) -> PatternBatchResponse:
        body = PatternBatchRequest(symbols=list(symbols), timeframe=str(timeframe), bars=bars, refresh=refresh,
                                   patterns=list(patterns) if patterns else None)
        return await self.call(PatternRoutes.patterns_batch, body)
