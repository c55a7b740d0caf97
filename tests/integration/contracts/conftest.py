"""Fixtures for the OpenAPI contract fuzzing: the real Risk and Trading apps, on a scratch
database of their own and a fresh Redis namespace each, and the key Workflow presents (it may call
every operation of both).

Schemathesis reaches an app over ASGI in process: it starts the app's lifespan on its own event
loop thread at the first request of a test and its pytest plugin ends it after the test: each
app below serves the whole module, started afresh for each test (one test per operation), and
shares nothing with the test's own loop.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from catalyst.config import Settings
from catalyst.context import API_KEY_HEADER
from catalyst.risk.config import RiskSettings
from catalyst.services import ServiceName
from services.risk.app import build_app as build_risk_app
from services.trading.app import build_app as build_trading_app
from tests.support.database import scratch_dsn

ROOT = Path(__file__).resolve().parents[3]
TRADING_ENV = {"BROKER": "sim", "SIM_LEDGER": "memory", "SIM_ACCOUNT": "fuzz", "SIM_MARKET_FILL": "last_price",
               "SIM_SLIPPAGE_BPS": "0", "BROKER_POLL_INTERVAL": "0.1", "TRADING_RECONCILE_INTERVAL": "3600",
               "BROKER_RETRY_WAIT_INITIAL": "0"}


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
    """An app to fuzz and the headers Workflow sends it."""

    app: FastAPI
    headers: dict[str, str]


@pytest.fixture(scope="module")
def contracts_database_url() -> Iterator[str]:
    with scratch_dsn("catalyst_contracts") as dsn:
        yield dsn


@pytest.fixture(scope="module")
def trading_env() -> Iterator[None]:
    """Trading reads its broker settings from the environment at each start-up (one per test)."""
    with pytest.MonkeyPatch.context() as mp:
        for key, value in TRADING_ENV.items():
            mp.setenv(key, value)
        yield


def _settings(make_settings: Callable[..., Settings], service: ServiceName, dsn: str) -> Settings:
    return make_settings(service, DATABASE_URL=dsn, REDIS_NAMESPACE=f"test-fuzz-{uuid.uuid4().hex[:8]}:",
                         RISK_APPROVAL_SECRET="fuzz-approval-secret")


def _target(app: FastAPI, settings: Settings) -> Target:
    return Target(app, {API_KEY_HEADER: settings.api_key(ServiceName.WORKFLOW)})


@pytest.fixture(scope="module")
def risk_parameter_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fuzz-risk") / "risk_parameters.yaml"
    shutil.copy(ROOT / "config" / "risk_parameters.yaml", path)
    return path


@pytest.fixture(scope="module")
def risk_target(make_settings: Callable[..., Settings], contracts_database_url: str,
                risk_parameter_file: Path) -> Target:
    settings = _settings(make_settings, ServiceName.RISK, contracts_database_url)
    rs = RiskSettings(RISK_PARAMETERS_FILE=risk_parameter_file, RISK_WATCH_PARAMETERS=False,
                      RISK_MAINTENANCE_INTERVAL=0.5, RISK_EMERGENCY_DEADLINE=1.0)
    return _target(build_risk_app(settings, risk_settings=rs, trading=FlatTrading()), settings)


@pytest.fixture(scope="module")
def trading_target(make_settings: Callable[..., Settings], contracts_database_url: str, trading_env: None) -> Target:
    settings = _settings(make_settings, ServiceName.TRADING, contracts_database_url)
    return _target(build_trading_app(settings), settings)
