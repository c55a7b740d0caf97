"""Pattern service (port 5002): routes and start-up only; the logic is ``catalyst.patterns``.

Run: ``uvicorn services.pattern.app:build_app --factory --port 5002``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Path, Query

from catalyst.access import PATTERN_QUERIES
from catalyst.app import ServiceRuntime, app_state, create_app, split_comma_list
from catalyst.clock import Clock
from catalyst.config import Settings
from catalyst.contracts.pattern import (
    DEFAULT_BARS,
    DEFAULT_TIMEFRAME,
    MAX_BARS,
    PatternBatchRequest,
    PatternBatchResponse,
    PatternRoutes,
    PatternsResponse,
)
from catalyst.domain.bounded import MAX_NAMES, NameList, SymbolInput, TimeframeInput
from catalyst.patterns.service import PatternService
from catalyst.routing import serve
from catalyst.services import ServiceName

Patterns = Annotated[PatternService, Depends(app_state("patterns", PatternService))]

router = APIRouter(tags=["patterns"])


@serve(router, PatternRoutes.patterns_batch)
async def patterns_batch(body: PatternBatchRequest, patterns: Patterns) -> PatternBatchResponse:
    """Many symbols in one call; unknown symbols and too-short histories are listed in ``errors``."""
    return await patterns.batch(body)


@serve(router, PatternRoutes.patterns_for_symbol)
async def patterns_for_symbol(
    symbol: Annotated[SymbolInput, Path()],
    patterns: Patterns,
    timeframe: Annotated[TimeframeInput, Query(description="1Min, 5Min, 15Min, 1Hour, 1Day")] = DEFAULT_TIMEFRAME.value,
    names: Annotated[list[NameList] | None,
                     Query(max_length=MAX_NAMES, alias="patterns", description="Comma-separated; default all")] = None,
    bars: Annotated[int, Query(ge=1, le=MAX_BARS, description="Latest bars to use")] = DEFAULT_BARS,
    refresh: Annotated[bool, Query(description="Recompute even when cached")] = False,
) -> PatternsResponse:
    """Bull flag, cup and handle, ascending triangle, ABCD and opening range breakout as of the
    symbol's last bar: each with confidence and its features, breakout, support/resistance and
    entry/stop/target.

    404 for an unknown symbol; 400 ``INSUFFICIENT_DATA`` when a requested pattern needs more
    bars than there are; 400 ``UNSUPPORTED_TIMEFRAME`` naming the allowed timeframes.
    """
    return await patterns.patterns(symbol, timeframe, split_comma_list(names), bars, refresh=refresh)


def build_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """``clock`` replaces the environment's market clock (tests); bars are read as of its now."""
    async def start(app: FastAPI, rt: ServiceRuntime) -> None:
        app.state.patterns = PatternService(rt.db, rt.cache, rt.clock)

    return create_app(
        ServiceName.PATTERN, settings=settings, routers=[(router, PATTERN_QUERIES)], on_startup=[start],
        clock=clock,
        title="Catalyst Pattern",
        description="Chart pattern detection with geometry, confidence and levels (spec 2.3, service 3).",
    )
