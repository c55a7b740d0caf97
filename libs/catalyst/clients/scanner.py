"""Typed client of the Scanner service: calls through ``ScannerRoutes`` (``catalyst.clients.base``)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from catalyst.clients.base import TypedClient
from catalyst.contracts import scanner as api
from catalyst.services import ServiceName


class ScannerClient(TypedClient):
    peer = ServiceName.SCANNER

    async def start_scan(self, *, cycle_id: UUID | None = None, universe_size: int = api.DEFAULT_UNIVERSE_SIZE,
                         symbols: Sequence[str] | None = None) -> api.ScanResult:
        """Run a scan and answer its result. Raises ``InvalidInput`` (``INVALID_UNIVERSE_SIZE``) for a
        size outside the configured bounds and ``NotFound`` (``UNKNOWN_CYCLE``) for a cycle not recorded."""
        body = api.ScanRequest(cycle_id=cycle_id, universe_size=universe_size,
                               symbols=list(symbols) if symbols is not None else None)
        return await self.call(api.ScannerRoutes.start_scan, body)

    async def latest(self) -> api.ScanResult:
        """The most recent scan; ``NotFound`` (``NO_SCAN``) before the first."""
        return await self.call(api.ScannerRoutes.latest_scan)

    async def scan(self, scan_id: UUID) -> api.ScanResult:
        return await self.call(api.ScannerRoutes.get_scan, scan_id=scan_id)

    async def verdict(self, symbol: str, scan_id: UUID | None = None) -> api.SymbolVerdict:
        """Where ``symbol`` left the scan (``scan_id``; None: the latest) and why, or its candidacy."""
        if scan_id is None:
            return await self.call(api.ScannerRoutes.latest_verdict, symbol=symbol)
        return await self.call(api.ScannerRoutes.candidate_verdict, scan_id=scan_id, symbol=symbol)
