"""What the news pipeline produces: a scored story per (symbol, source story), merged into events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

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


class StoryRef(BaseModel):
    source: str
    source_id: str
    headline: str
    url: str | None = None
    published_at: AwareDatetime


class NewsEvent(BaseModel):
    """One story as reported by one or more sources, about one symbol."""

    event_id: UUID
    symbol: str
    headline: str = Field(description="From the most reliable source that carried it")
    summary: str = ""
    url: str | None = None
    published_at: AwareDatetime = Field(description="When the first source published it")
    catalyst_type: CatalystType
    catalyst_strength: float = Field(ge=0, le=1, description="Pattern evidence weighed by source reliability")
    sentiment_score: float = Field(ge=-1, le=1)
    sentiment_label: SentimentLabel
    reliability: float = Field(ge=0, le=1, description="Chance at least one reporting source is right")
    sources: list[str]
    stories: list[StoryRef]
