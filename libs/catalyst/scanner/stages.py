"""What the funnel knows about a symbol as it goes through the stages (pure data, no I/O).

The application service gathers the facts each stage needs (``catalyst.scanner.evidence``) and
hands them to the stage's filter (``catalyst.scanner.filters``) on the symbol's ``Evidence``. A fact
the service could not get is an ``Unavailable`` (the source down, or this symbol's data missing),
which the filter turns into the symbol's drop reason, so no symbol ever leaves without one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from catalyst.contracts.scanner import DropReason


class Stage(StrEnum):
    UNIVERSE = "universe"
    CATALYST = "catalyst"
    TECHNICAL = "technical"
    PATTERN = "pattern"
    FINAL = "final"


@dataclass(frozen=True)
class Unavailable:
    """A fact that could not be had: ``whole_source`` when the source itself failed (every symbol of
    the stage), else this symbol's own error from the source (unknown symbol, too little history)."""

    source: str
    code: str
    message: str
    whole_source: bool = True


@dataclass(frozen=True)
class NewsFacts:
    """The symbol's catalysts over the news window (News ``SymbolCatalysts``, or its row of the
    market-wide listing): ``event_id`` is the strongest event's, ``headline`` its headline when the
    answer carried it (the listing does not: the scan asks for its candidates' alone)."""

    strength: float
    sentiment: float
    published_at: datetime
    events: int
    catalyst_type: str
    event_id: UUID | None = None
    headline: str | None = None


@dataclass(frozen=True)
class TechnicalFacts:
    sma_20: float | None
    rsi_14: float | None
    volume_ratio: float | None


@dataclass(frozen=True)
class PatternFacts:
    """The most confident pattern found (``pattern`` None: none was)."""

    pattern: str | None
    confidence: float
    entry: float | None = None
    stop: float | None = None
    target: float | None = None


@dataclass(frozen=True)
class Evidence:
    """One symbol in the funnel: the universe's facts (``liquidity_rank`` 1 = the most liquid), then
    each later stage's as gathered. ``news`` None: News answered and had nothing for it."""

    symbol: str
    liquidity_rank: int
    price: float
    avg_volume: float
    news: NewsFacts | Unavailable | None = None
    technical: TechnicalFacts | Unavailable | None = None
    pattern: PatternFacts | Unavailable | None = None


@dataclass(frozen=True)
class ScanContext:
    """What every filter of one scan reads: the market time it is made as of, and how many symbols
    the universe keeps, the most liquid of those with news (the size asked for, less when News is
    down: spec 8.2)."""

    as_of: datetime
    universe_cap: int


@dataclass(frozen=True)
class CompositeScore:
    """The final stage's score of a symbol and its parts (``catalyst.scanner.scoring``)."""

    composite: float
    catalyst: float
    technical: float
    pattern: float
    risk_reward: float | None


@dataclass(frozen=True)
class StageOutcome:
    """A filter's answer: the survivors (in the order the next stage takes them; ranked best first
    after the final stage), and for every dropped symbol why, but those the universe ``cut`` only
    for its size (most liquid first; the reason of the one at index ``i`` is
    ``filters.capped(cap + 1 + i, cap)``). ``scores`` and ``ranks`` (1 = best): the final stage's,
    for every symbol it ranked."""

    passed: list[Evidence]
    dropped: dict[str, DropReason] = field(default_factory=dict)
    cut: list[str] = field(default_factory=list)
    scores: dict[str, CompositeScore] = field(default_factory=dict)
    ranks: dict[str, int] = field(default_factory=dict)
