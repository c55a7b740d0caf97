"""Approvals reserve exposure: concurrent validations can never add up past a limit (issue: risk that
cannot be broken, case 1), and the caller's atr/support never loosen the stop rule (case 9)."""

from __future__ import annotations

import asyncio

ENTRY = {"side": "buy", "quantity": 100, "entry": 100.0, "stop": 98.0, "target": 104.0}


async def test_two_concurrent_validations_cannot_open_a_sixth_position(make_risk_app, run_risk, add_position):
    for symbol in ("KO", "PEP", "XOM", "JNJ"):
        await add_position(symbol, quantity=10, avg=100.0)
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        a, b = await asyncio.gather(client.post("/api/v1/risk/validate", json={**ENTRY, "symbol": "AAPL"}),
                                    client.post("/api/v1/risk/validate", json={**ENTRY, "symbol": "MSFT"}))
        status = (await client.get("/api/v1/risk/status")).json()
    approved = [r.json()["approved"] for r in (a, b)]
    assert sorted(approved) == [False, True]
    refused = (a if not a.json()["approved"] else b).json()
    assert "RISK_MAX_POSITIONS" in {r["code"] for r in refused["reasons"]}
    assert status["reservations"] == 1


async def test_two_approvals_for_one_symbol_share_the_position_cap(make_risk_app, run_risk):
    body = {**ENTRY, "symbol": "AAPL", "quantity": 200}  # 200 × $100 = the whole 20% cap
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        first, second = await asyncio.gather(client.post("/api/v1/risk/validate", json=body),
                                             client.post("/api/v1/risk/validate", json=body))
    bodies = sorted((first.json(), second.json()), key=lambda b: not b["approved"])
    assert bodies[0]["approved"] is True
    assert bodies[0]["max_quantity"] == 200
    assert bodies[1]["approved"] is False
    assert "RISK_POSITION_SIZE" in {r["code"] for r in bodies[1]["reasons"]}


async def test_two_approvals_cannot_each_take_the_whole_daily_loss_headroom(make_risk_app, run_risk, add_position):
    await add_position("XOM", realized=-1_900.0, closed=True)  # $100 of headroom left
    body = {**ENTRY, "quantity": 100}
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        first = (await client.post("/api/v1/risk/validate", json={**body, "symbol": "AAPL"})).json()
        second = (await client.post("/api/v1/risk/validate", json={**body, "symbol": "MSFT"})).json()
    assert first["approved"] is True
    assert first["max_quantity"] == 50  # $100 over $2 a share
    assert second["approved"] is False  # the first one's loss at its stop used the headroom
    assert second["sizing"]["caps"]["daily_loss_headroom"] == 0


async def test_the_callers_atr_and_support_do_not_loosen_the_stop_rule(make_risk_app, run_risk):
    wide = {**ENTRY, "symbol": "AAPL", "stop": 90.0, "target": 120.0, "atr": 10.0, "support": 90.0}
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        body = (await client.post("/api/v1/risk/validate", json=wide)).json()
    assert body["approved"] is False  # stored bars: ATR 2.00, so a $10 stop is 5 ATRs wide
    assert "RISK_STOP_LOSS" in {r["code"] for r in body["reasons"]}


async def test_a_dry_run_is_judged_alike_but_signs_and_reserves_nothing(make_risk_app, run_risk, add_position):
    await add_position("XOM", realized=-1_900.0, closed=True)  # $100 of headroom: one approval's worth
    body = {**ENTRY, "quantity": 100}
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        preview = (await client.post("/api/v1/risk/validate", json={**body, "symbol": "AAPL", "dry_run": True})).json()
        status = (await client.get("/api/v1/risk/status")).json()
        confirmed = (await client.post("/api/v1/risk/validate", json={**body, "symbol": "AAPL"})).json()
    assert preview["approved"] is True
    assert preview["max_quantity"] == 50
    assert preview["approval"] is None
    assert status["reservations"] == 0
    assert confirmed["approved"] is True  # the preview held none of the headroom
    assert confirmed["max_quantity"] == 50
    assert confirmed["approval"] is not None
