"""Risk Manager fixtures: a database of its own (the book reads *all* open positions, so other
areas' rows in the shared session database must not leak in), a fresh Redis namespace and a
parameter file per test, and the real app run in process."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi import FastAPI

from catalyst.clients.trading import TradingClient
from catalyst.config import Settings
from catalyst.contracts.risk import ValidateResponse
from catalyst.contracts.trading import SubmitOrderBody
from catalyst.db import Database
from catalyst.db.bar_frame import BarFrame
from catalyst.db.bars import BarStore
from catalyst.environment import read
from catalyst.risk.config import RiskSettings
from catalyst.risk.manager import RiskManager
from catalyst.risk.trading_gateway import TradingGateway
from catalyst.services import ServiceName
from services.risk.app import build_app
from services.trading.app import build_app as build_trading_app
from tests.support.daily_bars import insert_daily_bars
from tests.support.database import clean_database, connected, scratch_dsn
from tests.support.services import running, serve, service_client

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def risk_database_url() -> Iterator[str]:
    with scratch_dsn("catalyst_risk") as dsn:
        yield dsn


@pytest.fixture(scope="session")
async def risk_db(risk_database_url: str) -> AsyncIterator[Database]:
    async with connected(risk_database_url) as db:
        yield db


@pytest.fixture(autouse=True)
async def clean_risk_tables(risk_db: Database) -> None:
    await clean_database(risk_db)


# Symbols the tests trade get 40 flat daily bars at 100 with a 1% range (ATR 2.00, so a stop $4 away
# passes the 2×ATR rule): the stop rule uses stored bars only. A test's own bars replace these.
STOCKED = ("AAPL", "MSFT", "TSLA", "NVDA", "AMD", "GOOG", "META", "AMZN", "KO", "PEP", "XOM", "JNJ", "IBM")


@pytest.fixture(autouse=True)
async def stocked_daily_bars(clean_risk_tables: None, risk_db: Database) -> None:
    await insert_daily_bars(risk_db, {s: np.full(40, 100.0) for s in STOCKED})


@pytest.fixture
def parameter_file(tmp_path: Path) -> Path:
    path = tmp_path / "risk_parameters.yaml"
    shutil.copy(ROOT / "config" / "risk_parameters.yaml", path)
    return path


@pytest.fixture
def risk_namespace() -> str:
    return f"test-risk-{uuid.uuid4().hex[:8]}:"


@pytest.fixture
def risk_settings(make_settings: Callable[..., Settings], risk_database_url: str, risk_namespace: str) -> Settings:
    return make_settings(ServiceName.RISK, DATABASE_URL=risk_database_url, REDIS_NAMESPACE=risk_namespace,
                         RISK_APPROVAL_SECRET="test-approval-secret")


RiskAppFactory = Callable[..., FastAPI]


@pytest.fixture
def make_risk_app(risk_settings: Settings, parameter_file: Path) -> RiskAppFactory:
    def make(*, trading: TradingGateway | None = None, watch: bool = True) -> FastAPI:
        rs = read(RiskSettings, RISK_PARAMETERS_FILE=parameter_file, RISK_WATCH_PARAMETERS=watch,
                  RISK_WATCH_DEBOUNCE_MS=50, RISK_MAINTENANCE_INTERVAL=0.2)  # the rest from the environment
        return build_app(risk_settings, risk_settings=rs, trading=trading)

    return make


@asynccontextmanager
async def running_risk(app: FastAPI, *, api_key: str | None = None) -> AsyncIterator[
        tuple[httpx.AsyncClient, RiskManager]]:
    """Run the app; yield a client (Workflow's key: it validates, marks and controls) and the
    manager inside it."""
    async with serve(app, api_key=api_key) as client:
        yield client, app.state.risk


@pytest.fixture
def run_risk() -> Callable[..., Any]:
    return running_risk


# -- data helpers -------------------------------------------------------------------------------
async def _insert_position(
    db: Database, symbol: str, *, side: str = "long", quantity: float = 10, avg: float = 100.0,
    unrealized: float = 0.0, realized: float = 0.0, closed: bool = False,
    opened_at: datetime | None = None, closed_at: datetime | None = None,
    exit_price: float | None = None, exit_quantity: float = 1,
) -> str:
    opened = opened_at or datetime.now(UTC) - timedelta(minutes=5)
    async with db.acquire() as conn:
        pid: uuid.UUID = await conn.fetchval(
            """INSERT INTO positions (security_id, side, quantity, avg_entry_price, status, realized_pnl,
                                      unrealized_pnl, opened_at, closed_at, avg_exit_price)
               VALUES (get_or_create_security($1), $2, $3, $4, $5, $6, $7, $8, $9, $10)
               RETURNING position_id""",
            symbol, side, quantity, avg, "closed" if closed else "open", realized, unrealized, opened,
            (closed_at or datetime.now(UTC)) if closed else None, avg if closed else None,
        )
        if realized:  # today's realized P&L is the sum over fills: the exit that realized it
            order_id = await conn.fetchval(
                """INSERT INTO orders (client_order_id, security_id, side, order_type, quantity, status,
                                       filled_quantity, filled_avg_price, intent, position_id)
                   VALUES ($1, get_or_create_security($2), $3, 'market', $6, 'filled', $6, $4, 'exit', $5)
                   RETURNING order_id""",
                f"test-{uuid.uuid4().hex}", symbol, "sell" if side == "long" else "buy", exit_price or avg, pid,
                exit_quantity)
            await conn.execute(
                """INSERT INTO fills (order_id, quantity, price, commission, filled_at, realized_pnl)
                   VALUES ($1, $5, $2, 0, $3, $4)""",
                order_id, exit_price or avg, (closed_at or datetime.now(UTC)) if closed else datetime.now(UTC),
                realized, exit_quantity)
    return str(pid)


@pytest.fixture
def add_position(risk_db: Database) -> Callable[..., Awaitable[str]]:
    """``await add_position("AAPL", quantity=..., realized=..., closed=...)`` → position id."""

    async def add(symbol: str, **kwargs: Any) -> str:
        return await _insert_position(risk_db, symbol, **kwargs)

    return add


@pytest.fixture
def add_daily_bars(risk_db: Database) -> Callable[..., Awaitable[None]]:
    async def add(closes: dict[str, np.ndarray], **kwargs: Any) -> None:
        await insert_daily_bars(risk_db, closes, **kwargs)

    return add


# -- the real Trading service beside the Risk Manager ----------------------------------------------
@pytest.fixture
def trading_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trading on the simulated broker, filling at the last bar's close, no slippage."""
    for key, value in {"BROKER": "sim", "SIM_LEDGER": "memory", "SIM_MARKET_FILL": "last_price",
                       "SIM_SLIPPAGE_BPS": "0", "TRADING_RECONCILE_INTERVAL": "3600"}.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def run_trading(make_settings: Callable[..., Settings], risk_database_url: str,
                risk_namespace: str) -> Callable[[], AbstractAsyncContextManager[TradingClient]]:
    """``async with run_trading() as trading``: the real Trading app on the Risk tests' database and
    Redis namespace, with the typed client Risk uses (presenting Risk's key)."""

    @asynccontextmanager
    async def run() -> AsyncIterator[TradingClient]:
        settings = make_settings(ServiceName.TRADING, DATABASE_URL=risk_database_url, REDIS_NAMESPACE=risk_namespace,
                                 RISK_APPROVAL_SECRET="test-approval-secret")
        app: FastAPI = build_trading_app(settings)
        async with running(app), service_client(app, caller=ServiceName.RISK) as client:
            yield TradingClient(client)

    return run


@pytest.fixture
def add_minute_bars(risk_db: Database) -> Callable[..., Awaitable[None]]:
    """``await add_minute_bars({"AAPL": 100.0}, minutes_ago=2)``: one completed one-minute bar per
    symbol (the market price Risk and the simulated broker see)."""

    async def add(prices: dict[str, float], *, minutes_ago: int = 2) -> None:
        start = np.datetime64(datetime.now(UTC).replace(tzinfo=None, second=0, microsecond=0)
                              - timedelta(minutes=minutes_ago), "ns")
        p = np.array(list(prices.values()))
        frame = BarFrame.from_arrays(symbol=np.array(list(prices), dtype=object), ts=np.full(len(p), start), open=p,
                                     high=p, low=p, close=p, volume=np.full(len(p), 1e6))
        await BarStore(risk_db).ingest(frame, "1Min", on_conflict="replace")

    return add


async def _open_via_risk(client: httpx.AsyncClient, trading: TradingClient, symbol: str, side: str,
                         quantity: int) -> ValidateResponse:
    """An entry the way the workflow makes it: Risk approves a limit at 100, Trading executes it."""
    stop, target = (98.0, 104.0) if side == "buy" else (102.0, 96.0)
    body = {"symbol": symbol, "side": side, "quantity": quantity, "entry": 100.0, "stop": stop, "target": target}
    decision = ValidateResponse.model_validate((await client.post("/api/v1/risk/validate", json=body)).json())
    assert decision.approved, decision.reasons
    await trading.submit_order(SubmitOrderBody(symbol=symbol, side=decision.side, quantity=decision.max_quantity,
                                               approval=decision.approval))
    return decision


@pytest.fixture
def open_via_risk() -> Callable[..., Awaitable[ValidateResponse]]:
    return _open_via_risk
