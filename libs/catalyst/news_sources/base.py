"""The ``NewsSource`` interface every adapter implements, its settings, its metrics, and how
adapters assemble a ``SourceBatch`` from several calls (symbol chunks, pages, concurrent queries).

A source answers "stories about these symbols published in [since, until]" as domain
``NewsItem`` objects. Malformed items are skipped and counted, never fatal; a source that
cannot answer at all raises ``SourceError`` and the service degrades (cached news, the source
named in ``missing_sources``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar, runtime_checkable

from prometheus_client import Counter
from pydantic import AwareDatetime, Field, SecretStr, field_validator

from catalyst.config import AlpacaCredentials, Section, comma_list
from catalyst.domain.news import DEFAULT_RELIABILITY, NewsItem
from catalyst.news_sources.items import collect_items

K = TypeVar("K")
# One page of a paged query, by 0-based page number: (the raw stories, whether another page
# follows), or None when the source says there are no further pages.
PageFetch = Callable[[int], Awaitable[tuple[Sequence[Any], bool] | None]]

SOURCE_NAMES = ("replay", "alpaca", "newsapi", "benzinga", "sec_edgar")

SKIPPED_ITEMS = Counter(
    "catalyst_news_source_items_skipped_total",
    "Items a news source returned that were malformed and skipped",
    ["source"],
)
SOURCE_RETRIES = Counter(
    "catalyst_news_source_retries_total",
    "Retried calls to a news source, by reason (rate_limited, server_error, timeout, transport)",
    ["source", "reason"],
)


class SourceError(Exception):
    """The source could not answer (down, timed out, refused, or answered garbage)."""

    def __init__(self, source: str, reason: str, message: str):
        super().__init__(f"{source}: {message}")
        self.source = source
        self.reason = reason  # timeout, unreachable, rate_limited, http_<status>, malformed, config


@dataclass(frozen=True, slots=True)
class SourceBatch:
    items: list[NewsItem]
    skipped: int = 0  # malformed items dropped
    pages: int = 1


def merge_batches(source: str, batches: Iterable[SourceBatch]) -> SourceBatch:
    """The batches of several calls as one (in order); the malformed items skipped are counted."""
    parts = list(batches)
    skipped = sum(b.skipped for b in parts)
    if skipped:
        SKIPPED_ITEMS.labels(source).inc(skipped)
    return SourceBatch([item for b in parts for item in b.items], skipped, sum(b.pages for b in parts))


async def gather_batches(source: str, keys: Iterable[K], fetch_one: Callable[[K], Awaitable[SourceBatch]],
                         concurrency: int) -> SourceBatch:
    """``fetch_one`` for every key, at most ``concurrency`` at a time, merged in key order."""
    gate = asyncio.Semaphore(concurrency)

    async def one(key: K) -> SourceBatch:
        async with gate:
            return await fetch_one(key)

    return merge_batches(source, await asyncio.gather(*(one(k) for k in keys)))


def symbol_chunks(symbols: Iterable[str], size: int) -> list[list[str]]:
    """Sorted distinct symbols in lists of at most ``size`` (one call each)."""
    ordered = sorted(symbols)
    return [ordered[start:start + size] for start in range(0, len(ordered), size)]


async def read_pages(fetch_page: PageFetch, parse: Callable[[Any], NewsItem | None], since: datetime,
                     until: datetime, *, max_pages: int) -> SourceBatch:
    """Pages of one query until the last (or ``max_pages``); ``pages`` counts the calls made."""
    items: list[NewsItem] = []
    skipped = pages = 0
    while pages < max_pages:
        pages += 1
        page = await fetch_page(pages - 1)
        if page is None:
            break
        rows, more = page
        got, bad = collect_items(rows, parse, since, until)
        items.extend(got)
        skipped += bad
        if not more:
            break
    return SourceBatch(items, skipped, pages)


@runtime_checkable
class NewsSource(Protocol):
    @property
    def name(self) -> str: ...

    async def fetch(self, symbols: Sequence[str], since: datetime, until: datetime) -> SourceBatch:
        """Stories about any of ``symbols`` published in ``[since, until]``; raises SourceError."""
        ...

    async def aclose(self) -> None: ...


@runtime_checkable
class MarketWideSource(Protocol):
    """A source that can also answer for the whole market (a feed of every story): the News service
    lists the symbols with recent news from it in one call, instead of asking it about every listed
    security."""

    async def fetch_market(self, since: datetime, until: datetime) -> SourceBatch:
        """Stories about any symbol published in ``[since, until]``; raises SourceError."""
        ...


class NewsSourceSettings(Section):
    """Which sources run and how to reach them. Defaults are the offline ones (replay only)."""

    sources: list[str] = Field(
        default_factory=lambda: ["replay"], alias="NEWS_SOURCES",
        description="Comma list of replay, alpaca, newsapi, benzinga, sec_edgar")
    reliability_overrides: dict[str, float] = Field(
        default_factory=dict, alias="NEWS_SOURCE_RELIABILITY",
        description='JSON map overriding DEFAULT_RELIABILITY, e.g. {"newsapi": 0.5}')

    timeout_s: float = Field(5.0, alias="NEWS_SOURCE_TIMEOUT", gt=0, description="Per call to a source")
    attempts: int = Field(4, alias="NEWS_SOURCE_ATTEMPTS", ge=1, le=10)
    backoff_s: float = Field(0.5, alias="NEWS_SOURCE_BACKOFF", ge=0, description="First retry wait; doubles")
    max_backoff_s: float = Field(30.0, alias="NEWS_SOURCE_MAX_BACKOFF", ge=0,
                                 description="Longest wait honoured (Retry-After included)")
    page_size: int = Field(50, alias="NEWS_SOURCE_PAGE_SIZE", ge=1, le=100)
    max_pages: int = Field(10, alias="NEWS_SOURCE_MAX_PAGES", ge=1)

    alpaca_url: str = Field("https://data.alpaca.markets", alias="ALPACA_NEWS_URL")
    alpaca: AlpacaCredentials = Field(default_factory=AlpacaCredentials)

    newsapi_url: str = Field("https://newsapi.org", alias="NEWSAPI_URL")
    newsapi_key: SecretStr | None = Field(None, alias="NEWS_API_KEY")
    newsapi_queries: dict[str, str] = Field(
        default_factory=dict, alias="NEWSAPI_QUERIES",
        description='JSON map symbol -> NewsAPI q (default: the quoted symbol), e.g. {"AAPL": "Apple"}')
    newsapi_language: str = Field("en", alias="NEWSAPI_LANGUAGE")

    benzinga_url: str = Field("https://api.benzinga.com", alias="BENZINGA_URL")
    benzinga_api_key: SecretStr | None = Field(None, alias="BENZINGA_API_KEY")

    sec_edgar_url: str = Field("https://data.sec.gov", alias="SEC_EDGAR_URL")
    sec_edgar_user_agent: str | None = Field(
        None, alias="SEC_EDGAR_USER_AGENT", description="SEC requires 'Company contact@example.com'")
    sec_edgar_tickers_file: Path | None = Field(
        None, alias="SEC_EDGAR_TICKERS_FILE", description="company_tickers.json (CIK to ticker map)")
    sec_edgar_forms: list[str] = Field(
        default_factory=lambda: ["8-K"], alias="SEC_EDGAR_FORMS")

    replay_seed: int = Field(42, alias="NEWS_REPLAY_SEED")
    replay_now: AwareDatetime | None = Field(
        None, alias="NEWS_REPLAY_NOW",
        description="A fixed now for the News service, overriding the market clock (default: MARKET_CLOCK's now)")

    _split_lists = field_validator("sources", "sec_edgar_forms", mode="before")(comma_list)

    @field_validator("reliability_overrides", "newsapi_queries", mode="before")
    @classmethod
    def _json_map(cls, value: Any) -> Any:
        if isinstance(value, str):
            return json.loads(value) if value.strip() else {}
        return value

    @field_validator("sources")
    @classmethod
    def _known_sources(cls, value: list[str]) -> list[str]:
        names = [v.lower() for v in value]
        unknown = sorted(set(names) - set(SOURCE_NAMES))
        if unknown:
            raise ValueError(f"unknown news source(s) {unknown}; known: {', '.join(SOURCE_NAMES)}")
        if len(set(names)) != len(names):
            raise ValueError("a news source is listed twice")
        return names

    @field_validator("reliability_overrides")
    @classmethod
    def _reliability_in_range(cls, value: dict[str, float]) -> dict[str, float]:
        bad = {k: v for k, v in value.items() if not 0.0 <= v <= 1.0}
        if bad:
            raise ValueError(f"reliability must be within 0..1: {bad}")
        return value

    def reliability(self) -> dict[str, float]:
        """Every source's reliability: the defaults with the configured overrides applied."""
        return {**DEFAULT_RELIABILITY, **self.reliability_overrides}
