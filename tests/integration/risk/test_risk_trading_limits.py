"""Limits that used to break, tried as a user would against the real Risk Manager and Trading
(in process, simulated broker, one database): each test fails on the code before the fix.

* An exit approval never opens a position once the position is gone; an approval signed before an
  emergency stop never opens one after it.
* Market orders are judged at the market, not at the caller's ``entry``.
* Open positions are marked to market: a 30% fall moves the daily P&L and blocks the next entry.
* Today's realized loss on a position carried from yesterday survives a restart.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from catalyst.contracts.risk import ValidateResponse
from catalyst.contracts.trading import SubmitOrderBody
from catalyst.domain.orders import Intent, Side
from catalyst.errors import Forbidden
from tests.support.waiting import eventually

EXIT = {"symbol": "AAPL", "side": "sell", "quantity": 100, "entry": 100.0}


async def test_an_exit_approval_never_opens_a_short_after_the_position_is_gone(
        trading_env, run_trading, add_minute_bars, open_via_risk, make_risk_app, run_risk):
    await add_minute_bars({"AAPL": 100.0})
    async with run_trading() as trading, run_risk(make_risk_app(trading=trading, watch=False)) as (client, manager):
        await open_via_risk(client, trading, "AAPL", "buy", 100)
        await eventually(lambda: len(manager.book.positions) == 1)
        exit_ = ValidateResponse.model_validate((await client.post("/api/v1/risk/validate", json=EXIT)).json())
        assert exit_.approved
        assert exit_.intent is Intent.EXIT
        [position] = (await trading.list_positions()).positions
        await trading.close_position(position.position_id)  # the position is gone
        await eventually(lambda: manager.book.positions == ())
        with pytest.raises(Forbidden) as refused:
            await trading.submit_order(SubmitOrderBody(symbol="AAPL", side=Side.SELL, quantity=100,
                                                       approval=exit_.approval))
        positions = (await trading.list_positions()).positions
    assert refused.value.code == "APPROVAL_INTENT_MISMATCH"
    assert positions == []  # no short was opened


async def test_an_approval_signed_before_an_emergency_stop_opens_nothing_after_it(
        trading_env, run_trading, add_minute_bars, make_risk_app, run_risk):
    await add_minute_bars({"AAPL": 100.0})
    body = {"symbol": "AAPL", "side": "buy", "quantity": 10, "entry": 100.0, "stop": 98.0, "target": 104.0}
    async with run_trading() as trading, run_risk(make_risk_app(trading=trading, watch=False)) as (client, _):
        decision = ValidateResponse.model_validate((await client.post("/api/v1/risk/validate", json=body)).json())
        assert decision.approved
        stop = await client.post("/api/v1/risk/emergency-stop", json={"reason": "test"})
        assert stop.status_code == 200, stop.text
        with pytest.raises(Forbidden) as refused:
            await trading.submit_order(SubmitOrderBody(symbol="AAPL", side=Side.BUY, quantity=10,
                                                       approval=decision.approval))
        positions = (await trading.list_positions()).positions
        orders = (await trading.list_orders()).orders
    assert refused.value.code in {"RISK_ENTRIES_BLOCKED", "APPROVAL_REVOKED"}
    assert positions == []
    assert orders == []  # nothing was even recorded


async def test_a_market_order_is_judged_at_the_market_not_at_the_callers_entry(
        add_minute_bars, make_risk_app, run_risk):
    await add_minute_bars({"AAPL": 100.0})
    body = {"symbol": "AAPL", "side": "buy", "quantity": 150, "entry": 50.0, "stop": 98.0, "target": 104.0,
            "order_type": "market"}
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        decision = ValidateResponse.model_validate((await client.post("/api/v1/risk/validate", json=body)).json())
    assert decision.approved, decision.reasons
    assert decision.priced_at == 100.0  # the last complete bar, not the $50 the caller said
    assert decision.price_bound == pytest.approx(100.5)
    assert decision.max_quantity * decision.price_bound <= 20_000.0  # the cap holds at the worst fill


async def test_a_30_percent_fall_is_marked_to_market_and_blocks_the_next_entry(
        add_position, add_minute_bars, make_risk_app, run_risk):
    await add_position("AAPL", quantity=100, avg=100.0)  # Trading recorded no loss: no fill since
    await add_minute_bars({"AAPL": 70.0})  # the market fell 30%
    entry = {"symbol": "MSFT", "side": "buy", "quantity": 10, "entry": 100.0, "stop": 98.0, "target": 104.0}
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        status = (await client.get("/api/v1/risk/status")).json()
        decision = (await client.post("/api/v1/risk/validate", json=entry)).json()
    assert status["daily_pnl"] == -3_000.0
    assert status["state"] == "reducing"  # past the $2,000 daily loss limit
    assert decision["approved"] is False
    assert "RISK_DAILY_LOSS" in {r["code"] for r in decision["reasons"]}


async def test_todays_realized_loss_on_a_carried_position_survives_a_restart(
        add_position, make_risk_app, run_risk):
    yesterday = datetime.now(UTC) - timedelta(days=1, hours=1)
    # Bought yesterday; half sold today at a $1,500 loss (the fill is today's).
    await add_position("ORCL", quantity=50, avg=100.0, realized=-1_500.0, opened_at=yesterday)
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        first = (await client.get("/api/v1/risk/status")).json()
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        again = (await client.get("/api/v1/risk/status")).json()
    assert first["realized_pnl_today"] == -1_500.0
    assert again["realized_pnl_today"] == first["realized_pnl_today"]
    assert again["daily_pnl"] == first["daily_pnl"]


async def test_an_exit_of_a_carried_position_realizes_today_only_its_move_since_the_prior_close(
        add_position, add_daily_bars, make_risk_app, run_risk):
    """Bought yesterday at 100, closed yesterday at 110, 10 of 40 sold today at 105: the fill
    realized +50 from the entry, but today's P&L from it is -50 (yesterday's +100 is not today's)."""
    await add_daily_bars({"ORCL": np.full(40, 110.0)})
    yesterday = datetime.now(UTC) - timedelta(days=1, hours=1)
    await add_position("ORCL", quantity=30, avg=100.0, realized=50.0, opened_at=yesterday,
                       exit_price=105.0, exit_quantity=10)
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        status = (await client.get("/api/v1/risk/status")).json()
    assert status["realized_pnl_today"] == -50.0
