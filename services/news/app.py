"""News service (port 5008): routes and start-up only; the logic is ``catalyst.news``.

Run: ``uvicorn services.news.app:build_app --factory --port 5008``. Sources come from
``NEWS_SOURCES`` (default ``replay``: the synthetic universe's planted catalysts), sentiment from
``SENTIMENT_BACKEND`` (default ``lexicon``; ``finbert`` loads ``FINBERT_MODEL`` offline).
"Now" (the replay source's horizon, the default ``until``, the future-timestamp check of pushed
items) is the market clock (``rt.clock``), unless ``NEWS_REPLAY_NOW`` pins News to one instant.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Path, Query

from catalyst.access import NEWS_INGEST, NEWS_QUERIES
from catalyst.app import ServiceRuntime, app_state, create_app
from catalyst.clock import Clock
from catalyst.config import Settings
from catalyst.contracts import news as api
from catalyst.domain.bounded import SymbolInput, Timestamp
from catalyst.domain.news import NewsItem
from catalyst.environment import read
from catalyst.logging import get_logger
from catalyst.news.config import NewsSettings
from catalyst.news.sentiment.config import build_scorer
from catalyst.news.service import NewsService
from catalyst.news.store import NewsStore
from catalyst.news_sources.factory import build_sources, replay_clock
from catalyst.routing import ModelJSON, serve
from catalyst.services import ServiceName

log = get_logger(__name__)


News = Annotated[NewsService, Depends(app_state("news", NewsService))]

news_router = APIRouter(tags=["news"])
ingest_router = APIRouter(tags=["news"])  # pushed stories: other callers than the reads
catalyst_router = APIRouter(tags=["catalysts"])


@serve(news_router, api.NewsRoutes.news_for_symbol)
async def news_for_symbol(
    symbol: Annotated[SymbolInput, Path()], news: News,
    since: Annotated[Timestamp | None, Query(description="Default: until minus the look-back")] = None,
    until: Annotated[Timestamp | None, Query(description="Default: now")] = None,
) -> api.NewsResponse:
    """Merged, scored events about ``symbol`` published in the window, newest first.

    When a source fails the stored news is served and the source is listed in ``missing_sources``.
    """
    return await news.news(symbol, since, until)


@serve(ingest_router, api.NewsRoutes.ingest)
async def ingest(body: api.IngestRequest, news: News) -> api.IngestResponse:
    """Store pushed items. Bad items (no headline, unknown symbol, future timestamp …) are listed in
    ``rejected`` by index; when every item is bad the answer is a 400 envelope naming them all."""
    return await news.ingest(body.items)


@serve(catalyst_router, api.NewsRoutes.catalysts_batch)
async def catalysts_batch(body: api.CatalystBatchRequest, news: News) -> api.CatalystBatchResponse:
    """The strongest catalyst of each symbol (the scanner's call): one fetch per source for all symbols."""
    return await news.catalysts(body)


@serve(catalyst_router, api.NewsRoutes.recent_catalysts)
async def recent_catalysts(
    news: News,
    since: Annotated[Timestamp | None, Query(description="Default: until minus the look-back")] = None,
    until: Annotated[Timestamp | None, Query(description="Default: now")] = None,
    min_strength: Annotated[float, Query(ge=0, le=1, allow_inf_nan=False,
                                         description="Only events at least this strong count")] = 0.0,
) -> ModelJSON:
    """Every symbol with news in the window, market-wide, strongest first (the scanner's universe):
    the sources' stories of the window are fetched and stored first (a source without a market-wide
    feed is asked about every listed security)."""
    return ModelJSON(await news.recent_json(since, until, min_strength))


def build_app(settings: Settings | None = None, *, news_settings: NewsSettings | None = None,
              replay_items: Sequence[NewsItem] | None = None, clock: Clock | None = None) -> FastAPI:
    """The News app. ``news_settings`` is read from the environment (here, once) when not given;
    ``replay_items`` replaces the synthetic universe's news for the replay source; ``clock`` replaces
    the environment's market clock."""
    ns = news_settings or read(NewsSettings)

    async def start(app: FastAPI, rt: ServiceRuntime) -> None:
        clock = replay_clock(ns.source_settings, rt.clock)
        sources = build_sources(ns.source_settings, replay_items=replay_items, clock=clock)
        scorer = await asyncio.to_thread(build_scorer, ns.sentiment_settings)
        app.state.news = NewsService(sources=sources, scorer=scorer, store=NewsStore(rt.db), cache=rt.cache,
                                     bus=rt.bus, settings=ns, clock=clock)
        log.info("news_ready", sources=[s.name for s in sources], sentiment=scorer.name,
                 now=_iso(clock.now()))

    async def stop(app: FastAPI, _rt: ServiceRuntime) -> None:
        service: NewsService | None = getattr(app.state, "news", None)
        if service is not None:
            await service.aclose()

    return create_app(
        ServiceName.NEWS, settings=settings,
        routers=[(news_router, NEWS_QUERIES), (ingest_router, NEWS_INGEST), (catalyst_router, NEWS_QUERIES)],
        on_startup=[start], on_shutdown=[stop], clock=clock, title="Catalyst News",
        description="News catalysts from several sources, FinBERT or lexicon sentiment (spec 2.3, service 8).",
    )


def _iso(ts: datetime) -> str:
    return ts.isoformat()
