"""The route tables: one entry per operation, used alike by each service's router and typed client."""

from __future__ import annotations

import importlib
from typing import Any

import httpx
import pytest
from fastapi import APIRouter

from catalyst.clients.base import TypedClient
from catalyst.contracts.endpoints import Endpoint, RouteTable, endpoint
from catalyst.contracts.news import NewsRoutes
from catalyst.contracts.pattern import PatternRoutes
from catalyst.contracts.risk import RiskRoutes
from catalyst.contracts.scanner import ScannerRoutes
from catalyst.contracts.technical import TechnicalRoutes
from catalyst.contracts.trading import ClosePositionBody, OrderList, ReasonBody, TradingRoutes
from catalyst.http import ServiceClient
from catalyst.routing import serve

TABLES: dict[str, type[RouteTable]] = {
    "news": NewsRoutes, "pattern": PatternRoutes, "risk": RiskRoutes, "scanner": ScannerRoutes,
    "technical": TechnicalRoutes, "trading": TradingRoutes,
}


def test_entries_are_named_after_their_attribute_in_order() -> None:
    assert [e.name for e in TradingRoutes.endpoints][:3] == ["submit_order", "cancel_all_orders", "list_orders"]
    assert TradingRoutes.close_position.name == "close_position"
    assert TradingRoutes.close_position.path_params == ("position_id",)


def test_url_fills_every_path_parameter_and_no_other() -> None:
    assert TradingRoutes.get_order.url(order_id="abc") == "/api/v1/orders/abc"
    with pytest.raises(TypeError, match="path parameters"):
        TradingRoutes.get_order.url()
    with pytest.raises(TypeError, match="path parameters"):
        TradingRoutes.list_orders.url(order_id="abc")


@pytest.mark.parametrize("service", sorted(TABLES))
def test_each_app_serves_exactly_its_table(service: str) -> None:
    """Every operation of the app's OpenAPI document under /api is an entry, with its answer model."""
    paths = importlib.import_module(f"services.{service}.app").build_app().openapi()["paths"]
    served = {(path, method.upper()) for path, ops in paths.items() if path.startswith("/api/") for method in ops}
    assert served == {(e.path, e.method) for e in TABLES[service].endpoints}
    for e in TABLES[service].endpoints:
        operation = paths[e.path][e.method.lower()]
        assert operation["summary"] == e.name.replace("_", " ").title()
        schema = operation["responses"][str(e.status_code)]["content"]["application/json"]["schema"]
        assert schema["$ref"].rsplit("/", 1)[-1] == e.response.__name__


def test_a_handler_that_disagrees_with_its_entry_fails_when_registered() -> None:
    async def close_position(body: ReasonBody) -> OrderList:
        raise NotImplementedError

    with pytest.raises(TypeError, match="does not match close_position"):
        serve(APIRouter(), TradingRoutes.close_position)(close_position)


class _Echo(RouteTable):
    close = endpoint("POST", "/things/{thing_id}/close", OrderList, request=ClosePositionBody, retry=False)
    listing = endpoint("GET", "/things", OrderList)


async def test_a_typed_call_formats_the_path_sends_the_body_and_parses_the_answer() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            return httpx.Response(503)
        return httpx.Response(200, json={"orders": [], "count": 0})

    http = ServiceClient("trading", "http://trading", "k", transport=httpx.MockTransport(answer),
                         sleep=_no_sleep, backoff_jitter=0)
    client = TypedClient(http)
    try:
        listed = await client.call(_Echo.listing, params={"status": "open"})
        assert isinstance(listed, OrderList)
        assert len(seen) == 2
        assert seen[-1].url.path == "/things"
        assert seen[-1].url.params["status"] == "open"
        seen.clear()
        with pytest.raises(Exception, match=r"503|unavailable|HTTP"):
            await client.call(_Echo.close, ClosePositionBody(quantity=3), thing_id=7)
        assert len(seen) == 1, "an entry with retry=False is tried once"
        assert seen[0].url.path == "/things/7/close"
        assert seen[0].read() == b'{"quantity":3,"reason":null,"client_order_id":null}'
        with pytest.raises(TypeError, match="takes a ClosePositionBody body"):
            await client.call(_Echo.close, thing_id=7)
    finally:
        await http.aclose()


async def _no_sleep(_s: float) -> None:
    return None


def test_an_endpoint_without_a_body_says_so() -> None:
    entry: Endpoint[Any, Any] = RiskRoutes.status
    assert entry.request is None
    assert entry.method == "GET"
    assert entry.retry
    assert not RiskRoutes.validate.retry
    assert not RiskRoutes.reset.retry
