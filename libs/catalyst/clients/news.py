"""Typed client of the News service, over ``catalyst.http.ServiceClient`` with the service's own models."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from catalyst.contracts.news import (
    CATALYSTS_PATH,
    NEWS_PATH,
    CatalystBatchRequest,
    CatalystBatchResponse,
    IngestRequest,
    IngestResponse,
    NewsResponse,
    PushedNewsItem,
)
from catalyst.http import ServiceClient


class NewsClient:
    def __init__(self, client: ServiceClient):
        self._client = client

    async def news(self, symbol: str, *, since: datetime | None = None, until: datetime | None = None) -> NewsResponse:
        params = {k: v.isoformat() for k, v in (("since", since), ("until", until)) if v is not None}
        result: NewsResponse = await self._client.get(f"{NEWS_PATH}/{symbol}", params=params, model=NewsResponse)
        return result

    async def catalysts(self, symbols: Sequence[str], *, since: datetime | None = None,
                        until: datetime | None = None, min_strength: float = 0.0) -> CatalystBatchResponse:
        body = CatalystBatchRequest(symbols=list(symbols), since=since, until=until, min_strength=min_strength)
        result: CatalystBatchResponse = await self._client.post(f"{CATALYSTS_PATH}/batch", json=body,
                                                                model=CatalystBatchResponse)
        return result

    async def ingest(self, items: Sequence[PushedNewsItem]) -> IngestResponse:
        """Push items; safe to retry (items without source_id get a content-derived id)."""
        body = IngestRequest(items=[i.model_dump(mode="json", exclude_none=True) for i in items])
        result: IngestResponse = await self._client.post(f"{NEWS_PATH}/ingest", json=body, model=IngestResponse)
        return result
