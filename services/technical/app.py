"""Technical service (port 5003): routes and start-up only; the logic is ``catalyst.indicators``.

Run: ``uvicorn services.technical.app:build_app --factory --port 5003``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Path

from catalyst.access import TECHNICAL_QUERIES
from catalyst.app import ServiceRuntime, app_state, create_app
from catalyst.clock import Clock
from catalyst.config import Settings
from catalyst.contracts import technical as api
from catalyst.domain.bounded import SymbolInput
from catalyst.indicators.service import TechnicalService
from catalyst.routing import AnalysisQuery, analysis_query, serve
from catalyst.services import ServiceName

Technical = Annotated[TechnicalService, Depends(app_state("technical", TechnicalService))]
IndicatorQuery = Annotated[AnalysisQuery, Depends(analysis_query(
    names="indicators", default_timeframe=api.DEFAULT_TIMEFRAME.value, default_bars=api.DEFAULT_BARS,
    max_bars=api.MAX_BARS))]

router = APIRouter(tags=["indicators"])


@serve(router, api.TechnicalRoutes.indicators_batch)
async def indicators_batch(body: api.IndicatorBatchRequest, technical: Technical) -> api.IndicatorBatchResponse:
    """Many symbols in one call (the scanner's): one panel computation per bar count.

    Unknown symbols and symbols with too little history are listed in ``errors``; the others
    are answered in ``results``. A bad timeframe or indicator name fails the whole request (400).
    """
    return await technical.batch(body)


@serve(router, api.TechnicalRoutes.indicators_for_symbol)
async def indicators_for_symbol(
    symbol: Annotated[SymbolInput, Path()], technical: Technical, query: IndicatorQuery,
) -> api.IndicatorValues:
    """Indicator values at the symbol's last bar: SMA 20/50/200, EMA 9/21, RSI 14, MACD 12/26/9,
    ATR 14, Bollinger 20/2, OBV, volume ratio, support/resistance.

    404 for an unknown symbol; 400 ``INSUFFICIENT_DATA`` (with ``required``, ``available``,
    ``indicator``) when a requested indicator needs more bars than there are; 400
    ``UNSUPPORTED_TIMEFRAME`` naming the allowed timeframes.
    """
    return await technical.indicators(symbol, query.timeframe, query.names, query.bars, refresh=query.refresh)


def build_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """``clock`` replaces the environment's market clock (tests); bars are read as of its now."""
    async def start(app: FastAPI, rt: ServiceRuntime) -> None:
        app.state.technical = TechnicalService(rt.db, rt.cache, rt.clock)

    return create_app(
        ServiceName.TECHNICAL, settings=settings, routers=[(router, TECHNICAL_QUERIES)], on_startup=[start],
        clock=clock,
        title="Catalyst Technical",
        description="Technical indicators by TA-Lib and a fused numpy panel, cached 5 minutes (spec 2.3, service 4).",
    )
