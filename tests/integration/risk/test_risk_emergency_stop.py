"""Emergency stop against the real Trading service (in process, simulated broker, same database
and Redis namespace): positions opened through Risk approvals are all flattened, the next entry
is refused while exits still pass, the halt survives a restart, and only an explicit reset lifts it.
Trading unreachable: entries are still halted and the answer is a 502 that says so. The stop retries
until Trading reports no open position (or ``RISK_EMERGENCY_DEADLINE`` passes) and is never refused
by the client's circuit breaker: a flaky Trading stand-in (a real ASGI app) checks that."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from catalyst.bus import Channel, EventBus, RiskAlert
from catalyst.clients.trading import TradingClient
from catalyst.config import Settings
from catalyst.contracts.risk import ValidateResponse
from catalyst.contracts.trading import (
    ORDERS_PATH,
    POSITIONS_PATH,
    CancelAllResult,
    FlattenResult,
    PositionList,
    PositionOut,
    ReasonBody,
    SubmitOrderBody,
)
from catalyst.domain.orders import PositionSide
from catalyst.errors import Forbidden, ServiceUnavailable
from catalyst.http import ServiceClient
from catalyst.services import ServiceName
from tests.support.waiting import eventually

ENTRY = {"symbol": "MSFT", "side": "buy", "quantity": 10, "entry": 100.0, "stop": 98.0, "target": 104.0,
         "atr": 1.5}


@pytest.fixture(autouse=True)
def short_emergency_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stop retries until flat or this deadline; short here, so a Trading that stays down costs little."""
    monkeypatch.setenv("RISK_EMERGENCY_DEADLINE", "1.0")


def unreachable_trading(risk_settings: Settings) -> TradingClient:
    return TradingClient(ServiceClient(ServiceName.TRADING, "http://127.0.0.1:9", risk_settings.api_key(
        ServiceName.RISK), attempts=1, timeout=2.0))


async def test_emergency_stop_flattens_everything_and_blocks_the_next_entry(
        trading_env, run_trading, add_minute_bars, open_via_risk, risk_settings, risk_db, risk_namespace, make_risk_app,
        run_risk, redis_client):
    await add_minute_bars({"AAPL": 100.0, "TSLA": 100.0, "MSFT": 100.0})
    bus = EventBus(redis_client, risk_namespace)
    alerts: list[RiskAlert] = []

    async def collect() -> None:
        async for event in bus.subscribe(Channel.RISK_ALERT):
            assert isinstance(event, RiskAlert)
            alerts.append(event)

    collector = asyncio.create_task(collect())
    try:
        async with run_trading() as trading, \
                run_risk(make_risk_app(watch=False, trading=trading)) as (client, manager):
            await open_via_risk(client, trading, "AAPL", "buy", 100)
            await open_via_risk(client, trading, "TSLA", "sell", 50)
            await eventually(lambda: len(manager.book.view().positions) == 2)
            before = (await client.post("/api/v1/risk/validate", json=ENTRY)).json()
            stop = await client.post("/api/v1/risk/emergency-stop", json={"reason": "flash crash"})
            await eventually(lambda: manager.book.positions == ())
            after = (await client.post("/api/v1/risk/validate", json=ENTRY)).json()
            status = (await client.get("/api/v1/risk/status")).json()
            broker_positions = (await trading.list_positions("open")).count
            await eventually(lambda: any(a.level == "emergency" for a in alerts))
    finally:
        collector.cancel()
    assert before["approved"] is True
    assert stop.status_code == 200, stop.text
    body = stop.json()
    assert (body["state"], body["orders_cancelled"], body["positions_flattened"]) == ("halted", True, True)
    exits = body["trading"]["flatten_all"]["response"]["orders"]
    assert sorted((o["symbol"], o["side"], o["quantity"]) for o in exits) == [("AAPL", "sell", 100.0),
                                                                              ("TSLA", "buy", 50.0)]
    assert after["approved"] is False
    assert {r["code"] for r in after["reasons"]} == {"RISK_EMERGENCY_HALT"}
    assert status["state"] == "halted"
    assert status["open_positions"] == 0
    assert broker_positions == 0
    assert "flash crash" in status["halt_reason"]
    assert [a.rule for a in alerts if a.level == "emergency"] == ["emergency_stop"]
    async with risk_db.acquire() as conn:
        kinds = [r["event_type"] for r in await conn.fetch("SELECT event_type FROM risk_events ORDER BY event_id")]
        open_left = await conn.fetchval("SELECT count(*) FROM positions WHERE status = 'open'")
    assert {"state_change", "emergency_stop", "CANCEL_ALL", "FLATTEN"} <= set(kinds)
    assert open_left == 0


async def test_halt_survives_restart_and_only_an_explicit_reset_lifts_it(make_risk_app, run_risk, risk_db,
                                                                         risk_settings):
    async with run_risk(make_risk_app(watch=False, trading=unreachable_trading(risk_settings))) as (client, _):
        await client.post("/api/v1/risk/emergency-stop", json={"reason": "drill"})
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


async def test_trading_unreachable_is_a_502_and_entries_stay_blocked_but_exits_pass(
        make_risk_app, run_risk, risk_settings, add_position):
    await add_position("AAPL", quantity=100, avg=100.0)
    async with run_risk(make_risk_app(watch=False, trading=unreachable_trading(risk_settings))) as (client, _):
        response = await client.post("/api/v1/risk/emergency-stop", json={"reason": "flash crash"})
        entry = (await client.post("/api/v1/risk/validate", json=ENTRY)).json()
        exit_ = (await client.post("/api/v1/risk/validate",
                                   json={"symbol": "AAPL", "side": "sell", "quantity": 100, "entry": 99.0})).json()
    assert response.status_code == 502
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == "EMERGENCY_STOP_INCOMPLETE"
    assert error["details"]["state"] == "halted"
    assert error["details"]["trading"]["cancel_all_orders"]["ok"] is False
    assert error["details"]["trading"]["flatten_all"]["ok"] is False  # tried even after cancel failed
    # Trading never answered: what is left is Risk's own book, marked unverified
    assert [(p["symbol"], p["side"], p["quantity"]) for p in error["details"]["positions_left"]] == [
        ("AAPL", "long", 100.0)]
    assert error["details"]["positions_verified"] is False
    assert entry["approved"] is False
    assert exit_["approved"] is True
    assert exit_["is_exit"] is True


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "x", "extra": 1}, {"reason": "x" * 501}])
async def test_emergency_stop_needs_a_reason(make_risk_app, run_risk, body):
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        response = await client.post("/api/v1/risk/emergency-stop", json=body)
        status = (await client.get("/api/v1/risk/status")).json()
    assert response.status_code == 400
    assert status["state"] == "active"


async def test_trading_accepts_risk_approvals_and_refuses_reuse_and_excess(
        trading_env, run_trading, add_minute_bars, risk_settings, risk_db, make_risk_app,
        run_risk):
    """The contract end to end: an approval from Risk is accepted by Trading once, for at most its quantity."""
    await add_minute_bars({"AAPL": 100.0})
    body = {"symbol": "AAPL", "side": "buy", "quantity": 20, "entry": 100.0, "stop": 98.0, "target": 104.0,
            "atr": 1.5}
    async with run_trading() as trading, \
            run_risk(make_risk_app(watch=False, trading=trading)) as (client, _):
        first = ValidateResponse.model_validate((await client.post("/api/v1/risk/validate", json=body)).json())
        second = ValidateResponse.model_validate((await client.post("/api/v1/risk/validate", json=body)).json())
        assert first.approval is not None
        assert second.approval is not None
        order = await trading.submit_order(SubmitOrderBody(symbol="AAPL", side=first.side, quantity=20,
                                                           approval=first.approval))
        with pytest.raises(Forbidden):  # the same approval again (a new client_order_id): reused nonce
            await trading.submit_order(SubmitOrderBody(symbol="AAPL", side=first.side, quantity=20,
                                                       approval=first.approval))
        with pytest.raises(Forbidden):  # one share more than approved
            await trading.submit_order(SubmitOrderBody(symbol="AAPL", side=second.side, quantity=21,
                                                       approval=second.approval))
        forged = second.approval.model_copy(update={"max_quantity": 500})
        with pytest.raises(Forbidden):
            await trading.submit_order(SubmitOrderBody(symbol="AAPL", side=second.side, quantity=500,
                                                       approval=forged))
    assert order.status.value in {"accepted", "filled"}


# -- a flaky Trading: the real client and breaker against a tiny ASGI stand-in ------------------------
class FlakyTrading:
    """Trading's emergency endpoints as a small FastAPI app: 503 (Trading's error envelope) for the
    first ``fail_first`` calls, and for every call to a path in ``down`` while it is set; otherwise
    cancel-all cancels nothing, flatten closes every position, and the open positions are listed."""

    def __init__(self, positions: dict[str, tuple[PositionSide, float]], *, fail_first: int = 0):
        self.positions = dict(positions)
        self.fail_first = fail_first
        self.down: set[str] = set()
        self.calls: list[tuple[str, int]] = []
        app = FastAPI()
        self.app = app

        @app.middleware("http")
        async def flaky(request: Request, call_next: Callable[[Request], Any]) -> Response:
            path = request.url.path
            if self.fail_first > 0 or path in self.down:
                self.fail_first = max(0, self.fail_first - 1)
                self.calls.append((path, 503))
                return JSONResponse({"error": {"code": "TRADING_RESTARTING", "message": "trading is restarting",
                                               "details": {}}}, status_code=503)
            self.calls.append((path, 200))
            response: Response = await call_next(request)
            return response

        @app.post(f"{ORDERS_PATH}/cancel-all")
        async def cancel_all(body: ReasonBody) -> CancelAllResult:
            return CancelAllResult(reason=body.reason, broker_canceled=0, orders=[])

        @app.post(f"{POSITIONS_PATH}/flatten")
        async def flatten(body: ReasonBody) -> FlattenResult:
            self.positions.clear()
            return FlattenResult(reason=body.reason,
                                 canceled=CancelAllResult(reason=body.reason, broker_canceled=0, orders=[]), orders=[])

        @app.get(POSITIONS_PATH)
        async def positions(status: str = "open") -> PositionList:
            now = datetime.now(UTC)
            rows = [PositionOut(position_id=uuid.uuid4(), symbol=symbol, side=side, quantity=quantity,
                                avg_entry_price=100.0, market_price=100.0, unrealized_pnl=0.0, realized_pnl=0.0,
                                exited_quantity=0.0, avg_exit_price=None, status="open", opened_at=now,
                                closed_at=None)
                    for symbol, (side, quantity) in self.positions.items()]
            return PositionList(positions=rows, count=len(rows))

    def client(self, risk_settings: Settings) -> ServiceClient:
        """Risk's real client to it: one attempt per call and a breaker that opens after two failures."""
        return ServiceClient(ServiceName.TRADING, "http://trading", risk_settings.api_key(ServiceName.RISK),
                             attempts=1, breaker_threshold=2, breaker_recovery_s=60.0,
                             transport=httpx.ASGITransport(app=self.app))

    def hits(self, path: str) -> list[int]:
        return [status for p, status in self.calls if p == path]


OPEN = {"AAPL": (PositionSide.LONG, 100.0), "TSLA": (PositionSide.SHORT, 50.0)}
CANCEL_ALL, FLATTEN = f"{ORDERS_PATH}/cancel-all", f"{POSITIONS_PATH}/flatten"


async def test_a_repeated_emergency_stop_is_not_refused_by_an_open_breaker(make_risk_app, run_risk, risk_settings):
    """Trading down: the first stop fails and the breaker to Trading is open. Trading back: the
    repeated stop goes through at once (no CIRCUIT_OPEN for a minute) and ends flat."""
    trading = FlakyTrading(OPEN)
    trading.down = {CANCEL_ALL, FLATTEN, POSITIONS_PATH, ORDERS_PATH}
    service = trading.client(risk_settings)
    try:
        async with run_risk(make_risk_app(watch=False, trading=TradingClient(service))) as (client, _):
            first = await client.post("/api/v1/risk/emergency-stop", json={"reason": "flash crash"})
            for _ in range(2):  # whatever else calls Trading meanwhile fails too: the breaker opens
                with pytest.raises(ServiceUnavailable):
                    await service.get(ORDERS_PATH)
            breaker = await service.breaker_state()
            trading.down = set()  # Trading is back; the breaker stays open for its 60 s
            second = await client.post("/api/v1/risk/emergency-stop", json={"reason": "flash crash, again"})
    finally:
        await service.aclose()
    assert breaker == "opened"
    assert second.status_code == 200, second.text
    body = second.json()
    assert (body["state"], body["orders_cancelled"], body["positions_flattened"]) == ("halted", True, True)
    assert body["positions_left"] == []
    assert body["positions_verified"] is True
    assert trading.positions == {}
    assert first.status_code == 502
    assert first.json()["error"]["code"] == "EMERGENCY_STOP_INCOMPLETE"


async def test_one_emergency_stop_rides_out_a_trading_restart(make_risk_app, run_risk, risk_settings):
    """Trading answers 503 to its first calls (more than the breaker allows): the one stop keeps
    cancelling and flattening until Trading reports no open position."""
    trading = FlakyTrading(OPEN, fail_first=3)
    service = trading.client(risk_settings)
    try:
        async with run_risk(make_risk_app(watch=False, trading=TradingClient(service))) as (client, _):
            response = await client.post("/api/v1/risk/emergency-stop", json={"reason": "flash crash"})
    finally:
        await service.aclose()
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["orders_cancelled"], body["positions_flattened"], body["positions_left"]) == (True, True, [])
    assert trading.positions == {}
    assert 503 in trading.hits(CANCEL_ALL)
    assert trading.hits(CANCEL_ALL)[-1] == 200
    assert trading.hits(FLATTEN)[-1] == 200
    assert body["trading"]["flatten_all"]["ok"] is True
    assert body["trading"]["cancel_all_orders"]["attempts"] >= 2


async def test_trading_failing_until_the_deadline_is_a_502_naming_what_is_left(make_risk_app, run_risk,
                                                                               risk_settings):
    """Cancel-all and flatten keep failing (Trading still lists its positions): at the deadline the
    answer is 502 EMERGENCY_STOP_INCOMPLETE with what is still open and each call's last error."""
    trading = FlakyTrading(OPEN)
    trading.down = {CANCEL_ALL, FLATTEN}
    service = trading.client(risk_settings)
    loop = asyncio.get_running_loop()
    try:
        async with run_risk(make_risk_app(watch=False, trading=TradingClient(service))) as (client, _):
            started = loop.time()
            response = await client.post("/api/v1/risk/emergency-stop", json={"reason": "flash crash"})
            took = loop.time() - started
            status = (await client.get("/api/v1/risk/status")).json()
    finally:
        await service.aclose()
    assert response.status_code == 502
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == "EMERGENCY_STOP_INCOMPLETE"
    assert "AAPL" in error["message"]
    assert "TSLA" in error["message"]
    details = error["details"]
    assert details["state"] == "halted"
    assert sorted((p["symbol"], p["side"], p["quantity"]) for p in details["positions_left"]) == [
        ("AAPL", "long", 100.0), ("TSLA", "short", 50.0)]
    assert details["positions_verified"] is True
    for call in ("cancel_all_orders", "flatten_all"):
        assert details["trading"][call]["ok"] is False
        assert details["trading"][call]["code"] == "TRADING_RESTARTING"
        assert details["trading"][call]["attempts"] >= 2  # retried, never stopped by the breaker
    assert len(trading.hits(FLATTEN)) >= 3  # more calls than the breaker threshold: it was bypassed
    assert 0.9 <= took < 5.0  # the deadline (1 s here), not a give-up after the first failures
    assert status["state"] == "halted"
    assert trading.positions == OPEN
