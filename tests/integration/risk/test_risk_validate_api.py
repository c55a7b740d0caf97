"""POST /api/v1/risk/validate on the real app, Postgres and Redis: rules at their boundaries with
the book loaded from the positions table, signed approvals that verify, 400 envelopes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from catalyst.db.bar_frame import BarFrame
from catalyst.db.bars import BarStore
from catalyst.domain.approvals import TradeApproval
from catalyst.domain.orders import Side
from catalyst.risk.approvals import ApprovalProblem, check_approval

SECRET = "test-approval-secret"
ENTRY = {"symbol": "AAPL", "side": "buy", "quantity": 100, "entry": 100.0, "stop": 98.0, "target": 104.0,
         "atr": 1.5}


def _failed(body: dict[str, Any]) -> set[str]:
    return {r["code"] for r in body["reasons"]}


async def test_clean_entry_is_approved_with_a_verifiable_approval(make_risk_app, run_risk):
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        response = await client.post("/api/v1/risk/validate", json=ENTRY)
    assert response.status_code == 200
    body = response.json()
    assert body["approved"] is True
    assert body["reasons"] == []
    assert body["max_quantity"] == body["sized_quantity"] == 100
    assert body["sizing"]["from_prior"] is True  # no closed trades yet
    approval = TradeApproval.model_validate(body["approval"])
    assert approval.max_quantity == 100
    assert approval.price_bound == pytest.approx(100.0)  # a limit order: its own limit
    assert approval.expires_at - datetime.now(UTC) <= timedelta(seconds=60)
    assert check_approval(approval, symbol="AAPL", side=Side.BUY, quantity=100, price=100.0, secret=SECRET) == []
    # What Trading refuses: forged, over quantity, expired, other symbol, price past the bound.
    assert check_approval(approval, symbol="AAPL", side=Side.BUY, quantity=100, price=100.0,
                          secret="another-secret") == [ApprovalProblem.FORGED]
    forged = approval.model_copy(update={"max_quantity": 1000})
    assert check_approval(forged, symbol="AAPL", side=Side.BUY, quantity=1000, price=100.0,
                          secret=SECRET) == [ApprovalProblem.FORGED]
    assert check_approval(approval, symbol="AAPL", side=Side.BUY, quantity=101, price=100.0,
                          secret=SECRET) == [ApprovalProblem.QUANTITY_EXCEEDED]
    assert check_approval(approval, symbol="AAPL", side=Side.BUY, quantity=100, price=100.0, secret=SECRET,
                          now=approval.expires_at) == [ApprovalProblem.EXPIRED]
    assert check_approval(approval, symbol="MSFT", side=Side.BUY, quantity=1, price=100.0,
                          secret=SECRET) == [ApprovalProblem.SYMBOL_MISMATCH]
    assert check_approval(approval, symbol="AAPL", side=Side.BUY, quantity=1, price=100.51,
                          secret=SECRET) == [ApprovalProblem.PRICE_OUT_OF_BOUND]


async def test_each_approval_has_its_own_nonce(make_risk_app, run_risk):
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        a = (await client.post("/api/v1/risk/validate", json=ENTRY)).json()["approval"]
        b = (await client.post("/api/v1/risk/validate", json=ENTRY)).json()["approval"]
    assert a["nonce"] != b["nonce"]
    assert a["signature"] != b["signature"]


@pytest.mark.parametrize(("quantity", "approved"), [(200, True), (201, False)])
async def test_position_size_boundary(make_risk_app, run_risk, quantity, approved):
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        body = (await client.post("/api/v1/risk/validate", json={**ENTRY, "quantity": quantity})).json()
    assert body["approved"] is approved
    if not approved:
        assert _failed(body) == {"RISK_POSITION_SIZE"}
        assert body["approval"] is None


@pytest.mark.parametrize(("realized", "passed"), [(-1999.99, True), (-2000.00, False), (-2000.01, False)])
async def test_daily_loss_boundary_from_todays_closed_positions(make_risk_app, run_risk, add_position, realized,
                                                                passed):
    await add_position("XOM", realized=realized - 500, closed=True)
    await add_position("CVX", realized=500, closed=True)
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        body = (await client.post("/api/v1/risk/validate", json={**ENTRY, "quantity": 1})).json()
    rule = next(r for r in body["rules"] if r["code"] == "RISK_DAILY_LOSS")
    assert rule["passed"] is passed
    assert rule["value"] == pytest.approx(-realized)
    assert body["approved"] is False
    if passed:  # one cent of headroom left: a stop-out of even one share would pass the limit
        assert _failed(body) == {"RISK_SIZING"}
        assert body["sizing"]["binding"] == "daily_loss_headroom"
    else:  # the limit is reached: the rule fails and the book is latched in REDUCING for the day
        assert {"RISK_DAILY_LOSS", "RISK_REDUCING"} <= _failed(body)


async def test_daily_loss_headroom_sizes_the_entry(make_risk_app, run_risk, add_position):
    await add_position("XOM", realized=-1900.0, closed=True)
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        body = (await client.post("/api/v1/risk/validate", json=ENTRY)).json()
    assert body["approved"] is True
    assert body["max_quantity"] == 50  # $100 of headroom over $2 a share
    assert body["approval"]["max_quantity"] == 50


async def test_yesterdays_losses_do_not_count_today(make_risk_app, run_risk, add_position):
    yesterday = datetime.now(UTC) - timedelta(days=1, hours=1)
    await add_position("XOM", realized=-5000, closed=True, opened_at=yesterday - timedelta(hours=1),
                          closed_at=yesterday)
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        body = (await client.post("/api/v1/risk/validate", json=ENTRY)).json()
    assert body["approved"] is True


@pytest.mark.parametrize(("open_count", "approved"), [(4, True), (5, False)])
async def test_max_positions_boundary(make_risk_app, run_risk, add_position, open_count, approved):
    for i in range(open_count):
        await add_position(f"SYM{i}", quantity=10, avg=50.0)
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        body = (await client.post("/api/v1/risk/validate", json=ENTRY)).json()
    assert _failed(body) == (set() if approved else {"RISK_MAX_POSITIONS"})
    # no bars for SYM*: correlation unknown, reported as a warning (the documented default)
    assert "RISK_CORRELATION" in {w["code"] for w in body["warnings"]}


async def test_correlation_from_the_bar_store(make_risk_app, run_risk, add_position, add_daily_bars):
    rng = np.random.default_rng(3)
    base = rng.normal(0, 0.01, 80)
    noise = rng.normal(0, 0.01, 80)
    closes = {
        "AAPL": 100 * np.cumprod(1 + base),
        "MSFT": 100 * np.cumprod(1 + base + 0.1 * noise),   # ~0.99 correlated with AAPL
        "KO": 50 * np.cumprod(1 + rng.normal(0, 0.01, 80)),  # independent
    }
    await add_daily_bars(closes)
    await add_position("KO", quantity=10, avg=50.0)
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        ok = (await client.post("/api/v1/risk/validate", json=ENTRY)).json()
        assert ok["approved"] is True
        await add_position("MSFT", quantity=10, avg=100.0)
        manager_restart = make_risk_app(watch=False)
    async with run_risk(manager_restart) as (client, _):
        body = (await client.post("/api/v1/risk/validate", json=ENTRY)).json()
        short = (await client.post("/api/v1/risk/validate",
                                   json={**ENTRY, "side": "sell", "stop": 102.0, "target": 96.0})).json()
    assert _failed(body) == {"RISK_CORRELATION"}
    assert "MSFT" in body["reasons"][0]["message"]
    assert short["approved"] is True  # short AAPL against long MSFT is a hedge


async def test_stop_checked_against_atr_from_the_bar_store(make_risk_app, run_risk, add_daily_bars):
    # Closes flat at 100 with a 1% high/low spread: true range 2.00, ATR 2.00, so 2×ATR = $4.00.
    await add_daily_bars({"AAPL": np.full(40, 100.0)})
    request = {k: v for k, v in ENTRY.items() if k != "atr"}
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        at_limit = (await client.post("/api/v1/risk/validate",
                                      json={**request, "stop": 96.00, "target": 106.0})).json()
        past = (await client.post("/api/v1/risk/validate", json={**request, "stop": 95.99, "target": 106.1})).json()
        unknown = (await client.post("/api/v1/risk/validate", json={**request, "symbol": "NOBARS"})).json()
    assert at_limit["approved"] is True
    assert _failed(past) == {"RISK_STOP_LOSS"}
    assert _failed(unknown) == {"RISK_STOP_LOSS"}  # no ATR and no support: nothing to check the stop against


async def test_every_reason_is_returned(make_risk_app, run_risk):
    bad = {"symbol": "AAPL", "side": "buy", "quantity": 500, "entry": 100.0, "stop": 101.0, "target": 100.5,
           "atr": 1.0}
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        body = (await client.post("/api/v1/risk/validate", json=bad)).json()
    assert body["approved"] is False
    assert _failed(body) == {"RISK_POSITION_SIZE", "RISK_STOP_LOSS", "RISK_RISK_REWARD"}
    assert all(r["message"] for r in body["reasons"])
    assert len(body["rules"]) >= 8


async def test_exit_of_an_open_position_needs_no_stop(make_risk_app, run_risk, add_position):
    await add_position("AAPL", quantity=50, avg=100.0)
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        body = (await client.post("/api/v1/risk/validate",
                                  json={"symbol": "AAPL", "side": "sell", "quantity": 50, "entry": 99.0})).json()
    assert body["approved"] is True
    assert body["is_exit"] is True
    assert body["max_quantity"] == 50


@pytest.mark.parametrize(("patch", "field"), [
    ({"quantity": 0}, "quantity"),
    ({"quantity": 1.5}, "quantity"),
    ({"entry": -1}, "entry"),
    ({"symbol": "aapl; drop"}, "symbol"),
    ({"side": "hold"}, "side"),
    ({"leverage": 10}, "leverage"),
])
async def test_bad_input_is_a_400_envelope(make_risk_app, run_risk, patch, field):
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        response = await client.post("/api/v1/risk/validate", json={**ENTRY, **patch})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert field in error["details"]["fields"]


async def test_requires_an_api_key(make_risk_app, run_risk):
    async with run_risk(make_risk_app(watch=False), api_key="wrong") as (client, _):
        response = await client.post("/api/v1/risk/validate", json=ENTRY)
    assert response.status_code == 401


# -- bad input is a 400, never a 500 (found by tests/integration/contracts fuzzing) ---------------
def _assert_400_naming(response: Any, field: str) -> None:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert any(field in f for f in error["details"]["fields"]), error


async def test_an_exit_priced_below_a_millionth_is_a_400_not_a_500(make_risk_app, run_risk, add_position):
    """Exits are always approved: 1e-7 used to pass validation, its price bound rounded to 0 at six
    decimals and signing the approval raised (500)."""
    await add_position("AAPL", quantity=50, avg=100.0)
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        response = await client.post("/api/v1/risk/validate",
                                     json={"symbol": "AAPL", "side": "sell", "quantity": 50, "entry": 1e-7})
    _assert_400_naming(response, "entry")


async def test_a_short_exit_at_the_top_price_gets_its_widened_bound(make_risk_app, run_risk, add_position, risk_db):
    """A market exit of a short at $999,999 is bound at the market plus the tolerance, above
    $1,000,000: the approval refused that bound and the validation was a 500."""
    await add_position("BRK.A", side="short", quantity=2, avg=999_999.0)
    start = np.datetime64(datetime.now(UTC).replace(tzinfo=None, second=0, microsecond=0) - timedelta(minutes=2),
                          "ns")
    close = np.array([999_999.0])
    await BarStore(risk_db).ingest(BarFrame.from_arrays(
        symbol=np.array(["BRK.A"], dtype=object), ts=np.full(1, start), open=close, high=close, low=close,
        close=close, volume=np.full(1, 1e3)), "1Min")
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        response = await client.post("/api/v1/risk/validate", json={
            "symbol": "BRK.A", "side": "buy", "quantity": 2, "entry": 999_999.0, "order_type": "market"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["approved"], body["is_exit"]) == (True, True)
    assert body["approval"]["price_bound"] == pytest.approx(999_999.0 * 1.005)


@pytest.mark.parametrize(("parameters", "field"), [
    ({"account_equity": 1e308}, "account_equity"),  # accepted, then every validation overflowed in cents
    ({"daily_loss_limit": 1e308}, "daily_loss_limit"),  # same
    ({"daily_loss_limit": 0.001}, "daily_loss_limit"),  # $0.00 in cents: every validation divided by zero
    ({"max_position_pct": 1e-9}, "max_position_pct"),  # a position limit of $0.00: same
])
async def test_parameters_the_rules_cannot_hold_are_refused(make_risk_app, run_risk, parameters, field):
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        put = await client.put("/api/v1/risk/parameters", json={"parameters": parameters})
        after = await client.post("/api/v1/risk/validate", json={**ENTRY, "entry": 0.001, "stop": 0.0005,
                                                                  "target": 0.002, "quantity": 1})
    assert after.status_code == 200, after.text  # was a 500 under the accepted parameters
    assert put.status_code == 400, put.text
    assert put.json()["error"]["details"]["fields"] == [field]


@pytest.mark.parametrize("field", ["account_equity", "daily_loss_limit", "prior_payoff"])
async def test_an_infinite_parameter_is_a_400_not_a_500(make_risk_app, run_risk, field):
    """``Infinity`` (Python's JSON reads it) passed ``gt=0`` and failed as jsonb in the database (500)."""
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        put = await client.put("/api/v1/risk/parameters", content=f'{{"parameters": {{"{field}": Infinity}}}}',
                               headers={"content-type": "application/json"})
    assert put.status_code == 400, put.text
    assert put.json()["error"]["details"]["fields"] == [field]


@pytest.mark.parametrize(("method", "path", "body", "field"), [
    ("PUT", "/api/v1/risk/parameters", {"parameters": {}, "reason": "a\x00b"}, "reason"),  # was 500
    ("PUT", "/api/v1/risk/parameters", {"parameters": {}, "applied_by": "a\x00b"}, "applied_by"),  # was 500
    ("POST", "/api/v1/risk/emergency-stop", {"reason": "a\x00b"}, "reason"),  # was 200, halt not persisted
    ("POST", "/api/v1/risk/reset", {"reason": "ok", "requested_by": "a\x00b"}, "requested_by"),
])
async def test_text_with_a_nul_character_is_a_400(make_risk_app, run_risk, method, path, body, field):
    """PostgreSQL's text refuses NUL: the write failed (a 500, or a halt that was never recorded)."""
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        response = await client.request(method, path, json=body)
        status = (await client.get("/api/v1/risk/status")).json()
    _assert_400_naming(response, field)
    assert status["state"] == "active"
