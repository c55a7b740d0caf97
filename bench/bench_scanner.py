"""Scanner: a full five-stage scan through the real News, Technical and Pattern services on loopback.

Creates a scratch database ``catalyst_bench_scanner_<random>`` (migrated, dropped at the end) with
5,000 securities of 260 daily bars each (random walks; a third end in a 25% pole, a 14-day flag
and a breakout on 3x volume, so every stage has work), and pushes one story per symbol to News
(half contract wins or FDA approvals, half conference appearances). The four services run under
uvicorn, each in its own process on a free 127.0.0.1 port, all on one replay clock a day after the
last bar; the Scanner calls its peers over HTTP with its own key. The benchmark posts
``/api/v1/scan/start`` with Workflow's key and times it from the client; the Scanner's
``timings_ms`` say where the time went inside.

- 200: ``universe_size`` 200 (the API's bound): the 200 most liquid of the 5,000, all with news. The
  universe is news-first (News lists the symbols with news, market-wide), so on this day, when every
  listed security has a story, all 5,000 enter stage 1 and are stored with their reason.
- 5,000: the same scan with the Scanner's universe bound lifted (``SCANNER_MAX_UNIVERSE=5000``, a
  setting of the Scanner, not the API's 50..200): Technical and Pattern take at most 200 symbols
  a batch and News 500, so the Scanner sends one stage in chunks, 4 at a time.

Each size runs "warm" (the upstream services' caches as the previous scan left them: indicators and
patterns for 5 minutes, news per minute of the window) and "cold" (every cache key of the run's
Redis namespace deleted before each scan, so every stage computes).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import redis.asyncio as aioredis

from bench.common import load_average, machine_load, service
from catalyst.config import dev_api_key
from catalyst.db import Database
from catalyst.db.bar_frame import BarFrame
from catalyst.db.bars import BarStore
from catalyst.db.scratch import scratch_database
from catalyst.logging import configure_logging
from catalyst.services import ServiceName

ROOT = Path(__file__).resolve().parents[1]
ADMIN_DSN = os.environ.get("CATALYST_BENCH_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
SYMBOLS = 5_000
DAYS = 260
FLAG_DAYS = 14
START = np.datetime64("2025-01-01T05:00", "ns")  # midnight New York
NOW = (START + DAYS * np.timedelta64(1, "D")).astype("datetime64[us]").item().replace(tzinfo=UTC) \
    + timedelta(hours=10)  # 10:00 New York the day after the last bar
LOGS = Path(tempfile.gettempdir()) / "catalyst-bench-scanner"
TARGET_P95_MS = 250.0
RUNS = {200: (30, 10), 5_000: (5, 3)}  # universe size: (warm runs, cold runs)
STAGES = ("universe", "news", "catalyst", "technical", "pattern", "final", "headlines", "store")
HEADLINES = ("{s} wins $200 million Navy contract", "FDA approves {s}'s migraine drug, shares jump premarket",
             "{s} to present at investor conference", "{s} to present at investor conference")


def symbols() -> list[str]:
    return [f"BS{i:04d}" for i in range(SYMBOLS)]


def _series(rng: np.random.Generator, flagged: bool) -> tuple[np.ndarray, np.ndarray]:
    """(open, high, low, close) rows and volumes: a random walk, or one ending in a bull flag."""
    base = float(np.exp(rng.uniform(np.log(8.0), np.log(200.0))))
    volume = float(round(rng.uniform(0.5e6, 8e6), -2))  # whole shares, halved and tripled below
    tail = 5 + FLAG_DAYS + 1 if flagged else 0
    walk = base * np.exp(np.cumsum(rng.normal(0.0, 0.012, DAYS - tail)))
    closes, volumes = list(walk), [volume] * (DAYS - tail)
    if flagged:
        top = walk[-1] * 1.25
        closes += list(np.linspace(walk[-1], top, 6)[1:])
        closes += [top - (top - walk[-1]) * (0.3 if i % 2 == 0 else 0.05) for i in range(FLAG_DAYS)]
        volumes += [2 * volume] * 5 + [0.5 * volume] * FLAG_DAYS
    spread = base * 0.002
    rows, prev = [], closes[0]
    for c in closes:
        rows.append((prev, max(prev, c) + spread, min(prev, c) - spread, c))
        prev = c
    if flagged:
        high = max(r[1] for r in rows[-FLAG_DAYS:])
        rows.append((prev, high + 0.05 + spread, prev - spread, high + 0.05))
        volumes.append(3 * volume)
    return np.round(np.array(rows), 4), np.array(volumes)


def bars(names: list[str]) -> BarFrame:
    rng = np.random.default_rng(20261202)
    parts = [_series(rng, flagged=i % 3 == 0) for i in range(len(names))]
    rows = np.vstack([p[0] for p in parts])
    volumes = np.concatenate([p[1] for p in parts])
    ts = np.tile(START + np.arange(DAYS) * np.timedelta64(1, "D"), len(names))
    o, h, lo, c = rows.T
    return BarFrame.from_arrays(np.repeat(np.array(names, dtype=object), DAYS), ts, o, h, lo, c, volumes)


def stories(names: list[str]) -> list[dict[str, Any]]:
    published = (NOW - timedelta(hours=2)).isoformat()
    return [{"source": "benzinga", "source_id": f"bench-{s}", "symbols": [s],
             "headline": HEADLINES[i % len(HEADLINES)].format(s=s), "published_at": published}
            for i, s in enumerate(names)]


async def _clear_caches(redis: aioredis.Redis, namespace: str) -> None:
    async for key in redis.scan_iter(match=f"{namespace}cache:*", count=1000):
        await redis.delete(key)


async def _scans(base: str, size: int, runs: int, cold: bool, redis: aioredis.Redis,
                 namespace: str) -> tuple[list[float], list[dict[str, Any]]]:
    walls, results = [], []
    headers = {"X-API-Key": dev_api_key(ServiceName.WORKFLOW)}
    async with httpx.AsyncClient(base_url=base, timeout=120, headers=headers) as client:
        for _ in range(runs):
            if cold:
                await _clear_caches(redis, namespace)
            t0 = time.perf_counter()
            response = await client.post("/api/v1/scan/start", json={"universe_size": size})
            walls.append((time.perf_counter() - t0) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"scan failed: {response.status_code} {response.text[:500]}")
            result = response.json()
            if result["warnings"]:
                raise RuntimeError(f"scan degraded: {result['warnings']} (service logs: {LOGS})")
            results.append(result)
    return walls, results


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _measure() -> tuple[dict[tuple[int, str], tuple[list[float], list[dict[str, Any]]]], float]:
    names = symbols()
    namespace = f"bench-scanner-{uuid.uuid4().hex[:6]}:"
    async with scratch_database(ADMIN_DSN, "catalyst_bench_scanner") as dsn:
        db = Database(dsn)
        await db.connect()
        t0 = time.perf_counter()
        await BarStore(db).ingest(bars(names), "1Day")
        seeded = time.perf_counter() - t0
        await db.close()
        env = {"CATALYST_ENV": "test", "DATABASE_URL": dsn, "REDIS_URL": REDIS_URL, "REDIS_NAMESPACE": namespace,
               "LOG_LEVEL": "WARNING", "MARKET_CLOCK": "replay", "REPLAY_START": NOW.isoformat(),
               "REPLAY_ANCHOR": datetime.now(UTC).isoformat(), "REPLAY_SPEED": "1", "SENTIMENT_BACKEND": "lexicon",
               "NEWS_SOURCES": "replay", "HTTP_TIMEOUT": "120", "SCANNER_MAX_UNIVERSE": str(SYMBOLS)}
        figures: dict[tuple[int, str], tuple[list[float], list[dict[str, Any]]]] = {}
        LOGS.mkdir(parents=True, exist_ok=True)
        with ExitStack() as stack:
            urls = {s: stack.enter_context(service(s, env, LOGS)) for s in
                    (ServiceName.NEWS, ServiceName.TECHNICAL, ServiceName.PATTERN)}
            peers = {f"{s.value.upper()}_URL": url for s, url in urls.items()}
            scanner = stack.enter_context(service(ServiceName.SCANNER, {**env, **peers}, LOGS))
            headers = {"X-API-Key": dev_api_key(ServiceName.WORKFLOW)}
            async with httpx.AsyncClient(base_url=urls[ServiceName.NEWS], timeout=120, headers=headers) as news:
                items = stories(names)
                for i in range(0, len(items), 1000):
                    pushed = await news.post("/api/v1/news/ingest", json={"items": items[i:i + 1000]})
                    if pushed.status_code != 200:
                        raise RuntimeError(f"news ingest failed: {pushed.text[:500]}")
            redis = aioredis.from_url(REDIS_URL)
            try:
                for size, (warm_runs, cold_runs) in RUNS.items():
                    await _scans(scanner, size, 1, False, redis, namespace)  # connections, imports
                    figures[(size, "cold")] = await _scans(scanner, size, cold_runs, True, redis, namespace)
                    figures[(size, "warm")] = await _scans(scanner, size, warm_runs, False, redis, namespace)
            finally:
                await redis.aclose()
    return figures, seeded


def run() -> str:
    configure_logging("bench", "WARNING")
    load_before = load_average()
    figures, seeded = asyncio.run(_measure())

    def row(size: int, kind: str) -> str:
        walls, results = figures[(size, kind)]
        stages = [statistics.median(r["timings_ms"][s] for r in results) for s in STAGES]
        target = f"p95 < {TARGET_P95_MS:.0f} ms: " + ("met" if _pct(walls, 0.95) < TARGET_P95_MS else "**missed**") \
            if size == 200 else ""
        return (f"| {size:,} | {kind} | {len(walls)} | {statistics.median(walls):,.1f} | {_pct(walls, 0.95):,.1f} | "
                + " | ".join(f"{x:,.1f}" for x in stages) + f" | {target} |")

    def funnel(size: int) -> str:
        result = figures[(size, "warm")][1][-1]
        return " → ".join(f"{s['stage']} {s['passed']:,}" for s in result["stages"])

    def heaviest(size: int, kind: str) -> str:
        results = figures[(size, kind)][1]
        medians = {s: statistics.median(r["timings_ms"][s] for r in results) for s in STAGES}
        top = sorted(medians, key=lambda s: -medians[s])[:3]
        return ", ".join(f"{s} {medians[s]:,.0f} ms" for s in top)

    table = "\n".join(row(size, kind) for size in RUNS for kind in ("cold", "warm"))
    return f"""## Scanner: a five-stage scan through News, Technical and Pattern

Command: `make bench` (module `bench/bench_scanner.py`; alone: `.venv/bin/python -m bench scanner`,
`.venv/bin/python -m bench --write scanner` also rewrites this section). Scratch database
`catalyst_bench_scanner_<random>` with {SYMBOLS:,} securities × {DAYS} daily bars (written in {seeded:.1f} s;
a third end in a bull flag), one story per symbol pushed to News. News, Technical, Pattern and the
Scanner each run under uvicorn in their own process on 127.0.0.1, on one replay clock a day after
the last bar; the Scanner calls its peers over HTTP (one batch call per stage; Technical and Pattern
take at most 200 symbols a call and News 500, so the 5,000 scan sends each stage in chunks, 4 at a
time: `SCANNER_MAX_CALLS_IN_FLIGHT`).
Wall time is `POST /api/v1/scan/start` seen by the client; the stage columns are the medians of the
Scanner's own `timings_ms` (universe: the ranking read from the database and the filter; news: News'
list of the symbols with news, which the universe and catalyst stages judge; headlines: the
candidates' headlines, which that compact list leaves out; store: the scan's rows).

| Universe | Caches | Scans | p50 (ms) | p95 (ms) | universe | news | catalyst | technical | pattern | final \
| headlines | store | Target |
|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|
{table}

- Funnel of the last warm scan: 200: {funnel(200)}; 5,000: {funnel(5_000)}.
- "cold": every cache key of the run's Redis namespace deleted before each scan (News' answers,
  Technical's indicators, Pattern's detections, the Scanner's kept catalysts), so each stage computes
  and Technical writes its `technical_indicators` rows; "warm": what the previous scan left in them.
- Where a cold 200 scan goes (medians): {heaviest(200, "cold")}. The universe is news-first: News lists
  the symbols with news in the last 24 h (here every one of the {SYMBOLS:,}: the day's stress) and the
  universe read ranks every listed security by mean dollar volume, so both grow with the market, not
  with `universe_size`, and every symbol with news is stored with its reason; the ranking is cached
  per daily bar horizon for 5 minutes (the warm column). Technical's cold figure includes writing its
  `technical_indicators` rows.
- News' list of the symbols with news (`GET /api/v1/catalysts/recent`) is a compact `CatalystListing`:
  one array per field of what the universe and catalyst stages judge, no event objects and no
  headlines, so the Scanner parses thousands of rows as a few arrays; the candidates' headlines are
  one batch call for those few symbols (the headlines column).
- The upstream batch endpoints read and write their caches in one round trip per batch (MGET, one
  pipeline: `Cache.get_many` / `set_many`) rather than one GET and one SET per symbol, which had made
  News the largest stage of a warm scan. The Scanner sends at most 4 chunks of a stage at once
  (`SCANNER_MAX_CALLS_IN_FLIGHT`): 12 at once exhausted Technical's Redis pool of 10 connections,
  which answered 500.
- The 5,000 scan lifts the Scanner's own bound (`SCANNER_MAX_UNIVERSE=5000`); the API's 50..200 stays
  the default. Its cost grows with the symbols each stage is given: the universe read walks 20 daily
  bars per security, News scores per symbol, Technical and Pattern read and compute per chunk of 200,
  and every symbol of the universe is stored with its reason.
- {machine_load(load_before)}figures taken while other jobs load the CPU are noisy.
"""
