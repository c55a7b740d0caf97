"""News sentiment throughput: the offline lexicon scorer and a BERT-base-sized FinBERT stand-in.

- Lexicon: ``LexiconSentimentScorer.score_batch`` over the 235 hand-labelled headlines and the
  replay universe's 520 stories, repeated to 100,000 headlines; best of three runs.
- Pipeline: the same headlines through classification + sentiment + per-symbol expansion
  (``catalyst.news.pipeline.score_items``), what the service runs per stored item.
- BERT-base: ``BertConfig()`` defaults (768 hidden, 12 layers, 12 heads, 30,522-token vocabulary)
  with random weights and FinBERT's three labels, saved to a temporary directory and loaded through
  the production class (``FinbertSentimentScorer``, transformers text-classification pipeline, CPU,
  torch threads = 2), scoring batches of 32 short headlines after one warm-up batch.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from catalyst.domain.news import NewsItem
from catalyst.news.evaluation import load_labelled
from catalyst.news.pipeline import score_items
from catalyst.news.sentiment.lexicon import LexiconSentimentScorer, load_lexicon
from catalyst.synthetic.universe import replay_news

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "tests" / "unit" / "news" / "labelled_headlines.csv"
LEXICON_N = 100_000
PIPELINE_N = 20_000
BERT_BATCH = 32
BERT_BATCHES = 4
TORCH_THREADS = 2
LEXICON_TARGET = 20_000


def _headlines() -> list[str]:
    return [r.headline for r in load_labelled(TABLE)] + [i.headline for i in replay_news()]


def _best_rate(n: int, work: object) -> float:
    rates = []
    for _ in range(3):
        started = time.perf_counter()
        work()  # type: ignore[operator]
        rates.append(n / (time.perf_counter() - started))
    return max(rates)


def _bert_rate(headlines: list[str]) -> tuple[float, float, int]:
    """(headlines/s, median ms per batch of 32, parameter count) for a random BERT-base."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer
    from transformers.utils import logging as hf_logging

    from catalyst.news.sentiment.finbert import FinbertSentimentScorer

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    torch.manual_seed(0)
    config = BertConfig(id2label={0: "positive", 1: "negative", 2: "neutral"},
                        label2id={"positive": 0, "negative": 1, "neutral": 2})
    words = sorted({w for h in headlines for w in h.lower().replace(",", " ").split()})
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab = (specials + words)[: config.vocab_size]
    vocab += [f"[unused{i}]" for i in range(config.vocab_size - len(vocab))]
    with tempfile.TemporaryDirectory(prefix="bench-news-bert-") as tmp:
        vocab_file = Path(tmp) / "vocab.txt"
        vocab_file.write_text("\n".join(vocab) + "\n")
        model = BertForSequenceClassification(config)
        parameters = sum(p.numel() for p in model.parameters())
        model.save_pretrained(Path(tmp) / "model")
        BertTokenizer(vocab_file=str(vocab_file)).save_pretrained(Path(tmp) / "model")
        del model
        scorer = FinbertSentimentScorer(str(Path(tmp) / "model"), batch_size=BERT_BATCH, torch_threads=TORCH_THREADS)
        batches = [headlines[i * BERT_BATCH:(i + 1) * BERT_BATCH] for i in range(BERT_BATCHES + 1)]
        scorer.score_batch(batches[0])  # warm-up
        times = []
        for batch in batches[1:]:
            started = time.perf_counter()
            scorer.score_batch(batch)
            times.append(time.perf_counter() - started)
    return BERT_BATCH * len(times) / sum(times), statistics.median(times) * 1000, parameters


def run() -> str:
    headlines = _headlines()
    load_lexicon()
    scorer = LexiconSentimentScorer()
    texts = (headlines * (LEXICON_N // len(headlines) + 1))[:LEXICON_N]
    lexicon_rate = _best_rate(LEXICON_N, lambda: scorer.score_batch(texts))

    items = [NewsItem(source="bench", source_id=str(i), symbols=["ACME"], headline=h,
                      published_at="2025-03-03T12:00:00Z")
             for i, h in enumerate((headlines * (PIPELINE_N // len(headlines) + 1))[:PIPELINE_N])]
    pipeline_rate = _best_rate(PIPELINE_N, lambda: score_items(items, scorer))

    bert_rate, bert_batch_ms, parameters = _bert_rate(headlines)
    verdict = "met" if lexicon_rate >= LEXICON_TARGET else "NOT met"
    return f"""## News sentiment throughput

Command: `make bench` (module `bench/bench_news.py`; alone: `python -m bench news`).

| Measure | Figure | Target |
|---|---|---|
| Lexicon scorer (LM + VADER + finance terms), headlines/s | {lexicon_rate:,.0f} | ≥ {LEXICON_TARGET:,} ({verdict}) |
| Classification + lexicon sentiment + expansion (`score_items`), headlines/s | {pipeline_rate:,.0f} | — |
| BERT-base classifier ({parameters / 1e6:.0f} M parameters, random weights, FinBERT labels), \
batches of {BERT_BATCH}, headlines/s | {bert_rate:,.1f} | reported |
| BERT-base, median time per batch of {BERT_BATCH} | {bert_batch_ms:,.0f} ms | — |

Lexicon figures are the best of three runs over {LEXICON_N:,} headlines ({len(headlines)} distinct: the
hand-labelled table and the replay universe's stories). The BERT figure is {BERT_BATCHES} timed batches after
one warm-up, loaded through the production `FinbertSentimentScorer` (transformers text-classification
pipeline, CPU, torch threads = {TORCH_THREADS}, max 64 tokens). Measured on a shared 2-core machine while
other work may be running: treat the figures as lower bounds.
"""
