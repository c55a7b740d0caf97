"""Which sentiment backend runs (``SENTIMENT_BACKEND``): the offline lexicon by default, or FinBERT."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from catalyst.config import Section
from catalyst.news.sentiment.base import SentimentScorer


class SentimentSettings(Section):
    backend: Literal["lexicon", "finbert"] = Field("lexicon", alias="SENTIMENT_BACKEND")
    finbert_model: str = Field("ProsusAI/finbert", alias="FINBERT_MODEL",
                               description="Model directory, or a hub id already in the local HF cache")
    batch_size: int = Field(32, alias="FINBERT_BATCH_SIZE", ge=1, le=512)
    max_length: int = Field(64, alias="FINBERT_MAX_LENGTH", ge=8, le=512, description="Tokens per headline")
    torch_threads: int | None = Field(None, alias="SENTIMENT_TORCH_THREADS", ge=1)


def build_scorer(settings: SentimentSettings) -> SentimentScorer:
    """The configured backend; FinBERT raises FinbertUnavailable when its model is not on disk."""
    if settings.backend == "finbert":
        from catalyst.news.sentiment.finbert import FinbertSentimentScorer

        return FinbertSentimentScorer(settings.finbert_model, batch_size=settings.batch_size,
                                      max_length=settings.max_length, torch_threads=settings.torch_threads)
    from catalyst.news.sentiment.lexicon import LexiconSentimentScorer

    return LexiconSentimentScorer()
