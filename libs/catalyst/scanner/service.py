"""What the Scanner does per request: the funnel, stage by stage, then store and publish.

The universe is news-first (spec 2.3, stage 1: the liquid stocks with news in the last 24 hours):
the symbols News lists with recent news, market-wide, ranked by the liquidity the database gives
them as of the market clock, the most liquid kept up to the size asked for. Then, in the configured
order, each stage's facts are gathered for the symbols still in (one batch call to its source: the
universe's News answer serves the catalyst stage too; Technical, Pattern) and its pure filter decides
(``catalyst.scanner.filters``). Every symbol that entered is stored at the stage it reached with
its reason (those the universe cut only for its size as a list on the header:
``catalyst.scanner.repository``); the run's header holds the stage counts, the warnings of degraded sources and each
stage's wall time (``universe``: the database read and the filter; ``news``: the News call the
universe and catalyst stages judge; ``headlines``: the candidates' headlines, which News' compact
market-wide listing leaves out; ``store``: the writes). ``catalyst:scan_complete`` goes out once the scan is stored.
"""

from __future__ import annotations

import dataclasses
import math
import time
import uuid
from collections.abc import Sequence
from datetime import datetime

from catalyst.bus import EventBus, ScanComplete
from catalyst.clock import Clock
from catalyst.contracts.scanner import Candidate, DropReason, ScanRequest, ScanResult, StageCount, SymbolVerdict
from catalyst.errors import InvalidInput, NotFound
from catalyst.indicators.recent_bars import parse_symbol, parse_symbols
from catalyst.logging import get_logger
from catalyst.scanner.config import ScannerSettings
from catalyst.scanner.evidence import EvidenceSources
from catalyst.scanner.filters import build_filters, illiquid
from catalyst.scanner.repository import ScanRepository, SymbolRecord, UniverseCut
from catalyst.scanner.stages import (
    CompositeScore,
    Evidence,
    NewsFacts,
    PatternFacts,
    ScanContext,
    Stage,
    StageOutcome,
    Unavailable,
)
from catalyst.scanner.universe import UniverseReader

log = get_logger(__name__)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


def _no_bars(symbol: str, as_of: datetime) -> DropReason:
    return DropReason(metric="daily_bars", value=0, threshold=1, comparison=">=",
                      message=f"{symbol} has no daily bars complete by {as_of.isoformat()}")


@dataclasses.dataclass
class Progress:
    """What one scan has gathered so far: per-stage wall times, warnings, counts, and every symbol's record."""

    timings: dict[str, float] = dataclasses.field(default_factory=dict)
    warnings: list[str] = dataclasses.field(default_factory=list)
    counts: list[StageCount] = dataclasses.field(default_factory=list)
    records: list[SymbolRecord] = dataclasses.field(default_factory=list)
    cut: UniverseCut = dataclasses.field(default_factory=lambda: UniverseCut(cap=0, symbols=[]))


def _unanswered(source: str) -> Unavailable:
    return Unavailable(source, "NO_ANSWER", "the batch answer did not name the symbol", whole_source=False)


class ScannerService:
    def __init__(self, *, repository: ScanRepository, universe: UniverseReader, sources: EvidenceSources,
                 bus: EventBus, settings: ScannerSettings, clock: Clock, audit_clock: Clock):
        """``clock``: the market clock the scan is made as of; ``audit_clock``: when it ran (wall time)."""
        self._repository = repository
        self._universe = universe
        self._sources = sources
        self._bus = bus
        self._settings = settings
        self._clock = clock
        self._audit_clock = audit_clock
        self._filters = build_filters(settings)

    def check_universe_size(self, size: int) -> int:
        s = self._settings
        if not s.min_universe <= size <= s.max_universe:
            raise InvalidInput(f"Universe size must be between {s.min_universe} and {s.max_universe}",
                               code="INVALID_UNIVERSE_SIZE",
                               details={"provided": size, "min": s.min_universe, "max": s.max_universe})
        return size

    async def scan(self, request: ScanRequest) -> ScanResult:
        size = self.check_universe_size(request.universe_size)
        if request.cycle_id is not None and not await self._repository.cycle_exists(request.cycle_id):
            raise NotFound(f"no trading cycle {request.cycle_id}", code="UNKNOWN_CYCLE",
                           details={"cycle_id": str(request.cycle_id)})
        wanted = parse_symbols(request.symbols) if request.symbols is not None else None
        as_of, started_at = self._clock.now(), self._audit_clock.now()
        run = Progress()
        outcome, context = await self._universe_stage(as_of, size, wanted, run)
        survivors = outcome.passed
        for stage in self._settings.stages[1:]:
            t0 = time.perf_counter()
            judged, stage_warnings = await self._gather(stage, survivors)
            run.warnings += stage_warnings
            outcome = self._filters[stage].apply(judged, context)
            run.records += self._dropped(stage, judged, outcome)
            run.counts.append(StageCount(stage=stage.value, entered=len(survivors), passed=len(outcome.passed)))
            run.timings[stage.value] = _ms(t0)
            survivors = outcome.passed

        headlines = await self._headlines(survivors, as_of, run)
        candidates = [self._candidate(rank, e, outcome.scores[e.symbol], headlines.get(e.symbol))
                      for rank, e in enumerate(survivors, start=1)]
        run.records += [SymbolRecord(e, Stage.FINAL, rank=c.rank, candidate=c, score=outcome.scores[e.symbol])
                        for e, c in zip(survivors, candidates, strict=True)]
        result = ScanResult(scan_id=uuid.uuid4(), cycle_id=request.cycle_id, as_of=as_of, started_at=started_at,
                            finished_at=self._audit_clock.now(), universe_size=size, stages=run.counts,
                            candidates=candidates, warnings=run.warnings, timings_ms=run.timings)
        result.timings_ms["store"] = await self._repository.save(result, run.records, run.cut)
        await self._publish(result)
        log.info("scan_completed", scan_id=str(result.scan_id), as_of=as_of.isoformat(),
                 stages={c.stage: c.passed for c in run.counts}, warnings=len(run.warnings),
                 timings_ms=result.timings_ms)
        return result

    async def _universe_stage(self, as_of: datetime, size: int, wanted: list[str] | None,
                              run: Progress) -> tuple[StageOutcome, ScanContext]:
        """Stage 1. News-first: the listed securities from the database (most liquid first), the
        symbols with news from News (one market-wide call), the filter keeping the ``size`` most
        liquid with news. A scan of named symbols reads those and asks News about them instead.
        With News down every listed security enters, judged on its kept news, and the cap is cut."""
        t0 = time.perf_counter()
        rows = await self._universe.load(as_of, None if wanted is None else len(wanted), wanted)
        liquid = [r.symbol for r in rows if illiquid(r, self._settings.thresholds) is None]
        read_ms = _ms(t0)
        t0 = time.perf_counter()
        news = await (self._sources.news(liquid, as_of) if wanted is not None
                      else self._sources.recent_news(as_of, liquid))
        run.timings["news"] = _ms(t0)
        t0 = time.perf_counter()
        run.warnings += news.warnings
        listed = {r.symbol for r in rows}
        news_first = wanted is None and not news.degraded  # the universe is the symbols with news
        unlisted = sorted(set(news.facts) - listed) if news_first else [s for s in wanted or () if s not in listed]
        cap = math.ceil(size * self._settings.degraded_universe_fraction) if news.degraded else size
        context = ScanContext(as_of=as_of, universe_cap=cap)
        entered = [Evidence(symbol=r.symbol, liquidity_rank=i, price=r.price, avg_volume=r.avg_volume,
                            news=news.facts.get(r.symbol))
                   for i, r in enumerate(rows, start=1) if not news_first or r.symbol in news.facts]
        outcome = self._filters[Stage.UNIVERSE].apply(entered, context)
        run.records += [SymbolRecord(Evidence(s, 0, 0.0, 0.0), Stage.UNIVERSE, _no_bars(s, as_of)) for s in unlisted]
        run.cut = UniverseCut(cap=cap, symbols=outcome.cut)
        run.records += self._dropped(Stage.UNIVERSE, entered, outcome)
        run.counts.append(StageCount(stage=Stage.UNIVERSE.value, entered=len(entered) + len(unlisted),
                                 passed=len(outcome.passed)))
        run.timings[Stage.UNIVERSE.value] = round(read_ms + _ms(t0), 3)
        return outcome, context

    async def latest(self) -> ScanResult:
        return await self._repository.latest()

    async def get(self, scan_id: uuid.UUID) -> ScanResult:
        return await self._repository.get(scan_id)

    async def verdict(self, symbol: str, scan_id: uuid.UUID | None = None) -> SymbolVerdict:
        sym = parse_symbol(symbol)
        return await self._repository.verdict(scan_id, sym)

    # -- stages --------------------------------------------------------------------------------

    async def _gather(self, stage: Stage, survivors: list[Evidence]) -> tuple[list[Evidence], list[str]]:
        """The survivors with ``stage``'s facts on them: one batch call to its source (none when no
        symbol is left, nor for the catalyst and final stages, which judge facts already there)."""
        symbols = [e.symbol for e in survivors]
        if not symbols or stage in (Stage.CATALYST, Stage.FINAL):
            return list(survivors), []
        if stage is Stage.TECHNICAL:
            technical = await self._sources.technical(symbols)
            return [dataclasses.replace(e, technical=technical.facts.get(e.symbol, _unanswered("technical")))
                    for e in survivors], technical.warnings
        pattern = await self._sources.pattern(symbols)
        return [dataclasses.replace(e, pattern=pattern.facts.get(e.symbol, _unanswered("pattern")))
                for e in survivors], pattern.warnings

    @staticmethod
    def _dropped(stage: Stage, entered: Sequence[Evidence], outcome: StageOutcome) -> list[SymbolRecord]:
        by_symbol = {e.symbol: e for e in entered}
        return [SymbolRecord(by_symbol[s], stage, reason, rank=outcome.ranks.get(s), score=outcome.scores.get(s))
                for s, reason in outcome.dropped.items()]

    async def _headlines(self, finalists: Sequence[Evidence], as_of: datetime, run: Progress) -> dict[str, str]:
        """The headline of each finalist's strongest event (the universe's listing carries none)."""
        t0 = time.perf_counter()
        news = {e.symbol: e.news for e in finalists if isinstance(e.news, NewsFacts)}
        found = await self._sources.headlines(news, as_of) if news else {}
        run.timings["headlines"] = _ms(t0)
        return found

    @staticmethod
    def _candidate(rank: int, evidence: Evidence, score: CompositeScore, headline: str | None) -> Candidate:
        news = evidence.news if isinstance(evidence.news, NewsFacts) else None
        pattern = evidence.pattern if isinstance(evidence.pattern, PatternFacts) else None
        return Candidate(
            rank=rank, symbol=evidence.symbol, composite_score=score.composite, catalyst_score=score.catalyst,
            technical_score=score.technical, pattern_score=score.pattern, price=evidence.price,
            pattern=pattern.pattern if pattern else None, entry=pattern.entry if pattern else None,
            stop=pattern.stop if pattern else None, target=pattern.target if pattern else None,
            risk_reward=score.risk_reward, catalyst_type=news.catalyst_type if news else None,
            headline=headline)

    async def _publish(self, result: ScanResult) -> None:
        event = ScanComplete(cycle_id="" if result.cycle_id is None else str(result.cycle_id),
                             scan_id=str(result.scan_id), candidates_count=len(result.candidates),
                             symbols=[c.symbol for c in result.candidates], timestamp=result.as_of)
        try:
            await self._bus.publish(event)
        except Exception as exc:  # Redis down: the scan is stored and answered all the same
            log.warning("scan_complete_publish_failed", scan_id=str(result.scan_id), error=str(exc))
