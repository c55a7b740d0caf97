"""Calibrate the lexicon scorer's weights and neutral threshold on a hand-labelled table.

Grid search (deterministic) over the LM and VADER weights relative to the finance lexicon's, and
over the raw-score threshold of the neutral band, maximising agreement with the hand labels.
Run ``python -m catalyst.news.calibrate_sentiment <table.csv>`` to print the weights (to paste into
:data:`catalyst.news.sentiment.lexicon.DEFAULT_WEIGHTS`) with in-sample and cross-validated agreement.

A tool over the scorers and the labelled table (``catalyst.news.evaluation``), so it sits beside
that module rather than inside ``catalyst.news.sentiment``, which the table's code imports.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from catalyst.domain.news import SentimentLabel
from catalyst.news.evaluation import LabelledHeadline, load_labelled
from catalyst.news.sentiment.lexicon import Lexicon, LexiconWeights, lexicon_features, load_lexicon

WEIGHT_GRID = np.round(np.arange(0.0, 1.0001, 0.05), 2)
THRESHOLD_GRID = np.round(np.arange(0.05, 3.0001, 0.05), 2)
_SIGN = {SentimentLabel.POSITIVE: 1, SentimentLabel.NEGATIVE: -1, SentimentLabel.NEUTRAL: 0}

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Calibration:
    weights: LexiconWeights
    agreement: float  # on the rows it was fitted to


def feature_matrix(rows: Sequence[LabelledHeadline], lexicon: Lexicon | None = None) -> tuple[FloatArray, IntArray]:
    lex = lexicon or load_lexicon()
    features = np.array([lexicon_features(r.headline, lex) for r in rows], dtype=np.float64).reshape(-1, 3)
    labels = np.array([_SIGN[r.sentiment] for r in rows], dtype=np.int64)
    return features, labels


def _agreement(raw: FloatArray, labels: IntArray, thresholds: FloatArray) -> FloatArray:
    """Agreement for every threshold at once: shape (len(thresholds),)."""
    t = thresholds[:, None]
    predicted = np.where(raw[None, :] > t, 1, np.where(raw[None, :] < -t, -1, 0))
    result: FloatArray = (predicted == labels[None, :]).mean(axis=1)
    return result


def calibrate(features: FloatArray, labels: IntArray) -> Calibration:
    """Best (lm, vader, threshold) with the finance weight fixed at 1; ties keep the first in grid order."""
    if len(labels) == 0:
        raise ValueError("no rows to calibrate on")
    best = (-1.0, 0.0, 0.0, float(THRESHOLD_GRID[0]))
    for lm in WEIGHT_GRID:
        for vader in WEIGHT_GRID:
            raw = lm * features[:, 0] + vader * features[:, 1] + features[:, 2]
            scores = _agreement(raw, labels, THRESHOLD_GRID)
            k = int(np.argmax(scores))
            if scores[k] > best[0]:
                best = (float(scores[k]), float(lm), float(vader), float(THRESHOLD_GRID[k]))
    agreement, lm_w, vader_w, threshold = best
    return Calibration(LexiconWeights(lm=lm_w, vader=vader_w, finance=1.0, threshold=threshold), agreement)


def agreement_of(weights: LexiconWeights, features: FloatArray, labels: IntArray) -> float:
    raw = weights.lm * features[:, 0] + weights.vader * features[:, 1] + weights.finance * features[:, 2]
    return float(_agreement(raw, labels, np.array([weights.threshold]))[0])


def cross_validated_agreement(features: FloatArray, labels: IntArray, folds: int = 5, seed: int = 0) -> float:
    """Agreement on rows the weights were not fitted to (k-fold, shuffled with ``seed``)."""
    if folds < 2 or folds > len(labels):
        raise ValueError("folds must be in 2..len(rows)")
    order = np.random.default_rng(seed).permutation(len(labels))
    hits = 0
    for part in np.array_split(order, folds):
        train = np.setdiff1d(order, part)
        fitted = calibrate(features[train], labels[train]).weights
        hits += round(agreement_of(fitted, features[part], labels[part]) * len(part))
    return hits / len(labels)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Calibrate the lexicon sentiment scorer on a labelled table")
    parser.add_argument("table", type=Path)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    rows = load_labelled(args.table)
    features, labels = feature_matrix(rows)
    result = calibrate(features, labels)
    print(f"weights: {result.weights}")
    print(f"in-sample agreement: {result.agreement:.3f} on {len(rows)} rows")
    print(f"{args.folds}-fold cross-validated agreement: "
          f"{cross_validated_agreement(features, labels, args.folds):.3f}")


if __name__ == "__main__":
    main()
