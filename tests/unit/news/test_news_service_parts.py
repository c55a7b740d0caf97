"""Pure parts of the service: the per-symbol catalyst summary. (The per-source breaker is
``catalyst.resilience.CircuitBreaker``, tested in tests/unit/resilience/test_breaker.py.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from catalyst.domain.news import CatalystType, NewsEvent, SentimentLabel, StoryRef
from catalyst.news.service import summarise

T0 = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)


def event(strength: float, sentiment: float, minutes: int = 0) -> NewsEvent:
    ts = T0 + timedelta(minutes=minutes)
    return NewsEvent(event_id=uuid4(), symbol="ACME", headline="h", published_at=ts,
                     catalyst_type=CatalystType.FDA, catalyst_strength=strength, sentiment_score=sentiment,
                     sentiment_label=SentimentLabel.NEUTRAL, reliability=0.9, sources=["replay"],
                     stories=[StoryRef(source="replay", source_id="x", headline="h", published_at=ts)])


def test_summary_picks_the_strongest_and_weights_sentiment_by_strength():
    got = summarise("ACME", [event(0.8, 1.0), event(0.4, -1.0, 5), event(0.1, -1.0)], min_strength=0.4)
    assert got is not None
    assert got.max_strength == 0.8
    assert got.event_count == 2  # 0.1 is under min_strength; 0.4 is exactly at it and counts
    assert got.mean_sentiment == pytest.approx((0.8 - 0.4) / 1.2, abs=1e-4)


def test_summary_of_nothing_qualifying_is_none():
    assert summarise("ACME", [event(0.39, 1.0)], min_strength=0.4) is None
    assert summarise("ACME", [], min_strength=0.0) is None


def test_zero_strength_events_average_plainly():
    got = summarise("ACME", [event(0.0, 0.5), event(0.0, -0.1, 1)], min_strength=0.0)
    assert got is not None
    assert got.mean_sentiment == pytest.approx(0.2)
