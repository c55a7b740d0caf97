"""Lexicon sentiment: agreement with the hand labels, calibration, and the scoring rules."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from catalyst.domain.news import SentimentLabel
from catalyst.news.calibrate_sentiment import agreement_of, calibrate, cross_validated_agreement, feature_matrix
from catalyst.news.evaluation import by_split, load_labelled, sentiment_agreement
from catalyst.news.sentiment.base import NEUTRAL_BAND, label_for
from catalyst.news.sentiment.lexicon import (
    DEFAULT_WEIGHTS,
    LexiconSentimentScorer,
    LexiconWeights,
    lexicon_features,
    load_lexicon,
)

TABLE = Path(__file__).with_name("labelled_headlines.csv")
P, N, Z = SentimentLabel.POSITIVE, SentimentLabel.NEGATIVE, SentimentLabel.NEUTRAL


@pytest.fixture(scope="module")
def rows():
    return load_labelled(TABLE)


@pytest.fixture(scope="module")
def scorer():
    return LexiconSentimentScorer()


def test_lexicons_come_from_both_shipped_lists():
    entries = load_lexicon().entries
    assert entries["fraud"][0] == -1.0          # Loughran–McDonald negative
    assert entries["strong"][0] == 1.0           # Loughran–McDonald positive
    assert entries["fraud"][1] < 0                # VADER valence
    assert "shares" not in entries                 # VADER's "share" (+1.2) carries nothing in market news
    assert len(entries) > 5000


def test_agreement_with_hand_labels(rows, scorer):
    assert sentiment_agreement(scorer, rows) >= 0.8
    assert sentiment_agreement(scorer, by_split(rows)["blind"]) >= 0.8


def test_shipped_weights_are_what_calibration_finds(rows):
    features, labels = feature_matrix(rows)
    fitted = calibrate(features, labels)
    assert agreement_of(DEFAULT_WEIGHTS, features, labels) == pytest.approx(fitted.agreement)


def test_cross_validated_agreement_is_close_to_in_sample(rows):
    features, labels = feature_matrix(rows)
    held_out = cross_validated_agreement(features, labels, folds=5)
    assert held_out >= 0.75
    assert held_out <= calibrate(features, labels).agreement + 1e-9


def test_calibration_recovers_a_planted_rule():
    # labels follow the LM column only: calibration must find a non-zero LM weight and agree fully.
    features = np.array([[2.0, 0, 0], [-2.0, 0, 0], [0.0, 0, 0], [3.0, 0, 0]])
    labels = np.array([1, -1, 0, 1])
    result = calibrate(features, labels)
    assert result.agreement == 1.0
    assert result.weights.lm > 0


@pytest.mark.parametrize(("headline", "label"), [
    ("Acme beats estimates and raises full-year guidance", P),
    ("Acme misses estimates, cuts outlook", N),
    ("Acme to raise $500 million in stock offering", N),      # "raise" without a guidance noun
    ("Acme price target raised at Jefferies", P),            # passive guidance verb
    ("Acme moved to Sell from Buy at Citi", N),                # rating transition
    ("Acme moved to Buy from Sell at Citi", P),
    ("Acme posts smaller-than-expected loss", P),
    ("Acme declares quarterly dividend", Z),
    ("Acme Q3 EPS $1.10 vs $1.00 est.", P),
    ("FDA declines to approve Acme drug", N),                  # negated approval
])
def test_rules(scorer, headline, label):
    assert scorer.score_one(headline).label is label


def test_but_stresses_the_second_clause_and_despite_mutes_it():
    lex = load_lexicon()
    plain = lexicon_features("Acme misses estimates", lex)[2]
    after_but = lexicon_features("Acme rallies but misses estimates", lex)[2]
    after_despite = lexicon_features("Acme rallies despite misses", lex)[2]
    assert after_but < plain < 0
    assert after_despite > 0 > plain


def test_scores_are_bounded_and_labels_follow_the_band(scorer):
    texts = ["Acme soars, beats, tops, record, upgrade " * 5, "Acme plunges, misses, fraud, bankruptcy " * 5, ""]
    for s in scorer.score_batch(texts):
        assert -1.0 <= s.score <= 1.0
        assert s.label is label_for(s.score)


def test_neutral_band_boundary():
    assert label_for(NEUTRAL_BAND) is Z
    assert label_for(-NEUTRAL_BAND) is Z
    assert label_for(NEUTRAL_BAND + 1e-9) is P
    assert label_for(-NEUTRAL_BAND - 1e-9) is N


def test_threshold_must_be_positive():
    with pytest.raises(ValueError, match="threshold"):
        LexiconSentimentScorer(LexiconWeights(lm=1, vader=1, finance=1, threshold=0))
