"""Technical service (port 5003): routes and start-up only; the logic is ``catalyst.indicators``.

Run: ``uvicorn services.technical.app:build_app --factory --port 5003``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Path, Query

from catalyst.access import TECHNICAL_QUERIES
from catalyst.app import ServiceRuntime, app_state, create_app, split_comma_list
from catalyst.clock import Clock
from catalyst.config import Settings
from catalyst.contracts.technical import (
    DEFAULT_BARS,
    DEFAULT_TIMEFRAME,
    MAX_BARS,
    IndicatorBatchRequest,
    IndicatorBatchResponse,
    IndicatorValues,
    TechnicalRoutes,
)
from catalyst.domain.bounded import MAX_NAMES, NameList, SymbolInput, TimeframeInput
from catalyst.indicators.service import TechnicalService
from catalyst.routing import serve
from catalyst.services import ServiceName

Technical = Annotated[TechnicalService, Depends(app_state("technical", TechnicalService))]

router = APIRouter(tags=["indicators"])


@serve(router, TechnicalRoutes.indicators_batch)
async def indicators_batch(body: IndicatorBatchRequest, technical: Technical) -> IndicatorBatchResponse:
    """Many symbols in one call (the scanner's): one panel computation per bar count.

    Unknown symbols and symbols with too little history are listed in ``errors``; the others
    are answered in ``results``. A bad timeframe or indicator name fails the whole request (400).
    """
    return await technical.batch(body)


@serve(router, TechnicalRoutes.indicators_for_symbol)
async def indicators_for_symbol(
    symbol: Annotated[SymbolInput, Path()],
    technical: Technical,
    timeframe: Annotated[TimeframeInput, Query(description="1Min, 5Min, 15Min, 1Hour, 1Day")] = DEFAULT_TIMEFRAME.value,
    indicators: Annotated[list[NameList] | None,
                          Query(max_length=MAX_NAMES, description="Comma-separated; default all")] = None,
    bars: Annotated[int, Query(ge=1, le=MAX_BARS, description="Latest bars to use")] = DEFAULT_BARS,
    refresh: Annotated[bool, Query(description="Recompute even when cached")] = False,
) -> IndicatorValues:
    """Indicator values at the symbol's last bar: SMA 20/50/200, EMA 9/21, RSI 14, MACD 12/26/9,
    ATR 14, Bollinger 20/2, OBV, volume ratio, support/resistance.

    404 for an unknown symbol; 400 ``INSUFFICIENT_DATA`` (with ``required``, ``available``,
    ``indicator``) when a requested indicator needs more bars than there are; 400
    ``UNSUPPORTED_TIMEFRAME`` naming the allowed timeframes.
    """
    return await technical.indicators(symbol, timeframe, split_comma_list(indicators), bars, refresh=refresh)


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
