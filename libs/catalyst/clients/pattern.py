"""Typed client of the Pattern service, over ``catalyst.http.ServiceClient`` with its own models."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from catalyst.contracts.pattern import (
    DEFAULT_BARS,
    DEFAULT_TIMEFRAME,
    PATTERNS_PATH,
    PatternBatchRequest,
    PatternBatchResponse,
    PatternsResponse,
)
from catalyst.domain.market import Timeframe
from catalyst.http import ServiceClient


class PatternClient:
    def __init__(self, client: ServiceClient):
        self._client = client

    async def patterns(
        self, symbol: str, *, timeframe: Timeframe | str = DEFAULT_TIMEFRAME,
        patterns: Sequence[str] | None = None, bars: int = DEFAULT_BARS, refresh: bool = False,
    ) -> PatternsResponse:
        """Patterns at the symbol's last bar. Raises ``NotFound`` for an unknown symbol and
        ``InvalidInput`` (code ``INSUFFICIENT_DATA`` or ``UNSUPPORTED_TIMEFRAME``) for a 400."""
        params: dict[str, Any] = {"timeframe": str(timeframe), "bars": bars, "refresh": refresh}
        if patterns:
            params["patterns"] = ",".join(patterns)
        result: PatternsResponse = await self._client.get(f"{PATTERNS_PATH}/{symbol}", params=params,
                                                          model=PatternsResponse)
        return result

    async def batch(
        self, symbols: Sequence[str], *, timeframe: Timeframe | str = DEFAULT_TIMEFRAME,
        patterns: Sequence[str] | None = None, bars: int = DEFAULT_BARS, refresh: bool = False,
    ) -> PatternBatchResponse:
        body = PatternBatchRequest(symbols=list(symbols), timeframe=str(timeframe), bars=bars, refresh=refresh,
                                   patterns=list(patterns) if patterns else None)
        result: PatternBatchResponse = await self._client.post(f"{PATTERNS_PATH}/batch", json=body,
                                                               model=PatternBatchResponse)
        return result
