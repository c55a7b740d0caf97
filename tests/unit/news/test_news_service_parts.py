"""Pure parts of the service: the per-source breaker and the per-symbol catalyst summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from catalyst.domain.news import CatalystType, NewsEvent, SentimentLabel, StoryRef
from catalyst.news.service import SourceBreaker, summarise

T0 = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_breaker_opens_after_consecutive_failures_and_half_opens_after_recovery():
    clock = FakeTime()
    breaker = SourceBreaker(failures=3, recovery_s=60, clock=clock)
    breaker.record(ok=False)
    breaker.record(ok=False)
    assert breaker.allow()
    breaker.record(ok=True)  # a success resets the count
    for _ in range(3):
        breaker.record(ok=False)
    assert not breaker.allow()
    clock.now = 59.999
    assert not breaker.allow()
    clock.now = 60.0
    assert breaker.allow()  # one trial call
    breaker.record(ok=False)
    assert not breaker.allow()  # failed trial: open again


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
