"""What the news pipeline works on: a scored story per (symbol, source story), before merging.

The merged ``NewsEvent`` the News contract serves is in ``catalyst.domain.news``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from catalyst.domain.news import CatalystType, SentimentLabel


@dataclass(frozen=True, slots=True)
class ScoredStory:
    """One source's story about one symbol, classified and scored (a ``news_sentiment`` row)."""

    symbol: str
    source: str
    source_id: str
    headline: str
    summary: str
    url: str | None
    published_at: datetime
    catalyst_type: CatalystType
    catalyst_score: float
    sentiment_score: float
    sentiment_label: SentimentLabel
    event_id: UUID | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return self.symbol, self.source, self.source_id
