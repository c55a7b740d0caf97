"""The chart's RBAC (``operator-rbac.yaml``) is enough and no more: the operator, running on its
service account's token alone, applies the object, writes its status and posts its events;
Workflow's account may patch the authoritative object and no other one. The chart's operator
Deployment is accepted by the API server and probes the operator's own liveness endpoint."""

from __future__ import annotations

import asyncio
import re

import pytest
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from catalyst.errors import UpstreamError
from catalyst.riskop.cluster import ObjectRef, patch_parameters
from catalyst.riskop.resource import DEFAULT_OBJECT_NAME
from tests.integration.riskop.conftest import OPERATOR_ACCOUNT, WORKFLOW_ACCOUNT, chart_objects
from tests.support.kube import in_namespace
from tests.support.waiting import eventually

NAME = DEFAULT_OBJECT_NAME


async def test_the_operator_works_on_its_roles_rights_alone(risk_objects, risk_manager, run_operator, rbac_applied,
                                                           account_kubeconfig):
    as_operator = account_kubeconfig(OPERATOR_ACCOUNT)
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
    assert not re.search(r"\b403\b", op.output()), op.output()[-2000:]  # a status, not a timestamp's digits
    assert "Forbidden" not in op.output()


async def test_workflow_may_patch_the_one_object_and_no_other(risk_objects, rbac_applied, account_kubeconfig):
    as_workflow = account_kubeconfig(WORKFLOW_ACCOUNT)
    await risk_objects.create(NAME, {})
    await risk_objects.create("another", {})
    objects = k8s.CustomObjectsApi(k8s_config.new_client_from_config(config_file=as_workflow))
    patched = await patch_parameters(objects, ObjectRef(risk_objects.namespace, NAME), {"max_positions": 2},
                                     requested_by="mcp:alice")
    assert patched.spec["max_positions"] == 2
    with pytest.raises(UpstreamError) as refused:  # the API server's 403, as an error the envelope carries
        await patch_parameters(objects, ObjectRef(risk_objects.namespace, "another"), {"max_positions": 2},
                               requested_by="mcp:alice")
    assert refused.value.code == "KUBERNETES_API_ERROR"
    assert refused.value.details["status"] == 403


async def test_the_deployment_is_accepted_and_probes_the_operators_liveness(risk_objects):
    (doc,) = [in_namespace(d, risk_objects.namespace) for d in chart_objects("Deployment")
              if d["metadata"]["name"] == OPERATOR_ACCOUNT]
    created = await asyncio.to_thread(k8s.AppsV1Api(risk_objects.api).create_namespaced_deployment,
                                      risk_objects.namespace, doc)
    (container,) = created.spec.template.spec.containers
    assert created.spec.replicas == 1
    assert created.spec.template.spec.service_account_name == OPERATOR_ACCOUNT
    assert created.spec.template.spec.automount_service_account_token is True  # the chart's one exception
    assert container.liveness_probe.http_get.path == "/healthz"
    assert "--liveness=http://0.0.0.0:8080/healthz" in container.command
    assert "--standalone" in container.command
    assert "--namespace=$(RISKOP_NAMESPACE)" in container.command  # one namespace, from the same setting
    assert {e.name: e.value_from.field_ref.field_path for e in container.env if e.value_from and e.value_from.field_ref
            } == {"RISKOP_NAMESPACE": "metadata.namespace"}
    assert container.ports[0].container_port == 8080
