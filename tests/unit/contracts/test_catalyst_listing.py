"""News' market-wide listing (``CatalystListing``): the batch summaries' figures as columns, row by
row; its bounds; no event after the window's end; no outside text."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from catalyst.contracts.news import MAX_LISTED_SYMBOLS, CatalystListing, MissingSource, NewsRoutes, SymbolCatalysts
from catalyst.domain.news import CatalystType, NewsEvent, SentimentLabel, StoryRef
from catalyst.orchestration.untrusted import OUTSIDE_FIELDS

UNTIL = datetime(2025, 3, 3, 15, tzinfo=UTC)
SINCE = UNTIL - timedelta(hours=24)


def summary(symbol: str, strength: float, sentiment: float, hours_ago: float, kind: CatalystType) -> SymbolCatalysts:
    at = UNTIL - timedelta(hours=hours_ago)
    headline = f"{symbol} headline"
    top = NewsEvent(event_id=uuid.uuid4(), symbol=symbol, headline=headline, summary="a summary",
                    url="https://news.test/1", published_at=at, catalyst_type=kind, catalyst_strength=strength,
                    sentiment_score=sentiment, sentiment_label=SentimentLabel.POSITIVE, reliability=0.9,
                    sources=["replay"], stories=[StoryRef(source="replay", source_id=symbol, headline=headline,
                                                          published_at=at)])
    return SymbolCatalysts(symbol=symbol, top=top, event_count=2, max_strength=strength, mean_sentiment=sentiment)


SUMMARIES = [summary("AAA", 0.9, 0.6, 2, CatalystType.FDA), summary("BB.B", 0.5, -0.25, 30, CatalystType.OTHER)]


def columns(**over: Any) -> dict[str, Any]:
    body = CatalystListing.of(SINCE, UNTIL, SUMMARIES).model_dump(mode="json")
    body.update(over)
    return body


def test_each_row_holds_its_summary_s_figures_in_order() -> None:
    listing = CatalystListing.model_validate_json(CatalystListing.of(SINCE, UNTIL, SUMMARIES).model_dump_json())
    rows = list(zip(listing.symbols, listing.event_ids, listing.catalyst_types, listing.published_at,
                    listing.max_strengths, listing.mean_sentiments, listing.event_counts, strict=True))
    assert rows == [(c.symbol, c.top.event_id, c.top.catalyst_type, c.top.published_at, c.max_strength,
                     c.mean_sentiment, c.event_count) for c in SUMMARIES]
    assert (listing.since, listing.until, listing.degraded) == (SINCE, UNTIL, False)


def test_the_route_answers_the_listing_and_no_outside_text() -> None:
    assert NewsRoutes.recent_catalysts.response is CatalystListing
    assert not set(CatalystListing.model_fields) & OUTSIDE_FIELDS
    text = CatalystListing.of(SINCE, UNTIL, SUMMARIES).model_dump_json()
    assert "headline" not in text
    assert "summary" not in text
    assert "news.test" not in text


@pytest.mark.parametrize(("field", "value"), [
    ("symbols", ["AAA"]),  # one short of the other columns
    ("symbols", ["AAA", "AAA"]),  # twice
    ("symbols", ["AAA", "bad symbol"]),
    ("symbols", ["AAA", "A" * 11]),
    ("max_strengths", [0.9, 1.01]),
    ("max_strengths", [0.9, float("nan")]),
    ("mean_sentiments", [0.6, -1.5]),
    ("event_counts", [2, 0]),
    ("catalyst_types", ["fda", "rumour"]),
    ("event_ids", ["not-a-uuid", str(uuid.uuid4())]),
    ("published_at", [UNTIL.isoformat(), "2025-03-03T14:00:00"]),  # no time zone
    ("until", "2025-03-03T15:00:00"),  # no time zone
    ("since", (UNTIL + timedelta(seconds=1)).isoformat()),
])
def test_a_listing_out_of_bounds_is_refused(field: str, value: Any) -> None:
    with pytest.raises(ValidationError):
        CatalystListing.model_validate(columns(**{field: value}))


def test_no_event_may_be_published_after_the_window_s_end() -> None:
    late = (UNTIL + timedelta(seconds=1)).isoformat()
    with pytest.raises(ValidationError, match="after until"):
        CatalystListing.model_validate(columns(published_at=[UNTIL.isoformat(), late]))
    early = (SINCE - timedelta(hours=1)).isoformat()  # an event whose first story is older than the window
    assert CatalystListing.model_validate(columns(published_at=[UNTIL.isoformat(), early])).published_at[0] == UNTIL


def test_the_listing_is_bounded_in_length() -> None:
    n = MAX_LISTED_SYMBOLS + 1
    too_long = {"symbols": [f"S{i}" for i in range(n)], "event_ids": [str(uuid.uuid4())] * n,
                "catalyst_types": ["other"] * n, "published_at": [UNTIL.isoformat()] * n,
                "max_strengths": [0.5] * n, "mean_sentiments": [0.0] * n, "event_counts": [1] * n}
    with pytest.raises(ValidationError, match="at most"):
        CatalystListing.model_validate(columns(**too_long))


def test_a_degraded_listing_names_its_missing_sources() -> None:
    listing = CatalystListing.of(SINCE, UNTIL, [], [MissingSource(source="benzinga", reason="timeout")])
    assert listing.degraded
    assert listing.symbols == []
