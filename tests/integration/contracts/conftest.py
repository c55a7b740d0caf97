"""Fixtures for the OpenAPI contract fuzzing: each service's real app, on a scratch database of
the module's own and a fresh Redis namespace each, and the key Workflow presents (it may call
every operation of every other service; Workflow's own are called with Orchestration's).

Schemathesis reaches an app over ASGI in process: it starts the app's lifespan on its own event
loop thread at the first request of a test and its pytest plugin ends it after the test: each
app below serves the whole module, started afresh for each test (one test per operation), and
shares nothing with the test's own loop.

An app is built by the service's own ``build_app(settings, **kwargs)``; ``APP_KWARGS`` holds the
test doubles and settings the few services that need them get (none for most): Workflow gets the
real services it calls, in process (``tests.support.peers``), on the module's database.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi import FastAPI

from catalyst.clock import SimulatedClock
from catalyst.config import Settings
from catalyst.context import API_KEY_HEADER
from catalyst.db import Database
from catalyst.db.bar_frame import BarFrame
from catalyst.db.bars import BarStore
from catalyst.domain.bounded import EXAMPLE_SYMBOL
from catalyst.news.config import NewsSettings
from catalyst.news.sentiment.config import SentimentSettings
from catalyst.news_sources.base import NewsSourceSettings
from catalyst.reporting.config import ReportingSettings, SmtpSettings
from catalyst.risk.config import RiskSettings
from catalyst.services import ServiceName
from catalyst.workflow.config import WorkflowSettings
from tests.support.database import scratch_dsn
from tests.support.peers import workflow_peers

ROOT = Path(__file__).resolve().parents[3]
TRADING_ENV = {"BROKER": "sim", "SIM_LEDGER": "memory", "SIM_ACCOUNT": "fuzz", "SIM_MARKET_FILL": "last_price",
               "SIM_SLIPPAGE_BPS": "0", "BROKER_POLL_INTERVAL": "0.1", "TRADING_RECONCILE_INTERVAL": "3600",
               "BROKER_RETRY_WAIT_INITIAL": "0"}
NEWS_NOW = "2025-03-03T15:00:00+00:00"
WORKFLOW_NOW = datetime(2025, 3, 1, 15, 0, tzinfo=UTC)  # a Saturday

AppFactory = Callable[..., FastAPI]
SettingsFor = Callable[[ServiceName], Settings]


class FlatTrading:
    """Trading as Risk's emergency stop sees it: every call succeeds and nothing is open."""

    async def cancel_all_orders(self, reason: str) -> dict[str, Any]:
        return {"reason": reason, "broker_canceled": 0, "orders": []}

    async def flatten_all(self, reason: str) -> dict[str, Any]:
        return {"reason": reason, "canceled": {"reason": reason, "broker_canceled": 0, "orders": []}, "orders": []}

    async def open_positions(self) -> list[Any]:
        return []


@dataclass
class Target:
    """An app to fuzz and the headers its caller sends it."""

    app: FastAPI
    headers: dict[str, str]


def _risk_kwargs(files: Path, _settings_for: SettingsFor) -> dict[str, Any]:
    parameters = files / "risk_parameters.yaml"
    shutil.copy(ROOT / "config" / "risk_parameters.yaml", parameters)
    rs = RiskSettings(RISK_PARAMETERS_FILE=parameters, RISK_WATCH_PARAMETERS=False,
                      RISK_MAINTENANCE_INTERVAL=0.5, RISK_EMERGENCY_DEADLINE=1.0)
    return {"risk_settings": rs, "trading": FlatTrading()}


def _news_kwargs(_files: Path, _settings_for: SettingsFor) -> dict[str, Any]:
    """Replay source with nothing planted and a pinned now; lexicon sentiment (no model to load)."""
    sources = NewsSourceSettings(NEWS_SOURCES="replay", NEWS_REPLAY_NOW=NEWS_NOW)
    sentiment = SentimentSettings(SENTIMENT_BACKEND="lexicon")
    return {"news_settings": NewsSettings(source_settings=sources, sentiment_settings=sentiment),
            "replay_items": ()}


def _reporting_kwargs(files: Path, _settings_for: SettingsFor) -> dict[str, Any]:
    """Reports written under the test's files; no mail server."""
    return {"reporting_settings": ReportingSettings(REPORTING_DIR=files), "smtp_settings": SmtpSettings()}


def _workflow_kwargs(files: Path, settings_for: SettingsFor) -> dict[str, Any]:
    """Every service Workflow calls, running in process, on a clock pinned to a Saturday: the market
    phases answer that the market is closed, so what is fuzzed is the input, not the trading day."""
    parameters = files / "risk_parameters.yaml"
    shutil.copy(ROOT / "config" / "risk_parameters.yaml", parameters)
    clock = SimulatedClock(WORKFLOW_NOW)
    return {"peers": workflow_peers(settings_for, parameters=parameters, reports=files / "reports", clock=clock),
            "workflow_settings": WorkflowSettings(), "clock": clock}


APP_KWARGS: dict[ServiceName, Callable[[Path, SettingsFor], dict[str, Any]]] = {
    ServiceName.RISK: _risk_kwargs,
    ServiceName.NEWS: _news_kwargs,
    ServiceName.REPORTING: _reporting_kwargs,
    ServiceName.WORKFLOW: _workflow_kwargs,
}


def _walk(symbol: str, start: str, step: np.timedelta64, n: int, seed: int) -> BarFrame:
    """``n`` bars of a random walk from ``start``: enough history for every indicator and detector."""
    rng = np.random.default_rng(seed)
    close = np.round(100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, n))), 2)
    open_ = np.concatenate([[100.0], close[:-1]])
    high, low = np.maximum(open_, close) + 0.05, np.minimum(open_, close) - 0.05
    ts = np.datetime64(start, "ns") + np.arange(n) * step
    return BarFrame.from_arrays(np.full(n, symbol, dtype=object), ts, open_, high, low, close,
                                rng.integers(10_000, 1_000_000, n).astype(float))


async def _seed(dsn: str) -> None:
    """The example symbol with daily and one-minute history, so fuzzed cases reach the analysis."""
    db = Database(dsn)
    await db.connect()
    try:
        store = BarStore(db)
        await store.ingest(_walk(EXAMPLE_SYMBOL, "2024-01-02T05:00", np.timedelta64(1, "D"), 300, 1), "1Day")
        await store.ingest(_walk(EXAMPLE_SYMBOL, "2025-02-28T14:30", np.timedelta64(60, "s"), 390, 2), "1Min")
    finally:
        await db.close()


FUZZ_CALLERS: dict[ServiceName, ServiceName] = {ServiceName.WORKFLOW: ServiceName.ORCHESTRATION}
"""Who calls a service whose routes Workflow may not call (Workflow's own: Orchestration and the operator)."""


@pytest.fixture(scope="module")
def contracts_database_url() -> Iterator[str]:
    with scratch_dsn("catalyst_contracts") as dsn:
        asyncio.run(_seed(dsn))
        yield dsn


@pytest.fixture(scope="module")
def trading_env() -> Iterator[None]:
    """Trading reads its broker settings from the environment at each start-up (one per test)."""
    with pytest.MonkeyPatch.context() as mp:
        for key, value in TRADING_ENV.items():
            mp.setenv(key, value)
        yield


@pytest.fixture(scope="module")
def fuzz_target(make_settings: Callable[..., Settings], contracts_database_url: str, trading_env: None,
                tmp_path_factory: pytest.TempPathFactory) -> Callable[[ServiceName, AppFactory], Target]:
    """``fuzz_target(service, build_app)``: the service's running app, built once per module."""
    built: dict[ServiceName, Target] = {}

    def target(service: ServiceName, build_app: AppFactory) -> Target:
        if service not in built:
            namespace = f"test-fuzz-{uuid.uuid4().hex[:8]}:"

            def settings_for(of: ServiceName) -> Settings:
                return make_settings(of, DATABASE_URL=contracts_database_url, REDIS_NAMESPACE=namespace,
                                     RISK_APPROVAL_SECRET="fuzz-approval-secret")

            settings = settings_for(service)
            kwargs = APP_KWARGS.get(service, lambda _files, _settings_for: {})(
                tmp_path_factory.mktemp(f"fuzz-{service.value}"), settings_for)
            caller = FUZZ_CALLERS.get(service, ServiceName.WORKFLOW)
            built[service] = Target(build_app(settings, **kwargs), {API_KEY_HEADER: settings.api_key(caller)})
        return built[service]

    return target
