"""``catalyst.riskop.cluster.patch_parameters``, Workflow's way to change the limits in a cluster:
it patches the authoritative object (checked by the model first), the operator applies it, and the
requester reaches the Risk Manager's history."""

from __future__ import annotations

import pytest
from kubernetes import client as k8s

from catalyst.errors import InvalidInput, NotFound, ServiceUnavailable
from catalyst.riskop.cluster import ObjectRef, patch_parameters, wait_applied
from catalyst.riskop.resource import DEFAULT_OBJECT_NAME
from tests.support.waiting import eventually

NAME = DEFAULT_OBJECT_NAME


async def test_a_patch_through_the_cluster_is_applied_with_its_requester(risk_objects, risk_manager, run_operator):
    objects = k8s.CustomObjectsApi(risk_objects.api)
    ref = ObjectRef(risk_objects.namespace, NAME)
    async with risk_manager.up() as risk, run_operator():
        await risk_objects.create(NAME, {"max_positions": 4, "daily_loss_limit": 1500.0})
        patched = await patch_parameters(objects, ref, {"max_positions": 2}, requested_by="mcp:alice")

        async def applied() -> dict | None:
            active = (await risk.get("/api/v1/risk/parameters")).json()
            return active if active["parameters"]["max_positions"] == 2 else None

        active = await eventually(applied, within_s=20, what="the patched set applied")
        replaced = await patch_parameters(objects, ref, {"max_positions": 6}, requested_by="rest:bob", replace=True)
    assert patched.spec["max_positions"] == 2
    assert patched.spec["daily_loss_limit"] == 1500.0  # a merge: the other fields stay
    assert patched.generation == 2
    assert active["applied_by"] == "k8s:catalyst-workflow for mcp:alice"
    assert replaced.spec["daily_loss_limit"] == 2000.0  # a replace: absent fields take the defaults


async def test_a_refused_patch_names_the_field_and_leaves_the_object(risk_objects):
    objects = k8s.CustomObjectsApi(risk_objects.api)
    ref = ObjectRef(risk_objects.namespace, NAME)
    await risk_objects.create(NAME, {"warning_fraction": 0.75})
    before = await risk_objects.get(NAME)
    with pytest.raises(InvalidInput) as cross_field:
        await patch_parameters(objects, ref, {"critical_fraction": 0.5}, requested_by="mcp:alice")
    assert cross_field.value.code == "INVALID_RISK_PARAMETERS"
    assert cross_field.value.details["fields"] == ["critical_fraction"]
    with pytest.raises(InvalidInput) as bound:
        await patch_parameters(objects, ref, {"max_positions": 0}, requested_by="mcp:alice")
    assert bound.value.details["fields"] == ["max_positions"]
    after = await risk_objects.get(NAME)
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    with pytest.raises(NotFound):
        await patch_parameters(objects, ObjectRef(risk_objects.namespace, "absent"), {}, requested_by="mcp:alice")


async def test_the_caller_waits_for_the_operator_and_answers_the_risk_managers_version(risk_objects, risk_manager,
                                                                                       run_operator):
    objects = k8s.CustomObjectsApi(risk_objects.api)
    ref = ObjectRef(risk_objects.namespace, NAME)
    async with run_operator():
        await risk_objects.create(NAME, {"max_positions": 4})
        async with risk_manager.up() as risk:
            patched = await patch_parameters(objects, ref, {"max_positions": 2}, requested_by="mcp:alice")
            status = await wait_applied(objects, ref, patched.generation, within_s=20)
            active = (await risk.get("/api/v1/risk/parameters")).json()
        assert status["parameterVersion"] == active["version"]
        assert active["parameters"]["max_positions"] == 2
        down = await patch_parameters(objects, ref, {"max_positions": 3}, requested_by="mcp:alice")
        with pytest.raises(ServiceUnavailable) as pending:  # the Risk Manager is down: kept, applied later
            await wait_applied(objects, ref, down.generation, within_s=1)
    assert pending.value.code == "RISK_PARAMETERS_PENDING"
