"""The operator against a real API server and the real Risk Manager: the object is the truth of the
limits. Create → Applied and the active set equal to it; an edit changes the next decision; a bad value
is refused by the API server, a cross-field error by the operator (Invalid, active set unchanged); the
Risk Manager down then up → applied when it returns; an out-of-band change is reverted by the timer
with an event; a restart re-applies nothing; a second object is ignored with an error condition."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from kubernetes.client.exceptions import ApiException

from catalyst.domain.risk import RiskParameters
from catalyst.riskop.resource import API_VERSION, DEFAULT_OBJECT_NAME
from tests.support.waiting import eventually

NAME = DEFAULT_OBJECT_NAME
ENTRY = {"symbol": "AAPL", "side": "buy", "quantity": 100, "entry": 100.0, "stop": 98.0, "target": 104.0,
         "atr": 1.5}
WITHIN_S = 20.0


async def _active(client) -> dict[str, Any]:
    return (await client.get("/api/v1/risk/parameters")).json()


async def _applied(risk_objects, name: str = NAME) -> dict[str, Any]:
    """The object once its Applied condition is True for its current generation."""
    async def check() -> dict[str, Any] | None:
        obj = await risk_objects.get(name)
        status = obj.get("status") or {}
        applied = next((c for c in status.get("conditions") or [] if c["type"] == "Applied"), {})
        current = status.get("observedGeneration") == obj["metadata"]["generation"]
        return obj if current and applied.get("status") == "True" else None

    return await eventually(check, within_s=WITHIN_S, interval_s=0.05, what=f"{name} Applied")


async def _history(riskop_db) -> list[tuple[int, str, str]]:
    async with riskop_db.acquire() as conn:
        rows = await conn.fetch("SELECT version, applied_by, source FROM risk_parameters ORDER BY version")
    return [(r["version"], r["applied_by"], r["source"]) for r in rows]


async def test_a_created_object_is_applied_with_its_editor_in_the_history(risk_objects, risk_manager, run_operator,
                                                                          riskop_db):
    async with risk_manager.up() as risk, run_operator():
        await risk_objects.create(NAME, {"max_positions": 3, "daily_loss_limit": 1500.0}, field_manager="alice-cli")
        obj = await _applied(risk_objects)
        active = await _active(risk)
    assert RiskParameters.model_validate(active["parameters"]) == RiskParameters(max_positions=3,
                                                                                 daily_loss_limit=1500.0)
    assert (active["source"], active["applied_by"]) == ("operator", "k8s:alice-cli")
    assert obj["status"]["parameterVersion"] == active["version"]
    assert obj["status"]["appliedBy"] == "k8s:alice-cli"
    assert obj["status"]["observedGeneration"] == 1
    assert (await _history(riskop_db))[-1] == (active["version"], "k8s:alice-cli", "operator")
    assert "max_positions: 5 → 3" in active["reason"]


async def test_an_edited_limit_changes_the_risk_managers_next_decision(risk_objects, risk_manager, run_operator):
    async with risk_manager.up() as risk, run_operator():
        await risk_objects.create(NAME, {})
        await _applied(risk_objects)
        before = (await risk.post("/api/v1/risk/validate", json={**ENTRY, "dry_run": True})).json()
        await risk_objects.patch(NAME, {"max_position_pct": 0.05})

        async def refused() -> dict[str, Any] | None:
            decision = (await risk.post("/api/v1/risk/validate", json={**ENTRY, "dry_run": True})).json()
            return decision if not decision["approved"] else None

        after = await eventually(refused, within_s=WITHIN_S, interval_s=0.05, what="the decision to change")
    assert before["approved"] is True, before["reasons"]
    assert "RISK_POSITION_SIZE" in {r["code"] for r in after["reasons"]}  # $10,000 > 5% of $100,000


async def test_a_bad_value_is_refused_by_the_api_server_itself(risk_objects, risk_manager, run_operator):
    async with risk_manager.up() as risk, run_operator():
        await risk_objects.create(NAME, {"max_positions": 4})
        await _applied(risk_objects)
        version = (await _active(risk))["version"]
        with pytest.raises(ApiException) as refused:
            await risk_objects.patch(NAME, {"max_positions": 0, "unknown_correlation": "maybe"})
        assert (await _active(risk))["version"] == version
    assert refused.value.status == 422
    assert "spec.max_positions" in refused.value.body
    assert "spec.unknown_correlation" in refused.value.body
    with pytest.raises(ApiException) as not_a_number:
        await risk_objects.create("typo", {"daily_loss_limit": "lots"})
    assert not_a_number.value.status == 422


async def test_a_cross_field_error_is_invalid_and_leaves_the_active_set(risk_objects, risk_manager, run_operator):
    async with risk_manager.up() as risk, run_operator():
        await risk_objects.create(NAME, {"max_positions": 4})
        applied = await _applied(risk_objects)
        before = await _active(risk)
        await risk_objects.patch(NAME, {"warning_fraction": 0.9, "critical_fraction": 0.8})

        async def invalid() -> dict[str, Any]:
            condition = await risk_objects.condition(NAME, "Invalid")
            return condition if condition.get("status") == "True" else {}

        condition = await eventually(invalid, within_s=WITHIN_S, interval_s=0.05, what="Invalid")
        after = await _active(risk)
        obj = await risk_objects.get(NAME)
        await risk_objects.patch(NAME, {"critical_fraction": 1.0})  # fixed: applied
        fixed = await _applied(risk_objects)
    assert condition["reason"] == "CrossFieldRule"
    assert "critical_fraction" in condition["message"]
    assert "warning_fraction (0.9)" in condition["message"]
    assert after["version"] == before["version"]
    assert obj["status"]["parameterVersion"] == applied["status"]["parameterVersion"]
    assert {c["type"]: c["status"] for c in obj["status"]["conditions"]} == {
        "Applied": "False", "Invalid": "True", "Pending": "False"}
    assert fixed["status"]["parameterVersion"] == before["version"] + 1


async def test_the_risk_manager_down_then_up_gets_the_set_when_it_returns(risk_objects, risk_manager, run_operator):
    async with run_operator():
        await risk_objects.create(NAME, {"max_positions": 2})

        async def pending() -> dict[str, Any]:
            condition = await risk_objects.condition(NAME, "Pending")
            return condition if condition.get("status") == "True" else {}

        condition = await eventually(pending, within_s=WITHIN_S, interval_s=0.05, what="Pending")
        assert (await risk_objects.condition(NAME, "Applied"))["status"] == "False"
        async with risk_manager.up() as risk:
            obj = await _applied(risk_objects)
            active = await _active(risk)
    assert condition["reason"] == "RiskManagerUnreachable"
    assert active["parameters"]["max_positions"] == 2
    assert obj["status"]["parameterVersion"] == active["version"]


async def test_edits_made_while_the_risk_manager_is_down_are_not_lost(risk_objects, risk_manager, run_operator):
    async with run_operator():
        async with risk_manager.up():
            await risk_objects.create(NAME, {"max_positions": 4})
            await _applied(risk_objects)
        await risk_objects.patch(NAME, {"max_positions": 2})
        await risk_objects.patch(NAME, {"daily_loss_limit": 900.0})

        async def pending_on_the_last_edit() -> bool:
            status = (await risk_objects.get(NAME)).get("status") or {}
            pending = await risk_objects.condition(NAME, "Pending")
            return status.get("observedGeneration") == 3 and pending.get("status") == "True"

        await eventually(pending_on_the_last_edit, within_s=WITHIN_S, what="Pending on generation 3")
        async with risk_manager.up() as risk:
            obj = await _applied(risk_objects)
            active = await _active(risk)
    assert (active["parameters"]["max_positions"], active["parameters"]["daily_loss_limit"]) == (2, 900.0)
    assert obj["status"]["observedGeneration"] == 3
    assert obj["status"]["parameterVersion"] == active["version"]


async def test_an_out_of_band_change_is_reverted_with_an_event(risk_objects, risk_manager, run_operator):
    async with risk_manager.up() as risk, run_operator():
        await risk_objects.create(NAME, {"max_positions": 3})
        await _applied(risk_objects)
        current = (await _active(risk))["parameters"]
        changed = await risk.put("/api/v1/risk/parameters", json={"parameters": {**current, "max_positions": 9}})
        assert changed.status_code == 200

        async def reverted() -> dict[str, Any] | None:
            active = await _active(risk)
            return active if active["version"] > changed.json()["version"] else None

        active = await eventually(reverted, within_s=WITHIN_S, interval_s=0.05, what="the drift to be reverted")

        async def drift_event() -> list[str]:
            return [m for reason, m in await risk_objects.events(NAME) if reason == "DriftReverted"]

        messages = await eventually(drift_event, within_s=WITHIN_S, interval_s=0.1, what="a DriftReverted event")
    assert active["parameters"]["max_positions"] == 3
    assert active["source"] == "operator"
    assert "drift repaired" in active["reason"]
    assert "max_positions: 9 → 3" in messages[0]


async def test_a_risk_manager_back_with_another_set_is_repaired(risk_objects, risk_manager, run_operator):
    """Regression: a drift check that found the Risk Manager down left the object Pending, and the timer
    then stopped comparing, so a Risk Manager back with another set (here its file, edited while it was
    down) kept it."""
    async with run_operator():
        async with risk_manager.up():
            await risk_objects.create(NAME, {"max_positions": 3})
            await _applied(risk_objects)

        async def pending() -> bool:
            return (await risk_objects.condition(NAME, "Pending")).get("status") == "True"

        await eventually(pending, within_s=WITHIN_S, what="the drift check finding the Risk Manager down")
        risk_manager.parameter_file.write_text("max_positions: 9\n")  # newer than its database's set: loaded
        async with risk_manager.up() as risk:
            obj = await _applied(risk_objects)

            async def repaired() -> dict[str, Any] | None:
                active = await _active(risk)
                return active if active["source"] == "operator" and active["parameters"]["max_positions"] == 3 else None

            active = await eventually(repaired, within_s=WITHIN_S, what="the file's set reverted")
    assert "drift repaired" in active["reason"]
    assert obj["status"]["appliedGeneration"] == 1


async def test_a_restarted_operator_resumes_without_a_new_parameter_version(risk_objects, risk_manager, run_operator,
                                                                            riskop_db):
    async with risk_manager.up() as risk:
        async with run_operator():
            await risk_objects.create(NAME, {"max_positions": 3})
            await _applied(risk_objects)
        before = await _history(riskop_db)
        async with run_operator() as op:
            # the object is neither new nor edited: the handler that ran is the resume
            await eventually(lambda: op.count("Handler 'apply' succeeded") and op.count("Timer 'repair_drift'"),
                             within_s=WITHIN_S, what="the resume and one drift check")
            active = await _active(risk)
        assert await _history(riskop_db) == before
        assert active["version"] == before[-1][0]


async def test_a_second_object_gets_an_error_condition_and_is_ignored(risk_objects, risk_manager, run_operator):
    async with risk_manager.up() as risk, run_operator():
        await risk_objects.create(NAME, {"max_positions": 3})
        await _applied(risk_objects)
        await risk_objects.create("another", {"max_positions": 7})

        async def invalid() -> dict[str, Any]:
            condition = await risk_objects.condition("another", "Invalid")
            return condition if condition.get("status") == "True" else {}

        condition = await eventually(invalid, within_s=WITHIN_S, interval_s=0.05, what="another Invalid")
        active = await _active(risk)
    assert condition["reason"] == "NotAuthoritative"
    assert f"{risk_objects.namespace}/{NAME}" in condition["message"]
    assert active["parameters"]["max_positions"] == 3


def _server_and_token(kubeconfig: str) -> tuple[str, str]:
    config = yaml.safe_load(Path(kubeconfig).read_text())
    return config["clusters"][0]["cluster"]["server"], config["users"][0]["user"]["token"]


async def test_kubectl_get_shows_the_limits_whether_applied_and_the_age(kubeconfig, risk_objects, risk_manager,
                                                                        run_operator):
    server, token = _server_and_token(kubeconfig)
    url = f"{server}/apis/{API_VERSION}/namespaces/{risk_objects.namespace}/riskparameters"
    async with risk_manager.up(), run_operator():
        await risk_objects.create(NAME, {"daily_loss_limit": 1500.0, "max_positions": 3})
        obj = await _applied(risk_objects)
        async with httpx.AsyncClient(verify=False) as http:  # the loopback server's own certificate
            table = (await http.get(url, headers={"Authorization": f"Bearer {token}",
                                                  "Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"})).json()
    columns = [c["name"] for c in table["columnDefinitions"]]
    assert columns == ["Name", "Daily-Loss", "Max-Position", "Max-Positions", "Applied", "Version", "Reason", "Age"]
    (row,) = table["rows"]
    assert row["cells"][:6] == [NAME, 1500, 0.2, 3, "True", obj["status"]["parameterVersion"]]
