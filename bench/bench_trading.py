"""SimBroker order throughput, and order submission end to end through the OMS and the service.

Creates a scratch database ``catalyst_bench_trading_<random>`` (migrated) and drops it at the end.

- Engine: ``SimEngine`` alone (pure): submit N market orders over 50 symbols, then one bar per
  symbol fills them all (slippage, commission, positions, cash).
- SimBroker, in-memory ledger: the async adapter (``submit_order`` pulls bars first, saves the
  books, queues updates), then ``sync`` fills everything on the next bars.
- SimBroker, Postgres ledger: the same with every operation saved in its own transaction.
- OMS in process: ``OrderManager.submit`` of limit entries with a signed approval: classification
  under the per-security lock, approval check, the order row committed, SimBroker (Postgres
  ledger) called, its answer applied (status, broker id) in a second transaction.
- HTTP: ``POST /api/v1/orders`` to the real service run by uvicorn in its own process on
  127.0.0.1 (SimBroker on its Postgres ledger), one keep-alive client, sequential requests.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench.common import free_port
from catalyst.brokers.feeds import InMemoryBarFeed
from catalyst.brokers.sim import SimBroker
from catalyst.brokers.sim_engine import SimCosts, SimEngine
from catalyst.brokers.sim_ledger import InMemorySimLedger, PostgresSimLedger, SimLedger
from catalyst.clock import SimulatedClock
from catalyst.config import dev_api_key
from catalyst.db import Database
from catalyst.db.scratch import scratch_database
from catalyst.domain.market import Bar
from catalyst.domain.order_request import OrderRequest
from catalyst.domain.orders import OrderType, Side
from catalyst.logging import configure_logging
from catalyst.risk.approvals import sign_approval
from catalyst.services import ServiceName
from catalyst.trading.config import TradingSettings
from catalyst.trading.oms import OrderManager

ROOT = Path(__file__).resolve().parents[1]
ADMIN_DSN = os.environ.get("CATALYST_BENCH_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
SYMBOLS = [f"S{i:02d}" for i in range(50)]
T0 = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
ENGINE_N, MEMORY_N, POSTGRES_N, OMS_N, HTTP_N = 50_000, 10_000, 1_000, 500, 300
SECRET = "bench-secret"


def _bar(symbol: str, minute: int, price: float = 100.0) -> Bar:
    return Bar(symbol=symbol, ts=T0 + timedelta(minutes=minute), open=price, high=price * 1.01, low=price * 0.99,
               close=price, volume=1e9)


def _requests(n: int, prefix: str) -> list[OrderRequest]:
    return [OrderRequest(client_order_id=f"{prefix}-{i}", symbol=SYMBOLS[i % len(SYMBOLS)],
                         side=Side.BUY if i % 2 == 0 else Side.SELL, quantity=10) for i in range(n)]


def bench_engine() -> float:
    engine = SimEngine(initial_cash=1e12, costs=SimCosts(slippage_bps=5, commission_per_share=0.005))
    orders = _requests(ENGINE_N, "e")
    started = time.perf_counter()
    for r in orders:
        engine.submit(r, T0)
    for s in SYMBOLS:
        engine.on_bar(_bar(s, 0))
    elapsed = time.perf_counter() - started
    assert all(not o.is_open for o in engine.orders.values())
    return ENGINE_N / elapsed


async def bench_sim_broker(ledger: SimLedger, n: int) -> float:
    feed = InMemoryBarFeed([_bar(s, 0) for s in SYMBOLS])
    clock = SimulatedClock(T0 + timedelta(minutes=1))
    engine = SimEngine(initial_cash=1e12, account="bench")
    broker = SimBroker(engine, feed, ledger, clock=clock)
    await broker.start()
    orders = _requests(n, f"b{uuid.uuid4().hex[:6]}")
    started = time.perf_counter()
    for r in orders:
        await broker.submit_order(r)
    for s in SYMBOLS:
        feed.publish(_bar(s, 1))
    clock.set(T0 + timedelta(minutes=2))
    await broker.sync()
    elapsed = time.perf_counter() - started
    assert not engine.open_symbols()
    return n / elapsed


async def bench_oms(dsn: str) -> tuple[float, float, float]:
    db = Database(dsn)
    await db.connect()
    feed = InMemoryBarFeed()
    clock = SimulatedClock(datetime.now(UTC))
    engine = SimEngine(initial_cash=1e12, account="oms")
    broker = SimBroker(engine, feed, PostgresSimLedger(db), clock=clock)
    await broker.start()
    oms = OrderManager(db, broker, broker_name="sim_oms", feed=feed, bus=None, approval_secret=SECRET,
                       settings=TradingSettings(), clock=clock)
    latencies = []
    started = time.perf_counter()
    for i in range(OMS_N):
        symbol = SYMBOLS[i % len(SYMBOLS)]
        approval = sign_approval(symbol=symbol, side=Side.BUY, max_quantity=10, price_bound=100, secret=SECRET,
                                 now=clock.now())
        request = OrderRequest(symbol=symbol, side=Side.BUY, quantity=10, order_type=OrderType.LIMIT,
                               limit_price=90)
        t = time.perf_counter()
        await oms.commands.submit(request, approval)
        latencies.append(time.perf_counter() - t)
    elapsed = time.perf_counter() - started
    await db.close()
    return OMS_N / elapsed, statistics.median(latencies) * 1e3, _p99(latencies) * 1e3


def _p99(values: list[float]) -> float:
    return sorted(values)[int(0.99 * (len(values) - 1))]


async def bench_http(dsn: str) -> tuple[float, float, float]:
    port = free_port()
    env = os.environ | {
        "CATALYST_SERVICE": "trading", "CATALYST_ENV": "test", "DATABASE_URL": dsn, "REDIS_URL": REDIS_URL,
        "REDIS_NAMESPACE": f"bench-{uuid.uuid4().hex[:6]}:", "RISK_APPROVAL_SECRET": SECRET, "LOG_LEVEL": "WARNING",
        "BROKER": "sim", "SIM_ACCOUNT": "http", "TRADING_RECONCILE_INTERVAL": "3600",
    }
    with tempfile.TemporaryFile() as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "uvicorn", "services.trading.app:build_app", "--factory", "--host", "127.0.0.1",
            "--port", str(port), cwd=ROOT, env=env, stdout=log, stderr=asyncio.subprocess.STDOUT)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30,
                                         headers={"X-API-Key": dev_api_key(ServiceName.WORKFLOW)}) as client:
                await _wait_live(client, proc)
                latencies = []
                started = time.perf_counter()
                for i in range(HTTP_N):
                    symbol = SYMBOLS[i % len(SYMBOLS)]
                    approval = sign_approval(symbol=symbol, side=Side.BUY, max_quantity=10, price_bound=100,
                                             secret=SECRET)
                    body = {"symbol": symbol, "side": "buy", "quantity": 10, "order_type": "limit",
                            "limit_price": 90, "approval": approval.model_dump(mode="json")}
                    t = time.perf_counter()
                    answer = await client.post("/api/v1/orders", json=body)
                    latencies.append(time.perf_counter() - t)
                    assert answer.status_code == 201, answer.text
                elapsed = time.perf_counter() - started
        finally:
            proc.terminate()
            await asyncio.wait_for(proc.wait(), 10)
    return HTTP_N / elapsed, statistics.median(latencies) * 1e3, _p99(latencies) * 1e3


async def _wait_live(client: httpx.AsyncClient, proc: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.returncode is not None:
            raise RuntimeError("trading service exited")
        try:
            if (await client.get("/live")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("trading service did not start")


@dataclass
class Figures:
    engine: float
    memory: float
    postgres: float
    oms: tuple[float, float, float]
    http: tuple[float, float, float]


async def _measure() -> Figures:
    async with scratch_database(ADMIN_DSN, "catalyst_bench_trading") as dsn:
        db = Database(dsn)
        await db.connect()
        postgres_rate = await bench_sim_broker(PostgresSimLedger(db), POSTGRES_N)
        await db.close()
        return Figures(engine=bench_engine(), memory=await bench_sim_broker(InMemorySimLedger(), MEMORY_N),
                       postgres=postgres_rate, oms=await bench_oms(dsn), http=await bench_http(dsn))


def run() -> str:
    configure_logging("bench", "WARNING")
    m = asyncio.run(_measure())
    oms, http = m.oms, m.http
    return "\n".join([
        "## Trading: SimBroker order throughput and order submission",
        "",
        "Command: `make bench` (alone: `.venv/bin/python -c \"import bench.bench_trading as b; print(b.run())\"`).",
        "",
        "| Measure | Orders | Figure | Issue target |",
        "|---|---|---|---|",
        f"| SimEngine submit + fill (pure, in memory) | {ENGINE_N:,} | {m.engine:,.0f} orders/s | none set |",
        f"| SimBroker submit + fill, in-memory ledger | {MEMORY_N:,} | {m.memory:,.0f} orders/s | none set |",
        f"| SimBroker submit + fill, Postgres ledger | {POSTGRES_N:,} | {m.postgres:,.0f} orders/s | none set |",
        f"| OMS submit in process (approval, row, broker, answer) | {OMS_N:,} | {oms[0]:,.0f} orders/s; "
        f"p50 {oms[1]:.1f} ms, p99 {oms[2]:.1f} ms | none set |",
        f"| `POST /api/v1/orders` over HTTP (uvicorn, sequential) | {HTTP_N:,} | {http[0]:,.0f} orders/s; "
        f"p50 {http[1]:.1f} ms, p99 {http[2]:.1f} ms | none set |",
        "",
        "Market orders over 50 symbols for the SimBroker rows (filled by the next bar of each symbol); limit "
        "entries with a signed approval for the OMS and HTTP rows (accepted, not filled). Every OMS order "
        "writes its row and commits before the broker is called, then applies the answer in a second "
        "transaction; the sim saves its books in a third. Single process, one order at a time; figures taken "
        "while other work shares the machine are noisy.",
    ])


if __name__ == "__main__":
    print(run())
