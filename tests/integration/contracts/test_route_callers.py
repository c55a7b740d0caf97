"""Every operation of every service, called with every key: the callers its OpenAPI names
(``x-allowed-callers``, written from ``catalyst.access``) are never refused (no 401/403), every
other valid key gets 403 ``FORBIDDEN_CALLER`` in the envelope.

The cases come from each app's own OpenAPI document (built at import with placeholder settings,
as the fuzzing module does), so a new route is walked without editing this file. The requests go
to the real apps, started once for the module, on the contracts' scratch database (``conftest.py``). No body is sent,
so an allowed caller meets a 400 (or a harmless read) rather than changing anything. Workflow runs
with every service it calls in process (``conftest.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from catalyst.config import Settings
from catalyst.context import API_KEY_HEADER
from catalyst.services import IDENTITIES, Identity, Operator, ServiceName
from services.news.app import build_app as build_news_app
from services.pattern.app import build_app as build_pattern_app
from services.reporting.app import build_app as build_reporting_app
from services.risk.app import build_app as build_risk_app
from services.scanner.app import build_app as build_scanner_app
from services.technical.app import build_app as build_technical_app
from services.trading.app import build_app as build_trading_app
from services.workflow.app import build_app as build_workflow_app
from tests.support.services import serve

BUILDERS: dict[ServiceName, Callable[[Settings], FastAPI]] = {
    ServiceName.NEWS: build_news_app, ServiceName.TECHNICAL: build_technical_app,
    ServiceName.PATTERN: build_pattern_app, ServiceName.RISK: build_risk_app, ServiceName.TRADING: build_trading_app,
    ServiceName.WORKFLOW: build_workflow_app,
    ServiceName.SCANNER: build_scanner_app,
    ServiceName.REPORTING: build_reporting_app,
}
OPEN_PATHS = {"/health"}  # the ops routes in the schema, unauthenticated on purpose


def _placeholder(service: ServiceName) -> Settings:
    return Settings(CATALYST_SERVICE=service, CATALYST_ENV="test", LOG_LEVEL="WARNING")  # type: ignore[call-arg]


def _operations() -> list[tuple[ServiceName, str, str, dict[str, Any]]]:
    found = []
    for service, build in BUILDERS.items():
        for path, item in build(_placeholder(service)).openapi()["paths"].items():
            found += [(service, method.upper(), path, op) for method, op in item.items() if path not in OPEN_PATHS]
    return found


OPERATIONS = _operations()


def _url(path: str, operation: dict[str, Any]) -> str:
    """``path`` with each path parameter filled with a value of its type (an unknown one)."""
    for p in operation.get("parameters", []):
        if p["in"] == "path":
            value = str(uuid.uuid4()) if p["schema"].get("format") == "uuid" else "AAPL"
            path = path.replace("{" + p["name"] + "}", value)
    return path


@pytest.fixture(scope="module")
async def clients(fuzz_target: Any) -> AsyncIterator[dict[ServiceName, httpx.AsyncClient]]:
    """Each service's app running, and a client to it presenting no key of its own."""
    apps = {service: fuzz_target(service, build).app for service, build in BUILDERS.items()}
    async with AsyncExitStack() as stack:
        opened = {}
        for service, app in apps.items():
            opened[service] = await stack.enter_async_context(serve(app, caller=None, timeout_s=30))
        yield opened


def test_every_operation_names_its_callers():
    assert {s for s, *_ in OPERATIONS} == set(BUILDERS)
    for service, method, path, operation in OPERATIONS:
        allowed = operation.get("x-allowed-callers")
        assert allowed, f"{service.value} {method} {path} names no callers"
        assert set(allowed) <= {i.value for i in IDENTITIES}


@pytest.mark.parametrize("caller", IDENTITIES, ids=lambda i: i.value)
@pytest.mark.parametrize(("service", "method", "path", "operation"), OPERATIONS,
                         ids=[f"{s.value}:{m}:{p}" for s, m, p, _ in OPERATIONS])
async def test_only_the_named_callers_get_through(clients: dict[ServiceName, httpx.AsyncClient], service: ServiceName,
                                                  method: str, path: str, operation: dict[str, Any],
                                                  caller: Identity, test_settings: Settings) -> None:
    url = _url(path, operation)
    response = await clients[service].request(method, url, headers={API_KEY_HEADER: test_settings.api_key(caller)})
    allowed = operation["x-allowed-callers"]
    if caller.value in allowed:
        assert response.status_code not in (401, 403), response.text
        return
    assert response.status_code == 403, response.text
    assert response.json() == {"error": {
        "code": "FORBIDDEN_CALLER", "message": f"{caller.value} may not call {method} {url}",
        "details": {"caller": caller.value, "allowed": allowed},
    }}


# -- the two holes that were open: any service's key could flatten the book or loosen the limits ----
async def test_the_technical_key_cannot_flatten_positions(clients: dict[ServiceName, httpx.AsyncClient],
                                                          test_settings: Settings) -> None:
    def flatten(caller: Identity) -> Any:
        return clients[ServiceName.TRADING].post("/api/v1/positions/flatten", json={"reason": "test"},
                                                 headers={API_KEY_HEADER: test_settings.api_key(caller)})

    refused = await flatten(ServiceName.TECHNICAL)
    assert refused.status_code == 403
    assert refused.json()["error"]["details"] == {"caller": "technical", "allowed": ["risk", "workflow"]}
    assert (await flatten(ServiceName.RISK)).status_code == 200  # the emergency stop's own call


async def test_the_pattern_key_cannot_change_risk_parameters(clients: dict[ServiceName, httpx.AsyncClient],
                                                             test_settings: Settings) -> None:
    risk = clients[ServiceName.RISK]

    def put(caller: Identity) -> Any:
        return risk.put("/api/v1/risk/parameters", json={"parameters": {"max_positions": 1}},
                        headers={API_KEY_HEADER: test_settings.api_key(caller)})

    async def version() -> int:
        answer = await risk.get("/api/v1/risk/parameters",
                                headers={API_KEY_HEADER: test_settings.api_key(ServiceName.WORKFLOW)})
        return int(answer.json()["version"])

    before = await version()
    refused = await put(ServiceName.PATTERN)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "FORBIDDEN_CALLER"
    assert await version() == before
    applied = await put(Operator.OPERATOR)
    assert applied.status_code == 200
    assert applied.json()["applied_by"] == "operator"
    assert await version() == before + 1
