"""News service settings: the pipeline's knobs, its sources and its sentiment (offline defaults).

A section of its own, like every other service's; the shared ``Settings`` are read apart."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from catalyst.config import Section
from catalyst.news.sentiment.config import SentimentSettings
from catalyst.news_sources.base import NewsSourceSettings


class NewsSettings(Section):
    lookback_hours: float = Field(72.0, alias="NEWS_LOOKBACK_HOURS", gt=0,
                                  description="Default window when a request gives no since")
    merge_window_minutes: float = Field(240.0, alias="NEWS_MERGE_WINDOW_MINUTES", ge=0,
                                        description="Stories further apart are never one event")
    merge_similarity: float = Field(0.6, alias="NEWS_MERGE_SIMILARITY", gt=0, le=1)
    publish_threshold: float = Field(0.7, alias="NEWS_PUBLISH_THRESHOLD", ge=0, le=1,
                                     description="Events stronger than this go out on catalyst:news_catalyst")
    max_clock_skew_s: float = Field(60.0, alias="NEWS_MAX_CLOCK_SKEW", ge=0,
                                    description="How far in the future a pushed item may be dated")
    source_deadline_s: float = Field(10.0, alias="NEWS_SOURCE_DEADLINE", gt=0,
                                     description="Time a source gets per request, retries included")
    source_breaker_failures: int = Field(3, alias="NEWS_SOURCE_BREAKER_FAILURES", ge=1,
                                         description="Consecutive failures that take a source out")
    source_breaker_recovery_s: float = Field(60.0, alias="NEWS_SOURCE_BREAKER_RECOVERY", gt=0)
    max_events: int = Field(200, alias="NEWS_MAX_EVENTS", ge=1, le=5000, description="Per symbol and response")

    source_settings: NewsSourceSettings = Field(default_factory=NewsSourceSettings)
    sentiment_settings: SentimentSettings = Field(default_factory=SentimentSettings)

    @property
    def lookback(self) -> timedelta:
        return timedelta(hours=self.lookback_hours)

    @property
    def merge_window(self) -> timedelta:
        return timedelta(minutes=self.merge_window_minutes)

    @property
    def max_skew(self) -> timedelta:
        return timedelta(seconds=self.max_clock_skew_s)
