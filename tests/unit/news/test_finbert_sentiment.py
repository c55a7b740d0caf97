"""FinBERT backend: a tiny random BERT with FinBERT's labels (transformers 5: ``BertTokenizer`` is the
fast, tokenizers-backed one), saved to disk and loaded through the
production path (settings -> build_scorer -> transformers pipeline), with the hub switched off."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

from catalyst.domain.news import SentimentLabel
from catalyst.environment import read
from catalyst.news.sentiment.config import SentimentSettings, build_scorer
from catalyst.news.sentiment.finbert import FinbertSentimentScorer, FinbertUnavailable

FINBERT_ID2LABEL = {0: "positive", 1: "negative", 2: "neutral"}  # ProsusAI/finbert's order
WORDS = ["apple", "beats", "estimates", "misses", "fda", "approves", "rejects", "the", "a", "shares",
         "fall", "rise", "guidance", "raises", "cuts", "profit", "loss", "quarter", "record", "upgrade",
         "downgrade"]


def save_tiny_bert(directory: Path, id2label: dict[int, str], bias: list[float]) -> Path:
    vocab = directory / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]) + "\n")
    tokenizer = BertTokenizer(vocab_file=str(vocab))
    config = BertConfig(vocab_size=5 + len(WORDS), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=64,
                        id2label=id2label, label2id={v: k for k, v in id2label.items()})
    torch.manual_seed(0)
    model = BertForSequenceClassification(config)
    with torch.no_grad():
        model.classifier.bias.copy_(torch.tensor(bias))
    out = directory / "model"
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


@pytest.fixture(scope="module")
def tiny_finbert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # A strong positive bias makes "positive" the arg-max for any text, so labels are checkable.
    return save_tiny_bert(tmp_path_factory.mktemp("finbert"), FINBERT_ID2LABEL, [3.0, 0.0, 0.0])


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


def reference_scores(model_dir: Path, texts: list[str]) -> list[tuple[float, float, float]]:
    """p(positive), p(negative), p(neutral) computed directly with the model, not the pipeline."""
    tokenizer = BertTokenizer.from_pretrained(model_dir, local_files_only=True)
    model = BertForSequenceClassification.from_pretrained(model_dir, local_files_only=True)
    model.eval()  # type: ignore[no-untyped-call]
    with torch.no_grad():
        logits = model(**tokenizer(texts, return_tensors="pt", padding=True, truncation=True, max_length=64)).logits
    probs = torch.softmax(logits, dim=-1).tolist()
    return [(p[0], p[1], p[2]) for p in probs]


def test_loads_through_settings_and_scores_like_the_model(tiny_finbert, monkeypatch):
    monkeypatch.setenv("SENTIMENT_BACKEND", "finbert")
    monkeypatch.setenv("FINBERT_MODEL", str(tiny_finbert))
    scorer = build_scorer(read(SentimentSettings))
    assert isinstance(scorer, FinbertSentimentScorer)
    texts = ["Apple beats estimates", "FDA rejects the drug", "shares fall", "raises guidance", "record profit"] * 8
    scores = scorer.score_batch(texts)  # 40 texts: more than one batch of 32
    assert len(scores) == 40
    for got, (pos, neg, _neu) in zip(scores, reference_scores(tiny_finbert, texts), strict=True):
        assert got.score == pytest.approx(pos - neg, abs=1e-3)
        assert -1.0 <= got.score <= 1.0
        assert got.label is SentimentLabel.POSITIVE


def test_label_is_the_arg_max_whatever_the_label_order(tmp_path):
    # Same three labels in another order, biased towards "negative".
    model_dir = save_tiny_bert(tmp_path, {0: "neutral", 1: "negative", 2: "positive"}, [0.0, 4.0, 0.0])
    scores = FinbertSentimentScorer(str(model_dir)).score_batch(["Apple misses estimates", "cuts guidance"])
    assert [s.label for s in scores] == [SentimentLabel.NEGATIVE, SentimentLabel.NEGATIVE]
    assert all(s.score < 0 for s in scores)


def test_empty_batch(tiny_finbert):
    assert FinbertSentimentScorer(str(tiny_finbert)).score_batch([]) == []


def test_a_model_with_other_labels_is_refused(tmp_path):
    model_dir = save_tiny_bert(tmp_path, {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}, [0.0, 0.0, 0.0])
    with pytest.raises(FinbertUnavailable, match="labels"):
        FinbertSentimentScorer(str(model_dir))


def test_a_hub_id_not_in_the_local_cache_fails_without_downloading(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty-hf-home"))
    with pytest.raises(FinbertUnavailable, match="offline"):
        FinbertSentimentScorer("ProsusAI/finbert")


def test_lexicon_is_the_default_backend(monkeypatch):
    monkeypatch.delenv("SENTIMENT_BACKEND", raising=False)
    assert build_scorer(SentimentSettings()).name == "lexicon"
