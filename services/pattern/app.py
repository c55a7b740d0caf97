"""Pattern service (port 5002): routes and start-up only; the logic is ``catalyst.patterns``.

Run: ``uvicorn services.pattern.app:build_app --factory --port 5002``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Path

from catalyst.access import PATTERN_QUERIES
from catalyst.app import ServiceRuntime, app_state, create_app
from catalyst.clock import Clock
from catalyst.config import Settings
from catalyst.contracts import pattern as api
from catalyst.domain.bounded import SymbolInput
from catalyst.patterns.service import PatternService
from catalyst.routing import AnalysisQuery, analysis_query, serve
from catalyst.services import ServiceName

Patterns = Annotated[PatternService, Depends(app_state("patterns", PatternService))]
PatternQuery = Annotated[AnalysisQuery, Depends(analysis_query(
    names="patterns", default_timeframe=api.DEFAULT_TIMEFRAME.value, default_bars=api.DEFAULT_BARS,
    max_bars=api.MAX_BARS))]

router = APIRouter(tags=["patterns"])


@serve(router, api.PatternRoutes.patterns_batch)
async def patterns_batch(body: api.PatternBatchRequest, patterns: Patterns) -> api.PatternBatchResponse:
    """Many symbols in one call; unknown symbols and too-short histories are listed in ``errors``."""
    return await patterns.batch(body)


@serve(router, api.PatternRoutes.patterns_for_symbol)
async def patterns_for_symbol(
    symbol: Annotated[SymbolInput, Path()], patterns: Patterns, query: PatternQuery,
) -> api.PatternsResponse:
    """Bull flag, cup and handle, ascending triangle, ABCD and opening range breakout as of the
    symbol's last bar: each with confidence and its features, breakout, support/resistance and
    entry/stop/target.

    404 for an unknown symbol; 400 ``INSUFFICIENT_DATA`` when a requested pattern needs more
    bars than there are; 400 ``UNSUPPORTED_TIMEFRAME`` naming the allowed timeframes.
    """
    return await patterns.patterns(symbol, query.timeframe, query.names, query.bars, refresh=query.refresh)


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
