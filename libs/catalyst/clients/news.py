"""Typed client of the News service: calls through ``NewsRoutes`` (``catalyst.clients.base``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from catalyst.clients.base import TypedClient
from catalyst.contracts import news as api
from catalyst.services import ServiceName


class NewsClient(TypedClient):
    peer = ServiceName.NEWS

    async def news(self, symbol: str, *, since: datetime | None = None,
                   until: datetime | None = None) -> api.NewsResponse:
        params = {k: v.isoformat() for k, v in (("since", since), ("until", until)) if v is not None}
        return await self.call(api.NewsRoutes.news_for_symbol, params=params, symbol=symbol)

    async def catalysts(self, symbols: Sequence[str], *, since: datetime | None = None,
                        until: datetime | None = None, min_strength: float = 0.0) -> api.CatalystBatchResponse:
        body = api.CatalystBatchRequest(symbols=list(symbols), since=since, until=until, min_strength=min_strength)
        return await self.call(api.NewsRoutes.catalysts_batch, body)

    async def recent_catalysts(self, *, since: datetime | None = None, until: datetime | None = None,
                               min_strength: float = 0.0) -> api.CatalystListing:
        """Every symbol with news in the window, market-wide, strongest first, without headlines."""
        params: dict[str, str | float] = {k: v.isoformat() for k, v in (("since", since), ("until", until))
                                          if v is not None}
        params["min_strength"] = min_strength
        return await self.call(api.NewsRoutes.recent_catalysts, params=params)

    async def ingest(self, items: Sequence[api.PushedNewsItem]) -> api.IngestResponse:
        """Push items; safe to retry (items without source_id get a content-derived id)."""
        body = api.IngestRequest(items=[i.model_dump(mode="json", exclude_none=True) for i in items])
        return await self.call(api.NewsRoutes.ingest, body)
