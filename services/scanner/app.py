"""Scanner service (port 5001): routes and start-up only; the funnel is ``catalyst.scanner``.

Run: ``uvicorn services.scanner.app:build_app --factory --port 5001``.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, Path

from catalyst.access import SCANNER_SCANS
from catalyst.app import ServiceRuntime, app_state, create_app
from catalyst.clients.news import NewsClient
from catalyst.clients.pattern import PatternClient
from catalyst.clients.technical import TechnicalClient
from catalyst.clock import Clock, SystemClock
from catalyst.config import Settings
from catalyst.contracts.scanner import ScannerRoutes, ScanRequest, ScanResult, SymbolVerdict
from catalyst.domain.bounded import SymbolInput
from catalyst.environment import read
from catalyst.routing import serve
from catalyst.scanner.config import ScannerSettings
from catalyst.scanner.evidence import EvidenceSources
from catalyst.scanner.repository import ScanRepository
from catalyst.scanner.service import ScannerService
from catalyst.scanner.universe import UniverseReader
from catalyst.services import ServiceName

Scanner = Annotated[ScannerService, Depends(app_state("scanner", ScannerService))]

router = APIRouter(tags=["scans"])


@serve(router, ScannerRoutes.start_scan)
async def start_scan(body: ScanRequest, scanner: Scanner) -> ScanResult:
    """Run the five-stage funnel now, as of the market clock, and answer the stored result.

    400 ``INVALID_UNIVERSE_SIZE`` for a universe size outside the configured bounds (50..200);
    404 ``UNKNOWN_CYCLE`` for a cycle id not recorded. A source that is down never fails the scan:
    its stage's symbols are dropped with the reason and the result carries a warning.
    """
    return await scanner.scan(body)


# Registered before /{scan_id}: "latest" is not a scan id.
@serve(router, ScannerRoutes.latest_scan)
async def latest_scan(scanner: Scanner) -> ScanResult:
    """The most recent scan; 404 ``NO_SCAN`` before the first."""
    return await scanner.latest()


@serve(router, ScannerRoutes.latest_verdict)
async def latest_verdict(symbol: Annotated[SymbolInput, Path()], scanner: Scanner) -> SymbolVerdict:
    """Where the symbol left the latest scan and why (value against threshold), or its candidacy."""
    return await scanner.verdict(symbol)


@serve(router, ScannerRoutes.get_scan)
async def get_scan(scan_id: Annotated[UUID, Path()], scanner: Scanner) -> ScanResult:
    """One scan by id; 404 ``UNKNOWN_SCAN``."""
    return await scanner.get(scan_id)


@serve(router, ScannerRoutes.candidate_verdict)
async def candidate_verdict(scan_id: Annotated[UUID, Path()], symbol: Annotated[SymbolInput, Path()],
                            scanner: Scanner) -> SymbolVerdict:
    """Where the symbol left that scan and why; 404 ``UNKNOWN_SCAN`` or ``SYMBOL_NOT_SCANNED``."""
    return await scanner.verdict(symbol, scan_id)


def build_app(settings: Settings | None = None, *, scanner_settings: ScannerSettings | None = None,
              news: NewsClient | None = None, technical: TechnicalClient | None = None,
              pattern: PatternClient | None = None, clock: Clock | None = None) -> FastAPI:
    """``news``, ``technical``, ``pattern`` replace the HTTP clients of those peers (tests reach the
    real services in process through them); ``clock`` replaces the environment's market clock."""
    ss = scanner_settings or read(ScannerSettings)

    async def start(app: FastAPI, rt: ServiceRuntime) -> None:
        sources = EvidenceSources(news or rt.peer(NewsClient), technical or rt.peer(TechnicalClient),
                                  pattern or rt.peer(PatternClient), rt.cache, ss)
        universe = UniverseReader(rt.db, rt.cache, lookback_days=ss.volume_lookback_days)
        app.state.scanner = ScannerService(
            repository=ScanRepository(rt.db), universe=universe, sources=sources, bus=rt.bus, settings=ss,
            clock=rt.clock, audit_clock=SystemClock())

    return create_app(
        ServiceName.SCANNER, settings=settings, routers=[(router, SCANNER_SCANS)], on_startup=[start], clock=clock,
        title="Catalyst Scanner",
        description="The five-stage funnel from the universe to the day's top candidates (spec 2.3, service 2).",
    )
