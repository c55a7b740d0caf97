"""The RBAC in ``manifests/riskop-rbac.yaml`` is enough and no more: the operator, running on its
service account's token alone, applies the object, writes its status and posts its events;
Orchestration's account may patch the authoritative object and no other one. The Deployment
manifest is accepted by the API server and probes the operator's own liveness endpoint."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException

from catalyst.riskop.cluster import ObjectRef, patch_parameters
from catalyst.riskop.resource import DEFAULT_OBJECT_NAME
from tests.support.kube import in_namespace
from tests.support.waiting import eventually

ROOT = Path(__file__).resolve().parents[3]
DEPLOYMENT = ROOT / "manifests" / "riskop-deployment.yaml"
NAME = DEFAULT_OBJECT_NAME


async def test_the_operator_works_on_its_roles_rights_alone(risk_objects, risk_manager, run_operator, rbac_applied,
                                                           account_kubeconfig):
    as_operator = account_kubeconfig("catalyst-risk-operator")
    async with risk_manager.up() as risk, run_operator(as_kubeconfig=as_operator) as op:
        await risk_objects.create(NAME, {"max_positions": 3})

        async def applied() -> bool:
            return (await risk_objects.condition(NAME, "Applied")).get("status") == "True"

        await eventually(applied, within_s=20, what="Applied under the operator's own account")
        current = (await risk.get("/api/v1/risk/parameters")).json()["parameters"]
        await risk.put("/api/v1/risk/parameters", json={"parameters": {**current, "max_positions": 8}})

        async def drift_event() -> bool:
            return any(reason == "DriftReverted" for reason, _ in await risk_objects.events(NAME))

        await eventually(drift_event, within_s=20, what="the DriftReverted event posted by the operator")
    assert "403" not in op.output(), op.output()[-2000:]
    assert "Forbidden" not in op.output()


async def test_orchestration_may_patch_the_one_object_and_no_other(risk_objects, rbac_applied, account_kubeconfig):
    as_orchestration = account_kubeconfig("catalyst-orchestration")
    await risk_objects.create(NAME, {})
    await risk_objects.create("another", {})
    objects = k8s.CustomObjectsApi(k8s_config.new_client_from_config(config_file=as_orchestration))
    patched = await patch_parameters(objects, ObjectRef(risk_objects.namespace, NAME), {"max_positions": 2},
                                     requested_by="mcp:alice")
    assert patched.spec["max_positions"] == 2
    with pytest.raises(ApiException) as refused:
        await patch_parameters(objects, ObjectRef(risk_objects.namespace, "another"), {"max_positions": 2},
                               requested_by="mcp:alice")
    assert refused.value.status == 403


async def test_the_deployment_is_accepted_and_probes_the_operators_liveness(risk_objects):
    (doc,) = [in_namespace(d, risk_objects.namespace) for d in yaml.safe_load_all(DEPLOYMENT.read_text())
              if d["kind"] == "Deployment"]
    created = await asyncio.to_thread(k8s.AppsV1Api(risk_objects.api).create_namespaced_deployment,
                                      risk_objects.namespace, doc)
    (container,) = created.spec.template.spec.containers
    assert created.spec.replicas == 1
    assert created.spec.template.spec.service_account_name == "catalyst-risk-operator"
    assert container.liveness_probe.http_get.path == "/healthz"
    assert "--liveness=http://0.0.0.0:8080/healthz" in container.command
    assert "--standalone" in container.command
    assert "--namespace=$(RISKOP_NAMESPACE)" in container.command  # one namespace, from the same setting
    assert {e.name: e.value_from.field_ref.field_path for e in container.env if e.value_from and e.value_from.field_ref
            } == {"RISKOP_NAMESPACE": "metadata.namespace"}
    assert container.ports[0].container_port == 8080
