"""News items as they come from any source, the catalyst vocabulary, and the merged events served."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field, field_validator


class CatalystType(StrEnum):
    EARNINGS_BEAT = "earnings_beat"
    EARNINGS_MISS = "earnings_miss"
    GUIDANCE = "guidance"
    FDA = "fda"
    MERGER_ACQUISITION = "merger_acquisition"
    ANALYST_UPGRADE = "analyst_upgrade"
    ANALYST_DOWNGRADE = "analyst_downgrade"
    CONTRACT_WIN = "contract_win"
    OFFERING_DILUTION = "offering_dilution"
    LEGAL_REGULATORY = "legal_regulatory"
    MANAGEMENT_CHANGE = "management_change"
    OTHER = "other"


class SentimentLabel(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    NEUTRAL = "neutral"


# How far each source is trusted to report a story correctly (0..1). SEC filings are the
# company's own word; Benzinga and Alpaca (which redistributes Benzinga) are curated newswires;
# NewsAPI aggregates general media; pushed items come from whoever holds a service key.
DEFAULT_RELIABILITY: dict[str, float] = {
    "sec_edgar": 0.95,
    "benzinga": 0.9,
    "alpaca": 0.85,
    "replay": 0.9,
    "newsapi": 0.6,
    "push": 0.7,
}
UNKNOWN_SOURCE_RELIABILITY = 0.5


def reliability_of(source: str, table: dict[str, float]) -> float:
    """A source's weight in a merged event: its configured reliability, else the unknown-source one."""
    return table.get(source, UNKNOWN_SOURCE_RELIABILITY)


class NewsItem(BaseModel):
    """A story as one source reported it (before merging across sources)."""

    source: str = Field(description="alpaca, newsapi, benzinga, sec_edgar, replay, push …")
    source_id: str = Field(description="The source's own id of the story")
    symbols: list[str] = Field(min_length=1)
    headline: str = Field(min_length=1)
    summary: str = ""
    url: str | None = None
    published_at: AwareDatetime

    @field_validator("source_id", "headline", "summary", "url", mode="before")
    @classmethod
    def _drop_nul(cls, value: object) -> object:
        """Text from outside may carry NUL, which PostgreSQL text cannot hold: one bad byte in a
        feed must not fail the whole batch's insert, so it is dropped here, once, for every source."""
        return value.replace("\x00", "") if isinstance(value, str) else value


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
