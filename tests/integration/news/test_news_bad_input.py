"""Bad input to News is a 400 envelope, never a 500: times outside what the database and Python
hold, and text with a NUL byte (PostgreSQL's ``text`` refuses it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from catalyst.domain.news import NewsItem

NOW = "2025-03-03T15:00:00+00:00"


def pushed(**over: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"symbols": ["NWBI"], "headline": "NWS Bravo India wins a contract",
                            "published_at": "2025-03-03T14:00:00+00:00", "source_id": "bad-input-ok"}
    item.update(over)
    return item


@pytest.mark.parametrize("since", [
    "0001-01-01T00:00:00+14:00",  # no UTC form: Python's datetime overflows
    "0001-01-01T00:00:00Z",  # the look-back before it overflows, and before any stored time
    "1969-12-31T23:59:59Z",  # before the epoch the database's time ids count from
    "9999-12-31T23:59:59-14:00",
])
async def test_news_since_out_of_range_is_a_400(build_news_app, api_client, securities, since):
    await securities("NWBI")
    async with api_client(build_news_app()) as client:
        response = await client.get("/api/v1/news/NWBI", params={"since": since, "until": NOW})
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == "VALIDATION_ERROR"
        assert response.json()["error"]["details"]["fields"] == ["since"]


async def test_news_until_out_of_range_is_a_400(build_news_app, api_client, securities):
    await securities("NWBI")
    async with api_client(build_news_app()) as client:
        response = await client.get("/api/v1/news/NWBI", params={"until": "0001-01-02T00:00:00Z"})
        assert response.status_code == 400, response.text
        batch = await client.post("/api/v1/catalysts/batch",
                                  json={"symbols": ["NWBI"], "since": "2200-01-01T00:00:00Z"})
        assert batch.status_code == 400, batch.text
        assert batch.json()["error"]["details"]["fields"] == ["since"]


@pytest.mark.parametrize("field", ["headline", "summary", "url", "source_id"])
async def test_pushed_text_with_nul_is_rejected_not_stored(build_news_app, api_client, securities, field):
    await securities("NWBI")
    bad = pushed(**{field: "NWS Bravo\x00India", "source_id": f"nul-{field}"})
    if field == "source_id":
        bad["source_id"] = "nul\x00id"
    async with api_client(build_news_app()) as client:
        response = await client.post("/api/v1/news/ingest", json={"items": [bad]})
        assert response.status_code == 400, response.text
        rejected = response.json()["error"]["details"]["rejected"]
        assert [(r["index"], r["field"]) for r in rejected] == [(0, field)]


async def test_pushed_item_out_of_range_time_is_rejected(build_news_app, api_client, securities):
    await securities("NWBI")
    items = [pushed(published_at="0001-01-01T00:00:00+14:00", source_id="t-1"),
             pushed(published_at="1900-01-01T00:00:00Z", source_id="t-2"), pushed(source_id="t-ok")]
    async with api_client(build_news_app()) as client:
        response = await client.post("/api/v1/news/ingest", json={"items": items})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["stored"] == 1
        assert [(r["index"], r["field"]) for r in body["rejected"]] == [(0, "published_at"), (1, "published_at")]


async def test_lone_surrogates_are_a_400_not_an_unencodable_answer(build_news_app, api_client, securities):
    """JSON may spell a lone surrogate (``"\\ud800"``), which neither PostgreSQL nor a UTF-8 answer can hold."""
    await securities("NWBI")
    item = b'{"items": [{"symbols": ["NWBI"], "headline": "x\\ud800", "source_id": "s\\ud800", ' \
           b'"published_at": "2025-03-03T14:00:00Z"}]}'
    async with api_client(build_news_app()) as client:
        ingest = await client.post("/api/v1/news/ingest", content=item, headers={"content-type": "application/json"})
        assert ingest.status_code == 400, ingest.text
        batch = await client.post("/api/v1/catalysts/batch", content=b'{"symbols": ["N\\ud800"]}',
                                  headers={"content-type": "application/json"})
        assert batch.status_code == 400, batch.text


async def test_a_sources_text_with_nul_is_stored_without_it(build_news_app, api_client, securities):
    """A feed's story with a NUL byte is kept (the byte dropped), not a failed fetch for every story."""
    await securities("NWBI")
    item = NewsItem(source="replay", source_id="nul-feed", symbols=["NWBI"],
                    headline="NWS Bravo\x00India wins a contract", summary="a\x00b",
                    published_at=datetime(2025, 3, 3, 14, tzinfo=UTC))
    async with api_client(build_news_app(replay_items=[item])) as client:
        response = await client.get("/api/v1/news/NWBI", params={"since": "2025-03-03T00:00:00Z", "until": NOW})
    assert response.status_code == 200, response.text
    assert [e["headline"] for e in response.json()["events"]] == ["NWS BravoIndia wins a contract"]
