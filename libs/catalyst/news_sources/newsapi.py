"""NewsAPI ``/v2/everything``: one query per symbol, ``page``/``pageSize`` pagination.

Articles carry no ticker, so each query's articles are attributed to the symbol it asked about
(``NEWSAPI_QUERIES`` maps a symbol to a better query, e.g. the company name). NewsAPI has no
article id either: the id is a digest of the URL. Errors come as
``{"status": "error", "code": ..., "message": ...}``; ``rateLimited`` arrives with HTTP 429,
and ``maximumResultsReached`` ends pagination (the plan's result cap) instead of failing.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

import httpx

from catalyst.domain.news import NewsItem
from catalyst.news_sources.base import NewsSourceSettings, SourceBatch, SourceError, gather_batches, read_pages
from catalyst.news_sources.items import MalformedItem, build_item
from catalyst.news_sources.transport import JsonHttpSource, Sleep

NAME = "newsapi"
PATH = "/v2/everything"
CONCURRENCY = 4
REMOVED = "[Removed]"  # NewsAPI's placeholder for withdrawn articles


class _ResultCap(Exception):
    """NewsAPI's maximumResultsReached: there is no further page for this plan."""


class NewsApiSource(JsonHttpSource):
    source_name = NAME

    def __init__(self, settings: NewsSourceSettings, *, sleep: Sleep = asyncio.sleep,
                 transport: httpx.AsyncBaseTransport | None = None):
        if settings.newsapi_key is None:
            raise SourceError(NAME, "config", "NEWS_API_KEY is required")
        super().__init__(settings, settings.newsapi_url, headers={"X-Api-Key": settings.newsapi_key.get_secret_value()},
                         sleep=sleep, transport=transport)
        self._queries = {k.upper(): v for k, v in settings.newsapi_queries.items()}
        self._language = settings.newsapi_language

    async def fetch(self, symbols: Sequence[str], since: datetime, until: datetime) -> SourceBatch:
        return await gather_batches(NAME, [s.upper() for s in dict.fromkeys(symbols)],
                                    lambda symbol: self._fetch_symbol(symbol, since, until), CONCURRENCY)

    async def _fetch_symbol(self, symbol: str, since: datetime, until: datetime) -> SourceBatch:
        async def page(index: int) -> tuple[list[Any], bool] | None:
            number = index + 1  # NewsAPI pages are 1-based
            params = {"q": self._queries.get(symbol, f'"{symbol}"'), "from": _iso(since), "to": _iso(until),
                      "language": self._language, "sortBy": "publishedAt", "pageSize": self._page_size,
                      "page": number}
            try:
                body = await self._http.get_json(PATH, params, on_error=_error_of)
            except _ResultCap:
                return None
            articles, total = _page_of(body)
            return articles, bool(articles) and number * self._page_size < total

        return await read_pages(page, partial(parse_article, symbol=symbol), since, until,
                                max_pages=self._max_pages)


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _error_of(response: httpx.Response) -> SourceError | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    code = str(body.get("code", ""))
    if code == "maximumResultsReached":
        raise _ResultCap()
    return SourceError(NAME, code or f"http_{response.status_code}", str(body.get("message", ""))[:200])


def _page_of(body: Any) -> tuple[list[Any], int]:
    if not isinstance(body, dict) or body.get("status") != "ok":
        code = body.get("code") if isinstance(body, dict) else None
        raise SourceError(NAME, str(code or "malformed"), "response status is not ok")
    articles = body.get("articles")
    total = body.get("totalResults")
    if not isinstance(articles, list) or not isinstance(total, int):
        raise SourceError(NAME, "malformed", "response lacks articles or totalResults")
    return articles, total


def parse_article(article: Any, symbol: str) -> NewsItem | None:
    """One NewsAPI article as a NewsItem about ``symbol``; None for a withdrawn article."""
    if not isinstance(article, dict):
        raise MalformedItem("article is not an object")
    title = article.get("title")
    if title == REMOVED:
        return None
    url = article.get("url")
    if not isinstance(url, str) or not url:
        raise MalformedItem("article has no url")
    published = datetime.fromisoformat(str(article["publishedAt"]).replace("Z", "+00:00"))
    return build_item(source=NAME, source_id=hashlib.sha256(url.encode()).hexdigest()[:32], symbols=[symbol],
                      headline=title, summary=article.get("description") or "", url=url, published_at=published)
