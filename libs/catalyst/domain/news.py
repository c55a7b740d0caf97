"""News items as they come from any source, and the catalyst vocabulary."""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, Field


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


class NewsItem(BaseModel):
    """A story as one source reported it (before merging across sources)."""

    source: str = Field(description="alpaca, newsapi, benzinga, sec_edgar, replay, push …")
    source_id: str = Field(description="The source's own id of the story")
    symbols: list[str] = Field(min_length=1)
    headline: str = Field(min_length=1)
    summary: str = ""
    url: str | None = None
    published_at: AwareDatetime
