"""News service API on the real PostgreSQL and Redis: ingest, news since, catalysts batch,
degradation when a source fails, and NewsCatalyst publication."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta
from typing import Any

from catalyst.bus import Channel, EventBus, NewsCatalyst
from catalyst.contracts.news import CatalystListing
from catalyst.domain.news import NewsItem
from catalyst.news.classify import catalyst_strength, classify
from catalyst.news.service import SOURCE_FAILURES
from tests.support.waiting import eventually

NOW = datetime.fromisoformat("2025-03-03T15:00:00+00:00")


def pushed(symbol: str, headline: str, minutes_ago: float, **over: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"symbols": [symbol], "headline": headline,
                            "published_at": (NOW - timedelta(minutes=minutes_ago)).isoformat()}
    item.update(over)
    return item


def replay(symbol: str, source_id: str, headline: str, minutes_ago: float) -> NewsItem:
    return NewsItem(source="replay", source_id=source_id, symbols=[symbol], headline=headline,
                    published_at=NOW - timedelta(minutes=minutes_ago))


async def test_ingest_stores_good_items_and_names_the_bad_ones(build_news_app, api_client, securities, database):
    await securities("NWSA")
    items = [
        pushed("NWSA", "NWS Alpha wins $200 million Navy contract", 30, source_id="ok-1"),
        pushed("NWSA", "   ", 20, source_id="no-headline"),
        pushed("NWSZZZ", "Unknown Co beats estimates", 20, source_id="unknown-symbol"),
        pushed("NWSA", "NWS Alpha from the future", -61 / 60, source_id="future"),  # 61 s ahead, skew is 60 s
        pushed("NWSA", "NWS Alpha exactly at the skew limit", -1, source_id="at-limit"),  # 60 s ahead
        {"headline": "no symbols at all", "published_at": NOW.isoformat()},
        "not even an object",
    ]
    async with api_client(build_news_app()) as client:
        response = await client.post("/api/v1/news/ingest", json={"items": items})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["received"] == 7
        assert body["stored"] == 2
        rejected = {r["index"]: r for r in body["rejected"]}
        assert sorted(rejected) == [1, 2, 3, 5, 6]
        assert rejected[1]["field"] == "headline"
        assert rejected[1]["source_id"] == "no-headline"
        assert rejected[2]["field"] == "symbols"
        assert "NWSZZZ" in rejected[2]["reason"]
        assert rejected[3]["field"] == "published_at"
        assert "future" in rejected[3]["reason"]
        assert rejected[5]["field"] == "symbols"
        assert rejected[6]["field"] == "item"

        # The same batch again: nothing new is written (idempotent), the same items are refused.
        again = (await client.post("/api/v1/news/ingest", json={"items": items})).json()
        assert again["stored"] == 0
        assert again["duplicates"] == 2

        # All bad: a 400 envelope naming every item, nothing written.
        bad = await client.post("/api/v1/news/ingest", json={"items": items[1:4]})
        assert bad.status_code == 400
        error = bad.json()["error"]
        assert error["code"] == "INVALID_NEWS_ITEMS"
        assert [r["index"] for r in error["details"]["rejected"]] == [0, 1, 2]
        assert error["details"]["rejected"][0]["source_id"] == "no-headline"

        malformed = await client.post("/api/v1/news/ingest", json={"items": []})
        assert malformed.status_code == 400
        assert malformed.json()["error"]["code"] == "VALIDATION_ERROR"

    async with database.acquire() as conn:
        rows = await conn.fetch("""SELECT n.source, n.source_id, n.catalyst_type, n.sentiment_label
                                   FROM news_sentiment n JOIN securities s USING (security_id)
                                   WHERE s.symbol = 'NWSA' ORDER BY n.source_id""")
    assert [(r["source"], r["source_id"]) for r in rows] == [("push", "at-limit"), ("push", "ok-1")]
    assert rows[1]["catalyst_type"] == "contract_win"
    assert rows[1]["sentiment_label"] == "positive"


async def test_news_since_merges_sources_and_filters_the_window(build_news_app, api_client, securities):
    await securities("NWSB")
    replayed = [replay("NWSB", "r-old", "NWS Beta to present at investor conference", 600),
                replay("NWSB", "r-fda", "FDA approves NWS Beta's migraine drug", 90)]
    async with api_client(build_news_app(replay_items=replayed)) as client:
        # Another source pushes the same FDA story: it joins the replay event.
        push = pushed("NWSB", "FDA approves NWS Beta migraine drug, shares jump premarket", 80,
                      source="benzinga", source_id="bz-1")
        assert (await client.post("/api/v1/news/ingest", json={"items": [push]})).json()["stored"] == 1

        since = (NOW - timedelta(hours=3)).isoformat()
        response = await client.get("/api/v1/news/NWSB", params={"since": since})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["degraded"] is False
        assert body["missing_sources"] == []
        assert len(body["events"]) == 1  # the conference story is older than since
        event = body["events"][0]
        assert event["catalyst_type"] == "fda"
        assert event["sources"] == ["benzinga", "replay"]
        assert {s["source_id"] for s in event["stories"]} == {"r-fda", "bz-1"}
        assert event["sentiment_label"] == "positive"
        assert event["catalyst_strength"] > 0.9  # two reliable sources

        everything = (await client.get("/api/v1/news/nwsb", params={"since": (NOW - timedelta(days=1)).isoformat()}))
        assert [e["headline"] for e in everything.json()["events"]][-1] == "NWS Beta to present at investor conference"

        inverted = await client.get("/api/v1/news/NWSB", params={"since": NOW.isoformat(),
                                                                 "until": (NOW - timedelta(hours=1)).isoformat()})
        assert inverted.status_code == 400
        assert inverted.json()["error"]["code"] == "INVALID_WINDOW"
        naive = await client.get("/api/v1/news/NWSB", params={"since": "2025-03-03T10:00:00"})
        assert naive.status_code == 400


async def test_catalysts_batch_ranks_symbols_and_lists_those_without(build_news_app, api_client, securities):
    await securities("NWSC", "NWSD", "NWSE")
    replayed = [replay("NWSC", "c1", "FDA approves NWS Charlie's cancer drug", 60),
                replay("NWSD", "d1", "NWS Delta declares quarterly dividend", 60),
                replay("NWSD", "d2", "Barclays downgrades NWS Delta to Underweight", 30)]
    async with api_client(build_news_app(replay_items=replayed)) as client:
        response = await client.post("/api/v1/catalysts/batch",
                                     json={"symbols": ["NWSC", "nwsd", "NWSE"], "min_strength": 0.3})
        assert response.status_code == 200, response.text
        body = response.json()
        assert [c["symbol"] for c in body["catalysts"]] == ["NWSC", "NWSD"]
        assert body["catalysts"][0]["top"]["catalyst_type"] == "fda"
        assert body["catalysts"][1]["top"]["catalyst_type"] == "analyst_downgrade"
        assert body["catalysts"][1]["event_count"] == 1  # the dividend story is below min_strength
        assert body["catalysts"][1]["mean_sentiment"] < 0
        assert body["without_catalyst"] == ["NWSE"]

        too_many = await client.post("/api/v1/catalysts/batch", json={"symbols": ["NWSC"] * 501})
        assert too_many.status_code == 400
        bad_symbol = await client.post("/api/v1/catalysts/batch", json={"symbols": ["NWSC", "bad symbol!"]})
        assert bad_symbol.status_code == 400
        assert bad_symbol.json()["error"]["code"] == "INVALID_SYMBOL"


async def test_failing_source_serves_cached_news_and_names_the_source(
        build_news_app, api_client, securities, wire_server, capsys):
    await securities("NWSF", "NWSG", "NWSK")
    article = {"source": {"id": None, "name": "Wire"}, "author": None,
               "title": "NWS Foxtrot wins $90 million Army contract", "description": "",
               "url": "https://news.test/nwsf-army", "urlToImage": None,
               "publishedAt": (NOW - timedelta(minutes=50)).strftime("%Y-%m-%dT%H:%M:%SZ"), "content": ""}
    state = {"up": True}

    def route(seen):
        if state["up"]:
            return 200, {}, {"status": "ok", "totalResults": 1 if seen.query["q"] == '"NWSF"' else 0,
                             "articles": [article] if seen.query["q"] == '"NWSF"' else []}
        return 500, {}, {"status": "error", "code": "unexpectedError", "message": "down"}

    wire_server.route = route
    replayed = [replay("NWSG", "g1", "NWS Golf wins FDA approval for eye drug", 40)]
    app = build_news_app(sources="replay,newsapi", replay_items=replayed, NEWSAPI_URL=wire_server.url,
                         NEWS_API_KEY="k", service_env={"NEWS_SOURCE_BREAKER_FAILURES": 2})
    failures_before = SOURCE_FAILURES.labels("newsapi", "http_500")._value.get()
    since = (NOW - timedelta(hours=2)).isoformat()
    async with api_client(app) as client:
        healthy = (await client.get("/api/v1/news/NWSF", params={"since": since})).json()
        assert healthy["degraded"] is False
        assert [e["sources"] for e in healthy["events"]] == [["newsapi"]]

        state["up"] = False
        until = (NOW - timedelta(minutes=1)).isoformat()  # another window: not answered from the cache
        degraded = await client.get("/api/v1/news/NWSF", params={"since": since, "until": until})
        assert degraded.status_code == 200
        body = degraded.json()
        assert body["degraded"] is True
        assert body["missing_sources"] == [{"source": "newsapi", "reason": "http_500"}]
        assert [e["headline"] for e in body["events"]] == ["NWS Foxtrot wins $90 million Army contract"]

        # The scanner's batch: the universe shrinks to what is known instead of failing.
        batch = (await client.post("/api/v1/catalysts/batch", json={"symbols": ["NWSF", "NWSG", "NWSK"],
                                                                    "since": since})).json()
        assert batch["degraded"] is True
        assert {c["symbol"] for c in batch["catalysts"]} == {"NWSF", "NWSG"}
        assert batch["without_catalyst"] == ["NWSK"]
        # Two failures opened the breaker: the next call does not even reach the source.
        calls = len(wire_server.seen)
        third = (await client.get("/api/v1/news/NWSG", params={"since": since, "until": until})).json()
        assert third["missing_sources"] == [{"source": "newsapi", "reason": "circuit_open"}]
        assert len(wire_server.seen) == calls
        assert [e["catalyst_type"] for e in third["events"]] == ["fda"]
    assert SOURCE_FAILURES.labels("newsapi", "http_500")._value.get() == failures_before + 2
    logged = capsys.readouterr().out
    assert '"event": "news_source_unavailable"' in logged
    assert '"level": "warning"' in logged


async def test_strong_event_is_published_once(build_news_app, api_client, securities, redis_client,
                                              test_settings):
    await securities("NWSH")
    headline = "FDA approves NWS Hotel's gene therapy for rare disease"
    single = catalyst_strength(classify(headline), [0.6])
    merged = catalyst_strength(classify(headline), [0.6, 0.9])
    assert single <= 0.7 < merged  # alone NewsAPI is not trusted enough; with Benzinga it is

    bus = EventBus(redis_client, test_settings.redis_namespace)
    received: list[NewsCatalyst] = []
    # Published after the last push: once it arrives, so has anything the pushes published (one channel, in order).
    marker = NewsCatalyst(symbol="NWSZ", catalyst_type="other", strength=0, sentiment=0, headline="end of test")
    marker_seen = asyncio.Event()

    async def listen() -> None:
        async for event in bus.subscribe(Channel.NEWS_CATALYST):
            if event == marker:
                marker_seen.set()
            elif isinstance(event, NewsCatalyst) and event.symbol == "NWSH":
                received.append(event)

    listener = asyncio.create_task(listen())
    channel = bus.channel_name(Channel.NEWS_CATALYST)

    async def subscribed() -> bool:
        return (await redis_client.pubsub_numsub(channel))[0][1] >= 1

    await eventually(subscribed, what="the subscription live")
    try:
        async with api_client(build_news_app()) as client:
            async def push(source: str, source_id: str, minutes_ago: float) -> dict[str, Any]:
                item = pushed("NWSH", headline, minutes_ago, source=source, source_id=source_id)
                response = await client.post("/api/v1/news/ingest", json={"items": [item]})
                assert response.status_code == 200, response.text
                body: dict[str, Any] = response.json()
                return body

            first = await push("newsapi", "na-1", 30)
            assert first["events"][0]["catalyst_strength"] == single
            second = await push("benzinga", "bz-1", 25)       # same story, second source: crosses 0.7
            assert second["events"][0]["sources"] == ["benzinga", "newsapi"]
            assert second["events"][0]["catalyst_strength"] == merged
            await push("alpaca", "al-1", 20)                   # stronger still, but already announced
            await bus.publish(marker)  # a (wrong) second announcement would arrive before it
            await asyncio.wait_for(marker_seen.wait(), 10)
    finally:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener
    assert len(received) == 1
    assert received[0].catalyst_type == "fda"
    assert received[0].strength == merged
    assert received[0].sources == ["benzinga", "newsapi"]
    assert received[0].sentiment > 0


async def test_publication_threshold_is_strictly_greater(build_news_app, api_client, securities, database):
    await securities("NWSI", "NWSJ")
    headline_i = "FDA approves NWS India's asthma inhaler"
    headline_j = "FDA approves NWS Juliet's asthma inhaler"
    strength = catalyst_strength(classify(headline_i), [0.7])  # source "push"
    assert strength == catalyst_strength(classify(headline_j), [0.7])

    async def published(symbol: str) -> bool:
        async with database.acquire() as conn:
            return bool(await conn.fetchval("""SELECT bool_or(catalyst_published_at IS NOT NULL)
                FROM news_sentiment n JOIN securities s USING (security_id) WHERE s.symbol = $1""", symbol))

    async with api_client(build_news_app(service_env={"NEWS_PUBLISH_THRESHOLD": strength})) as client:
        await client.post("/api/v1/news/ingest", json={"items": [pushed("NWSI", headline_i, 10)]})
    async with api_client(build_news_app(service_env={"NEWS_PUBLISH_THRESHOLD": strength - 0.0001})) as client:
        await client.post("/api/v1/news/ingest", json={"items": [pushed("NWSJ", headline_j, 10)]})
    assert await published("NWSI") is False  # exactly at the threshold: not announced
    assert await published("NWSJ") is True


async def test_recent_catalysts_lists_every_symbol_with_news_in_the_window(build_news_app, api_client, securities):
    await securities("NWSR", "NWSS", "NWST")
    until = NOW - timedelta(days=30)  # a window of this test's own: the database is the session's
    since = until - timedelta(hours=24)

    def story(symbol: str, source_id: str, headline: str, at: datetime) -> NewsItem:
        return NewsItem(source="replay", source_id=source_id, symbols=[symbol], headline=headline, published_at=at)

    replayed = [story("NWSR", "r1", "NWS Romeo declares quarterly dividend", until - timedelta(hours=2)),
                story("NWSS", "s1", "FDA approves NWS Sierra's cancer drug", until - timedelta(hours=1)),
                story("NWST", "t1", "FDA approves NWS Tango's migraine drug", since - timedelta(minutes=1))]
    window = {"since": since.isoformat(), "until": until.isoformat()}
    async with api_client(build_news_app(replay_items=replayed)) as client:
        response = await client.get("/api/v1/catalysts/recent", params=window)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["symbols"] == ["NWSS", "NWSR"]  # strongest first; NWST's is older
        assert body["catalyst_types"][0] == "fda"
        assert (body["degraded"], body["missing_sources"]) == (False, [])
        assert "Sierra" not in response.text  # no headline: outside text stays out of the listing
        strong = (await client.get("/api/v1/catalysts/recent", params={**window, "min_strength": 0.7})).json()
        assert strong["symbols"] == ["NWSS"]
        assert strong["max_strengths"][0] >= 0.7

        earliest = await client.get("/api/v1/catalysts/recent", params={"until": "1970-01-01T00:00:00Z"})
        assert (earliest.status_code, earliest.json()["symbols"]) == (200, [])  # its default start is before 1970

        for bad in ({"min_strength": 2}, {"since": until.isoformat(), "until": since.isoformat()},
                    {"since": "2025-02-01T10:00:00"}):
            refused = await client.get("/api/v1/catalysts/recent", params=bad)
            assert refused.status_code == 400, (bad, refused.text)
            assert set(refused.json()["error"]) == {"code", "message", "details"}


async def test_recent_catalysts_carry_the_batch_answer_s_figures_row_by_row(build_news_app, api_client, securities):
    await securities("NWSP", "NWSQ", "NWSY")
    until = NOW - timedelta(days=60)
    since = until - timedelta(hours=24)

    def story(symbol: str, source_id: str, headline: str, at: datetime) -> NewsItem:
        return NewsItem(source="replay", source_id=source_id, symbols=[symbol], headline=headline, published_at=at)

    replayed = [story("NWSP", "p1", "FDA approves NWS Papa's cancer drug", until - timedelta(hours=5)),
                story("NWSP", "p2", "NWS Papa misses estimates, cuts guidance", until - timedelta(hours=1)),
                story("NWSQ", "q1", "NWS Quebec wins $90 million Army contract", until - timedelta(hours=3)),
                story("NWSY", "y1", "NWS Yankee to present at investor conference", until - timedelta(minutes=5))]
    window = {"since": since.isoformat(), "until": until.isoformat()}
    async with api_client(build_news_app(replay_items=replayed)) as client:
        response = await client.get("/api/v1/catalysts/recent", params=window)
        listing = CatalystListing.model_validate_json(response.content)  # the contract's bounds hold
        batch = (await client.post("/api/v1/catalysts/batch", json={"symbols": ["NWSY", "NWSQ", "NWSP"], **window}))
    summaries = batch.json()["catalysts"]
    body = response.json()
    rows = list(zip(body["symbols"], body["event_ids"], body["catalyst_types"], body["published_at"],
                    body["max_strengths"], body["mean_sentiments"], body["event_counts"], strict=True))
    assert rows == [(c["symbol"], c["top"]["event_id"], c["top"]["catalyst_type"], c["top"]["published_at"],
                     c["max_strength"], c["mean_sentiment"], c["event_count"]) for c in summaries]
    assert listing.symbols == ["NWSP", "NWSQ", "NWSY"]
    assert listing.event_counts[0] == 2  # NWSP's two stories, its strongest the FDA one
    assert listing.catalyst_types[0] == "fda"
    assert max(listing.published_at) <= listing.until


async def test_recent_catalysts_asks_a_source_without_a_market_feed_about_every_listed_security(
        build_news_app, api_client, securities, wire_server):
    await securities("NWSU", "NWSV")
    until = NOW - timedelta(days=40)
    article = {"source": {"id": None, "name": "Wire"}, "author": None,
               "title": "NWS Uniform wins $90 million Army contract", "description": "",
               "url": "https://news.test/nwsu-army", "urlToImage": None,
               "publishedAt": (until - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ"), "content": ""}

    def route(seen):
        found = [article] if seen.query["q"] == '"NWSU"' else []
        return 200, {}, {"status": "ok", "totalResults": len(found), "articles": found}

    wire_server.route = route
    app = build_news_app(sources="newsapi", NEWSAPI_URL=wire_server.url, NEWS_API_KEY="k")
    window = {"since": (until - timedelta(hours=24)).isoformat(), "until": until.isoformat()}
    async with api_client(app) as client:
        body = (await client.get("/api/v1/catalysts/recent", params=window)).json()
    asked = {s.query["q"] for s in wire_server.seen}
    assert {'"NWSU"', '"NWSV"'} <= asked  # NewsAPI answers per query: every listed security is asked
    assert body["symbols"] == ["NWSU"]
    assert body["catalyst_types"] == ["contract_win"]


async def test_recent_catalysts_are_cached_per_window_until_a_story_is_written(
        build_news_app, api_client, securities, wire_server):
    await securities("NWSW", "NWSX")
    until = NOW - timedelta(days=50)
    article = {"source": {"id": None, "name": "Wire"}, "author": None,
               "title": "NWS Whiskey wins $90 million Army contract", "description": "",
               "url": "https://news.test/nwsw-army", "urlToImage": None,
               "publishedAt": (until - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ"), "content": ""}

    def route(seen):
        found = [article] if seen.query["q"] == '"NWSW"' else []
        return 200, {}, {"status": "ok", "totalResults": len(found), "articles": found}

    wire_server.route = route
    app = build_news_app(sources="newsapi", NEWSAPI_URL=wire_server.url, NEWS_API_KEY="k")
    window = {"since": (until - timedelta(hours=24)).isoformat(), "until": until.isoformat()}
    async with api_client(app) as client:
        first = (await client.get("/api/v1/catalysts/recent", params=window)).json()
        asked = len(wire_server.seen)
        later = {"since": (until - timedelta(hours=24, seconds=-1)).isoformat(),
                 "until": (until + timedelta(seconds=1)).isoformat()}  # the same minutes: the same answer
        again = (await client.get("/api/v1/catalysts/recent", params=later)).json()
        assert len(wire_server.seen) == asked  # answered from the cache: no source asked
        assert again == first
        story = {"symbols": ["NWSX"], "headline": "FDA approves NWS X-ray's migraine drug",
                 "published_at": (until - timedelta(hours=1)).isoformat()}
        assert (await client.post("/api/v1/news/ingest", json={"items": [story]})).json()["stored"] == 1
        after = (await client.get("/api/v1/catalysts/recent", params=window)).json()
    assert first["symbols"] == ["NWSW"]
    assert after["symbols"] == ["NWSX", "NWSW"]  # the written story shows at once
    assert len(wire_server.seen) > asked
