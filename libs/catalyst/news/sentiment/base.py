"""One interface for every sentiment backend: a batch of texts in, a score in −1..+1 and a label out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from catalyst.domain.news import SentimentLabel

# |score| below this is neutral for backends that produce a continuous score (the lexicon);
# FinBERT labels by its own arg-max.
NEUTRAL_BAND = 0.2


@dataclass(frozen=True, slots=True)
class SentimentScore:
    score: float  # −1 (negative) .. +1 (positive)
    label: SentimentLabel


def label_for(score: float, band: float = NEUTRAL_BAND) -> SentimentLabel:
    """Label of a continuous score; exactly ``±band`` is still neutral."""
    if score > band:
        return SentimentLabel.POSITIVE
    if score < -band:
        return SentimentLabel.NEGATIVE
    return SentimentLabel.NEUTRAL


@runtime_checkable
class SentimentScorer(Protocol):
    """Scores headlines; CPU-bound, so async callers run it in a worker thread."""

    @property
    def name(self) -> str: ...

    def score_batch(self, texts: Sequence[str]) -> list[SentimentScore]: ...
