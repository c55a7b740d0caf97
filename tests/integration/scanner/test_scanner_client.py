"""``ScannerClient`` against the real app, as Workflow calls it: every operation and its errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from catalyst.clients.scanner import ScannerClient
from catalyst.clock import SimulatedClock
from catalyst.config import Settings
from catalyst.environment import read
from catalyst.errors import InvalidInput, NotFound
from catalyst.scanner.config import ScannerSettings
from catalyst.services import ServiceName
from services.scanner.app import build_app
from tests.integration.scanner.conftest import NOW, Upstream
from tests.support.services import running, service_client


async def test_the_typed_client_runs_and_reads_scans(upstream: Upstream, scanner_settings: Callable[..., Settings],
                                                     clock: SimulatedClock) -> None:
    app = build_app(scanner_settings(ServiceName.SCANNER), scanner_settings=read(ScannerSettings, {}), clock=clock,
                    news=upstream.news, technical=upstream.technical, pattern=upstream.pattern)
    async with running(app), service_client(app, caller=ServiceName.WORKFLOW) as http:
        client = ScannerClient(http)
        result = await client.start_scan(universe_size=60, symbols=["SCGOA", "SCHOT"])
        assert result.as_of == NOW
        assert result.universe_size == 60
        assert [c.symbol for c in result.candidates] == ["SCGOA"]
        assert await client.latest() == result
        assert await client.scan(result.scan_id) == result
        latest: Any = await client.verdict("SCHOT")
        assert latest.dropped_at == "technical"
        assert latest.reason.metric == "rsi_14"
        by_id = await client.verdict("SCGOA", result.scan_id)
        assert by_id.candidate == result.candidates[0]

        with pytest.raises(InvalidInput) as refused:
            await client.start_scan(universe_size=10)
        assert refused.value.code == "INVALID_UNIVERSE_SIZE"
        assert refused.value.details | {"provided": 10, "min": 50, "max": 200} == refused.value.details
        with pytest.raises(NotFound) as unknown:
            await client.verdict("SCQUT", result.scan_id)
        assert unknown.value.code == "SYMBOL_NOT_SCANNED"
