"""Benzinga adapter against a local server speaking /api/v2/news."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from catalyst.news_sources.base import NewsSourceSettings, SourceError
from catalyst.news_sources.benzinga import BenzingaNewsSource

SINCE = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
UNTIL = SINCE + timedelta(days=1)


def story(i: int, tickers: tuple[str, ...] = ("AAPL",), **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"id": 40000000 + i, "author": "Benzinga Newsdesk",
            "created": f"Mon, 03 Mar 2025 09:{i:02d}:00 -0500",  # 14:ii UTC
            "updated": f"Mon, 03 Mar 2025 09:{i:02d}:00 -0500",
            "title": f"Benzinga story {i}", "teaser": f"teaser {i}", "body": "", "url": f"https://bz.test/{i}",
            "image": [], "channels": [{"name": "News"}], "stocks": [{"name": t} for t in tickers],
            "tags": []}
    body.update(over)
    return body


def settings_for(url: str, **env: Any) -> NewsSourceSettings:
    values: dict[str, Any] = {"BENZINGA_URL": url, "BENZINGA_API_KEY": "bz-token", "NEWS_SOURCE_PAGE_SIZE": 2,
              "NEWS_SOURCE_MAX_PAGES": 5}
    values.update(env)
    return NewsSourceSettings(**values)


async def test_pages_until_a_short_page(wire_server, recording_sleep):
    pages = {"0": [story(1), story(2, tickers=("MSFT", "AAPL"))], "1": [story(3)]}
    wire_server.route = lambda seen: (200, {}, pages[seen.query["page"]])
    source = BenzingaNewsSource(settings_for(wire_server.url), sleep=recording_sleep)
    batch = await source.fetch(["AAPL", "MSFT"], SINCE, UNTIL)
    await source.aclose()

    assert [i.source_id for i in batch.items] == ["40000001", "40000002", "40000003"]
    assert batch.items[1].symbols == ["MSFT", "AAPL"]
    assert batch.items[0].published_at == datetime(2025, 3, 3, 14, 1, tzinfo=UTC)
    assert batch.items[0].summary == "teaser 1"
    calls = wire_server.requests_to("/api/v2/news")
    assert [c.query["page"] for c in calls] == ["0", "1"]
    assert calls[0].query["token"] == "bz-token"
    assert calls[0].query["tickers"] == "AAPL,MSFT"
    assert calls[0].query["pageSize"] == "2"
    assert calls[0].query["dateFrom"] == "2025-03-03"
    assert calls[0].headers["accept"] == "application/json"


async def test_the_market_wide_query_names_no_tickers_and_keeps_every_symbol(wire_server, recording_sleep):
    pages = {"0": [story(1, tickers=("NVDA", "amd")), story(2, tickers=("not a ticker", "AAPL"))], "1": []}
    wire_server.route = lambda seen: (200, {}, pages[seen.query["page"]])
    source = BenzingaNewsSource(settings_for(wire_server.url), sleep=recording_sleep)
    batch = await source.fetch_market(SINCE, UNTIL)
    await source.aclose()

    assert [i.symbols for i in batch.items] == [["NVDA", "AMD"], ["AAPL"]]
    calls = wire_server.requests_to("/api/v2/news")
    assert "tickers" not in calls[0].query
    assert calls[0].query["dateFrom"] == "2025-03-03"


async def test_429_then_success(wire_server, recording_sleep):
    answers = iter([(429, {"Retry-After": "1"}, {"ok": False, "errors": ["rate limit"]}), (200, {}, [story(1)])])
    wire_server.route = lambda seen: next(answers)
    source = BenzingaNewsSource(settings_for(wire_server.url), sleep=recording_sleep)
    batch = await source.fetch(["AAPL"], SINCE, UNTIL)
    assert len(batch.items) == 1
    assert recording_sleep.waits == [1.0]


async def test_429_without_retry_after_uses_exponential_backoff(wire_server, recording_sleep):
    answers: Iterator[tuple[int, dict[str, str], Any]] = iter(
        [(429, {}, "slow down"), (429, {}, "slow down"), (200, {}, [story(1)])])
    wire_server.route = lambda seen: next(answers)
    source = BenzingaNewsSource(settings_for(wire_server.url, NEWS_SOURCE_BACKOFF=0.25), sleep=recording_sleep)
    batch = await source.fetch(["AAPL"], SINCE, UNTIL)
    assert len(batch.items) == 1
    assert recording_sleep.waits == [0.25, 0.5]


async def test_malformed_stories_are_skipped(wire_server, recording_sleep):
    wire_server.route = lambda seen: (200, {}, [
        story(1), story(2, created="someday"), story(3, title=""), story(4, stocks="AAPL"), 42,
        story(5, tickers=("GOOG",)),
    ])
    source = BenzingaNewsSource(settings_for(wire_server.url, NEWS_SOURCE_PAGE_SIZE=50), sleep=recording_sleep)
    batch = await source.fetch(["AAPL"], SINCE, UNTIL)
    assert [i.source_id for i in batch.items] == ["40000001"]
    assert batch.skipped == 4


async def test_non_list_answer_is_a_source_error(wire_server, recording_sleep):
    wire_server.route = lambda seen: (200, {}, {"message": "unexpected"})
    source = BenzingaNewsSource(settings_for(wire_server.url), sleep=recording_sleep)
    with pytest.raises(SourceError) as info:
        await source.fetch(["AAPL"], SINCE, UNTIL)
    assert info.value.reason == "malformed"


async def test_timeout_is_retried_then_reported(wire_server, recording_sleep):
    import time

    def slow(seen):
        time.sleep(0.3)  # the behaviour under test: a server slower than the source's timeout
        return 200, {}, [story(1)]

    wire_server.route = slow
    source = BenzingaNewsSource(settings_for(wire_server.url, NEWS_SOURCE_TIMEOUT=0.05, NEWS_SOURCE_ATTEMPTS=2),
                                sleep=recording_sleep)
    with pytest.raises(SourceError) as info:
        await source.fetch(["AAPL"], SINCE, UNTIL)
    assert info.value.reason == "timeout"
    assert recording_sleep.waits == [0.5]
