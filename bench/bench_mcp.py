"""Orchestration: MCP tool-call latency through the whole chain on loopback.

Creates a scratch database ``catalyst_bench_mcp_<random>`` (migrated, dropped at the end) holding the
replay set's last day (its daily and one-minute bars). Trading (simulated broker, filling at the last
bar), Risk, News (replay source), Technical, Pattern, the Scanner, Reporting, Workflow and
Orchestration each run under uvicorn in their own process on a free 127.0.0.1 port, on one replay
clock at 10:15 New York that day; the cycle's pre-market scan and open run first. The MCP client is
fastmcp's over streamable HTTP (one session, sequential calls) presenting the MCP key.

Each tool is timed end to end at the client (MCP client → Orchestration → Workflow → the owning
service → PostgreSQL), and the same read one hop shorter (Workflow's REST route with Orchestration's
key) and two hops shorter (the owning service's route), so the differences say what each hop costs.
``execute_trade`` is timed as its two calls (the preview, then the confirmation with the preview's
token), a one-share market buy each time, with limits wide enough that every one is approved; each
round also sends Workflow the same preview and a placed order of its own, so the book grows by two
orders a round for both.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from datetime import UTC, date, datetime
from datetime import time as day_time
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from fastmcp import Client
from fastmcp.client.transports import StreamableHttpTransport

from bench.common import load_average, machine_load, percentile, service
from catalyst.bar_columns import to_ns
from catalyst.config import dev_api_key
from catalyst.contracts.risk import RiskRoutes
from catalyst.contracts.trading import TradingRoutes
from catalyst.db import Database
from catalyst.db.scratch import scratch_database
from catalyst.domain.calendar import NEW_YORK
from catalyst.logging import configure_logging
from catalyst.services import Operator, ServiceName
from catalyst.synthetic.load import load_replay
from catalyst.synthetic.universe import build_universe, expected_candidates

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"
DAY = date(2013, 3, 1)
NOW = datetime.combine(DAY, day_time(10, 15), tzinfo=NEW_YORK).astimezone(UTC)
CALLS = 500
WARM_UP = 3  # rounds not counted: connections, caches
MCP_KEY = "bench-mcp-key"
LOGS = Path(tempfile.gettempdir()) / "catalyst-bench-mcp"
TARGETS_MS = {"read": 25.0, "trade": 50.0}
WIDE_LIMITS = """account_equity: 10000000.0
daily_loss_limit: 1000000.0
max_position_pct: 1.0
max_positions: 100
max_correlation: 1.0
min_risk_reward: 0.0
stop_atr_multiple: 10.0
"""
ORDER = (ServiceName.TRADING, ServiceName.RISK, ServiceName.NEWS, ServiceName.TECHNICAL, ServiceName.PATTERN,
         ServiceName.SCANNER, ServiceName.REPORTING, ServiceName.WORKFLOW, ServiceName.ORCHESTRATION)


Call = Callable[[], Awaitable[Any]]


async def _round(calls: dict[str, Call], figures: dict[str, list[float]]) -> dict[str, Any]:
    """One call of each, in order, each timed into ``figures`` (milliseconds); their answers by name."""
    answers = {}
    for label, call in calls.items():
        started = time.perf_counter()
        answers[label] = await call()
        figures.setdefault(label, []).append((time.perf_counter() - started) * 1000)
    return answers


def _ok(response: httpx.Response) -> httpx.Response:
    if response.status_code != 200:
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text[:300]}")
    return response


async def _tool(client: Client[Any], name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(name, arguments)
    structured: dict[str, Any] = result.structured_content or {}
    return structured


def _expect(answer: dict[str, Any], status: str) -> None:
    if answer.get("status") != status:
        raise RuntimeError(f"expected {status}: {answer}")


async def _measure(urls: dict[ServiceName, str], symbol: str) -> dict[str, list[float]]:
    """The hops of one call are timed in the same round, one after another, so that each comparison
    sees the same book (it grows with every placed order) and the same load."""
    workflow = httpx.AsyncClient(base_url=urls[ServiceName.WORKFLOW], timeout=120,
                                 headers={"X-API-Key": dev_api_key(ServiceName.ORCHESTRATION)})
    operator = {"X-API-Key": dev_api_key(Operator.OPERATOR)}
    as_workflow = {"X-API-Key": dev_api_key(ServiceName.WORKFLOW)}
    risk = httpx.AsyncClient(base_url=urls[ServiceName.RISK], headers=operator, timeout=30)
    scanner = httpx.AsyncClient(base_url=urls[ServiceName.SCANNER], headers=operator, timeout=30)
    trading = httpx.AsyncClient(base_url=urls[ServiceName.TRADING], headers=as_workflow, timeout=30)
    try:
        for phase in ("pre_market_scan", "market_open"):
            _ok(await workflow.post(f"/api/v1/workflow/phases/{phase}", json={}, headers=operator))
        minutes = build_universe().minute_bars(DAY)[symbol]
        entry = round(float(minutes.close[int(np.searchsorted(minutes.ts, to_ns(NOW)))]), 2)
        trade = {"symbol": symbol, "quantity": 1, "order_type": "market", "entry": entry,
                 "stop": round(entry * 0.95, 2), "target": round(entry * 1.10, 2)}

        def workflow_trade(mode: str) -> Call:
            async def call() -> dict[str, Any]:
                body = {**trade, "request_id": f"bench-{uuid.uuid4().hex[:12]}", "mode": mode}
                answer: dict[str, Any] = _ok(await workflow.post("/api/v1/workflow/trades", json=body)).json()
                return answer
            return call

        approved: dict[str, Any] = {}

        async def risk_validate() -> None:  # as the Workflow asks before it places an order
            body = {"symbol": symbol, "side": "buy", "quantity": 1, "entry": entry, "order_type": "market",
                    "stop": trade["stop"], "target": trade["target"]}
            approved.update(_ok(await risk.post(RiskRoutes.validate.path, json=body, headers=as_workflow)).json())

        async def trading_submit() -> None:  # the Workflow's order with that approval
            body = {"symbol": symbol, "side": "buy", "quantity": 1, "order_type": "market",
                    "take_profit": trade["target"], "stop_loss": trade["stop"], "approval": approved["approval"],
                    "client_order_id": f"bench-{uuid.uuid4().hex[:16]}"}
            response = await trading.post(TradingRoutes.submit_order.path, json=body)
            if response.status_code != 201:
                raise RuntimeError(f"trading: {response.status_code} {response.text[:300]}")

        transport = StreamableHttpTransport(f"{urls[ServiceName.ORCHESTRATION]}/mcp", headers={"X-API-Key": MCP_KEY})
        figures: dict[str, list[float]] = {}
        async with Client(transport, timeout=120) as mcp:
            reads: dict[str, Call] = {
                "mcp get_risk_status": lambda: _tool(mcp, "get_risk_status", {}),
                "workflow risk status": lambda: workflow.get("/api/v1/workflow/risk/status"),
                "risk status": lambda: risk.get("/api/v1/risk/status"),
                "mcp get_scan_results": lambda: _tool(mcp, "get_scan_results", {}),
                "workflow latest scan": lambda: workflow.get("/api/v1/workflow/scan/latest"),
                "scanner latest scan": lambda: scanner.get("/api/v1/scan/latest"),
            }
            for i in range(WARM_UP + CALLS):
                await _round(reads, figures if i >= WARM_UP else {})
            for i in range(WARM_UP + CALLS):
                into = figures if i >= WARM_UP else {}
                preview = (await _round({"mcp execute_trade preview": lambda: _tool(mcp, "execute_trade", trade)},
                                        into))["mcp execute_trade preview"]
                _expect(preview, "preview")
                confirm = {**trade, "confirmation_token": preview["confirmation_token"]}
                answers = await _round({"mcp execute_trade confirm": partial(_tool, mcp, "execute_trade", confirm),
                                        "workflow trade preview": workflow_trade("preview"),
                                        "workflow trade execute": workflow_trade("execute"),
                                        "risk validate": risk_validate, "trading submit": trading_submit}, into)
                _expect(answers["mcp execute_trade confirm"], "placed")
                _expect(answers["workflow trade execute"], "placed")
        return figures
    finally:
        for client in (workflow, risk, scanner, trading):
            await client.aclose()


async def _run() -> dict[str, list[float]]:
    namespace = f"bench-mcp-{uuid.uuid4().hex[:6]}:"
    symbol = expected_candidates(DAY)[0]
    async with scratch_database(ADMIN, "catalyst_bench_mcp") as dsn:
        db = Database(dsn)
        await db.connect()
        await load_replay(db, days=1, through=DAY)
        await db.close()
        LOGS.mkdir(parents=True, exist_ok=True)
        limits = LOGS / "risk_parameters.yaml"
        limits.write_text(WIDE_LIMITS)
        env = {"CATALYST_ENV": "test", "DATABASE_URL": dsn, "REDIS_URL": REDIS_URL, "REDIS_NAMESPACE": namespace,
               "LOG_LEVEL": "WARNING", "MARKET_CLOCK": "replay", "REPLAY_START": NOW.isoformat(),
               "REPLAY_ANCHOR": datetime.now(UTC).isoformat(), "REPLAY_SPEED": "1", "SENTIMENT_BACKEND": "lexicon",
               "NEWS_SOURCES": "replay", "HTTP_TIMEOUT": "120", "BROKER": "sim", "SIM_LEDGER": "memory",
               "SIM_MARKET_FILL": "last_price", "SIM_INITIAL_CASH": "10000000", "RISK_PARAMETERS_FILE": str(limits),
               "RISK_WATCH_PARAMETERS": "false", "WORKFLOW_WATCHLIST": symbol, "MCP_API_KEYS": MCP_KEY,
               "TRADING_RECONCILE_INTERVAL": "3600"}
        urls: dict[ServiceName, str] = {}
        with ExitStack() as stack:
            for name in ORDER:
                peers = {f"{s.value.upper()}_URL": url for s, url in urls.items()}
                urls[name] = stack.enter_context(service(name, {**env, **peers}, LOGS))
            return await _measure(urls, symbol)


def run() -> str:
    configure_logging("bench", "WARNING")
    load_before = load_average()
    figures = asyncio.run(_run())

    def row(label: str, what: str, kind: str = "") -> str:
        ms = figures[label]
        p95 = percentile(ms, 0.95)
        target = "" if not kind else (f"p95 < {TARGETS_MS[kind]:.0f} ms: "
                                      + ("met" if p95 < TARGETS_MS[kind] else "**missed**"))
        return (f"| {what} | {len(ms)} | {statistics.median(ms):.1f} | {p95:.1f} | {percentile(ms, 0.99):.1f} | "
                f"{target} |")

    def hop(longer: str, shorter: str) -> float:
        return statistics.median(figures[longer]) - statistics.median(figures[shorter])

    mcp_risk, mcp_scan = hop("mcp get_risk_status", "workflow risk status"), hop("mcp get_scan_results",
                                                                                "workflow latest scan")
    mcp_preview = hop("mcp execute_trade preview", "workflow trade preview")
    mcp_confirm = hop("mcp execute_trade confirm", "workflow trade execute")
    wf_risk, wf_scan = hop("workflow risk status", "risk status"), hop("workflow latest scan", "scanner latest scan")
    validate, submit = statistics.median(figures["risk validate"]), statistics.median(figures["trading submit"])
    wf_execute = statistics.median(figures["workflow trade execute"]) - validate - submit
    return f"""## Orchestration: MCP tool-call latency (MCP client → Orchestration → Workflow → services → database)

Command: `make bench` (module `bench/bench_mcp.py`; alone: `.venv/bin/python -m bench mcp`,
`.venv/bin/python -m bench --write mcp` also rewrites this section). Scratch database
`catalyst_bench_mcp_<random>` with the replay set's last day; the nine services each under uvicorn
in their own process on 127.0.0.1, on one replay clock at 10:15 New York; the cycle scanned and open.
fastmcp's client over streamable HTTP, one session, calls one after another; `execute_trade` is a
one-share market buy of the day's top candidate on the simulated broker (limits widened so each is
approved), timed as its two calls.

| Call | Calls | p50 (ms) | p95 (ms) | p99 (ms) | Target |
|---|---:|---:|---:|---:|---|
{row("mcp get_risk_status", "MCP `get_risk_status`", "read")}
{row("mcp get_scan_results", "MCP `get_scan_results`", "read")}
{row("mcp execute_trade preview", "MCP `execute_trade`, preview", "trade")}
{row("mcp execute_trade confirm", "MCP `execute_trade`, confirmed (order placed)", "trade")}
{row("workflow risk status", "Workflow `GET /api/v1/workflow/risk/status`")}
{row("workflow latest scan", "Workflow `GET /api/v1/workflow/scan/latest`")}
{row("workflow trade preview", "Workflow `POST /api/v1/workflow/trades` (preview)")}
{row("workflow trade execute", "Workflow `POST /api/v1/workflow/trades` (execute: order placed)")}
{row("risk status", "Risk `GET /api/v1/risk/status`")}
{row("scanner latest scan", "Scanner `GET /api/v1/scan/latest`")}
{row("risk validate", "Risk `POST /api/v1/risk/validate` (approval signed, exposure reserved)")}
{row("trading submit", "Trading `POST /api/v1/orders` (bracket with that approval, simulated broker)")}

Where the time goes (differences of medians):
- The MCP layer (the client's JSON-RPC over streamable HTTP, Orchestration's key check, tool dispatch,
  argument and output validation, the typed Workflow client):
  {mcp_risk:.1f} ms on `get_risk_status`, {mcp_scan:.1f} ms on `get_scan_results`,
  {mcp_preview:.1f} ms on a preview (which also signs the token), {mcp_confirm:.1f} ms on a confirmation
  (which also verifies it and claims it in Redis).
- The Workflow hop (its route, auth, the call to the owning service):
  {wf_risk:.1f} ms on the risk status, {wf_scan:.1f} ms on the latest scan.
- The owning service itself (Risk's status from its in-memory book; the Scanner's latest scan read from
  PostgreSQL): the last two rows. A preview is Workflow's Pattern, Technical and Risk (dry run) calls;
  a placed order reuses the analysis its preview made in the same market minute (the bars it reads
  complete only at minute boundaries), then Risk's signed approval and reservation under its decision
  lock, Trading's order with its bracket written to the database and then to the simulated broker, and
  the decision logged: the Workflow execute row, which is most of a confirmation. The same two calls
  made directly, as the Workflow makes them (the last two rows), take {validate:.1f} ms (Risk) and
  {submit:.1f} ms (Trading) at the median, leaving {wf_execute:.1f} ms for the Workflow itself (its
  route, the request's record, the trading cycle's look-up, the placed decision).
- {machine_load(load_before)}the nine processes share those cores with the client, so the figures
  include their scheduling.
"""
