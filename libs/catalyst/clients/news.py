"""Typed client of the News service: calls through ``NewsRoutes`` (``catalyst.clients.base``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from catalyst.clients.base import TypedClient
from catalyst.contracts.news import (
    CatalystBatchRequest,
    CatalystBatchResponse,
    IngestRequest,
    IngestResponse,
    NewsResponse,
    NewsRoutes,
    PushedNewsItem,
)


class NewsClient(TypedClient):
    async def news(self, symbol: str, *, since: datetime | None = None, until: datetime | None = None) -> NewsResponse:
        params = {k: v.isoformat() for k, v in (("since", since), ("until", until)) if v is not None}
        return await self.call(NewsRoutes.news_for_symbol, params=params, symbol=symbol)

    async def catalysts(self, symbols: Sequence[str], *, since: datetime | None = None,
                        until: datetime | None = None, min_strength: float = 0.0) -> CatalystBatchResponse:
        body = CatalystBatchRequest(symbols=list(symbols), since=since, until=until, min_strength=min_strength)
        return await self.call(NewsRoutes.catalysts_batch, body)

    async def ingest(self, items: Sequence[PushedNewsItem]) -> IngestResponse:
        """Push items; safe to retry (items without source_id get a content-derived id)."""
        body = IngestRequest(items=[i.model_dump(mode="json", exclude_none=True) for i in items])
        return await self.call(NewsRoutes.ingest, body)
