"""Merging the same story reported by several sources into one event.

Two stories are the same event when they are about the same symbol, were published within the
merge window of each other, and their headlines share enough content words (overlap coefficient:
shared words over the shorter headline's words, so "Apple beats Q3 estimates" matches
"Apple Inc beats Q3 estimates as iPhone sales rise"). An event's strength is its best story's
pattern evidence weighed by the combined reliability of the distinct sources that carried it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from uuid import UUID, uuid5

from catalyst.domain.news import CatalystType, NewsEvent, SentimentLabel, StoryRef, reliability_of
from catalyst.news.classify import CatalystMatch, catalyst_strength, combined_reliability
from catalyst.news.models import ScoredStory
from catalyst.news.sentiment.base import label_for

MIN_SHARED_WORDS = 2
EVENT_NAMESPACE = UUID("6f1c1f8e-3b5a-4c1e-9a57-8f2f0c6d9b10")
_WORD = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")
STOPWORDS = frozenset({
    "a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "at", "by", "with", "as", "from", "its", "it",
    "is", "are", "be", "after", "says", "said", "inc", "corp", "co", "ltd", "plc", "company", "shares", "stock",
    "reports", "report", "announces", "update", "s",
})


def content_words(headline: str) -> frozenset[str]:
    """Lower-cased words of a headline without stop words and trailing plural s."""
    words = set()
    for w in _WORD.findall(headline.lower()):
        if w in STOPWORDS:
            continue
        words.add(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w)
    return frozenset(words)


def headline_similarity(a: str, b: str) -> float:
    """Overlap coefficient of content words, 0..1 (1 when one headline's words are within the other's).

    A single shared word (usually the company's name, common to every story about it) counts as 0.
    """
    wa, wb = content_words(a), content_words(b)
    shared = len(wa & wb)
    if shared < MIN_SHARED_WORDS:
        return 0.0
    return shared / min(len(wa), len(wb))


def event_id_for(story: ScoredStory) -> UUID:
    """Deterministic id of the event a story starts, so re-ingesting it yields the same event."""
    return uuid5(EVENT_NAMESPACE, "|".join(story.key))


def assign_events(existing: Sequence[ScoredStory], incoming: Sequence[ScoredStory], *, window: timedelta,
                  threshold: float) -> list[ScoredStory]:
    """``incoming`` stories with their event ids; stories already stored (same key) are dropped.

    Existing stories must carry their event id. Incoming ones join the most similar story of
    the same symbol within ``window`` (similarity ≥ ``threshold``), else start an event.
    """
    known = {s.key for s in existing}
    pool: dict[str, list[ScoredStory]] = {}
    for story in existing:
        pool.setdefault(story.symbol, []).append(story)
    assigned: list[ScoredStory] = []
    for story in sorted(incoming, key=lambda s: (s.published_at, s.source, s.source_id)):
        if story.key in known:
            continue
        known.add(story.key)
        best: tuple[float, UUID] | None = None
        for other in pool.get(story.symbol, ()):
            if abs(other.published_at - story.published_at) > window or other.event_id is None:
                continue
            score = headline_similarity(story.headline, other.headline)
            if score >= threshold and (best is None or score > best[0]):
                best = (score, other.event_id)
        placed = replace(story, event_id=best[1] if best else event_id_for(story))
        pool.setdefault(story.symbol, []).append(placed)
        assigned.append(placed)
    return assigned


def build_event(stories: Sequence[ScoredStory], reliability: Mapping[str, float]) -> NewsEvent:
    """The event of stories sharing one event id (at least one story)."""
    if not stories:
        raise ValueError("an event needs at least one story")
    table = dict(reliability)
    ordered = sorted(stories, key=lambda s: (s.published_at, s.source, s.source_id))
    weight = {s.source: reliability_of(s.source, table) for s in ordered}
    lead = max(ordered, key=lambda s: (weight[s.source], -s.published_at.timestamp()))
    typed = [s for s in ordered if s.catalyst_type is not CatalystType.OTHER] or list(ordered)
    best = max(typed, key=lambda s: (s.catalyst_score * weight[s.source], weight[s.source]))
    sources = sorted(weight)
    strength = catalyst_strength(CatalystMatch(best.catalyst_type, best.catalyst_score, ()),
                                 [weight[s] for s in sources])
    sentiment, label = _event_sentiment(ordered, weight)
    return NewsEvent(
        event_id=ordered[0].event_id or event_id_for(ordered[0]),
        symbol=ordered[0].symbol,
        headline=lead.headline,
        summary=lead.summary,
        url=lead.url,
        published_at=ordered[0].published_at,
        catalyst_type=best.catalyst_type,
        catalyst_strength=strength,
        sentiment_score=sentiment,
        sentiment_label=label,
        reliability=round(combined_reliability([weight[s] for s in sources]), 4),
        sources=sources,
        stories=[StoryRef(source=s.source, source_id=s.source_id, headline=s.headline, url=s.url,
                          published_at=s.published_at) for s in ordered],
    )


def _event_sentiment(stories: Sequence[ScoredStory], weight: Mapping[str, float]) -> tuple[float, SentimentLabel]:
    """Reliability-weighted mean score; a lone story keeps its backend's own label."""
    if len(stories) == 1:
        return stories[0].sentiment_score, stories[0].sentiment_label
    total = sum(weight[s.source] for s in stories)
    if total <= 0:
        score = sum(s.sentiment_score for s in stories) / len(stories)
    else:
        score = sum(s.sentiment_score * weight[s.source] for s in stories) / total
    score = round(max(-1.0, min(1.0, score)), 4)
    return score, label_for(score)


def build_events(stories: Sequence[ScoredStory], reliability: Mapping[str, float]) -> list[NewsEvent]:
    """Events of stories grouped by event id (stories without one stand alone), newest first."""
    groups: dict[UUID, list[ScoredStory]] = {}
    for story in stories:
        groups.setdefault(story.event_id or event_id_for(story), []).append(story)
    events = [build_event(group, reliability) for group in groups.values()]
    return sorted(events, key=lambda e: (e.published_at, e.event_id), reverse=True)
