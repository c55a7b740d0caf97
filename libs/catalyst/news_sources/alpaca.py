"""Alpaca News (``/v1beta1/news``) through alpaca-py's ``NewsClient``.

alpaca-py is synchronous (requests), so each call runs in a worker thread. The library follows
``next_page_token`` itself up to the request's ``limit``; we ask for raw data and validate each
article with alpaca-py's own ``News`` model, so one malformed article is skipped and counted
instead of failing the page. alpaca-py's built-in 429 retry sleeps a fixed 3 s and ignores
``Retry-After``; it is switched off and the shared retry policy (which honours it) wraps the call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any

import requests
from alpaca.common.exceptions import APIError
from alpaca.data.historical.news import NewsClient
from alpaca.data.models.news import News
from alpaca.data.requests import NewsRequest
from pydantic import ValidationError

from catalyst.alpaca_common import configure_rest_client
from catalyst.domain.news import NewsItem
from catalyst.news_sources.base import NewsSourceSettings, SourceBatch, SourceError, merge_batches, symbol_chunks
from catalyst.news_sources.items import MalformedItem, build_item, collect_items, relevant_symbols
from catalyst.news_sources.transport import Retryable, Sleep, call_with_retries, retry_policy, retryable_status

NAME = "alpaca"
MAX_SYMBOLS_PER_CALL = 50  # keeps the comma list well inside URL limits


class AlpacaNewsSource:
    def __init__(self, settings: NewsSourceSettings, *, sleep: Sleep = asyncio.sleep):
        keys = settings.alpaca.pair()
        if keys is None:
            raise SourceError(NAME, "config", "ALPACA_API_KEY and ALPACA_SECRET_KEY are required")
        client = NewsClient(
            api_key=keys[0],
            secret_key=keys[1],
            raw_data=True,
            url_override=settings.alpaca_url.rstrip("/"),
        )
        # alpaca-py's own retry is off: retries are ours (Retry-After aware)
        self._client = configure_rest_client(client, timeout_s=settings.timeout_s, retry_attempts=0)
        self._policy = retry_policy(settings)
        self._limit = settings.page_size * settings.max_pages
        self._sleep = sleep

    @property
    def name(self) -> str:
        return NAME

    async def aclose(self) -> None:
        self._client._session.close()

    async def fetch(self, symbols: Sequence[str], since: datetime, until: datetime) -> SourceBatch:
        wanted = {s.upper() for s in symbols}
        batches: list[SourceBatch] = []
        for chunk in symbol_chunks(wanted, MAX_SYMBOLS_PER_CALL):
            request = NewsRequest(symbols=",".join(chunk), start=since, end=until, limit=self._limit,
                                  sort="desc", exclude_contentless=False)
            raw = await call_with_retries(NAME, self._policy, self._sleep, partial(self._call, request))
            batches.append(SourceBatch(*parse_articles(raw, wanted, since, until), pages=1))
        return merge_batches(NAME, batches)

    async def fetch_market(self, since: datetime, until: datetime) -> SourceBatch:
        """Every story of the window: one query without symbols, newest first, up to the page budget."""
        request = NewsRequest(start=since, end=until, limit=self._limit, sort="desc", exclude_contentless=False)
        raw = await call_with_retries(NAME, self._policy, self._sleep, partial(self._call, request))
        return merge_batches(NAME, [SourceBatch(*parse_articles(raw, None, since, until), pages=1)])

    async def _call(self, request: NewsRequest) -> Any:
        try:
            return await asyncio.to_thread(self._client.get_news, request)
        except APIError as exc:
            response = exc.response
            status = exc.status_code or 0
            body = str(exc)[:200]
            retry_after = response.headers.get("Retry-After") if response is not None else None
            retry = retryable_status(NAME, status, body, retry_after)
            if retry is not None:
                raise retry from exc
            raise SourceError(NAME, f"http_{status}", f"HTTP {status}: {body}") from exc
        except requests.Timeout as exc:
            raise Retryable(SourceError(NAME, "timeout", "timed out"), "timeout") from exc
        except requests.ConnectionError as exc:
            raise Retryable(SourceError(NAME, "unreachable", "unreachable"), "transport") from exc
        except ValueError as exc:  # not JSON, or JSON without a "news" key
            raise SourceError(NAME, "malformed", f"unexpected response: {exc}") from exc


def parse_articles(raw: Any, wanted: set[str] | None, since: datetime,
                   until: datetime) -> tuple[list[NewsItem], int]:
    """Articles of one ``get_news`` raw answer (``wanted`` None: every symbol); returns (items, malformed count)."""
    articles = raw.get("news") if isinstance(raw, dict) else None
    if not isinstance(articles, list):
        raise SourceError(NAME, "malformed", "response has no news list")
    return collect_items(articles, partial(_article_item, wanted=wanted), since, until,
                         malformed=(ValidationError, MalformedItem, TypeError))


def _article_item(article: Any, wanted: set[str] | None) -> NewsItem | None:
    """One raw article as a NewsItem (validated by alpaca-py's ``News``); None when it names none of ``wanted``."""
    news = News(raw_data=article)
    symbols = relevant_symbols(news.symbols, wanted)
    if not symbols:
        return None
    return build_item(source=NAME, source_id=news.id, symbols=symbols, headline=news.headline,
                      summary=news.summary, url=news.url, published_at=news.created_at)
