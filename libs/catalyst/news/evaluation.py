"""The hand-labelled headline table and the figures measured on it (classifier accuracy, sentiment agreement)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from catalyst.domain.news import CatalystType, SentimentLabel
from catalyst.news.classify import classify
from catalyst.news.sentiment.base import SentimentScorer


@dataclass(frozen=True, slots=True)
class LabelledHeadline:
    headline: str
    catalyst_type: CatalystType
    sentiment: SentimentLabel
    split: str  # dev (rules written against it), holdout, blind (see docs/news.md)


def load_labelled(path: Path) -> list[LabelledHeadline]:
    """Rows of a ``headline,catalyst_type,sentiment,split`` CSV; unknown labels raise ValueError."""
    with path.open(newline="", encoding="utf-8") as fh:
        return [
            LabelledHeadline(row["headline"], CatalystType(row["catalyst_type"]), SentimentLabel(row["sentiment"]),
                             row.get("split") or "dev")
            for row in csv.DictReader(fh)
        ]


def classifier_accuracy(rows: Sequence[LabelledHeadline]) -> float:
    """Share of rows whose predicted catalyst type equals the hand label."""
    if not rows:
        raise ValueError("no rows")
    return sum(classify(r.headline).catalyst_type is r.catalyst_type for r in rows) / len(rows)


def sentiment_agreement(scorer: SentimentScorer, rows: Sequence[LabelledHeadline]) -> float:
    """Share of rows whose predicted sentiment label equals the hand label."""
    if not rows:
        raise ValueError("no rows")
    scores = scorer.score_batch([r.headline for r in rows])
    return sum(s.label is r.sentiment for s, r in zip(scores, rows, strict=True)) / len(rows)


def by_split(rows: Iterable[LabelledHeadline]) -> dict[str, list[LabelledHeadline]]:
    out: dict[str, list[LabelledHeadline]] = {}
    for row in rows:
        out.setdefault(row.split, []).append(row)
    return out
