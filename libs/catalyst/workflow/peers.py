"""The services Workflow calls (spec 2.1: all of them), as their typed clients."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from catalyst.clients.news import NewsClient
from catalyst.clients.pattern import PatternClient
from catalyst.clients.reporting import ReportingClient
from catalyst.clients.risk import RiskClient
from catalyst.clients.scanner import ScannerClient
from catalyst.clients.technical import TechnicalClient
from catalyst.clients.trading import TradingClient


@dataclass(frozen=True)
class WorkflowPeers:
    news: NewsClient
    scanner: ScannerClient
    pattern: PatternClient
    technical: TechnicalClient
    risk: RiskClient
    trading: TradingClient
    reporting: ReportingClient


PeerSource = Callable[[], AbstractAsyncContextManager[WorkflowPeers]]
"""Opens the peers for the app's lifetime (tests: the real services in process)."""
