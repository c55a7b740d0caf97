"""Trade requests and closes repeated through the Workflow: a retry whose first try's answer was lost, and
concurrent closes of one request, against the real Risk and Trading."""

from __future__ import annotations

import asyncio

import pytest

from catalyst.contracts.trading import OrderOut, SubmitOrderBody
from catalyst.errors import UpstreamError
from catalyst.synthetic.universe import expected_candidates
from catalyst.workflow.trades import client_order_id
from tests.integration.workflow.conftest import DAY, RigFactory, WorkflowRig, levels_at, ny, open_for_trading
from tests.support.waiting import eventually

SYMBOL = expected_candidates(DAY)[0]


async def _count(rig: WorkflowRig, sql: str) -> int:
    return int(await rig.db.pool.fetchval(sql))


async def test_a_retry_after_a_lost_answer_is_already_placed_and_asks_risk_nothing(
        workflow_rig: RigFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    async with workflow_rig(ny(DAY, 8, 0)) as rig:
        cycle_id = await open_for_trading(rig)
        rig.clock.set(ny(DAY, 10, 15, 20))
        levels = await levels_at(rig, SYMBOL, ny(DAY, 10, 14))
        # The first try: Risk approved, Trading recorded and sent the order, and its answer never came back
        # (Trading answered 5xx, or the call timed out), so the desk wrote no trade_placed.
        trading = rig.app.state.peers.trading
        submit = trading.submit_order
        sent: list[OrderOut] = []

        async def submit_and_lose_the_answer(body: SubmitOrderBody) -> OrderOut:
            sent.append(await submit(body))
            raise UpstreamError("trading: the connection closed before the answer")

        monkeypatch.setattr(trading, "submit_order", submit_and_lose_the_answer)
        lost = await rig.client.post("/api/v1/workflow/trades", json={
            "request_id": "lost-answer", "symbol": SYMBOL, "quantity": 50, **levels})
        assert lost.status_code == 502, lost.text
        monkeypatch.setattr(trading, "submit_order", submit)
        [first] = sent
        assert first.client_order_id == client_order_id(cycle_id, "lost-answer")
        reservations = await _count(rig, "SELECT count(*) FROM risk_reservations")
        assert await _count(rig, "SELECT count(*) FROM decision_logs WHERE decision = 'trade_placed'") == 0

        retried = await rig.client.post("/api/v1/workflow/trades", json={
            "request_id": "lost-answer", "symbol": SYMBOL, "quantity": 50, **levels})
        assert retried.status_code == 200, retried.text
        answer = retried.json()
        assert (answer["status"], answer["order"]["order_id"]) == ("already_placed", str(first.order_id))
        assert answer["risk"] is None  # Risk was not asked again
        assert await _count(rig, "SELECT count(*) FROM risk_reservations") == reservations  # nothing reserved twice
        again = (await rig.client.post("/api/v1/workflow/trades", json={
            "request_id": "lost-answer", "symbol": SYMBOL, "quantity": 50, **levels})).json()
        assert (again["status"], again["order"]["order_id"]) == ("already_placed", str(first.order_id))
        assert await _count(rig, "SELECT count(*) FROM decision_logs WHERE decision = 'trade_placed'") == 1
        assert await _count(rig, "SELECT count(*) FROM decision_logs WHERE decision = 'trade_requested'") == 1
        assert await _count(rig, "SELECT count(*) FROM orders WHERE parent_order_id IS NULL") == 1


async def test_a_first_try_asks_trading_for_no_earlier_order(
        workflow_rig: RigFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The request's record says it is new, so the desk does not look for an earlier try's order."""
    async with workflow_rig(ny(DAY, 8, 0)) as rig:
        await open_for_trading(rig)
        rig.clock.set(ny(DAY, 10, 15, 20))
        levels = await levels_at(rig, SYMBOL, ny(DAY, 10, 14))
        trading = rig.app.state.peers.trading
        find_order = trading.find_order
        looked_up: list[str] = []

        async def counted(client_order_id: str) -> OrderOut | None:
            looked_up.append(client_order_id)
            return await find_order(client_order_id)

        monkeypatch.setattr(trading, "find_order", counted)
        placed = (await rig.client.post("/api/v1/workflow/trades", json={
            "request_id": "new", "symbol": SYMBOL, "quantity": 50, **levels})).json()
        assert placed["status"] == "placed", placed
        assert looked_up == []
        repeated = (await rig.client.post("/api/v1/workflow/trades", json={
            "request_id": "new", "symbol": SYMBOL, "quantity": 50, **levels})).json()
        assert (repeated["status"], repeated["order"]["order_id"]) == ("already_placed", placed["order"]["order_id"])


async def test_concurrent_closes_of_one_request_send_one_exit_and_write_one_decision(
        workflow_rig: RigFactory) -> None:
    async with workflow_rig(ny(DAY, 8, 0)) as rig:
        await open_for_trading(rig)
        rig.clock.set(ny(DAY, 10, 15, 20))
        levels = await levels_at(rig, SYMBOL, ny(DAY, 10, 14))
        placed = (await rig.client.post("/api/v1/workflow/trades", json={
            "request_id": "buy", "symbol": SYMBOL, "quantity": 50, **levels})).json()
        assert placed["status"] == "placed", placed
        rig.clock.set(ny(DAY, 10, 18))

        async def opened() -> bool:
            return (await rig.client.get("/api/v1/workflow/positions")).json()["count"] == 1

        await eventually(opened, what="the entry filled on the simulated broker")
        [position] = (await rig.client.get("/api/v1/workflow/positions")).json()["positions"]
        close = f"/api/v1/workflow/positions/{position['position_id']}/close"
        answers = await asyncio.gather(*(rig.client.post(close, json={"request_id": "sell", "reason": "take profit"})
                                         for _ in range(4)))
        assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
        closes = [a.json() for a in answers]
        assert len({c["order"]["order_id"] for c in closes}) == 1
        assert sorted(c["repeated"] for c in closes) == [False, True, True, True]
        assert closes[0]["order"]["client_order_id"].startswith("wf-close-")
        assert await _count(rig, "SELECT count(*) FROM decision_logs WHERE decision = 'position_closed'") == 1
        assert await _count(rig, "SELECT count(*) FROM orders WHERE parent_order_id IS NULL AND intent = 'exit'") == 1
