"""Issue 12's end-to-end test: the nine services as separate processes (``catalyst run``), real
Postgres and Redis, and a trader's whole session over MCP on streamable HTTP with the official SDK.

The run steps the morning at max speed to 09:40 New York and then holds, the market moving on at 30
replay seconds a second (a Risk approval lives 60 s of market time: at 120x that was half a wall
second, which a confirmation on a loaded CI machine sometimes outlived), while the test plays the
trader: start the session, read the scan and one candidate, preview then confirm a trade (filled on
the sim broker), see the position, tighten a limit, have a trade that breaks it refused with
reasons, close the position, read the day's performance, stop the session. Afterwards the database
must add up: every fill belongs to an order, every position's quantity is its fills, realized P&L
equals the sim broker's own ledger to the cent, and every decision is in ``decision_logs``. The
day's HTML report then opens in headless Chromium; its screenshot is kept under
``$CATALYST_TEST_ARTIFACTS`` (default: the test's tmp dir).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import httpx2
import pytest
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import TextResourceContents

from catalyst.contracts.mcp import McpResource, McpTool
from catalyst.contracts.reporting import daily_html_path
from catalyst.services import PORTS, Operator, ServiceName
from tests.support.database import scratch_dsn_async
from tests.support.env import REDIS_URL
from tests.support.loopback import free_port_base
from tests.support.waiting import eventually

ROOT = Path(__file__).resolve().parents[3]
KEY = "e2e-test-mcp-key"
DAY = "2013-03-01"
BASE = free_port_base()  # never the spec ports, which a make run may hold
PORT = {s: BASE + port - PORTS[ServiceName.ORCHESTRATION] for s, port in PORTS.items()}
MCP_URL = f"http://127.0.0.1:{PORT[ServiceName.ORCHESTRATION]}/mcp"


def start_runner(tmp_path: Path, dsn: str, out: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": dsn, "REDIS_URL": REDIS_URL, "REDIS_NAMESPACE": f"e2e-{os.getpid()}:",
           "MCP_API_KEYS": KEY, "PYTHONUNBUFFERED": "1", "PYTHONPATH": f"{ROOT / 'libs'}:{ROOT}"}
    return subprocess.Popen(
        [sys.executable, "-m", "catalyst.cli", "run", "--speed", "max", "--until", "09:40", "--hold",
         "--hold-speed", "30", "--keep-state", "--port-base", str(BASE), "--run-dir", str(tmp_path / "runs")],
        cwd=ROOT, env=env, stdout=out.open("w"), stderr=subprocess.STDOUT)


@asynccontextmanager
async def catalyst_run(tmp_path: Path, dsn: str) -> AsyncIterator[subprocess.Popen[bytes]]:
    out = tmp_path / "runner.out"
    runner = start_runner(tmp_path, dsn, out)
    try:
        deadline = time.monotonic() + 240
        while "holding from 09:40" not in out.read_text():
            assert runner.poll() is None, out.read_text()[-4000:]
            assert time.monotonic() < deadline, out.read_text()[-4000:]
            await asyncio.sleep(0.25)
        yield runner
    finally:
        if runner.poll() is None:
            runner.send_signal(signal.SIGINT)
            try:
                runner.wait(timeout=60)
            except subprocess.TimeoutExpired:
                runner.kill()


def mcp_client() -> Client:
    return Client(streamable_http_client(MCP_URL, http_client=httpx2.AsyncClient(headers={"X-API-Key": KEY},
                                                                                timeout=120)))


async def call(mcp: Client, tool: McpTool, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await mcp.call_tool(tool.value, arguments)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return dict(result.structured_content)


async def open_positions(mcp: Client) -> list[dict[str, Any]]:
    read = await mcp.read_resource(McpResource.CURRENT_POSITIONS.value)
    content = read.contents[0]
    assert isinstance(content, TextResourceContents)
    document = json.loads(content.text)
    assert document["trading_mode"] == "simulated"
    return list(document["positions"]["positions"])


def bracket(price: float) -> dict[str, float]:
    return {"stop": round(price * 0.98, 2), "target": round(price * 1.05, 2)}


async def test_a_trading_session_over_mcp_against_the_nine_processes(tmp_path: Path) -> None:
    async with scratch_dsn_async("catalyst_e2e") as dsn:
        async with catalyst_run(tmp_path, dsn) as runner:
            async with mcp_client() as mcp:
                await session_over_mcp(mcp)
            html = await daily_report_html()
        assert runner.wait(timeout=60) == 130
        await database_adds_up(dsn)
    page = tmp_path / "report.html"
    page.write_text(html)
    open_in_chromium(page, Path(os.environ.get("CATALYST_TEST_ARTIFACTS", tmp_path)))


async def session_over_mcp(mcp: Client) -> None:
    started = await call(mcp, McpTool.START_TRADING_SESSION, {"reason": "e2e: the trader starts the day"})
    assert started["trading_mode"] == "simulated"
    assert started["state"] == "trading"  # the runner's phases already opened the day: a normal answer

    scan = await call(mcp, McpTool.GET_SCAN_RESULTS, {})
    assert scan["candidates"], scan
    top = scan["candidates"][0]
    analysis = await call(mcp, McpTool.GET_CANDIDATE_ANALYSIS, {"symbol": top["symbol"]})
    assert analysis["is_candidate"] is True

    order = {"symbol": top["symbol"], "quantity": 100, "order_type": "market", **bracket(top["price"]),
             "rationale": "e2e: the scan's top candidate"}
    preview = await call(mcp, McpTool.EXECUTE_TRADE, order)
    assert preview["status"] == "preview", preview
    assert preview["approved"] is True
    assert preview["rules"]
    placed = await call(mcp, McpTool.EXECUTE_TRADE, order | {"confirmation_token": preview["confirmation_token"]})
    assert placed["status"] == "placed", (placed["status"], placed.get("reasons"), placed.get("warnings"))

    async def held() -> list[dict[str, Any]]:
        return [p for p in await open_positions(mcp) if p["symbol"] == top["symbol"]]

    await eventually(held, what="the entry filled on the sim broker", within_s=120)
    (position,) = await held()

    tightened = await call(mcp, McpTool.UPDATE_RISK_PARAMETER,
                           {"name": "max_positions", "value": 1, "reason": "e2e: one position is enough"})
    assert tightened["status"] == "applied", tightened
    assert tightened["widens_risk"] is False

    other = next((c for c in scan["candidates"][1:]), None)
    symbol, price = (other["symbol"], other["price"]) if other else ("AAPL", 430.0)
    refused = await call(mcp, McpTool.EXECUTE_TRADE, {"symbol": symbol, "quantity": 10, "order_type": "market",
                                                      **bracket(price)})
    assert refused["status"] == "refused", refused
    assert any("max_positions" in r.lower() or "positions" in r.lower() for r in refused["reasons"]), refused

    closed = await call(mcp, McpTool.CLOSE_POSITION, {"position_id": position["position_id"],
                                                      "reason": "e2e: take it off"})
    assert closed["repeated"] is False
    await eventually(lambda: _none_open(mcp), what="the exit filled", within_s=120)

    report = await call(mcp, McpTool.GET_PERFORMANCE_REPORT, {"period": "daily"})
    assert report["report"]["metrics"]["trades"] == 1, report
    stopped = await call(mcp, McpTool.STOP_TRADING_SESSION, {"reason": "e2e: done for the day"})
    assert stopped["ran"] is True, stopped


async def _none_open(mcp: Client) -> bool:
    return await open_positions(mcp) == []


async def daily_report_html() -> str:
    from catalyst.config import Settings
    from catalyst.environment import read

    key = read(Settings).api_key(Operator.OPERATOR)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{PORT[ServiceName.REPORTING]}") as http:
        answer = await http.get(daily_html_path(date.fromisoformat(DAY)),
                                headers={"X-API-Key": key})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    return answer.text


async def database_adds_up(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        orphans = await conn.fetchval("SELECT count(*) FROM fills f LEFT JOIN orders o USING (order_id) "
                                      "WHERE o.order_id IS NULL")
        assert orphans == 0
        positions = await conn.fetch(
            "SELECT p.position_id, p.side, p.quantity, p.status, p.realized_pnl, "
            "       sum(CASE WHEN o.side = 'buy' THEN f.quantity ELSE 0 END) AS bought, "
            "       sum(CASE WHEN o.side = 'sell' THEN f.quantity ELSE 0 END) AS sold "
            "FROM positions p JOIN orders o USING (position_id) JOIN fills f USING (order_id) "
            "GROUP BY p.position_id")
        assert positions
        for p in positions:
            held = p["bought"] - p["sold"] if p["side"] == "long" else p["sold"] - p["bought"]
            assert held == (0 if p["status"] == "closed" else p["quantity"]), dict(p)
        ours = sum((p["realized_pnl"] for p in positions), Decimal(0))
        ledger = await conn.fetchval(
            "SELECT sum(CASE WHEN side = 'sell' THEN price * quantity ELSE -price * quantity END) "
            "FROM sim_broker_fills")
        assert round(ours, 2) == round(ledger, 2)  # every position is flat: gross P&L is the cash moved
        decisions = {r["decision"] for r in await conn.fetch("SELECT DISTINCT decision FROM decision_logs")}
        assert {"phase_run", "trade_placed", "trade_refused", "position_closed"} <= decisions, decisions
    finally:
        await conn.close()


def open_in_chromium(page: Path, artifacts: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Debian's chromium is not installed (scripts/infra.py installs it when apt is available)")
    artifacts.mkdir(parents=True, exist_ok=True)
    shot = artifacts / "daily-report.png"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,2000",
             "--enable-logging=stderr", "--v=0"]
    done = subprocess.run([browser, *flags, f"--screenshot={shot}", page.as_uri()], capture_output=True,
                          text=True, timeout=120)
    assert shot.exists(), done.stderr[-2000:]
    assert shot.stat().st_size > 10_000, done.stderr[-2000:]
    assert "Uncaught" not in done.stderr, done.stderr[-2000:]  # no script error on the page
    dom = subprocess.run([browser, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120)
    assert dom.stdout.count("<svg") >= 2, dom.stdout[:2000]  # the equity curve and the trades drawn
    assert "Uncaught" not in dom.stderr, dom.stderr[-2000:]
