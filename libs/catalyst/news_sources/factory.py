"""Build the configured news sources (``NEWS_SOURCES``, default ``replay``).

Alpaca's source is imported only when configured (alpaca-py loads pandas and pyarrow), and the
synthetic universe only when the replay items are first read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from functools import partial

from catalyst.clock import Clock, SimulatedClock, SystemClock
from catalyst.domain.news import NewsItem
from catalyst.news_sources.base import NewsSource, NewsSourceSettings
from catalyst.news_sources.benzinga import BenzingaNewsSource
from catalyst.news_sources.newsapi import NewsApiSource
from catalyst.news_sources.replay import ReplayNewsSource
from catalyst.news_sources.sec_edgar import SecEdgarSource
from catalyst.news_sources.transport import Sleep


def default_replay_items(seed: int) -> list[NewsItem]:
    """The planted catalysts of the synthetic universe that goes with the replay market data."""
    from catalyst.synthetic.universe import replay_news

    return replay_news(seed=seed)


def replay_clock(settings: NewsSourceSettings, market: Clock | None = None) -> Clock:
    """The News service's now: ``NEWS_REPLAY_NOW`` when set (a fixed instant, pinned for News
    only: tests, looking at one moment), else the market clock (``rt.clock``; wall time without one)."""
    if settings.replay_now is not None:
        return SimulatedClock(settings.replay_now)
    return market or SystemClock()


def build_sources(settings: NewsSourceSettings, *, replay_items: Sequence[NewsItem] | None = None,
                  clock: Clock | None = None, sleep: Sleep | None = None) -> list[NewsSource]:
    """One adapter per configured name, in configured order; a missing key raises SourceError."""
    pause: Sleep = sleep or asyncio.sleep
    sources: list[NewsSource] = []
    for name in settings.sources:
        if name == "replay":
            seed = settings.replay_seed
            items = replay_items if replay_items is not None else partial(default_replay_items, seed)
            sources.append(ReplayNewsSource(items, clock or replay_clock(settings)))
        elif name == "alpaca":
            from catalyst.news_sources.alpaca import AlpacaNewsSource

            sources.append(AlpacaNewsSource(settings, sleep=pause))
        elif name == "newsapi":
            sources.append(NewsApiSource(settings, sleep=pause))
        elif name == "benzinga":
            sources.append(BenzingaNewsSource(settings, sleep=pause))
        elif name == "sec_edgar":
            sources.append(SecEdgarSource(settings, sleep=pause))
    return sources
