"""Merging the same story across sources into events, and event-level strength and sentiment."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from catalyst.domain.news import CatalystType, SentimentLabel
from catalyst.news.merge import (
    assign_events,
    build_event,
    build_events,
    content_words,
    event_id_for,
    headline_similarity,
)
from catalyst.news.models import ScoredStory

T0 = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
WINDOW = timedelta(hours=4)
RELIABILITY = {"benzinga": 0.9, "newsapi": 0.6, "replay": 0.9, "sec_edgar": 0.95}


def story(source: str, source_id: str, headline: str, minutes: float = 0, symbol: str = "ACME",
          catalyst: CatalystType = CatalystType.FDA, score: float = 0.9, sentiment: float = 0.6) -> ScoredStory:
    label = SentimentLabel.POSITIVE if sentiment > 0.2 else (
        SentimentLabel.NEGATIVE if sentiment < -0.2 else SentimentLabel.NEUTRAL)
    return ScoredStory(symbol=symbol, source=source, source_id=source_id, headline=headline, summary="",
                       url=None, published_at=T0 + timedelta(minutes=minutes), catalyst_type=catalyst,
                       catalyst_score=score, sentiment_score=sentiment, sentiment_label=label)


class TestSimilarity:
    def test_content_words_drop_stopwords_and_plurals(self):
        assert content_words("Acme Inc. beats estimates, shares rise") == frozenset({"acme", "beat", "estimate",
                                                                                     "rise"})

    def test_same_story_reworded_is_similar(self):
        a = "FDA approves Acme's migraine drug"
        b = "Acme wins FDA approval: FDA approves Acme migraine drug, shares jump premarket"
        assert headline_similarity(a, b) >= 0.6

    def test_different_stories_are_not(self):
        assert headline_similarity("FDA approves Acme's migraine drug", "Acme CFO resigns") < 0.3

    def test_empty_headline(self):
        assert headline_similarity("the of a", "Acme beats") == 0.0


class TestAssign:
    def test_same_story_from_two_sources_is_one_event(self):
        a = story("newsapi", "n1", "FDA approves Acme's migraine drug")
        b = story("benzinga", "b1", "FDA approves Acme migraine drug", minutes=5)
        placed = assign_events([], [a, b], window=WINDOW, threshold=0.6)
        assert placed[0].event_id == placed[1].event_id == event_id_for(a)

    def test_window_boundary(self):
        a = replace(story("newsapi", "n1", "FDA approves Acme's migraine drug"), event_id=None)
        at_edge = story("benzinga", "b1", "FDA approves Acme migraine drug", minutes=240)
        past_edge = story("benzinga", "b2", "FDA approves Acme migraine drug", minutes=240.5)
        placed = assign_events([], [a, at_edge], window=WINDOW, threshold=0.6)
        assert placed[0].event_id == placed[1].event_id
        placed = assign_events([], [a, past_edge], window=WINDOW, threshold=0.6)
        assert placed[0].event_id != placed[1].event_id

    def test_other_symbol_never_merges(self):
        a = story("newsapi", "n1", "FDA approves migraine drug", symbol="ACME")
        b = story("benzinga", "b1", "FDA approves migraine drug", symbol="BETA")
        placed = assign_events([], [a, b], window=WINDOW, threshold=0.6)
        assert placed[0].event_id != placed[1].event_id

    def test_joins_a_stored_event_and_drops_what_is_already_stored(self):
        stored = replace(story("replay", "r1", "FDA approves Acme's migraine drug"), event_id=event_id_for(
            story("replay", "r1", "x")))
        again = story("replay", "r1", "FDA approves Acme's migraine drug")
        new = story("sec_edgar", "s1", "Acme files 8-K: FDA approves migraine drug", minutes=30)
        placed = assign_events([stored], [again, new], window=WINDOW, threshold=0.6)
        assert [p.source_id for p in placed] == ["s1"]
        assert placed[0].event_id == stored.event_id

    def test_best_match_wins(self):
        e1 = replace(story("replay", "r1", "Acme beats estimates, raises outlook"), event_id=event_id_for(
            story("replay", "r1", "")))
        e2 = replace(story("replay", "r2", "FDA approves Acme's migraine drug", minutes=1),
                     event_id=event_id_for(story("replay", "r2", "")))
        new = story("benzinga", "b1", "Acme migraine drug approved by FDA", minutes=2)
        placed = assign_events([e1, e2], [new], window=WINDOW, threshold=0.5)
        assert placed[0].event_id == e2.event_id

    def test_event_ids_are_deterministic(self):
        a = story("newsapi", "n1", "FDA approves Acme's migraine drug")
        assert assign_events([], [a], window=WINDOW, threshold=0.6)[0].event_id == \
            assign_events([], [a], window=WINDOW, threshold=0.6)[0].event_id


class TestBuildEvent:
    def test_strength_grows_with_independent_sources(self):
        lone = build_event([story("newsapi", "n1", "FDA approves Acme drug")], RELIABILITY)
        both = build_event([story("newsapi", "n1", "FDA approves Acme drug"),
                            story("benzinga", "b1", "FDA approves Acme drug", minutes=3)], RELIABILITY)
        assert lone.catalyst_strength == pytest.approx(0.9 * 0.6)
        assert both.catalyst_strength == pytest.approx(0.9 * 0.96)
        assert both.reliability == pytest.approx(0.96)
        assert both.sources == ["benzinga", "newsapi"]

    def test_lead_story_is_the_most_reliable_and_time_is_the_first(self):
        event = build_event([story("newsapi", "n1", "Acme drug okayed", minutes=0),
                             story("sec_edgar", "s1", "Acme files 8-K: FDA approval", minutes=10)], RELIABILITY)
        assert event.headline == "Acme files 8-K: FDA approval"
        assert event.published_at == T0

    def test_typed_story_beats_other(self):
        event = build_event([story("sec_edgar", "s1", "Acme files 8-K", catalyst=CatalystType.OTHER, score=0.0),
                             story("newsapi", "n1", "FDA approves Acme drug")], RELIABILITY)
        assert event.catalyst_type is CatalystType.FDA

    def test_sentiment_is_reliability_weighted(self):
        event = build_event([story("newsapi", "n1", "h", sentiment=-0.5),
                             story("benzinga", "b1", "h", sentiment=1.0)], RELIABILITY)
        assert event.sentiment_score == pytest.approx((0.6 * -0.5 + 0.9 * 1.0) / 1.5)
        assert event.sentiment_label is SentimentLabel.POSITIVE

    def test_unknown_source_gets_the_default_reliability(self):
        assert build_event([story("webhook", "w1", "FDA approves Acme drug")], RELIABILITY).reliability == 0.5

    def test_no_story(self):
        with pytest.raises(ValueError, match="at least one"):
            build_event([], RELIABILITY)

    def test_build_events_groups_and_orders_newest_first(self):
        a = replace(story("replay", "r1", "old"), event_id=event_id_for(story("replay", "r1", "")))
        b = replace(story("replay", "r2", "new", minutes=60), event_id=event_id_for(story("replay", "r2", "")))
        c = replace(story("newsapi", "n2", "new too", minutes=61), event_id=b.event_id)
        events = build_events([a, b, c], RELIABILITY)
        assert [len(e.stories) for e in events] == [2, 1]


def test_one_shared_word_is_no_evidence():
    assert headline_similarity("Acme rallies", "Acme slumps") == 0.0
    assert headline_similarity("Acme beats", "Acme beats") == 1.0
