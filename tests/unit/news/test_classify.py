"""Catalyst classification: accuracy on the hand-labelled table and rule-level boundary cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalyst.domain.news import CatalystType
from catalyst.news.classify import (
    CatalystMatch,
    catalyst_strength,
    classify,
    classify_text,
    combined_reliability,
    eps_surprise,
)
from catalyst.news.evaluation import by_split, classifier_accuracy, load_labelled

TABLE = Path(__file__).with_name("labelled_headlines.csv")
T = CatalystType


@pytest.fixture(scope="module")
def rows():
    return load_labelled(TABLE)


def test_table_has_at_least_100_rows_covering_every_type(rows):
    assert len(rows) >= 100
    assert {r.catalyst_type for r in rows} == set(CatalystType)
    assert set(by_split(rows)) == {"dev", "holdout", "blind"}


def test_accuracy_on_the_whole_table(rows):
    # 235 rows; docs/news.md reports the per-split figures (the blind split was never tuned on).
    assert classifier_accuracy(rows) >= 0.95


def test_accuracy_on_the_blind_split(rows):
    assert classifier_accuracy(by_split(rows)["blind"]) >= 0.9


@pytest.mark.parametrize(("headline", "expected"), [
    ("Acme to report fourth-quarter results on March 4", T.OTHER),          # scheduled, not a surprise
    ("Acme Q3 EPS $1.10 vs $1.00 est.", T.EARNINGS_BEAT),
    ("Acme Q3 EPS $0.90 vs $1.00 est.", T.EARNINGS_MISS),
    ("Acme Q3 EPS $1.00 vs $1.00 est.", T.OTHER),                            # in line: no surprise
    ("Acme raises price target on Widget Co to $50", T.ANALYST_UPGRADE),     # a price target is no guidance
    ("Acme raises full-year revenue guidance", T.GUIDANCE),
    ("Analyst says Acme upgrade cycle is overhyped, maintains Hold", T.OTHER),
    ("Acme to buy back $1 billion of stock", T.OTHER),
    ("Acme files 8-K: Departure of Directors or Certain Officers; Appointment of Certain Officers",
     T.MANAGEMENT_CHANGE),
])
def test_rules(headline, expected):
    assert classify(headline).catalyst_type is expected


def test_no_rule_gives_other_with_zero_score():
    assert classify_text("Acme opens a new office in Phoenix") == CatalystMatch(T.OTHER, 0.0, ())


def test_summary_decides_only_when_the_headline_is_silent():
    assert classify("Acme update", "FDA approves Acme's drug for migraine").catalyst_type is T.FDA
    assert classify("Acme update", "FDA approves Acme's drug").score < classify("FDA approves Acme's drug").score
    assert classify("Barclays downgrades Acme", "FDA approves drug").catalyst_type is T.ANALYST_DOWNGRADE


def test_eps_surprise_reads_numbers_with_units():
    assert eps_surprise("Acme revenue $828M vs $776M estimate") is T.EARNINGS_BEAT
    assert eps_surprise("Acme launches product") is None


def test_scores_stay_in_unit_interval():
    text = "Acme soars 40% after record Q3 EPS $2.00 vs $1.00 consensus beats estimates, tops views"
    assert 0.0 < classify(text).score <= 1.0


class TestStrength:
    def test_noisy_or_reliability(self):
        assert combined_reliability([]) == 0.0
        assert combined_reliability([0.9]) == pytest.approx(0.9)
        assert combined_reliability([0.9, 0.6]) == pytest.approx(0.96)
        assert combined_reliability([1.5, -1]) == pytest.approx(1.0)  # clipped to 0..1

    def test_strength_is_pattern_times_reliability_and_other_counts_half(self):
        fda = CatalystMatch(T.FDA, 0.9, ("fda_decision",))
        assert catalyst_strength(fda, [0.9]) == pytest.approx(0.81)
        assert catalyst_strength(fda, [0.9, 0.6]) == pytest.approx(0.864)
        assert catalyst_strength(CatalystMatch(T.OTHER, 0.8, ()), [1.0]) == pytest.approx(0.4)
        assert catalyst_strength(fda, []) == 0.0
