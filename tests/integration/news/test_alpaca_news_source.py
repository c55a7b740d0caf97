"""Alpaca News adapter (alpaca-py NewsClient) against a local server speaking /v1beta1/news."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from catalyst.config import AlpacaCredentials
from catalyst.news_sources.alpaca import AlpacaNewsSource
from catalyst.news_sources.base import SKIPPED_ITEMS, NewsSourceSettings, SourceError

SINCE = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
UNTIL = SINCE + timedelta(days=1)


def article(i: int, symbols: tuple[str, ...] = ("AAPL",), **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": 1000 + i, "headline": f"Apple story {i}", "author": "Benzinga Newsdesk", "source": "benzinga",
        "summary": f"summary {i}", "content": "", "url": f"https://example.test/{i}",
        "images": [], "symbols": list(symbols),
        "created_at": (SINCE + timedelta(minutes=10 * i)).isoformat().replace("+00:00", "Z"),
        "updated_at": (SINCE + timedelta(minutes=10 * i)).isoformat().replace("+00:00", "Z"),
    }
    body.update(over)
    return body


def settings_for(url: str, **env: Any) -> NewsSourceSettings:
    values: dict[str, Any] = {"ALPACA_NEWS_URL": url,
              "alpaca": AlpacaCredentials(api_key="key-id", secret_key="secret"),
              "NEWS_SOURCE_PAGE_SIZE": 2, "NEWS_SOURCE_MAX_PAGES": 5, "NEWS_SOURCE_BACKOFF": 0.5}
    values.update(env)
    return NewsSourceSettings(**values)


async def test_follows_next_page_token_and_sends_credentials(wire_server, recording_sleep):
    pages = {None: ([article(1), article(2)], "tok-2"), "tok-2": ([article(3, symbols=("AAPL", "MSFT"))], None)}

    def route(seen):
        news, token = pages[seen.query.get("page_token")]
        return 200, {}, {"news": news, "next_page_token": token}

    wire_server.route = route
    source = AlpacaNewsSource(settings_for(wire_server.url), sleep=recording_sleep)
    batch = await source.fetch(["AAPL", "msft"], SINCE, UNTIL)
    await source.aclose()

    assert [i.source_id for i in batch.items] == ["1001", "1002", "1003"]
    assert batch.items[2].symbols == ["AAPL", "MSFT"]
    assert batch.items[0].published_at == SINCE + timedelta(minutes=10)
    assert batch.skipped == 0
    calls = wire_server.requests_to("/v1beta1/news")
    assert len(calls) == 2
    assert calls[0].query["symbols"] == "AAPL,MSFT"
    assert "page_token" not in calls[0].query
    assert calls[1].query["page_token"] == "tok-2"
    assert calls[0].headers["apca-api-key-id"] == "key-id"
    assert calls[0].headers["apca-api-secret-key"] == "secret"
    assert recording_sleep.waits == []


async def test_the_market_wide_query_names_no_symbols_and_keeps_every_ticker(wire_server, recording_sleep):
    news = [article(1, symbols=("NVDA", "amd")), article(2, symbols=("BTCUSD-PERP-LONG", "AAPL"))]
    wire_server.route = lambda seen: (200, {}, {"news": news, "next_page_token": None})
    source = AlpacaNewsSource(settings_for(wire_server.url), sleep=recording_sleep)
    batch = await source.fetch_market(SINCE, UNTIL)
    await source.aclose()

    assert [i.symbols for i in batch.items] == [["NVDA", "AMD"], ["AAPL"]]  # not a ticker as the system spells it
    [call] = wire_server.requests_to("/v1beta1/news")
    assert "symbols" not in call.query
    assert call.query["sort"] == "desc"


async def test_429_waits_for_retry_after_then_succeeds(wire_server, recording_sleep):
    answers = iter([(429, {"Retry-After": "2"}, {"message": "too many requests"}),
                    (200, {}, {"news": [article(1)], "next_page_token": None})])
    wire_server.route = lambda seen: next(answers)
    source = AlpacaNewsSource(settings_for(wire_server.url), sleep=recording_sleep)
    batch = await source.fetch(["AAPL"], SINCE, UNTIL)
    assert [i.headline for i in batch.items] == ["Apple story 1"]
    assert recording_sleep.waits == [2.0]
    assert len(wire_server.seen) == 2


async def test_malformed_articles_are_skipped_and_counted(wire_server, recording_sleep):
    before = SKIPPED_ITEMS.labels("alpaca")._value.get()
    bad_date = article(2, created_at="not a date")
    no_headline = article(3, headline="   ")
    missing_fields = {"id": 77, "headline": "half an article"}
    wire_server.route = lambda seen: (200, {}, {"news": [article(1), bad_date, no_headline, missing_fields,
                                                         article(4, symbols=("TSLA",))],
                                                "next_page_token": None})
    source = AlpacaNewsSource(settings_for(wire_server.url), sleep=recording_sleep)
    batch = await source.fetch(["AAPL"], SINCE, UNTIL)
    assert [i.source_id for i in batch.items] == ["1001"]  # TSLA story is not about AAPL: dropped, not bad
    assert batch.skipped == 3
    assert SKIPPED_ITEMS.labels("alpaca")._value.get() == before + 3


async def test_server_errors_give_up_after_the_configured_attempts(wire_server, recording_sleep):
    wire_server.route = lambda seen: (500, {}, {"message": "internal"})
    source = AlpacaNewsSource(settings_for(wire_server.url, NEWS_SOURCE_ATTEMPTS=3), sleep=recording_sleep)
    with pytest.raises(SourceError) as info:
        await source.fetch(["AAPL"], SINCE, UNTIL)
    assert info.value.reason == "http_500"
    assert len(wire_server.seen) == 3
    assert recording_sleep.waits == [0.5, 1.0]  # exponential backoff between the three attempts


async def test_unauthorised_is_final_and_not_retried(wire_server, recording_sleep):
    wire_server.route = lambda seen: (403, {}, {"message": "forbidden"})
    source = AlpacaNewsSource(settings_for(wire_server.url), sleep=recording_sleep)
    with pytest.raises(SourceError) as info:
        await source.fetch(["AAPL"], SINCE, UNTIL)
    assert info.value.reason == "http_403"
    assert len(wire_server.seen) == 1


def test_missing_credentials_are_a_configuration_error():
    with pytest.raises(SourceError) as info:
        AlpacaNewsSource(NewsSourceSettings(alpaca=AlpacaCredentials()))
    assert info.value.reason == "config"
