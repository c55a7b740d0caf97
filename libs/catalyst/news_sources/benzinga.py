"""Benzinga newsfeed v2 (``/api/v2/news``): a JSON list per page, ``page`` (0-based) / ``pageSize``.

The key travels as the ``token`` query parameter; ``Accept: application/json`` is needed (the
default answer is XML). Dates filter by day (``dateFrom``/``dateTo``), so the exact window is
applied here on each story's ``created`` time (RFC 2822, e.g. ``Wed, 17 May 2023 14:20:15 -0400``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import partial
from typing import Any

import httpx

from catalyst.domain.news import NewsItem
from catalyst.news_sources.base import (
    NewsSourceSettings,
    SourceBatch,
    SourceError,
    merge_batches,
    read_pages,
    symbol_chunks,
)
from catalyst.news_sources.items import MalformedItem, build_item, relevant_symbols
from catalyst.news_sources.transport import JsonHttpSource, Sleep

NAME = "benzinga"
PATH = "/api/v2/news"
MAX_SYMBOLS_PER_CALL = 50


class BenzingaNewsSource(JsonHttpSource):
    source_name = NAME

    def __init__(self, settings: NewsSourceSettings, *, sleep: Sleep = asyncio.sleep,
                 transport: httpx.AsyncBaseTransport | None = None):
        if settings.benzinga_api_key is None:
            raise SourceError(NAME, "config", "BENZINGA_API_KEY is required")
        self._token = settings.benzinga_api_key.get_secret_value()
        super().__init__(settings, settings.benzinga_url, headers={"Accept": "application/json"}, sleep=sleep,
                         transport=transport)

    async def fetch(self, symbols: Sequence[str], since: datetime, until: datetime) -> SourceBatch:
        wanted = {s.upper() for s in symbols}
        batches = [await self._fetch_chunk(chunk, wanted, since, until)
                   for chunk in symbol_chunks(wanted, MAX_SYMBOLS_PER_CALL)]
        return merge_batches(NAME, batches)

    async def fetch_market(self, since: datetime, until: datetime) -> SourceBatch:
        """Every story of the window: the query without tickers, newest first, up to the page budget."""
        return merge_batches(NAME, [await self._fetch_chunk(None, None, since, until)])

    async def _fetch_chunk(self, chunk: list[str] | None, wanted: set[str] | None, since: datetime,
                           until: datetime) -> SourceBatch:
        """One query: of ``chunk``'s tickers, or of every one (None)."""
        async def page(number: int) -> tuple[list[Any], bool]:
            params: dict[str, Any] = {
                "token": self._token, "page": number, "pageSize": self._page_size, "displayOutput": "abstract",
                "sort": "created:desc", "dateFrom": since.astimezone(UTC).date().isoformat(),
                "dateTo": until.astimezone(UTC).date().isoformat()}
            if chunk is not None:
                params["tickers"] = ",".join(chunk)
            body = await self._http.get_json(PATH, params)
            if not isinstance(body, list):
                raise SourceError(NAME, "malformed", "response is not a list of stories")
            return body, len(body) >= self._page_size

        return await read_pages(page, partial(parse_story, wanted=wanted), since, until, max_pages=self._max_pages)


def parse_story(story: Any, wanted: set[str] | None) -> NewsItem | None:
    """One Benzinga story; None when it names none of the wanted symbols (None: any symbol)."""
    if not isinstance(story, dict):
        raise MalformedItem("story is not an object")
    stocks = story.get("stocks") or []
    if not isinstance(stocks, list):
        raise MalformedItem("stocks is not a list")
    symbols = relevant_symbols((str(s.get("name", "")) for s in stocks if isinstance(s, dict)), wanted)
    if not symbols:
        return None
    created = parsedate_to_datetime(str(story["created"]))
    return build_item(source=NAME, source_id=story.get("id"), symbols=symbols, headline=story.get("title"),
                      summary=story.get("teaser") or "", url=story.get("url"), published_at=created)
