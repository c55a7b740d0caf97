"""The Scanner on a database of this package's own, with the real News, Technical and Pattern apps
in process (built by their ``build_app``, reached through typed clients presenting the Scanner's key).

The universe is every security with daily bars, so no other suite's symbols may be in it: a scratch
database ``catalyst_scanner_<random>`` holds the symbols below, crafted so that each stage of the
funnel drops one of them for one known reason (``EXPECTED_DROPS``) and two get through:

- ``SCGOA``, ``SCGOB``: a 25% pole, a 14-day flag and a breakout on 3x volume (bull flag ~0.82,
  RSI ~58, volume ratio ~3.3), and a strong bullish catalyst;
- ``SCPNY`` ($3.80) and ``SCTHN`` (0.5M shares a day) fail the universe on price and volume,
  ``SCNOB`` has news but no daily bars; ``SCQUT`` has no news in the window, so it is not in the
  universe at all (news-first: the universe is the symbols with news);
- ``SCDUL``'s only news is a conference appearance (catalyst strength below 0.7);
- ``SCHOT`` ran up without pausing (RSI ~76);
- ``SCWEK``'s pole is 12% (bull flag ~0.52).

All apps read one ``SimulatedClock`` at ``NOW``, a day after the last daily bar (so it is complete).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi import FastAPI

from catalyst.clients.news import NewsClient
from catalyst.clients.pattern import PatternClient
from catalyst.clients.technical import TechnicalClient
from catalyst.clock import SimulatedClock
from catalyst.config import Settings
from catalyst.db import Database
from catalyst.db.bar_frame import BarFrame
from catalyst.db.bars import BarStore
from catalyst.domain.news import NewsItem
from catalyst.environment import read
from catalyst.news.config import NewsSettings
from catalyst.news.sentiment.config import SentimentSettings
from catalyst.news_sources.base import NewsSourceSettings
from catalyst.scanner.config import ScannerSettings
from catalyst.services import ServiceName
from services.news.app import build_app as build_news_app
from services.pattern.app import build_app as build_pattern_app
from services.scanner.app import build_app as build_scanner_app
from services.technical.app import build_app as build_technical_app
from tests.support.database import connected, scratch_dsn
from tests.support.services import http_client, running, service_client

DAILY_START = np.datetime64("2024-01-01T05:00", "ns")  # midnight New York (EST)
QUIET_DAYS = 200


@dataclass(frozen=True)
class Shape:
    """A daily series: ``QUIET_DAYS`` of random walk at ``base``, a pole of ``pole`` (fraction) over 5
    days, a flag of 14 days swinging between 30% and 5% below the pole top (or ``pause=False``: a
    steady drift up instead), then a breakout bar on 3x volume."""

    base: float = 20.0
    pole: float = 0.25
    volume: float = 2e6
    pause: bool = True
    seed: int = 1


SHAPES: dict[str, Shape] = {
    "SCGOA": Shape(base=20.0, seed=1),
    "SCGOB": Shape(base=30.0, seed=2),
    "SCPNY": Shape(base=3.0, seed=3),
    "SCTHN": Shape(base=20.0, volume=5e5, seed=4),
    "SCQUT": Shape(base=20.0, seed=5),
    "SCDUL": Shape(base=20.0, seed=6),
    "SCHOT": Shape(base=20.0, pause=False, seed=7),
    "SCWEK": Shape(base=20.0, pole=0.12, seed=8),
}
FLAG_DAYS = 14


def daily_rows(shape: Shape) -> tuple[np.ndarray, np.ndarray]:
    """(open, high, low, close) rows and volumes of ``shape``."""
    rng = np.random.default_rng(shape.seed)
    quiet = shape.base * np.exp(np.cumsum(rng.normal(0.0, 0.004, QUIET_DAYS)))
    quiet *= shape.base / quiet[-1]
    top = shape.base * (1 + shape.pole)
    height = top - shape.base
    closes = [*quiet, *np.linspace(shape.base, top, 6)[1:]]
    if shape.pause:
        closes += [top - height * (0.3 if i % 2 == 0 else 0.05) for i in range(FLAG_DAYS)]
        volumes = [shape.volume] * QUIET_DAYS + [2 * shape.volume] * 5 + [0.5 * shape.volume] * FLAG_DAYS
    else:
        closes += list(top * np.cumprod(np.full(FLAG_DAYS, 1.004)))
        volumes = [shape.volume] * QUIET_DAYS + [2 * shape.volume] * 5 + [shape.volume] * FLAG_DAYS
    spread = shape.base * 0.002
    rows, prev = [], closes[0]
    for c in closes:
        rows.append((prev, max(prev, c) + spread, min(prev, c) - spread, c))
        prev = c
    flag_high = max(r[1] for r in rows[-FLAG_DAYS:])
    rows.append((prev, flag_high + 0.05 + spread, prev - spread, flag_high + 0.05))
    volumes.append(3 * shape.volume)
    return np.round(np.array(rows), 4), np.array(volumes)


def frame(symbol: str, shape: Shape) -> BarFrame:
    rows, volumes = daily_rows(shape)
    n = rows.shape[0]
    ts = DAILY_START + np.arange(n) * np.timedelta64(1, "D")
    o, h, lo, c = rows.T
    return BarFrame.from_arrays(np.full(n, symbol, dtype=object), ts, o, h, lo, c, volumes)


LAST_BAR = (DAILY_START + (QUIET_DAYS + 5 + FLAG_DAYS) * np.timedelta64(1, "D")).astype("datetime64[us]").item()
NOW = LAST_BAR.replace(tzinfo=UTC) + timedelta(days=1, hours=10)  # 10:00 New York the next day

HEADLINES = {
    "SCGOA": "FDA approves SCGOA's migraine drug, shares jump premarket",
    "SCGOB": "SCGOB wins $200 million Navy contract",
    "SCPNY": "FDA approves SCPNY's migraine drug, shares jump premarket",
    "SCTHN": "SCTHN wins $200 million Navy contract",
    "SCDUL": "SCDUL to present at investor conference",
    "SCHOT": "FDA approves SCHOT's migraine drug, shares jump premarket",
    "SCWEK": "SCWEK wins $300 million Army contract",
}


def news_items() -> list[NewsItem]:
    """One story per symbol but SCQUT, two hours before ``NOW``, an old one (outside 24 h) for SCQUT,
    and one for SCNOB, which has no bars."""
    items = [NewsItem(source="replay", source_id=f"sc-{s}", symbols=[s], headline=h,
                      published_at=NOW - timedelta(hours=2)) for s, h in HEADLINES.items()]
    items.append(NewsItem(source="replay", source_id="sc-old", symbols=["SCQUT"],
                          headline="FDA approves SCQUT's migraine drug", published_at=NOW - timedelta(hours=40)))
    items.append(NewsItem(source="replay", source_id="sc-nob", symbols=["SCNOB"],
                          headline="SCNOB wins $100 million Navy contract", published_at=NOW - timedelta(hours=3)))
    return items


@pytest.fixture(scope="package")
def scanner_dsn() -> Iterator[str]:
    with scratch_dsn("catalyst_scanner") as dsn:
        yield dsn


@pytest.fixture(scope="package")
async def scanner_db(scanner_dsn: str) -> AsyncIterator[Database]:
    async with connected(scanner_dsn) as db:
        store = BarStore(db)
        for symbol, shape in SHAPES.items():
            await store.ingest(frame(symbol, shape), "1Day")
        yield db


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(NOW)


@pytest.fixture
def scanner_settings(make_settings: Callable[..., Settings], scanner_dsn: str) -> Callable[..., Settings]:
    """Settings of ``service`` on the package's database, under one Redis namespace per test."""
    namespace = f"test-scanner-{uuid.uuid4().hex[:8]}:"

    def make(service: ServiceName, **env: Any) -> Settings:
        return make_settings(service, DATABASE_URL=scanner_dsn, REDIS_NAMESPACE=namespace, HTTP_RETRY_ATTEMPTS=1,
                             **env)

    return make


@dataclass
class Upstream:
    """The running News, Technical and Pattern apps, and the Scanner's typed clients to them."""

    news: NewsClient
    technical: TechnicalClient
    pattern: PatternClient


@pytest.fixture
async def upstream(scanner_db: Database, scanner_settings: Callable[..., Settings],
                   clock: SimulatedClock) -> AsyncIterator[Upstream]:
    news_settings = NewsSettings(source_settings=NewsSourceSettings(NEWS_SOURCES="replay"),
                                 sentiment_settings=SentimentSettings(SENTIMENT_BACKEND="lexicon"))
    apps = {
        ServiceName.NEWS: build_news_app(scanner_settings(ServiceName.NEWS), news_settings=news_settings,
                                         replay_items=news_items(), clock=clock),
        ServiceName.TECHNICAL: build_technical_app(scanner_settings(ServiceName.TECHNICAL), clock=clock),
        ServiceName.PATTERN: build_pattern_app(scanner_settings(ServiceName.PATTERN), clock=clock),
    }
    async with AsyncExitStack() as stack:
        clients = {}
        for service, app in apps.items():
            await stack.enter_async_context(running(app))
            clients[service] = await stack.enter_async_context(service_client(app, caller=ServiceName.SCANNER,
                                                                              timeout_s=30))
        yield Upstream(NewsClient(clients[ServiceName.NEWS]), TechnicalClient(clients[ServiceName.TECHNICAL]),
                       PatternClient(clients[ServiceName.PATTERN]))


ScannerFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def scanner(upstream: Upstream, scanner_settings: Callable[..., Settings],
            clock: SimulatedClock) -> ScannerFactory:
    """``async with scanner(**overrides) as client``: the Scanner app running (Workflow's key), its
    peers the upstream apps unless ``news=`` / ``technical=`` / ``pattern=`` replace one;
    ``settings=``: the Scanner's environment (``ScannerSettings`` variables; nothing else is read)."""

    @asynccontextmanager
    async def run(*, settings: dict[str, str] | None = None, caller: ServiceName = ServiceName.WORKFLOW,
                  **peers: Any) -> AsyncIterator[httpx.AsyncClient]:
        clients = {"news": upstream.news, "technical": upstream.technical, "pattern": upstream.pattern, **peers}
        app: FastAPI = build_scanner_app(scanner_settings(ServiceName.SCANNER),
                                         scanner_settings=read(ScannerSettings, settings or {}), clock=clock, **clients)
        async with running(app), http_client(app, caller=caller, timeout_s=30) as client:
            yield client

    return run
