"""Routers register handlers against a contract's route table (``catalyst.contracts.endpoints``).

``@serve(router, TradingRoutes.get_order)`` takes the path, method, status code, response model
and operation name from the table entry, so the router cannot drift from the typed client that
calls through the same entry. The handler's own signature is checked against the entry when it
is registered (its JSON body and its answer are the entry's models), so a mismatch fails at
import time rather than on the first call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, get_type_hints

from fastapi import APIRouter, Query
from pydantic import BaseModel
from starlette.responses import Response

from catalyst.contracts.endpoints import Endpoint
from catalyst.domain.bounded import MAX_NAMES, NameList, TimeframeInput

Handler = TypeVar("Handler", bound=Callable[..., Any])


class ModelJSON(Response):
    """An answer already in its endpoint's response model's JSON (``model_dump_json``, or the same
    kept in a cache), sent as it is: FastAPI validating and encoding a model again costs hundreds of
    milliseconds for an answer of thousands of events. A handler annotated ``-> ModelJSON`` stands
    for its entry's response model."""

    media_type = "application/json"


def serve(router: APIRouter, endpoint: Endpoint[Any, Any], **openapi: Any) -> Callable[[Handler], Handler]:
    """Register the decorated handler as ``endpoint`` on ``router``; ``openapi`` is passed on to
    FastAPI (``responses=…``). The handler's docstring stays the operation's description."""

    def register(handler: Handler) -> Handler:
        check_handler(handler, endpoint)
        router.add_api_route(endpoint.path, handler, methods=[endpoint.method], response_model=endpoint.response,
                             status_code=endpoint.status_code, name=endpoint.name, **openapi)
        return handler

    return register


def check_handler(handler: Callable[..., Any], endpoint: Endpoint[Any, Any]) -> None:
    """The handler takes the entry's body model (or none) and answers its response model."""
    hints = get_type_hints(handler)
    answer = hints.pop("return", endpoint.response)
    answer = endpoint.response if answer is ModelJSON else answer
    bodies = [t for t in hints.values() if isinstance(t, type) and issubclass(t, BaseModel)]
    expected = [endpoint.request] if endpoint.request is not None else []
    if bodies != expected or answer is not endpoint.response:
        raise TypeError(f"{handler.__name__} does not match {endpoint.name}: takes {bodies} and answers {answer}, "
                        f"the table says {expected} and {endpoint.response}")


def split_comma_list(values: list[str] | None) -> list[str] | None:
    """A list query parameter given as ``?x=a,b`` or ``?x=a&x=b`` alike; None when absent or empty."""
    if not values:
        return None
    return [name.strip() for v in values for name in v.split(",") if name.strip()]


@dataclass(frozen=True, slots=True)
class AnalysisQuery:
    """The query of a per-symbol analysis read (Technical's indicators, Pattern's patterns): the
    timeframe, which analyses (None: all), how many of the latest bars, and whether to skip the cache."""

    timeframe: str
    names: list[str] | None
    bars: int
    refresh: bool


def analysis_query(*, names: str, default_timeframe: str, default_bars: int,
                   max_bars: int) -> Callable[..., AnalysisQuery]:
    """The FastAPI dependency reading an ``AnalysisQuery``; ``names`` is the query parameter that lists
    the analyses (``indicators``, ``patterns``). One definition, so both services' documents agree."""

    def read(
        timeframe: TimeframeInput = Query(default_timeframe, description="1Min, 5Min, 15Min, 1Hour, 1Day"),
        listed: list[NameList] | None = Query(None, alias=names, max_length=MAX_NAMES,
                                              description="Comma-separated; default all"),
        bars: int = Query(default_bars, ge=1, le=max_bars, description="Latest bars to use"),
        refresh: bool = Query(False, description="Recompute even when cached"),
    ) -> AnalysisQuery:
        return AnalysisQuery(timeframe, split_comma_list(listed), bars, refresh)

    return read
