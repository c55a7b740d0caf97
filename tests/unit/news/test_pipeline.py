"""Checking pushed items (the reasons, the future-timestamp boundary) and scoring items into stories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from catalyst.contracts.news import RejectedItem
from catalyst.domain.news import CatalystType, NewsItem, SentimentLabel
from catalyst.news.pipeline import check_pushed, check_pushed_item, pushed_symbols, score_items
from catalyst.news.sentiment.lexicon import LexiconSentimentScorer

NOW = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)
SKEW = timedelta(seconds=60)
KNOWN = {"ACME", "BETA"}


def item(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"symbols": ["ACME"], "headline": "Acme beats estimates",
                            "published_at": (NOW - timedelta(minutes=5)).isoformat()}
    base.update(over)
    return base


def check(raw: Any) -> NewsItem | RejectedItem:
    return check_pushed_item(3, raw, known_symbols=KNOWN, now=NOW, max_skew=SKEW)


def test_good_item_is_normalised():
    got = check(item(symbols=[" acme", "ACME", "beta"], headline="  Acme   beats  "))
    assert isinstance(got, NewsItem)
    assert got.symbols == ["ACME", "BETA"]
    assert got.headline == "Acme beats"
    assert got.source == "push"
    assert got.source_id.startswith("push-")


def test_derived_id_is_stable_and_content_based():
    first = check(item())
    second = check(item())
    other = check(item(headline="Acme misses estimates"))
    assert isinstance(first, NewsItem)
    assert isinstance(second, NewsItem)
    assert isinstance(other, NewsItem)
    assert first.source_id == second.source_id != other.source_id


@pytest.mark.parametrize(("raw", "field", "reason"), [
    (item(headline=""), "headline", "missing"),
    (item(headline=None), "headline", "string"),
    ({"symbols": ["ACME"], "published_at": NOW.isoformat()}, "headline", "missing"),
    (item(symbols=[]), "symbols", "required"),
    (item(symbols=["ACME", "NOPE"]), "symbols", "NOPE"),
    (item(symbols=["bad sym"]), "symbols", "malformed"),
    (item(published_at=None), "published_at", "required"),
    (item(published_at="2025-03-03T14:00:00"), "published_at", "timezone"),
    (item(published_at="yesterday"), "published_at", ""),
    (item(source="Bad Source"), "source", ""),
    (item(source_id=""), "source_id", ""),
    ("a string", "item", "object"),
])
def test_rejections_name_the_item_and_field(raw, field, reason):
    got = check(raw)
    assert isinstance(got, RejectedItem)
    assert got.index == 3
    assert got.field == field
    assert reason.lower() in got.reason.lower()


def test_future_boundary_is_the_allowed_skew():
    at_limit = check(item(published_at=(NOW + SKEW).isoformat()))
    over = check(item(published_at=(NOW + SKEW + timedelta(microseconds=1)).isoformat()))
    assert isinstance(at_limit, NewsItem)
    assert isinstance(over, RejectedItem)
    assert over.field == "published_at"


def test_rejection_keeps_the_callers_source_id():
    got = check(item(headline="", source_id="abc-1"))
    assert isinstance(got, RejectedItem)
    assert got.source_id == "abc-1"


def test_batch_split_keeps_order():
    good, bad = check_pushed([item(), item(headline=""), item(symbols=["BETA"])], known_symbols=KNOWN, now=NOW,
                             max_skew=SKEW)
    assert [g.symbols for g in good] == [["ACME"], ["BETA"]]
    assert [b.index for b in bad] == [1]


def test_pushed_symbols_collects_well_formed_ones():
    assert pushed_symbols([item(symbols=["acme", "bad sym", 3]), "x", {"symbols": "ACME"}]) == {"ACME"}


def test_score_items_expands_per_symbol_and_classifies_once():
    news = NewsItem(source="replay", source_id="r1", symbols=["ACME", "BETA", "acme"],
                    headline="FDA approves Acme and Beta joint drug", published_at=NOW)
    stories = score_items([news], LexiconSentimentScorer())
    assert [s.symbol for s in stories] == ["ACME", "BETA"]
    assert all(s.catalyst_type is CatalystType.FDA for s in stories)
    assert all(s.sentiment_label is SentimentLabel.POSITIVE for s in stories)
    assert score_items([], LexiconSentimentScorer()) == []
