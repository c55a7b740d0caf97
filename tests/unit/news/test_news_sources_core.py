"""Pure parts of the news sources: settings, Retry-After parsing, backoff, replay windows, item building."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from catalyst.clock import SimulatedClock
from catalyst.domain.news import DEFAULT_RELIABILITY, NewsItem
from catalyst.environment import read
from catalyst.news_sources.base import NewsSourceSettings, SourceError
from catalyst.news_sources.factory import build_sources
from catalyst.news_sources.items import MalformedItem, build_item, relevant_symbols
from catalyst.news_sources.replay import ReplayNewsSource
from catalyst.news_sources.transport import Retryable, call_with_retries, retry_after_seconds, retry_policy

T0 = datetime(2025, 3, 3, 14, 30, tzinfo=UTC)


def item(source_id: str, minutes: int, *symbols: str) -> NewsItem:
    return NewsItem(source="replay", source_id=source_id, symbols=list(symbols or ("AAPL",)),
                    headline=f"story {source_id}", published_at=T0 + timedelta(minutes=minutes))


class TestSettings:
    def test_defaults_are_offline(self, monkeypatch):
        monkeypatch.delenv("NEWS_SOURCES", raising=False)
        settings = read(NewsSourceSettings)
        assert settings.sources == ["replay"]
        assert settings.reliability() == DEFAULT_RELIABILITY

    def test_comma_list_and_json_reliability_from_env(self, monkeypatch):
        monkeypatch.setenv("NEWS_SOURCES", "replay, benzinga,SEC_EDGAR")
        monkeypatch.setenv("NEWS_SOURCE_RELIABILITY", '{"newsapi": 0.4, "benzinga": 1.0}')
        settings = read(NewsSourceSettings)
        assert settings.sources == ["replay", "benzinga", "sec_edgar"]
        assert settings.reliability()["newsapi"] == 0.4
        assert settings.reliability()["benzinga"] == 1.0
        assert settings.reliability()["alpaca"] == DEFAULT_RELIABILITY["alpaca"]

    @pytest.mark.parametrize("sources", ["replay,bloomberg", "replay,replay"])
    def test_unknown_or_repeated_source_is_refused(self, sources):
        with pytest.raises(ValidationError):
            NewsSourceSettings(NEWS_SOURCES=sources)

    @pytest.mark.parametrize(("value", "ok"), [(0.0, True), (1.0, True), (1.0001, False), (-0.01, False)])
    def test_reliability_bounds(self, value, ok):
        if ok:
            assert NewsSourceSettings(NEWS_SOURCE_RELIABILITY={"newsapi": value}).reliability()["newsapi"] == value
        else:
            with pytest.raises(ValidationError):
                NewsSourceSettings(NEWS_SOURCE_RELIABILITY={"newsapi": value})


class TestRetryAfter:
    def test_delta_seconds(self):
        assert retry_after_seconds("7") == 7.0

    def test_http_date(self):
        now = datetime(2025, 3, 3, 12, 0, 0, tzinfo=UTC)
        assert retry_after_seconds("Mon, 03 Mar 2025 12:00:30 GMT", now) == 30.0

    def test_date_in_the_past_means_now(self):
        now = datetime(2025, 3, 3, 12, 0, 0, tzinfo=UTC)
        assert retry_after_seconds("Mon, 03 Mar 2025 11:00:00 GMT", now) == 0.0

    @pytest.mark.parametrize("value", [None, "", "soon", "-5"])
    def test_absent_or_unparseable(self, value):
        assert retry_after_seconds(value) is None

    def test_backoff_doubles_and_is_capped(self):
        policy = retry_policy(NewsSourceSettings(NEWS_SOURCE_ATTEMPTS=6, NEWS_SOURCE_BACKOFF=0.5,
                                                 NEWS_SOURCE_MAX_BACKOFF=3.0))
        assert [policy.backoff(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]

    @pytest.mark.parametrize(("asked", "waits"), [(30.0, [30.0]), (31.0, [])])
    async def test_retry_after_exactly_at_the_cap_is_honoured_one_over_is_not(self, asked, waits):
        policy = retry_policy(NewsSourceSettings(NEWS_SOURCE_ATTEMPTS=3, NEWS_SOURCE_MAX_BACKOFF=30.0))
        slept: list[float] = []
        answers = [Retryable(SourceError("x", "rate_limited", "HTTP 429"), "rate_limited", asked)]

        async def sleep(seconds: float) -> None:
            slept.append(seconds)

        async def attempt() -> str:
            if answers:
                raise answers.pop()
            return "ok"

        if waits:
            assert await call_with_retries("x", policy, sleep, attempt) == "ok"
        else:
            with pytest.raises(SourceError, match="exceeds the 30s cap") as info:
                await call_with_retries("x", policy, sleep, attempt)
            assert info.value.reason == "rate_limited"
        assert slept == waits


class TestReplay:
    async def test_serves_by_symbol_and_window_up_to_the_simulated_now(self):
        clock = SimulatedClock(T0 + timedelta(minutes=30))
        source = ReplayNewsSource([item("a", 0), item("b", 30, "AAPL", "MSFT"), item("c", 31), item("d", 5, "TSLA")],
                                  clock)
        batch = await source.fetch(["aapl"], T0, T0 + timedelta(days=1))
        assert [i.source_id for i in batch.items] == ["a", "b"]  # c is in the future of the clock
        assert batch.items[1].symbols == ["AAPL"]
        clock.advance(timedelta(minutes=1))
        batch = await source.fetch(["AAPL"], T0 + timedelta(minutes=1), T0 + timedelta(days=1))
        assert [i.source_id for i in batch.items] == ["b", "c"]  # since is inclusive, a is before it

    async def test_a_story_about_two_requested_symbols_is_served_once(self):
        source = ReplayNewsSource([item("m", 0, "AAPL", "MSFT")], SimulatedClock(T0 + timedelta(hours=1)))
        batch = await source.fetch(["AAPL", "MSFT"], T0, T0)
        assert len(batch.items) == 1
        assert batch.items[0].symbols == ["AAPL", "MSFT"]

    async def test_unknown_symbol_and_inverted_window_give_nothing(self):
        source = ReplayNewsSource([item("a", 0)], SimulatedClock(T0 + timedelta(hours=1)))
        assert (await source.fetch(["NOPE"], T0, T0 + timedelta(hours=1))).items == []
        assert (await source.fetch(["AAPL"], T0 + timedelta(hours=2), T0 + timedelta(hours=3))).items == []

    def test_factory_builds_replay_with_the_given_items(self):
        sources = build_sources(NewsSourceSettings(NEWS_SOURCES="replay"), replay_items=[item("a", 0)])
        assert [s.name for s in sources] == ["replay"]


class TestItems:
    def test_relevant_symbols_normalises_and_keeps_order(self):
        assert relevant_symbols([" msft", "AAPL", "msft", "GOOG"], {"AAPL", "MSFT"}) == ["MSFT", "AAPL"]

    def test_build_item_collapses_whitespace_and_marks_naive_times_utc(self):
        built = build_item(source="x", source_id=12, symbols=["AAPL"], headline="  Apple \n beats  ",
                           published_at=datetime(2025, 1, 1, 12, 0))
        assert built.headline == "Apple beats"
        assert built.source_id == "12"
        assert built.published_at.tzinfo is not None

    @pytest.mark.parametrize(("kwargs", "reason"), [
        ({"headline": "  "}, "headline"), ({"headline": None}, "headline"),
        ({"source_id": ""}, "id"), ({"source_id": "x" * 257}, "id"), ({"symbols": []}, "symbol"),
    ])
    def test_build_item_rejects(self, kwargs, reason):
        values: dict[str, Any] = {"source": "x", "source_id": "1", "symbols": ["AAPL"], "headline": "h",
                                  "published_at": T0}
        values.update(kwargs)
        with pytest.raises(MalformedItem, match=reason):
            build_item(**values)


class TestLazyReplay:
    async def test_loader_runs_once_on_first_fetch(self):
        calls: list[int] = []

        def load() -> list[NewsItem]:
            calls.append(1)
            return [item("a", 0)]

        source = ReplayNewsSource(load, SimulatedClock(T0 + timedelta(hours=1)))
        assert calls == []
        await source.fetch(["AAPL"], T0, T0 + timedelta(hours=1))
        batch = await source.fetch(["AAPL"], T0, T0 + timedelta(hours=1))
        assert [i.source_id for i in batch.items] == ["a"]
        assert calls == [1]

    async def test_a_failing_loader_is_a_source_error_and_is_retried(self):
        attempts: list[int] = []

        def load() -> list[NewsItem]:
            attempts.append(1)
            if len(attempts) == 1:
                raise RuntimeError("universe could not be drawn")
            return [item("a", 0)]

        source = ReplayNewsSource(load, SimulatedClock(T0 + timedelta(hours=1)))
        with pytest.raises(SourceError) as info:
            await source.fetch(["AAPL"], T0, T0 + timedelta(hours=1))
        assert info.value.reason == "unavailable"
        assert len((await source.fetch(["AAPL"], T0, T0 + timedelta(hours=1))).items) == 1
