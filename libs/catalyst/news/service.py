"""The News service's work: fetch from the sources (degrading when they fail), score, store, publish.

Degradation (spec 8.2, "News API down"): a source that errors, times out or has its breaker open
is named in ``missing_sources``, logged as a warning and counted; the response is built from what
is stored (earlier fetches of that source included: the cached news) and marked ``degraded``.
Complete responses are cached per symbol and window (WARM tier) and invalidated when news for the
symbol is written; degraded ones are not cached, so the next request tries the source again. The
market-wide listing (``recent``) is cached the same way per minute of its window's ends (a scan asks
for the window ending at its market time, which moves every second) and dropped whenever a story is
written, so a stored story shows at once and one the sources have shows within the tier's lifetime.
Each source has a ``catalyst.resilience`` breaker: consecutive failures take it out, and after the
recovery time one request probes it again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from prometheus_client import Counter

from catalyst.bus import EventBus, NewsCatalyst
from catalyst.cache import Cache, CacheTier
from catalyst.clock import Clock
from catalyst.contracts.news import (
    CatalystBatchRequest,
    CatalystBatchResponse,
    CatalystListing,
    IngestResponse,
    MissingSource,
    NewsResponse,
    SymbolCatalysts,
)
from catalyst.domain.market import is_symbol
from catalyst.domain.news import NewsEvent, NewsItem
from catalyst.errors import InvalidInput
from catalyst.logging import get_logger
from catalyst.news.config import NewsSettings
from catalyst.news.pipeline import check_pushed, pushed_symbols, score_items
from catalyst.news.sentiment.base import SentimentScorer
from catalyst.news.store import NewsStore, SaveResult
from catalyst.news_sources.base import MarketWideSource, NewsSource, SourceBatch, SourceError
from catalyst.resilience import CircuitBreaker, CircuitOpen

log = get_logger(__name__)

SOURCE_FAILURES = Counter("catalyst_news_source_failures_total",
                          "News source calls that failed (the response was served degraded)", ["source", "reason"])
STORIES_STORED = Counter("catalyst_news_stories_stored_total", "New stories written, by source", ["source"])
CATALYSTS_PUBLISHED = Counter("catalyst_news_catalysts_published_total",
                              "Events published on catalyst:news_catalyst", ["catalyst_type"])
PUBLISH_FAILURES = Counter("catalyst_news_catalyst_publish_failures_total",
                           "Strong events that could not be published (retried on a later save)")

CACHE_NS = "news"
RECENT_NS = f"{CACHE_NS}:listing"  # the market-wide compact listings; every write drops them all


@dataclass
class FetchOutcome:
    items: list[NewsItem] = field(default_factory=list)
    missing: list[MissingSource] = field(default_factory=list)


def _window_key(since: datetime, until: datetime) -> str:
    return f"{int(since.timestamp())}:{int(until.timestamp()) // 60}"


def _listing_key(since: datetime, until: datetime, min_strength: float) -> str:
    return f"{int(since.timestamp()) // 60}:{int(until.timestamp()) // 60}:{min_strength!r}"


def summarise(symbol: str, events: Sequence[NewsEvent], min_strength: float) -> SymbolCatalysts | None:
    """A symbol's catalyst summary over its events at least ``min_strength`` strong (None if none)."""
    qualifying = [e for e in events if e.catalyst_strength >= min_strength]
    if not qualifying:
        return None
    top = max(qualifying, key=lambda e: (e.catalyst_strength, e.published_at))
    weight = sum(e.catalyst_strength for e in qualifying)
    mean = (sum(e.sentiment_score * e.catalyst_strength for e in qualifying) / weight if weight > 0
            else sum(e.sentiment_score for e in qualifying) / len(qualifying))
    return SymbolCatalysts(symbol=symbol, top=top, event_count=len(qualifying), max_strength=top.catalyst_strength,
                           mean_sentiment=round(max(-1.0, min(1.0, mean)), 4))


class NewsService:
    def __init__(self, *, sources: Sequence[NewsSource], scorer: SentimentScorer, store: NewsStore, cache: Cache,
                 bus: EventBus, settings: NewsSettings, clock: Clock):
        self.sources = list(sources)
        self.scorer = scorer
        self._store = store
        self._cache = cache
        self._bus = bus
        self._settings = settings
        self._clock = clock
        self._reliability = settings.source_settings.reliability()
        self._breakers = {s.name: CircuitBreaker(s.name, threshold=settings.source_breaker_failures,
                                                 recovery_s=settings.source_breaker_recovery_s)
                          for s in self.sources}

    async def aclose(self) -> None:
        for source in self.sources:
            await source.aclose()

    # -- windows -------------------------------------------------------------------------------

    def window(self, since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
        """``[since, until]`` with defaults (until: now; since: until minus the look-back)."""
        end = until or self._clock.now()
        start = since or end - self._settings.lookback
        if start > end:
            raise InvalidInput("since is after until", code="INVALID_WINDOW",
                               details={"since": start.isoformat(), "until": end.isoformat()})
        return start, end

    # -- fetching ------------------------------------------------------------------------------

    async def fetch(self, symbols: Sequence[str], since: datetime, until: datetime) -> FetchOutcome:
        """Ask every source at once; failures become ``missing`` entries, never exceptions."""
        if not symbols:
            return FetchOutcome()
        return self._outcome(await asyncio.gather(*(self._fetch_one(s, symbols, since, until) for s in self.sources)))

    async def fetch_market(self, since: datetime, until: datetime) -> FetchOutcome:
        """Every source's stories of the window, whatever their symbols: a market-wide source in one
        call, any other asked about every listed security."""
        others = [s for s in self.sources if not isinstance(s, MarketWideSource)]
        listed = await self._store.listed_symbols() if others else []

        def call(source: NewsSource) -> Callable[[], Awaitable[SourceBatch]]:
            if isinstance(source, MarketWideSource):
                return lambda: source.fetch_market(since, until)
            return lambda: source.fetch(listed, since, until)

        asked = [s for s in self.sources if isinstance(s, MarketWideSource) or listed]
        return self._outcome(await asyncio.gather(*(self._guarded(s, call(s)) for s in asked)))

    @staticmethod
    def _outcome(results: Iterable[tuple[list[NewsItem], MissingSource | None]]) -> FetchOutcome:
        outcome = FetchOutcome()
        for items, missing in results:
            outcome.items.extend(items)
            if missing is not None:
                outcome.missing.append(missing)
        return outcome

    async def _fetch_one(self, source: NewsSource, symbols: Sequence[str], since: datetime,
                         until: datetime) -> tuple[list[NewsItem], MissingSource | None]:
        return await self._guarded(source, lambda: source.fetch(symbols, since, until))

    async def _guarded(self, source: NewsSource, call: Callable[[], Awaitable[SourceBatch]]
                       ) -> tuple[list[NewsItem], MissingSource | None]:
        try:
            with self._breakers[source.name].guard():  # every failure below counts against the source
                async with asyncio.timeout(self._settings.source_deadline_s):
                    batch = await call()
        except CircuitOpen:
            return [], self._missing(source.name, "circuit_open", "source taken out after repeated failures")
        except SourceError as exc:
            return [], self._missing(source.name, exc.reason, str(exc))
        except TimeoutError:
            return [], self._missing(source.name, "timeout", f"no answer within {self._settings.source_deadline_s}s")
        except Exception as exc:  # an adapter bug must degrade the answer, not fail it
            log.exception("news_source_crashed", source=source.name)
            return [], self._missing(source.name, "error", exc.__class__.__name__)
        return batch.items, None

    @staticmethod
    def _missing(source: str, reason: str, detail: str) -> MissingSource:
        SOURCE_FAILURES.labels(source, reason).inc()
        log.warning("news_source_unavailable", source=source, reason=reason, detail=detail[:300])
        return MissingSource(source=source, reason=reason)

    # -- storing and publishing ----------------------------------------------------------------

    async def store_items(self, items: Sequence[NewsItem]) -> SaveResult:
        """Score, merge and store items; publish events that became strong; drop stale cached answers."""
        if not items:
            return SaveResult()
        stories = await asyncio.to_thread(score_items, items, self.scorer)
        result = await self._store.save(
            stories, reliability=self._reliability, window=self._settings.merge_window,
            similarity=self._settings.merge_similarity, publish_threshold=self._settings.publish_threshold)
        if result.stored:
            for item in items:
                STORIES_STORED.labels(item.source).inc(len(item.symbols))
            await self._invalidate(e.symbol for e in result.events)
            await self._invalidate_listings()
        await self._publish(result.to_publish)
        return result

    async def _publish(self, events: Sequence[NewsEvent]) -> None:
        failed = []
        for event in events:
            try:
                await self._bus.publish(NewsCatalyst(
                    symbol=event.symbol, catalyst_type=event.catalyst_type.value, strength=event.catalyst_strength,
                    sentiment=event.sentiment_score, headline=event.headline, sources=event.sources))
            except Exception as exc:  # Redis down: keep the claim open for the next save
                failed.append(event.event_id)
                PUBLISH_FAILURES.inc()
                log.error("news_catalyst_publish_failed", symbol=event.symbol, error=str(exc))
                continue
            CATALYSTS_PUBLISHED.labels(event.catalyst_type.value).inc()
            log.info("news_catalyst_published", symbol=event.symbol, catalyst_type=event.catalyst_type.value,
                     strength=event.catalyst_strength, sources=event.sources)
        if failed:
            await self._store.unclaim(failed)

    async def _invalidate_listings(self) -> None:
        try:
            await self._cache.invalidate(RECENT_NS)
        except Exception as exc:
            log.warning("news_cache_invalidate_failed", listing=True, error=str(exc))

    async def _invalidate(self, symbols: Iterable[str]) -> None:
        for symbol in set(symbols):
            try:
                await self._cache.invalidate(f"{CACHE_NS}:{symbol}")
            except Exception as exc:  # a stale answer for up to one TTL is better than a failed write
                log.warning("news_cache_invalidate_failed", symbol=symbol, error=str(exc))

    # -- the API operations --------------------------------------------------------------

    async def news(self, symbol: str, since: datetime | None, until: datetime | None) -> NewsResponse:
        symbol = _symbol(symbol)
        start, end = self.window(since, until)
        cached = await self._cached(symbol, start, end)
        if cached is not None:
            return cached
        outcome = await self.fetch([symbol], start, end)
        await self.store_items(outcome.items)
        events = await self._store.events([symbol], start, end, self._reliability, self._settings.max_events)
        response = NewsResponse(symbol=symbol, since=start, until=end, events=events.get(symbol, []),
                                missing_sources=outcome.missing, degraded=bool(outcome.missing))
        if not outcome.missing:
            await self._remember(response)
        return response

    async def catalysts(self, request: CatalystBatchRequest) -> CatalystBatchResponse:
        symbols = list(dict.fromkeys(_symbol(s) for s in request.symbols))
        start, end = self.window(request.since, request.until)
        answers = await self._cached_many(symbols, start, end)
        to_fetch = [s for s in symbols if s not in answers]
        outcome = await self.fetch(to_fetch, start, end)
        await self.store_items(outcome.items)
        stored = await self._store.events(to_fetch, start, end, self._reliability, self._settings.max_events)
        fetched = [NewsResponse(symbol=symbol, since=start, until=end, events=stored.get(symbol, []),
                                missing_sources=outcome.missing, degraded=bool(outcome.missing)) for symbol in to_fetch]
        answers.update((r.symbol, r) for r in fetched)
        if not outcome.missing:
            await self._remember_many(fetched)
        summaries = [summarise(s, answers[s].events, request.min_strength) for s in symbols]
        found = sorted((c for c in summaries if c is not None), key=lambda c: (-c.max_strength, c.symbol))
        with_catalyst = {c.symbol for c in found}
        return CatalystBatchResponse(since=start, until=end, catalysts=found,
                                     without_catalyst=[s for s in symbols if s not in with_catalyst],
                                     missing_sources=outcome.missing, degraded=bool(outcome.missing))

    async def recent_json(self, since: datetime | None, until: datetime | None, min_strength: float) -> bytes:
        """``recent``'s answer as JSON (``CatalystListing``), sent on as it is: a complete
        answer is cached for the minutes of the window's ends (the module's docstring) and a hit is
        never parsed."""
        start, end = self.window(since, until)
        key = _listing_key(start, end, min_strength)
        cached = await self._cached_listing(key)
        if cached is not None:
            return cached
        response = await self.recent(start, end, min_strength)
        raw = response.model_dump_json().encode()
        if not response.degraded:
            await self._remember_listing(key, raw)
        return raw

    async def recent(self, since: datetime | None, until: datetime | None,
                     min_strength: float) -> CatalystListing:
        """Every symbol with news in the window, market-wide, as the listing's columns: the sources'
        stories of the window fetched and stored first (``fetch_market``), then every symbol the
        stored news names, summarised as ``catalysts`` summarises a batch's."""
        start, end = self.window(since, until)
        outcome = await self.fetch_market(start, end)
        await self.store_items(outcome.items)
        symbols = await self._store.symbols_with_news(start, end)
        events = await self._store.events(symbols, start, end, self._reliability, self._settings.max_events)
        summaries = (summarise(s, events.get(s, []), min_strength) for s in symbols)
        found = sorted((c for c in summaries if c is not None), key=lambda c: (-c.max_strength, c.symbol))
        return CatalystListing.of(start, end, found, outcome.missing)

    async def ingest(self, raw_items: Sequence[object]) -> IngestResponse:
        now = self._clock.now()
        known = await self._store.known_symbols(pushed_symbols(raw_items))
        good, rejected = check_pushed(raw_items, known_symbols=known, now=now, max_skew=self._settings.max_skew)
        if not good:
            raise InvalidInput(f"all {len(rejected)} item(s) were rejected", code="INVALID_NEWS_ITEMS",
                               details={"rejected": [r.model_dump() for r in rejected]})
        result = await self.store_items(good)
        if rejected:
            log.warning("news_items_rejected", count=len(rejected), items=[r.index for r in rejected])
        return IngestResponse(received=len(raw_items), stored=result.stored, duplicates=result.duplicates,
                              rejected=rejected, events=result.events)

    # -- cache ---------------------------------------------------------------------------------

    async def _cached(self, symbol: str, since: datetime, until: datetime) -> NewsResponse | None:
        try:
            return await self._cache.get(f"{CACHE_NS}:{symbol}", _window_key(since, until), NewsResponse,
                                         CacheTier.WARM)
        except Exception as exc:  # Redis trouble: answer from the sources and the database
            log.warning("news_cache_unavailable", error=str(exc))
            return None

    async def _cached_listing(self, key: str) -> bytes | None:
        try:
            return await self._cache.get_json(RECENT_NS, key, CacheTier.WARM)
        except Exception as exc:  # Redis trouble: answer from the sources and the database
            log.warning("news_cache_unavailable", error=str(exc))
            return None

    async def _remember_listing(self, key: str, raw: bytes) -> None:
        try:
            await self._cache.set_json(RECENT_NS, key, raw, CacheTier.WARM)
        except Exception as exc:
            log.warning("news_cache_unavailable", error=str(exc))

    async def _cached_many(self, symbols: Sequence[str], since: datetime, until: datetime) -> dict[str, NewsResponse]:
        """The cached answers of ``symbols`` that have one, in one round trip."""
        window = _window_key(since, until)
        try:
            found = await self._cache.get_many([(f"{CACHE_NS}:{s}", window) for s in symbols], NewsResponse,
                                               CacheTier.WARM)
        except Exception as exc:  # Redis trouble: answer from the sources and the database
            log.warning("news_cache_unavailable", error=str(exc))
            return {}
        return {s: hit for s, hit in zip(symbols, found, strict=True) if hit is not None}

    async def _remember_many(self, responses: Sequence[NewsResponse]) -> None:
        try:
            await self._cache.set_many([(f"{CACHE_NS}:{r.symbol}", _window_key(r.since, r.until), r)
                                        for r in responses], CacheTier.WARM)
        except Exception as exc:
            log.warning("news_cache_unavailable", error=str(exc))

    async def _remember(self, response: NewsResponse) -> None:
        try:
            await self._cache.set(f"{CACHE_NS}:{response.symbol}", _window_key(response.since, response.until),
                                  response, CacheTier.WARM)
        except Exception as exc:
            log.warning("news_cache_unavailable", error=str(exc))


def _symbol(raw: str) -> str:
    symbol = raw.strip().upper()
    if not is_symbol(symbol):
        raise InvalidInput(f"malformed symbol {raw!r}", code="INVALID_SYMBOL", details={"symbol": raw})
    return symbol
