"""The typed clients other services use, against the real apps (in-process transport)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import pytest

from catalyst.clients.pattern import PatternClient
from catalyst.clients.technical import TechnicalClient
from catalyst.config import Settings
from catalyst.contracts.pattern import PatternType
from catalyst.errors import InvalidInput, NotFound
from catalyst.services import ServiceName
from tests.support.services import service_client


async def test_technical_client(make_settings: Callable[..., Settings], analysis_bars: Any,
                                api_client: Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]) -> None:
    from services.technical.app import build_app

    app = build_app(make_settings(ServiceName.TECHNICAL))
    async with api_client(app), service_client(app, caller=ServiceName.SCANNER, attempts=3) as http:
        client = TechnicalClient(http)
        values = await client.indicators("ANLD", indicators=["sma_20", "levels"], refresh=True)
        assert values.sma_20 is not None
        assert values.rsi_14 is None
        batch = await client.batch(["ANLD", "NOSUCH"], indicators=["rsi_14"])
        assert batch.results["ANLD"].rsi_14 is not None
        assert batch.errors["NOSUCH"].code == "UNKNOWN_SYMBOL"
        with pytest.raises(NotFound):
            await client.indicators("NOSUCH")
        with pytest.raises(InvalidInput) as err:
            await client.indicators("ANLS")
        assert err.value.code == "INSUFFICIENT_DATA"


async def test_pattern_client(make_settings: Callable[..., Settings], analysis_bars: Any,
                              api_client: Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]) -> None:
    from services.pattern.app import build_app

    app = build_app(make_settings(ServiceName.PATTERN))
    async with api_client(app), service_client(app, caller=ServiceName.SCANNER, attempts=3) as http:
        client = PatternClient(http)
        result = await client.patterns("ANFL", timeframe="1Min", patterns=["bull_flag"])
        assert [p.pattern for p in result.patterns] == [PatternType.BULL_FLAG]
        batch = await client.batch(["ANFL", "ANOR"], timeframe="1Min")
        assert set(batch.results) == {"ANFL", "ANOR"}
        with pytest.raises(InvalidInput) as err:
            await client.patterns("ANFL", timeframe="2Hour")
        assert err.value.code == "UNSUPPORTED_TIMEFRAME"
