"""Parameters: a PUT and a file edit both change the next decision without a restart, through the
same validation; invalid input is a 400 naming the field and leaves the active set unchanged."""

from __future__ import annotations

import os
import time

import yaml

from catalyst.services import ServiceName
from tests.support.waiting import eventually

ENTRY = {"symbol": "AAPL", "side": "buy", "quantity": 100, "entry": 100.0, "stop": 98.0, "target": 104.0,
         "atr": 1.5}


async def _rows(risk_db, sql: str):
    async with risk_db.acquire() as conn:
        return await conn.fetch(sql)


async def test_get_returns_the_file_set_and_its_version(make_risk_app, run_risk, risk_db):
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        body = (await client.get("/api/v1/risk/parameters")).json()
    assert body["version"] == 1
    assert body["source"] == "file"
    assert body["parameters"]["daily_loss_limit"] == 2000.0
    assert body["parameters"]["max_positions"] == 5
    rows = await _rows(risk_db, "SELECT version, source, is_active FROM risk_parameters")
    assert [(r["version"], r["source"], r["is_active"]) for r in rows] == [(1, "file", True)]


async def test_put_changes_the_next_decision_without_restart(make_risk_app, run_risk, risk_db):
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        before = (await client.post("/api/v1/risk/validate", json=ENTRY)).json()
        current = (await client.get("/api/v1/risk/parameters")).json()["parameters"]
        response = await client.put("/api/v1/risk/parameters", json={
            "parameters": {**current, "max_position_pct": 0.05}, "applied_by": "trader", "reason": "calmer day"})
        after = (await client.post("/api/v1/risk/validate", json=ENTRY)).json()
    assert before["approved"] is True
    assert response.status_code == 200
    assert response.json()["version"] == 2
    assert response.json()["parameters"]["max_position_pct"] == 0.05
    assert after["approved"] is False  # 100 × $100 = $10,000 > 5% of $100,000
    # The first approval's reservation ($10,000, not yet used) still counts, so sizing has no room either.
    assert {r["code"] for r in after["reasons"]} == {"RISK_POSITION_SIZE", "RISK_SIZING"}
    assert after["parameters_version"] == 2
    rows = await _rows(risk_db, "SELECT version, applied_by, source, reason, is_active, applied_at "
                                "FROM risk_parameters ORDER BY version")
    assert [(r["version"], r["applied_by"], r["source"], r["is_active"]) for r in rows] == [
        (1, "file:risk_parameters.yaml", "file", False), (2, "trader", "api", True)]
    assert rows[1]["reason"] == "calmer day"
    assert rows[1]["applied_at"] is not None


async def test_put_records_the_calling_service_when_no_one_is_named(make_risk_app, run_risk, risk_settings):
    orchestration = risk_settings.api_key(ServiceName.ORCHESTRATION)
    async with run_risk(make_risk_app(watch=False), api_key=orchestration) as (client, _):
        body = (await client.put("/api/v1/risk/parameters", json={"parameters": {"max_positions": 3},
                                                                  "source": "operator"})).json()
    assert (body["applied_by"], body["source"]) == ("orchestration", "operator")


async def test_invalid_put_is_a_400_naming_the_field_and_changes_nothing(make_risk_app, run_risk, risk_db):
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        bad = await client.put("/api/v1/risk/parameters",
                               json={"parameters": {"daily_loss_limit": -5, "max_positions": 5}})
        cross = await client.put("/api/v1/risk/parameters",
                                 json={"parameters": {"warning_fraction": 0.9, "critical_fraction": 0.8}})
        unknown = await client.put("/api/v1/risk/parameters", json={"parameters": {"daily_los_limit": 100}})
        active = (await client.get("/api/v1/risk/parameters")).json()
        decision = (await client.post("/api/v1/risk/validate", json=ENTRY)).json()
    for response, field in ((bad, "daily_loss_limit"), (cross, "critical_fraction"), (unknown, "daily_los_limit")):
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "INVALID_RISK_PARAMETERS"
        assert error["details"]["fields"] == [field]
        assert field in error["message"]
    assert active["version"] == 1
    assert active["parameters"]["daily_loss_limit"] == 2000.0
    assert decision["approved"] is True
    assert len(await _rows(risk_db, "SELECT 1 FROM risk_parameters")) == 1
    events = await _rows(risk_db, "SELECT event_type, severity FROM risk_events WHERE event_type = "
                                  "'parameters_rejected'")
    assert len(events) == 3


async def test_malformed_put_body_is_a_400(make_risk_app, run_risk):
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        not_a_mapping = await client.put("/api/v1/risk/parameters", json={"parameters": [1, 2]})
        bad_source = await client.put("/api/v1/risk/parameters", json={"parameters": {}, "source": "file"})
    assert not_a_mapping.status_code == 400
    assert bad_source.status_code == 400


def _edit(path, **changes) -> None:
    data = yaml.safe_load(path.read_text())
    data.update(changes)
    path.write_text(yaml.safe_dump(data))


async def test_file_edit_changes_the_next_decision_without_restart(make_risk_app, run_risk, parameter_file, risk_db):
    async with run_risk(make_risk_app()) as (client, manager):
        before = (await client.post("/api/v1/risk/validate", json=ENTRY)).json()
        _edit(parameter_file, min_risk_reward=3.0)
        await eventually(lambda: manager.store.active.version == 2)
        after = (await client.post("/api/v1/risk/validate", json=ENTRY)).json()
        active = (await client.get("/api/v1/risk/parameters")).json()
    assert before["approved"] is True
    assert after["approved"] is False  # reward/risk 2.0 < 3.0
    assert {r["code"] for r in after["reasons"]} == {"RISK_RISK_REWARD"}
    assert (active["version"], active["source"]) == (2, "file")
    rows = await _rows(risk_db, "SELECT parameters->>'min_risk_reward' AS rr FROM risk_parameters WHERE is_active")
    assert rows[0]["rr"] == "3.0"


async def test_invalid_file_edit_is_refused_and_recorded(make_risk_app, run_risk, parameter_file,
                                                        risk_db):
    async def rejected() -> bool:
        return bool(await _rows(risk_db, "SELECT 1 FROM risk_events WHERE event_type = 'parameters_rejected'"))

    async with run_risk(make_risk_app()) as (client, manager):
        _edit(parameter_file, max_position_pct=1.5)
        await eventually(rejected)
        decision = (await client.post("/api/v1/risk/validate", json=ENTRY)).json()
        parameter_file.write_text("daily_loss_limit: [not: valid")  # not YAML at all
        await eventually(lambda: _count(risk_db, 2))
        assert manager.store.active.version == 1
    assert decision["approved"] is True
    events = await _rows(risk_db, "SELECT message, details->'fields' AS fields FROM risk_events "
                                  "WHERE event_type = 'parameters_rejected' ORDER BY event_id")
    assert "max_position_pct" in events[0]["message"]


async def _count(risk_db, n: int) -> bool:
    return len(await _rows(risk_db, "SELECT 1 FROM risk_events WHERE event_type = 'parameters_rejected'")) >= n


async def test_a_put_survives_restart_but_a_later_file_edit_wins(make_risk_app, run_risk, parameter_file):
    past = time.time() - 3600
    os.utime(parameter_file, (past, past))  # the file predates what the API applies below
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        await client.put("/api/v1/risk/parameters", json={"parameters": {"max_positions": 2}})
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        kept = (await client.get("/api/v1/risk/parameters")).json()
    _edit(parameter_file, max_positions=4)  # edited while the service is down: newer than the PUT
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        edited = (await client.get("/api/v1/risk/parameters")).json()
    assert (kept["version"], kept["parameters"]["max_positions"], kept["source"]) == (2, 2, "api")
    assert (edited["version"], edited["parameters"]["max_positions"], edited["source"]) == (3, 4, "file")
