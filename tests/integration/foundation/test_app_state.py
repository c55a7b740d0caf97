"""``catalyst.app.app_state`` and ``catalyst.routing.split_comma_list``: the helpers every service's routes use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query

from catalyst.access import PATTERN_QUERIES
from catalyst.app import ServiceRuntime, app_state, create_app
from catalyst.routing import split_comma_list
from catalyst.services import ServiceName


@dataclass
class Widget:
    colour: str


router = APIRouter(prefix="/api/v1/widgets")


@router.get("")
async def widget(w: Annotated[Widget, Depends(app_state("widget", Widget))],
                 names: Annotated[list[str] | None, Query()] = None) -> dict[str, object]:
    return {"colour": w.colour, "names": split_comma_list(names)}


def _app(make_settings, hook) -> FastAPI:
    return create_app(ServiceName.PATTERN, settings=make_settings(ServiceName.PATTERN),
                      routers=[(router, PATTERN_QUERIES)], on_startup=[hook])


async def test_state_set_at_start_up_is_read_by_the_route(make_settings, api_client):
    async def start(app: FastAPI, _rt: ServiceRuntime) -> None:
        app.state.widget = Widget("red")

    async with api_client(_app(make_settings, start)) as client:
        response = await client.get("/api/v1/widgets", params=[("names", "a, b"), ("names", "c"), ("names", ",")])
    assert response.status_code == 200
    assert response.json() == {"colour": "red", "names": ["a", "b", "c"]}


async def test_state_missing_or_of_another_kind_is_503_not_ready(make_settings, api_client):
    async def start_without(app: FastAPI, _rt: ServiceRuntime) -> None:
        return None

    async def start_wrong(app: FastAPI, _rt: ServiceRuntime) -> None:
        app.state.widget = "not a widget"

    for hook in (start_without, start_wrong):
        async with api_client(_app(make_settings, hook)) as client:
            response = await client.get("/api/v1/widgets")
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "WIDGET_NOT_READY"


def test_split_comma_list() -> None:
    assert split_comma_list(None) is None
    assert split_comma_list([]) is None
    assert split_comma_list(["rsi,macd", " atr "]) == ["rsi", "macd", "atr"]
    assert split_comma_list([","]) == []
