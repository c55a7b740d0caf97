"""FinBERT sentiment through a transformers text-classification pipeline, offline, on CPU.

The model is read from a directory or a hub id already in the local Hugging Face cache, with
``local_files_only=True``: the service never downloads at run time (put the model in place at
deploy time). The labels must be FinBERT's (positive, negative, neutral, in any order); the score
is p(positive) − p(negative) and the label is the most probable class.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from catalyst.domain.news import SentimentLabel
from catalyst.logging import get_logger
from catalyst.news.sentiment.base import SentimentScore

log = get_logger(__name__)

FINBERT_LABELS = frozenset(label.value for label in SentimentLabel)


class FinbertUnavailable(RuntimeError):
    """The configured model cannot be loaded offline, or is not a three-label sentiment model."""


class FinbertSentimentScorer:
    name = "finbert"

    def __init__(self, model: str, *, batch_size: int = 32, max_length: int = 64, torch_threads: int | None = None):
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline
        from transformers.utils import logging as hf_logging

        if torch_threads is not None:
            torch.set_num_threads(torch_threads)
        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        try:
            tokenizer = AutoTokenizer.from_pretrained(model, local_files_only=True)
            classifier = AutoModelForSequenceClassification.from_pretrained(model, local_files_only=True)
        except (OSError, ValueError) as exc:
            raise FinbertUnavailable(f"cannot load sentiment model {model!r} offline: {exc}") from exc
        labels = {str(v).lower() for v in classifier.config.id2label.values()}
        if labels != FINBERT_LABELS:
            raise FinbertUnavailable(f"model {model!r} has labels {sorted(labels)}, expected {sorted(FINBERT_LABELS)}")
        classifier.eval()
        self._pipe = pipeline("text-classification", model=classifier, tokenizer=tokenizer, device="cpu", top_k=None)
        self._batch_size = batch_size
        self._max_length = max_length
        self.model = model
        log.info("finbert_loaded", model=model, parameters=sum(p.numel() for p in classifier.parameters()))

    def score_batch(self, texts: Sequence[str]) -> list[SentimentScore]:
        if not texts:
            return []
        outputs: list[Any] = self._pipe(list(texts), batch_size=self._batch_size, truncation=True,
                                        max_length=self._max_length)
        return [_score_of(per_label) for per_label in outputs]


def _score_of(per_label: Sequence[dict[str, Any]]) -> SentimentScore:
    probs = {str(d["label"]).lower(): float(d["score"]) for d in per_label}
    score = max(-1.0, min(1.0, probs["positive"] - probs["negative"]))
    label = SentimentLabel(max(probs, key=lambda k: probs[k]))
    return SentimentScore(round(score, 4), label)
