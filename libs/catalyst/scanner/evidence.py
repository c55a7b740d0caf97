"""Each stage's facts from the upstream services, through their batch endpoints: one call per stage
(chunked to the endpoint's cap when the universe is larger), never one per symbol.

The universe's news is News' market-wide list of the symbols with recent catalysts (``recent_news``),
a compact listing without headlines; a scan of named symbols asks about those (``news``). The
candidates' headlines come last (``headlines``): from News' batch answer for their strongest
events, kept per symbol (``CacheTier.COLD``) so that a scan with News down still shows them.

Degradation (spec 8.2): a source that fails answers ``Unavailable`` for every symbol asked and a
warning, never an exception, so the scan completes and each dropped symbol says why. News is the
exception that has a fallback: every good catalyst answer is kept in Redis (``CacheTier.COLD``) one
key per symbol (its facts, or that it had none), so a scan of a few symbols never replaces the
universe's; with News down each symbol's last answer stands in for it (the universe filter still
checks each story's age against the scan's market time), and a symbol never answered is unavailable.
News caches its market-wide list for a minute of its window, so scans in a row mostly get the
answer they got before: that one is not kept again (its thousands of keys are already there)
unless it was kept longer ago than the WARM tier's lifetime (the keys live for the COLD tier's).
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Generic, TypeVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel

from catalyst.cache import Cache, CacheTier
from catalyst.clients.news import NewsClient
from catalyst.clients.pattern import PatternClient
from catalyst.clients.technical import TechnicalClient
from catalyst.contracts import news as news_api
from catalyst.contracts import pattern as pattern_api
from catalyst.contracts import technical as technical_api
from catalyst.contracts.news import CatalystBatchResponse, CatalystListing, MissingSource, SymbolCatalysts
from catalyst.contracts.pattern import PatternBatchResponse
from catalyst.contracts.technical import IndicatorBatchResponse
from catalyst.errors import CatalystError
from catalyst.logging import get_logger
from catalyst.scanner.config import ScannerSettings
from catalyst.scanner.stages import NewsFacts, PatternFacts, TechnicalFacts, Unavailable

log = get_logger(__name__)

KEPT_NEWS_NS = "scanner:news"  # one key per symbol: its last good answer's facts
HEADLINES_NS = "scanner:headlines"  # one key per symbol: its last candidate event's headline
INDICATORS = ("sma_20", "rsi_14", "volume_ratio")
R = TypeVar("R")
K = TypeVar("K", bound=BaseModel)
F = TypeVar("F", NewsFacts, TechnicalFacts, PatternFacts)


class KeptCatalysts(BaseModel):
    """One symbol's last good catalyst answer: the end of the window it was asked for, and its
    facts without headline (None: it had none then)."""

    until: AwareDatetime
    catalysts: NewsFacts | None


class KeptHeadline(BaseModel):
    """The headline of a symbol's event, as News last gave it."""

    event_id: UUID
    headline: str


@dataclass(frozen=True)
class NewsAnswer:
    """A News answer as the scan judges it: the facts of each symbol it names, the symbols asked
    about that it does not (they had no catalyst), its window's end and how complete it was."""

    until: datetime
    facts: dict[str, NewsFacts]
    without_catalyst: list[str]
    missing_sources: list[MissingSource]
    degraded: bool


@dataclass
class Gathered(Generic[F]):
    """One stage's facts by symbol, and what the scan should say about how they were had."""

    facts: dict[str, F | Unavailable] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    degraded: bool = False


def chunks(symbols: Sequence[str], size: int) -> list[list[str]]:
    return [list(symbols[i:i + size]) for i in range(0, len(symbols), size)]


async def in_chunks(symbols: Sequence[str], cap: int, call: Callable[[list[str]], Awaitable[R]],
                   in_flight: int) -> list[R]:
    """``call`` once per chunk of at most ``cap`` symbols, at most ``in_flight`` chunks at a time (a
    service's connection pools are sized for a few requests at once, not one per chunk)."""
    gate = asyncio.Semaphore(in_flight)

    async def gated(part: list[str]) -> R:
        async with gate:
            return await call(part)

    return list(await asyncio.gather(*(gated(part) for part in chunks(symbols, cap))))


def _failure(source: str, exc: CatalystError) -> Unavailable:
    log.warning("scanner_source_unavailable", source=source, code=exc.code, error=exc.message[:300])
    return Unavailable(source=source, code=exc.code, message=exc.message[:300])


def news_facts(summary: SymbolCatalysts) -> NewsFacts:
    return NewsFacts(strength=summary.max_strength, sentiment=summary.mean_sentiment,
                     published_at=summary.top.published_at, events=summary.event_count,
                     catalyst_type=summary.top.catalyst_type.value, event_id=summary.top.event_id,
                     headline=summary.top.headline)


def listing_facts(listing: CatalystListing) -> dict[str, NewsFacts]:
    """Each listed symbol's facts, from its row of the listing's columns."""
    rows = zip(listing.symbols, listing.max_strengths, listing.mean_sentiments, listing.published_at,
               listing.event_counts, listing.catalyst_types, listing.event_ids, strict=True)
    return {symbol: NewsFacts(strength=strength, sentiment=sentiment, published_at=published, events=events,
                              catalyst_type=kind.value, event_id=event_id)
            for symbol, strength, sentiment, published, events, kind, event_id in rows}


class EvidenceSources:
    """The News, Technical and Pattern calls of a scan, and the kept last news answer."""

    def __init__(self, news: NewsClient, technical: TechnicalClient, pattern: PatternClient, cache: Cache,
                 settings: ScannerSettings):
        self._news = news
        self._technical = technical
        self._pattern = pattern
        self._cache = cache
        self._settings = settings
        self._in_flight = settings.max_calls_in_flight
        self._last_kept: tuple[CatalystListing, list[str]] | None = None  # market-wide
        self._last_kept_at = 0.0  # time.monotonic()

    async def news(self, symbols: Sequence[str], as_of: datetime) -> Gathered[NewsFacts]:
        """Catalysts of ``symbols`` over the news window ending at ``as_of``; with News down, the last
        good answer."""
        if not symbols:
            return Gathered()
        window = timedelta(hours=self._settings.thresholds.news_window_hours)

        async def call(part: list[str]) -> CatalystBatchResponse:
            return await self._news.catalysts(part, since=as_of - window, until=as_of)

        try:
            answers = await in_chunks(symbols, news_api.MAX_BATCH_SYMBOLS, call, self._in_flight)
        except CatalystError as exc:
            return await self._news_from_cache(symbols, exc)
        return await self._judged(NewsAnswer(
            until=answers[0].until, facts={c.symbol: news_facts(c) for a in answers for c in a.catalysts},
            without_catalyst=[s for a in answers for s in a.without_catalyst],
            missing_sources=list({m.source: m for a in answers for m in a.missing_sources}.values()),
            degraded=any(a.degraded for a in answers)))

    async def _judged(self, answer: NewsAnswer, *, keep: bool = True) -> Gathered[NewsFacts]:
        """A good News answer's facts (a warning when a source behind it was missing), kept unless
        told it already is."""
        out: Gathered[NewsFacts] = Gathered()
        if answer.degraded:
            missing = ", ".join(f"{m.source} ({m.reason})" for m in answer.missing_sources)
            out.warnings.append(f"news degraded: served from stored news without {missing}")
        if keep and not await self._keep(answer):
            self._last_kept = None
        out.facts = dict(answer.facts)
        return out

    async def recent_news(self, as_of: datetime, listed: Sequence[str]) -> Gathered[NewsFacts]:
        """Every symbol with catalysts over the news window ending at ``as_of``, market-wide (one
        News call); with News down, the last good answer of each of ``listed``. A good answer is kept
        for each symbol it names and, as having none, for each of ``listed`` it does not, unless the
        same answer for the same ``listed`` was the one kept last."""
        window = timedelta(hours=self._settings.thresholds.news_window_hours)
        try:
            listing = await self._news.recent_catalysts(since=as_of - window, until=as_of)
        except CatalystError as exc:
            return await self._news_from_cache(listed, exc)
        facts = listing_facts(listing)
        seen = (listing, list(listed))
        kept = self._last_kept == seen and time.monotonic() - self._last_kept_at < CacheTier.WARM
        if not kept:
            self._last_kept, self._last_kept_at = seen, time.monotonic()
        return await self._judged(NewsAnswer(
            until=listing.until, facts=facts, without_catalyst=[s for s in listed if s not in facts],
            missing_sources=listing.missing_sources, degraded=listing.degraded), keep=not kept)

    async def headlines(self, news: dict[str, NewsFacts], as_of: datetime) -> dict[str, str]:
        """The headline of each symbol's judged event (``news``: the candidates' facts): the facts'
        own, else News' batch answer's over the window ending at ``as_of`` when its strongest event
        is the same one, else (News down) the one kept for that event. A symbol whose headline
        cannot be had has none: it is shown, not judged, so its lack never degrades the scan."""
        found = {s: f.headline for s, f in news.items() if f.headline is not None}
        asked = [s for s in news if s not in found]
        if asked:
            found.update(await self._asked_headlines({s: news[s] for s in asked}, as_of))
        await self._keep_headlines({s: (news[s].event_id, h) for s, h in found.items()})
        return found

    async def _asked_headlines(self, news: dict[str, NewsFacts], as_of: datetime) -> dict[str, str]:
        window = timedelta(hours=self._settings.thresholds.news_window_hours)

        async def call(part: list[str]) -> CatalystBatchResponse:
            return await self._news.catalysts(part, since=as_of - window, until=as_of)

        try:
            answers = await in_chunks(list(news), news_api.MAX_BATCH_SYMBOLS, call, self._in_flight)
        except CatalystError as exc:
            log.warning("scanner_headlines_unavailable", code=exc.code, error=exc.message[:300])
            kept = await self._kept(HEADLINES_NS, list(news), KeptHeadline)
            return {s: k.headline for s, k in kept.items() if k.event_id == news[s].event_id}
        return {c.symbol: c.top.headline for a in answers for c in a.catalysts
                if c.symbol in news and c.top.event_id == news[c.symbol].event_id}

    async def technical(self, symbols: Sequence[str]) -> Gathered[TechnicalFacts]:
        """SMA 20, RSI 14 and the volume ratio at each symbol's last bar."""
        s = self._settings

        async def call(part: list[str]) -> IndicatorBatchResponse:
            return await self._technical.batch(part, timeframe=s.timeframe, indicators=INDICATORS,
                                               bars=s.technical_bars)

        out: Gathered[TechnicalFacts] = Gathered()
        try:
            answers = await in_chunks(symbols, technical_api.MAX_BATCH_SYMBOLS, call, self._in_flight)
        except CatalystError as exc:
            return self._down("technical", exc, symbols)
        for answer in answers:
            out.facts.update({sym: TechnicalFacts(sma_20=v.sma_20, rsi_14=v.rsi_14, volume_ratio=v.volume_ratio)
                              for sym, v in answer.results.items()})
            out.facts.update({sym: Unavailable("technical", e.code, e.message[:300], whole_source=False)
                              for sym, e in answer.errors.items()})
        return out

    async def pattern(self, symbols: Sequence[str]) -> Gathered[PatternFacts]:
        """The most confident pattern at each symbol's last bar (every pattern the timeframe supports)."""
        s = self._settings

        async def call(part: list[str]) -> PatternBatchResponse:
            return await self._pattern.batch(part, timeframe=s.timeframe, bars=s.pattern_bars)

        out: Gathered[PatternFacts] = Gathered()
        try:
            answers = await in_chunks(symbols, pattern_api.MAX_BATCH_SYMBOLS, call, self._in_flight)
        except CatalystError as exc:
            return self._down("pattern", exc, symbols)
        for answer in answers:
            for sym, found in answer.results.items():
                best = max(found.patterns, key=lambda p: p.confidence, default=None)
                out.facts[sym] = PatternFacts(pattern=None, confidence=0.0) if best is None else PatternFacts(
                    pattern=best.pattern.value, confidence=best.confidence, entry=best.entry, stop=best.stop,
                    target=best.target)
            out.facts.update({sym: Unavailable("pattern", e.code, e.message[:300], whole_source=False)
                              for sym, e in answer.errors.items()})
        return out

    @staticmethod
    def _down(source: str, exc: CatalystError, symbols: Sequence[str]) -> Gathered[F]:
        down = _failure(source, exc)
        facts: dict[str, F | Unavailable] = {s: down for s in symbols}
        return Gathered(facts=facts, degraded=True,
                        warnings=[f"{source} unavailable ({exc.code}): its stage's {len(symbols)} symbol(s) dropped"])

    async def _news_from_cache(self, symbols: Sequence[str], exc: CatalystError) -> Gathered[NewsFacts]:
        """News is down: each symbol's kept answer; a symbol without one is unavailable."""
        down = _failure("news", exc)
        kept = await self._kept(KEPT_NEWS_NS, symbols, KeptCatalysts)
        out: Gathered[NewsFacts] = Gathered(degraded=True)
        if not kept:
            out.facts = {s: down for s in symbols}
            out.warnings.append(f"news unavailable ({exc.code}) and no cached news: no symbol has news")
            return out
        out.facts = {s: down for s in symbols if s not in kept}
        out.facts.update({s: k.catalysts for s, k in kept.items() if k.catalysts is not None})
        newest = max(k.until for k in kept.values())
        out.warnings.append(f"news unavailable ({exc.code}): used the cached catalysts of {len(kept)} of "
                            f"{len(symbols)} symbol(s), the newest as of {newest.isoformat()}, universe reduced")
        return out

    async def _keep(self, answer: NewsAnswer) -> bool:
        """Each symbol's answer kept (its facts without headline: the candidates' are kept on their
        own); False when Redis would not take them."""
        by_symbol: dict[str, NewsFacts | None] = dict.fromkeys(answer.without_catalyst)
        by_symbol.update({s: dataclasses.replace(f, headline=None) for s, f in answer.facts.items()})
        entries = [(KEPT_NEWS_NS, symbol, KeptCatalysts(until=answer.until, catalysts=facts))
                   for symbol, facts in by_symbol.items()]
        return await self._kept_in_redis(entries)

    async def _keep_headlines(self, headlines: dict[str, tuple[UUID | None, str]]) -> None:
        await self._kept_in_redis([(HEADLINES_NS, s, KeptHeadline(event_id=event_id, headline=headline))
                                   for s, (event_id, headline) in headlines.items() if event_id is not None])

    async def _kept_in_redis(self, entries: Sequence[tuple[str, str, BaseModel]]) -> bool:
        try:
            await self._cache.set_many(entries, CacheTier.COLD)
        except Exception as exc:  # Redis trouble must not fail a scan that has its news
            log.warning("scanner_news_cache_unavailable", error=str(exc))
            return False
        return True

    async def _kept(self, ns: str, symbols: Sequence[str], model: type[K]) -> dict[str, K]:
        """The kept entry of ``ns`` of each of ``symbols`` that has one."""
        try:
            found = await self._cache.get_many([(ns, s) for s in symbols], model, CacheTier.COLD)
        except Exception as exc:
            log.warning("scanner_news_cache_unavailable", error=str(exc))
            return {}
        return {s: k for s, k in zip(symbols, found, strict=True) if k is not None}
