"""Crash tests: the trading process is SIGKILLed between its committed order row and the broker's
answer, restarted, and start-up reconciliation leaves exactly one order at the broker and a matching row.

The window is opened with the documented fault-injection knobs (``CATALYST_TEST_SUBMIT_DELAY_S``:
after the commit, before the broker call; ``CATALYST_TEST_ANSWER_DELAY_S``: after the broker
answered, before the row is updated) or, for Alpaca, by the Alpaca-speaking server holding its
answer after it has made the order.
"""

import asyncio
import os
import signal
import socket
import sys
import uuid
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest

from catalyst.config import dev_api_key
from catalyst.domain.orders import Side
from catalyst.risk.approvals import sign_approval
from catalyst.services import ServiceName
from tests.support.env import REDIS_URL
from tests.support.waiting import eventually

ROOT = Path(__file__).resolve().parents[3]
SECRET = "trading-crash-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def trading_process(env: dict[str, str], log: Path):
    port = free_port()
    full_env = os.environ | {
        "CATALYST_SERVICE": "trading", "CATALYST_ENV": "test", "REDIS_URL": REDIS_URL,
        "REDIS_NAMESPACE": f"crash-{uuid.uuid4().hex[:6]}:", "RISK_APPROVAL_SECRET": SECRET, "LOG_LEVEL": "WARNING",
        "TRADING_RECONCILE_INTERVAL": "3600", "BROKER_RETRY_WAIT_INITIAL": "0", "BROKER_POLL_INTERVAL": "0.5",
    } | env
    out = open_log(log)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "uvicorn", "services.trading.app:build_app", "--factory", "--host", "127.0.0.1",
        "--port", str(port), cwd=ROOT, env=full_env, stdout=out, stderr=asyncio.subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=60,
                                     headers={"X-API-Key": dev_api_key(ServiceName.WORKFLOW)}) as client:
            async def live() -> bool:
                assert proc.returncode is None, tail(log)
                try:
                    return (await client.get("/live")).status_code == 200
                except httpx.TransportError:
                    return False

            try:
                await eventually(live, within_s=60, interval_s=0.1, what="trading started")
            except AssertionError as exc:
                raise AssertionError(f"{exc}:\n{tail(log)}") from None
            yield proc, client
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        out.close()


def open_log(path: Path):
    return path.open("ab")


def tail(path: Path) -> str:
    return path.read_text()[-3000:]


def order_body(cid: str) -> dict:
    approval = sign_approval(symbol="AAPL", side=Side.BUY, max_quantity=10, price_bound=100, secret=SECRET,
                             ttl=timedelta(minutes=10))
    return {"symbol": "AAPL", "side": "buy", "quantity": 10, "order_type": "limit", "limit_price": 99.5,
            "time_in_force": "gtc", "client_order_id": cid, "approval": approval.model_dump(mode="json")}


async def kill_mid_submit(proc, client, cid: str, window_open) -> None:
    """POST the order, wait until ``window_open()`` says the process is inside the window, SIGKILL it."""
    post = asyncio.create_task(client.post("/api/v1/orders", json=order_body(cid)))
    try:
        await eventually(window_open, within_s=20, interval_s=0.05, what="the kill window")
        assert not post.done()  # the broker's answer has not been applied: the request still hangs
        proc.send_signal(signal.SIGKILL)
        assert await asyncio.wait_for(proc.wait(), 10) == -signal.SIGKILL
    finally:
        with pytest.raises(httpx.TransportError):
            await post


async def fetch(dsn: str, sql: str, *args):
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def rows(dsn: str, cid: str):
    return await fetch(dsn, "SELECT status, broker_order_id FROM orders WHERE client_order_id = $1", cid)


async def sim_orders(dsn: str, cid: str):
    return await fetch(dsn, "SELECT broker_order_id::text AS id, status FROM sim_broker_orders "
                            "WHERE client_order_id = $1", cid)


async def check_one_order_and_a_matching_row(client, dsn: str, cid: str, broker_ids: list[str]) -> None:
    assert len(broker_ids) == 1, broker_ids
    [row] = await rows(dsn, cid)
    assert (row["status"], row["broker_order_id"]) == ("accepted", broker_ids[0])
    assert (await fetch(dsn, "SELECT count(*) AS n FROM orders"))[0]["n"] == 1
    again = await client.post("/api/v1/orders", json=order_body(cid))  # the caller retries after the crash
    assert again.status_code == 200, again.text
    assert again.json()["broker_order_id"] == broker_ids[0]


@pytest.mark.slow
async def test_killed_before_the_broker_call_the_order_is_sent_once_after_restart(trading_dsn, tmp_path):
    env = {"DATABASE_URL": trading_dsn, "BROKER": "sim", "SIM_LEDGER": "postgres", "SIM_ACCOUNT": "crash"}
    cid = f"crash-a-{uuid.uuid4().hex[:8]}"

    async def row_committed():
        return await rows(trading_dsn, cid)

    async with trading_process(env | {"CATALYST_TEST_SUBMIT_DELAY_S": "60"}, tmp_path / "a.log") as (proc, client):
        await kill_mid_submit(proc, client, cid, row_committed)
    assert [r["status"] for r in await rows(trading_dsn, cid)] == ["new"]
    assert await sim_orders(trading_dsn, cid) == []  # the broker never heard of it
    async with trading_process(env, tmp_path / "a.log") as (_, client):
        venue = await sim_orders(trading_dsn, cid)
        await check_one_order_and_a_matching_row(client, trading_dsn, cid, [v["id"] for v in venue])
        events = await fetch(trading_dsn, "SELECT event_type FROM risk_events")
        assert [e["event_type"] for e in events] == ["ORDER_RESUBMITTED"]


@pytest.mark.slow
async def test_killed_after_the_broker_took_it_the_order_is_adopted_not_resent(trading_dsn, tmp_path):
    env = {"DATABASE_URL": trading_dsn, "BROKER": "sim", "SIM_LEDGER": "postgres", "SIM_ACCOUNT": "crash"}
    cid = f"crash-b-{uuid.uuid4().hex[:8]}"

    async def broker_has_it():
        return await sim_orders(trading_dsn, cid)

    async with trading_process(env | {"CATALYST_TEST_ANSWER_DELAY_S": "60"}, tmp_path / "b.log") as (proc, client):
        await kill_mid_submit(proc, client, cid, broker_has_it)
    assert [r["status"] for r in await rows(trading_dsn, cid)] == ["new"]
    async with trading_process(env, tmp_path / "b.log") as (_, client):
        venue = await sim_orders(trading_dsn, cid)
        await check_one_order_and_a_matching_row(client, trading_dsn, cid, [v["id"] for v in venue])
        assert await fetch(trading_dsn, "SELECT event_type FROM risk_events") == []


@pytest.mark.slow
async def test_alpaca_killed_while_the_broker_holds_its_answer(trading_dsn, tmp_path, alpaca_wire):
    env = {"DATABASE_URL": trading_dsn, "BROKER": "alpaca", "ALPACA_API_KEY": "key", "ALPACA_SECRET_KEY": "secret",
           "ALPACA_BASE_URL": alpaca_wire.url, "ALPACA_USE_STREAM": "false",
           "BROKER_POLL_INTERVAL": "60"}  # only the held POST answer may tell the process about the order
    cid = f"crash-c-{uuid.uuid4().hex[:8]}"
    alpaca_wire.hold_s = 60

    async def broker_made_it():
        return [o for o in alpaca_wire.orders.values() if o["client_order_id"] == cid]

    async with trading_process(env, tmp_path / "c.log") as (proc, client):
        await kill_mid_submit(proc, client, cid, broker_made_it)
    alpaca_wire.hold_s = 0
    assert [r["status"] for r in await rows(trading_dsn, cid)] == ["new"]
    async with trading_process(env, tmp_path / "c.log") as (_, client):
        ids = [o["id"] for o in alpaca_wire.orders.values() if o["client_order_id"] == cid]
        await check_one_order_and_a_matching_row(client, trading_dsn, cid, ids)
        assert alpaca_wire.count("POST", "/v2/orders") == 1
        assert len(alpaca_wire.orders) == 1
