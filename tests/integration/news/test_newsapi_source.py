"""NewsAPI adapter against a local server speaking /v2/everything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from catalyst.news_sources.base import NewsSourceSettings, SourceError
from catalyst.news_sources.newsapi import NewsApiSource

SINCE = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
UNTIL = SINCE + timedelta(days=1)


def article(i: int, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"source": {"id": "reuters", "name": "Reuters"}, "author": "Staff",
            "title": f"Story {i}", "description": f"desc {i}", "url": f"https://news.test/{i}",
            "urlToImage": None, "publishedAt": (SINCE + timedelta(hours=i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "content": "..."}
    body.update(over)
    return body


def ok(articles: list[Any], total: int) -> tuple[int, dict[str, str], dict[str, Any]]:
    return 200, {}, {"status": "ok", "totalResults": total, "articles": articles}


def settings_for(url: str, **env: Any) -> NewsSourceSettings:
    values: dict[str, Any] = {"NEWSAPI_URL": url, "NEWS_API_KEY": "na-key", "NEWS_SOURCE_PAGE_SIZE": 2,
              "NEWS_SOURCE_MAX_PAGES": 5, "NEWSAPI_QUERIES": '{"AAPL": "Apple"}'}
    values.update(env)
    return NewsSourceSettings(**values)


async def test_pages_until_total_results_one_query_per_symbol(wire_server, recording_sleep):
    def route(seen):
        if seen.query["q"] == "Apple":
            page = int(seen.query["page"])
            return ok([article(1), article(2)] if page == 1 else [article(3)], 3)
        return ok([article(9, url="https://news.test/msft")], 1)

    wire_server.route = route
    source = NewsApiSource(settings_for(wire_server.url), sleep=recording_sleep)
    batch = await source.fetch(["AAPL", "MSFT"], SINCE, UNTIL)
    await source.aclose()

    by_symbol: dict[str, list[str]] = {}
    for item in batch.items:
        by_symbol.setdefault(item.symbols[0], []).append(item.headline)
    assert by_symbol == {"AAPL": ["Story 1", "Story 2", "Story 3"], "MSFT": ["Story 9"]}
    apple = [s for s in wire_server.seen if s.query["q"] == "Apple"]
    assert [s.query["page"] for s in apple] == ["1", "2"]
    assert apple[0].headers["x-api-key"] == "na-key"
    assert apple[0].query["pageSize"] == "2"
    assert apple[0].query["from"] == "2025-03-03T12:00:00Z"
    assert [s.query["q"] for s in wire_server.seen if s.query["q"] != "Apple"] == ['"MSFT"']
    assert len({i.source_id for i in batch.items}) == 4


async def test_rate_limited_429_honours_retry_after(wire_server, recording_sleep):
    answers = iter([(429, {"Retry-After": "3"}, {"status": "error", "code": "rateLimited",
                                                 "message": "You have made too many requests recently."}),
                    ok([article(1)], 1)])
    wire_server.route = lambda seen: next(answers)
    source = NewsApiSource(settings_for(wire_server.url), sleep=recording_sleep)
    batch = await source.fetch(["AAPL"], SINCE, UNTIL)
    assert [i.headline for i in batch.items] == ["Story 1"]
    assert recording_sleep.waits == [3.0]


async def test_retry_after_beyond_the_cap_fails_fast(wire_server, recording_sleep):
    wire_server.route = lambda seen: (429, {"Retry-After": "3600"}, {"status": "error", "code": "rateLimited"})
    source = NewsApiSource(settings_for(wire_server.url, NEWS_SOURCE_MAX_BACKOFF=30), sleep=recording_sleep)
    with pytest.raises(SourceError) as info:
        await source.fetch(["AAPL"], SINCE, UNTIL)
    assert info.value.reason == "rate_limited"
    assert recording_sleep.waits == []
    assert len(wire_server.seen) == 1


async def test_malformed_and_removed_articles(wire_server, recording_sleep):
    wire_server.route = lambda seen: ok([
        article(1),
        article(2, title="[Removed]"),          # withdrawn by NewsAPI: dropped silently
        article(3, publishedAt="yesterday"),    # bad date
        article(4, url=None),                   # no id possible
        article(5, title=None),                 # no headline
        "not an object",
    ], 6)
    source = NewsApiSource(settings_for(wire_server.url, NEWS_SOURCE_PAGE_SIZE=10), sleep=recording_sleep)
    batch = await source.fetch(["AAPL"], SINCE, UNTIL)
    assert [i.headline for i in batch.items] == ["Story 1"]
    assert batch.skipped == 4


async def test_maximum_results_reached_ends_pagination_without_failing(wire_server, recording_sleep):
    def route(seen):
        if seen.query["page"] == "1":
            return ok([article(1), article(2)], 500)
        return 426, {}, {"status": "error", "code": "maximumResultsReached",
                         "message": "Developer accounts are limited to 100 results."}

    wire_server.route = route
    source = NewsApiSource(settings_for(wire_server.url), sleep=recording_sleep)
    batch = await source.fetch(["AAPL"], SINCE, UNTIL)
    assert len(batch.items) == 2


async def test_invalid_key_is_reported_with_newsapi_code(wire_server, recording_sleep):
    wire_server.route = lambda seen: (401, {}, {"status": "error", "code": "apiKeyInvalid",
                                                "message": "Your API key is invalid."})
    source = NewsApiSource(settings_for(wire_server.url), sleep=recording_sleep)
    with pytest.raises(SourceError) as info:
        await source.fetch(["AAPL"], SINCE, UNTIL)
    assert info.value.reason == "apiKeyInvalid"
    assert len(wire_server.seen) == 1


async def test_items_outside_the_window_are_dropped(wire_server, recording_sleep):
    wire_server.route = lambda seen: ok([article(1), article(30)], 2)  # +30 h is past UNTIL
    source = NewsApiSource(settings_for(wire_server.url), sleep=recording_sleep)
    batch = await source.fetch(["AAPL"], SINCE, UNTIL)
    assert [i.headline for i in batch.items] == ["Story 1"]
