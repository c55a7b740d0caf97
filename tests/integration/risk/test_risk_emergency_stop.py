"""Emergency stop: entries halt at once, Trading is told to cancel every order and flatten every
position, the next entry is refused (exits are not), the halt survives a restart, and only an
explicit reset lifts it.

Trading here is a small in-process app speaking Trading's routes (cancel-all, flatten): on
flatten it closes the positions in the database and announces each on the bus, as Trading does.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from catalyst.bus import Channel, EventBus, PositionUpdate, RiskAlert
from catalyst.db import Database
from catalyst.http import ServiceClient
from catalyst.risk.trading_gateway import ServiceTradingGateway
from catalyst.services import ServiceName

ENTRY = {"symbol": "MSFT", "side": "buy", "quantity": 10, "entry": 100.0, "stop": 98.0, "target": 104.0,
         "atr": 1.5}


def trading_app(db: Database, bus: EventBus, calls: list[tuple[str, dict[str, Any], str | None]], *,
                fail: bool = False) -> FastAPI:
    app = FastAPI()

    @app.post("/api/v1/orders/cancel-all")
    async def cancel_all(request: Request) -> Any:
        calls.append(("cancel-all", await request.json(), request.headers.get("X-API-Key")))
        if fail:
            return JSONResponse({"error": {"code": "BROKER_DOWN", "message": "broker unreachable", "details": {}}},
                                status_code=503)
        return {"cancelled": 2}

    @app.post("/api/v1/positions/flatten")
    async def flatten(request: Request) -> Any:
        calls.append(("flatten", await request.json(), request.headers.get("X-API-Key")))
        if fail:
            return JSONResponse({"error": {"code": "BROKER_DOWN", "message": "broker unreachable", "details": {}}},
                                status_code=503)
        async with db.transaction() as conn:
            rows = await conn.fetch(
                """UPDATE positions p SET status = 'closed', closed_at = now(), avg_exit_price = avg_entry_price,
                          realized_pnl = realized_pnl + unrealized_pnl, unrealized_pnl = 0
                   FROM securities s WHERE p.security_id = s.security_id AND p.status = 'open'
                   RETURNING p.position_id::text AS id, s.symbol, p.side, p.avg_entry_price::float8 AS avg,
                             p.realized_pnl::float8 AS realized""")
        for r in rows:
            await bus.publish(PositionUpdate(position_id=r["id"], symbol=r["symbol"], side=r["side"], quantity=0,
                                             avg_entry_price=r["avg"], market_price=r["avg"], unrealized_pnl=0.0,
                                             realized_pnl=r["realized"], status="closed"))
        return {"flattened": len(rows)}

    return app


def gateway(app: FastAPI, risk_settings) -> ServiceTradingGateway:
    client = ServiceClient(ServiceName.TRADING, "http://trading", risk_settings.api_key(ServiceName.RISK),
                           attempts=1, transport=httpx.ASGITransport(app=app))
    return ServiceTradingGateway(client)


async def test_emergency_stop_flattens_everything_and_blocks_the_next_entry(
        make_risk_app, run_risk, risk_db, risk_settings, add_position, redis_client, risk_namespace, eventually):
    await add_position("AAPL", quantity=100, avg=100.0, unrealized=-300.0)
    await add_position("TSLA", side="short", quantity=10, avg=200.0, unrealized=50.0)
    bus = EventBus(redis_client, risk_namespace)
    calls: list[tuple[str, dict[str, Any], str | None]] = []
    alerts: list[RiskAlert] = []

    async def collect() -> None:
        async for event in bus.subscribe(Channel.RISK_ALERT):
            assert isinstance(event, RiskAlert)
            alerts.append(event)

    collector = asyncio.create_task(collect())
    trading = trading_app(risk_db, bus, calls)
    try:
        async with run_risk(make_risk_app(watch=False, trading=gateway(trading, risk_settings))) as (client, mgr):
            before = (await client.post("/api/v1/risk/validate", json=ENTRY)).json()
            stop = await client.post("/api/v1/risk/emergency-stop", json={"reason": "flash crash"})
            await eventually(lambda: mgr.book.positions == {})
            after = (await client.post("/api/v1/risk/validate", json=ENTRY)).json()
            status = (await client.get("/api/v1/risk/status")).json()
            await eventually(lambda: any(a.level == "emergency" for a in alerts))
    finally:
        collector.cancel()
    assert before["approved"] is True
    assert stop.status_code == 200
    body = stop.json()
    assert (body["state"], body["orders_cancelled"], body["positions_flattened"]) == ("halted", True, True)
    assert body["trading"]["flatten_all"]["response"] == {"flattened": 2}
    assert [(name, payload) for name, payload, _ in calls] == [
        ("cancel-all", {"reason": "flash crash"}), ("flatten", {"reason": "flash crash"})]
    assert all(key == risk_settings.api_key(ServiceName.RISK) for _, _, key in calls)
    assert after["approved"] is False
    assert {r["code"] for r in after["reasons"]} == {"RISK_EMERGENCY_HALT"}
    assert status["state"] == "halted"
    assert status["open_positions"] == 0
    assert status["realized_pnl_today"] == -250.0
    assert "flash crash" in status["halt_reason"]
    assert [a.rule for a in alerts if a.level == "emergency"] == ["emergency_stop"]
    async with risk_db.acquire() as conn:
        kinds = [r["event_type"] for r in await conn.fetch("SELECT event_type FROM risk_events ORDER BY event_id")]
        open_left = await conn.fetchval("SELECT count(*) FROM positions WHERE status = 'open'")
    assert kinds[:2] == ["state_change", "emergency_stop"]
    assert open_left == 0


async def test_halt_survives_restart_and_only_an_explicit_reset_lifts_it(make_risk_app, run_risk, risk_db,
                                                                         risk_settings, redis_client,
                                                                         risk_namespace):
    calls: list[tuple[str, dict[str, Any], str | None]] = []
    trading = trading_app(risk_db, EventBus(redis_client, risk_namespace), calls)
    async with run_risk(make_risk_app(watch=False, trading=gateway(trading, risk_settings))) as (client, _):
        assert (await client.post("/api/v1/risk/emergency-stop", json={"reason": "drill"})).status_code == 200
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        restarted = (await client.post("/api/v1/risk/validate", json=ENTRY)).json()
        reset = await client.post("/api/v1/risk/reset", json={"reason": "drill over", "requested_by": "trader"})
        after = (await client.post("/api/v1/risk/validate", json=ENTRY)).json()
    assert restarted["approved"] is False
    assert restarted["state"] == "halted"
    assert reset.status_code == 200
    assert reset.json()["state"] == "active"
    assert after["approved"] is True
    async with risk_db.acquire() as conn:
        last = await conn.fetchrow("SELECT details->>'to' AS state, message FROM risk_events "
                                   "WHERE event_type = 'state_change' ORDER BY event_id DESC LIMIT 1")
    assert last["state"] == "active"
    assert "trader" in last["message"]


async def test_exits_pass_while_halted(make_risk_app, run_risk, risk_db, risk_settings, add_position, redis_client,
                                       risk_namespace):
    await add_position("AAPL", quantity=100, avg=100.0)
    trading = trading_app(risk_db, EventBus(redis_client, risk_namespace), [], fail=True)
    async with run_risk(make_risk_app(watch=False, trading=gateway(trading, risk_settings))) as (client, _):
        await client.post("/api/v1/risk/emergency-stop", json={"reason": "broker trouble"})
        exit_ = (await client.post("/api/v1/risk/validate",
                                   json={"symbol": "AAPL", "side": "sell", "quantity": 100, "entry": 99.0})).json()
    assert exit_["approved"] is True
    assert exit_["is_exit"] is True
    assert exit_["state"] == "halted"


async def test_trading_failure_is_a_502_and_entries_stay_blocked(make_risk_app, run_risk, risk_db, risk_settings,
                                                                 redis_client, risk_namespace):
    calls: list[tuple[str, dict[str, Any], str | None]] = []
    trading = trading_app(risk_db, EventBus(redis_client, risk_namespace), calls, fail=True)
    async with run_risk(make_risk_app(watch=False, trading=gateway(trading, risk_settings))) as (client, _):
        response = await client.post("/api/v1/risk/emergency-stop", json={"reason": "flash crash"})
        after = (await client.post("/api/v1/risk/validate", json=ENTRY)).json()
    assert response.status_code == 502
    error = response.json()["error"]
    assert error["code"] == "EMERGENCY_STOP_INCOMPLETE"
    assert error["details"]["state"] == "halted"
    assert error["details"]["trading"]["cancel_all_orders"]["code"] == "BROKER_DOWN"
    assert [name for name, _, _ in calls] == ["cancel-all", "flatten"]  # flatten tried even after cancel failed
    assert after["approved"] is False


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "x", "extra": 1}])
async def test_emergency_stop_needs_a_reason(make_risk_app, run_risk, body):
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        response = await client.post("/api/v1/risk/emergency-stop", json=body)
        status = (await client.get("/api/v1/risk/status")).json()
    assert response.status_code == 400
    assert status["state"] == "active"
