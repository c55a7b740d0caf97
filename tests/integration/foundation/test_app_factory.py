"""The app factory every service is built on: auth, envelopes, health, metrics, request id."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from fastapi import APIRouter
from pydantic import BaseModel, Field

from catalyst.access import RISK_CHECKS, TECHNICAL_QUERIES
from catalyst.app import Runtime, create_app
from catalyst.errors import NotFound
from catalyst.services import WIRING, ServiceName

router = APIRouter(prefix="/api/v1")


class Order(BaseModel):
    symbol: str
    quantity: int = Field(gt=0)


@router.post("/echo")
async def echo(order: Order) -> Order:
    return order


@router.get("/things/{thing_id}")
async def thing(thing_id: int, rt: Runtime) -> dict[str, Any]:
    if thing_id != 1:
        raise NotFound(f"thing {thing_id} not found", code="THING_NOT_FOUND", details={"thing_id": thing_id})
    return {"thing_id": thing_id, "service": rt.service.value}


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError("bug")


@pytest.fixture
def app(make_settings):
    return create_app(ServiceName.TECHNICAL, settings=make_settings(ServiceName.TECHNICAL),
                      routers=[(router, TECHNICAL_QUERIES)])


async def test_missing_api_key_is_401_envelope(app, api_client):
    async with api_client(app) as client:
        response = await client.get("/api/v1/things/1", headers={"X-API-Key": ""})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "MISSING_API_KEY"
    assert set(response.json()["error"]) == {"code", "message", "details"}


async def test_wrong_api_key_is_401_envelope(app, api_client):
    async with api_client(app, api_key="not-a-key") as client:
        response = await client.get("/api/v1/things/1")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "INVALID_API_KEY"


async def test_an_allowed_callers_key_is_accepted(app, api_client, make_settings):
    key = make_settings().api_key(ServiceName.SCANNER)
    async with api_client(app, api_key=key) as client:
        response = await client.get("/api/v1/things/1")
    assert response.status_code == 200
    assert response.json() == {"thing_id": 1, "service": "technical"}


async def test_a_valid_key_of_a_caller_the_group_does_not_name_is_403_envelope(app, api_client, make_settings):
    async with api_client(app, api_key=make_settings().api_key(ServiceName.RISK)) as client:
        response = await client.get("/api/v1/things/1")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "FORBIDDEN_CALLER"
    assert error["details"] == {"caller": "risk", "allowed": ["scanner", "workflow"]}


def test_openapi_lists_the_allowed_callers_of_each_operation(app):
    operation = app.openapi()["paths"]["/api/v1/things/{thing_id}"]["get"]
    assert operation["x-allowed-callers"] == ["scanner", "workflow"]
    assert "403" in operation["responses"]


def test_a_route_group_of_another_service_is_not_mounted(make_settings):
    with pytest.raises(ValueError, match="risk route group mounted on technical"):
        create_app(ServiceName.TECHNICAL, settings=make_settings(ServiceName.TECHNICAL),
                   routers=[(router, RISK_CHECKS)])


async def test_malformed_json_is_400_envelope(app, api_client):
    async with api_client(app) as client:
        response = await client.post("/api/v1/echo", content=b'{"symbol": "AAPL", ',
                                     headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "MALFORMED_JSON"


async def test_wrong_type_is_400_envelope_naming_the_field(app, api_client):
    async with api_client(app) as client:
        response = await client.post("/api/v1/echo", json={"symbol": "AAPL", "quantity": "many"})
    body = response.json()
    assert response.status_code == 400
    assert body["error"]["code"] == "VALIDATION_ERROR"
    assert body["error"]["details"]["fields"] == ["quantity"]


async def test_wrong_path_type_is_400_not_500(app, api_client):
    async with api_client(app) as client:
        response = await client.get("/api/v1/things/abc")
    assert response.status_code == 400


async def test_domain_error_keeps_its_code_and_details(app, api_client):
    async with api_client(app) as client:
        response = await client.get("/api/v1/things/7")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "THING_NOT_FOUND", "message": "thing 7 not found",
                                         "details": {"thing_id": 7}}}


async def test_unknown_route_is_404_envelope(app, api_client):
    async with api_client(app) as client:
        response = await client.get("/nowhere")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


async def test_a_bug_is_500_envelope_without_internals(app, api_client):
    async with api_client(app) as client:
        response = await client.get("/api/v1/boom")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "INTERNAL_ERROR"
    assert "bug" not in response.text


async def test_request_id_is_echoed_or_created(app, api_client):
    async with api_client(app) as client:
        given = await client.get("/api/v1/things/1", headers={"X-Request-ID": "abc123"})
        made = await client.get("/api/v1/things/1")
    assert given.headers["X-Request-ID"] == "abc123"
    assert len(made.headers["X-Request-ID"]) == 32


async def test_health_has_the_spec_shape_without_auth(app, api_client):
    async with api_client(app, api_key="") as client:
        response = await client.get("/health")
    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"status", "service", "version", "timestamp", "database", "redis", "dependencies"}
    assert body["service"] == "technical"
    assert body["database"] == "connected"
    assert body["redis"] == "connected"
    assert body["status"] == "healthy"


async def test_health_is_503_when_postgres_is_unreachable(make_settings, api_client):
    settings = make_settings(ServiceName.TECHNICAL, DATABASE_URL="postgresql://postgres@127.0.0.1:1/none")
    app = create_app(ServiceName.TECHNICAL, settings=settings, routers=[(router, TECHNICAL_QUERIES)])
    async with api_client(app) as client:
        response = await client.get("/health")
    assert response.status_code == 503
    assert response.json()["database"] == "disconnected"
    assert response.json()["status"] == "unhealthy"


async def test_health_reports_dependencies(make_settings, api_client):
    # Scanner depends on news, technical and pattern; none is running here.
    settings = make_settings(ServiceName.SCANNER, NEWS_URL="http://127.0.0.1:1",
                             TECHNICAL_URL="http://127.0.0.1:1", PATTERN_URL="http://127.0.0.1:1")
    wiring = replace(WIRING[ServiceName.SCANNER], required=(ServiceName.NEWS,))
    app = create_app(ServiceName.SCANNER, settings=settings, wiring=wiring)
    async with api_client(app) as client:
        response = await client.get("/health")
    body = response.json()
    assert body["dependencies"] == {"news": "unreachable", "technical": "unreachable", "pattern": "unreachable"}
    assert response.status_code == 503


@pytest.mark.parametrize(("service", "probed"), [(ServiceName.RISK, {"trading": "unreachable"}),
                                                 (ServiceName.TRADING, {})])
async def test_health_probes_the_peers_a_service_calls(make_settings, api_client, service, probed):
    # Risk calls Trading (emergency stop, sizing); Trading calls no one.
    settings = make_settings(service, TRADING_URL="http://127.0.0.1:1", RISK_URL="http://127.0.0.1:1")
    async with api_client(create_app(service, settings=settings)) as client:
        body = (await client.get("/health")).json()
    assert body["dependencies"] == probed


async def test_metrics_count_requests_by_route_template(app, api_client):
    async with api_client(app) as client:
        await client.get("/api/v1/things/1")
        await client.get("/api/v1/things/2")
        metrics = (await client.get("/metrics")).text
    assert 'route="/api/v1/things/{thing_id}",service="technical",status="200"' in metrics
    assert 'route="/api/v1/things/{thing_id}",service="technical",status="404"' in metrics
    assert "catalyst_http_request_duration_seconds_bucket" in metrics


async def test_openapi_docs_are_served(app, api_client):
    async with api_client(app) as client:
        spec = (await client.get("/openapi.json")).json()
        docs = await client.get("/docs")
    assert "/api/v1/echo" in spec["paths"]
    assert docs.status_code == 200


async def test_an_exhausted_pool_is_a_503_error_not_a_hang(test_database_url):
    from catalyst.db import Database
    from catalyst.errors import ServiceUnavailable

    db = Database(test_database_url, min_size=1, max_size=1, acquire_timeout=0.2)
    try:
        async with db.acquire():
            with pytest.raises(ServiceUnavailable) as caught:
                async with db.acquire():
                    pass
        assert caught.value.code == "DATABASE_BUSY"
        async with db.acquire() as conn:  # released: usable again
            assert await conn.fetchval("SELECT 1") == 1
    finally:
        await db.close()


async def test_health_sets_the_connection_gauges_and_metrics_the_pool(app, api_client):
    async with api_client(app) as client:
        await client.get("/health")
        metrics = (await client.get("/metrics")).text
    assert 'catalyst_connection_up{target="database"} 1.0' in metrics
    assert 'catalyst_connection_up{target="redis"} 1.0' in metrics
    assert 'catalyst_db_pool_connections{state="max"} 5.0' in metrics
    assert 'catalyst_db_pool_connections{state="in_use"} 0.0' in metrics
