"""One source of truth in a cluster: a Workflow configured with the authoritative object
(``RISK_PARAMETERS_OBJECT``, Workflow's own service account from the chart's RBAC) changes the limits by
patching that object, whoever asks (the MCP tool through Orchestration, the REST ``PUT``); the operator
applies it and the Risk Manager's active set follows, naming the requester. A refused set changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastmcp import Client

from catalyst.clients.workflow import WorkflowClient
from catalyst.config import Settings
from catalyst.environment import read
from catalyst.orchestration.config import OrchestrationSettings
from catalyst.riskop.resource import DEFAULT_OBJECT_NAME
from catalyst.services import ServiceName
from catalyst.workflow.config import WorkflowSettings
from services.orchestration.app import build_app as build_orchestration_app
from services.workflow.app import build_app
from tests.integration.riskop.conftest import WORKFLOW_ACCOUNT, RiskManagerRig, RiskObjects
from tests.support.services import http_client, running, service_client
from tests.support.waiting import eventually

NAME = DEFAULT_OBJECT_NAME
PARAMETERS = "/api/v1/workflow/risk/parameters"


@asynccontextmanager
async def workflow(make_settings: Callable[..., Settings], database_url: str, risk_manager: RiskManagerRig,
                   risk_objects: RiskObjects, kubeconfig: str) -> AsyncIterator[FastAPI]:
    """Workflow, running, as the chart configures it with the operator on (the Risk Manager on loopback)."""
    settings = make_settings(ServiceName.WORKFLOW, DATABASE_URL=database_url, RISK_URL=risk_manager.url,
                             REDIS_NAMESPACE=f"test-riskop-wf-{uuid.uuid4().hex[:8]}:")
    ws = read(WorkflowSettings, RISK_PARAMETERS_OBJECT=f"{risk_objects.namespace}/{NAME}",
              RISK_PARAMETERS_KUBECONFIG=kubeconfig, RISK_PARAMETERS_WAIT=20)
    async with running(build_app(settings, workflow_settings=ws)) as app:
        yield app


@asynccontextmanager
async def mcp_client(make_settings: Callable[..., Settings], workflow_app: FastAPI) -> AsyncIterator[Client[Any]]:
    """Orchestration calling that Workflow, and an MCP client of it."""
    @asynccontextmanager
    async def to_workflow() -> AsyncIterator[WorkflowClient]:
        async with service_client(workflow_app, caller=ServiceName.ORCHESTRATION, timeout_s=30) as client:
            yield WorkflowClient(client)

    app = build_orchestration_app(make_settings(ServiceName.ORCHESTRATION),
                                  orchestration_settings=OrchestrationSettings.model_validate(
                                      {"MCP_API_KEYS": "test-mcp-key"}), workflow=to_workflow)
    async with running(app), Client(app.state.mcp) as client:
        yield client


async def created_and_applied(risk_objects: RiskObjects, spec: dict[str, object]) -> None:
    await risk_objects.create(NAME, spec)

    async def applied() -> bool:
        return (await risk_objects.condition(NAME, "Applied")).get("status") == "True"

    await eventually(applied, within_s=20, what="the object applied")


async def test_an_update_through_workflow_patches_the_object_and_the_operator_applies_it(
        risk_objects, risk_manager, run_operator, rbac_applied, account_kubeconfig, make_settings,
        riskop_database_url):
    as_workflow = account_kubeconfig(WORKFLOW_ACCOUNT)
    async with risk_manager.up() as risk, run_operator(), workflow(
            make_settings, riskop_database_url, risk_manager, risk_objects, as_workflow) as app, http_client(
            app, caller=ServiceName.ORCHESTRATION, timeout_s=30) as wf:
        await created_and_applied(risk_objects, {"max_positions": 4})
        current = (await wf.get(PARAMETERS)).json()["parameters"]
        answer = await wf.put(PARAMETERS, json={"parameters": {**current, "max_positions": 2}, "applied_by": "mcp",
                                                "source": "mcp", "reason": "fewer positions"})
        active = (await risk.get("/api/v1/risk/parameters")).json()
        obj = await risk_objects.get(NAME)
    assert answer.status_code == 200, answer.text
    assert obj["spec"]["max_positions"] == 2  # the object holds the change ...
    assert active["parameters"]["max_positions"] == 2  # ... and the operator applied it
    assert active["source"] == "operator"  # not Workflow calling the Risk Manager
    assert active["applied_by"] == "k8s:catalyst-workflow for mcp"  # the requester, through the object
    assert answer.json()["version"] == active["version"] == obj["status"]["parameterVersion"]
    assert answer.json()["parameters"]["max_positions"] == 2


async def test_a_refused_update_is_a_4xx_with_the_reason_and_nothing_is_applied(
        risk_objects, risk_manager, run_operator, rbac_applied, account_kubeconfig, make_settings,
        riskop_database_url):
    as_workflow = account_kubeconfig(WORKFLOW_ACCOUNT)
    async with risk_manager.up() as risk, run_operator(), workflow(
            make_settings, riskop_database_url, risk_manager, risk_objects, as_workflow) as app, http_client(
            app, caller=ServiceName.ORCHESTRATION, timeout_s=30) as wf:
        await created_and_applied(risk_objects, {"max_positions": 4})
        current = (await wf.get(PARAMETERS)).json()
        before = await risk_objects.get(NAME)
        cross_field = await wf.put(PARAMETERS, json={"parameters": {**current["parameters"],
                                                                    "critical_fraction": 0.5}})
        bound = await wf.put(PARAMETERS, json={"parameters": {**current["parameters"], "max_positions": 0}})
        after = await risk_objects.get(NAME)
        active = (await risk.get("/api/v1/risk/parameters")).json()
    for refused, field in ((cross_field, "critical_fraction"), (bound, "max_positions")):
        assert refused.status_code == 400, refused.text
        error = refused.json()["error"]
        assert error["code"] == "INVALID_RISK_PARAMETERS"
        assert field in error["message"]
        assert error["details"]["fields"] == [field]
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]  # the object untouched
    assert active["version"] == current["version"]  # the Risk Manager's set unchanged
    assert active["parameters"]["max_positions"] == 4


async def test_the_mcp_tool_changes_the_object_through_orchestration_and_workflow(
        risk_objects, risk_manager, run_operator, rbac_applied, account_kubeconfig, make_settings,
        riskop_database_url):
    as_workflow = account_kubeconfig(WORKFLOW_ACCOUNT)
    async with risk_manager.up() as risk, run_operator(), workflow(
            make_settings, riskop_database_url, risk_manager, risk_objects, as_workflow) as app, mcp_client(
            make_settings, app) as mcp:
        await created_and_applied(risk_objects, {"max_positions": 4})
        result = await mcp.call_tool("update_risk_parameter", {"name": "max_positions", "value": 3,
                                                                "reason": "calmer"})
        active = (await risk.get("/api/v1/risk/parameters")).json()
        obj = await risk_objects.get(NAME)
    assert not result.is_error, result
    assert result.structured_content["status"] == "applied"
    assert obj["spec"]["max_positions"] == active["parameters"]["max_positions"] == 3
    assert active["applied_by"] == "k8s:catalyst-workflow for mcp"
    assert result.structured_content["version"] == active["version"]
