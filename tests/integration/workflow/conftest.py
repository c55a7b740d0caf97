"""Workflow fixtures: the Workflow app with every service it calls running in process, on one simulated
market clock, over a database of the test's own.

The database is cloned for each test from a template loaded once per session with the replay set's
last day (2013-03-01: daily bars through it, its one-minute bars), since the Risk book and Trading's
reconciler read every row there is. The News service replays the set's news; Trading's broker is the
simulator, filling at the last complete bar. ``workflow_rig(at)`` starts it all with the clock at ``at``.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi import FastAPI

from catalyst.bar_columns import to_ns
from catalyst.clock import SimulatedClock
from catalyst.config import Settings
from catalyst.db import Database
from catalyst.domain.calendar import NEW_YORK, MarketCalendar
from catalyst.services import ServiceName
from catalyst.synthetic.load import load_replay
from catalyst.synthetic.universe import build_universe, replay_news
from catalyst.workflow.config import WorkflowSettings
from services.workflow.app import build_app
from tests.support.database import connected, scratch_dsn, scratch_dsn_async
from tests.support.peers import workflow_peers
from tests.support.services import http_client, running

ROOT = Path(__file__).resolve().parents[3]
DAY = date(2013, 3, 1)  # the replay set's last day, a Friday
SECRET = "workflow-approval-secret"


def ny(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=NEW_YORK).astimezone(UTC)


async def _load(dsn: str) -> None:
    async with connected(dsn, min_size=1, max_size=2) as db:
        await load_replay(db, days=1, through=DAY)


@pytest.fixture(scope="session")
def workflow_template() -> Iterator[str]:
    """A migrated database holding the replay day's bars: the template each test's database is cloned from."""
    with scratch_dsn("catalyst_wf_seed") as dsn:
        asyncio.run(_load(dsn))
        yield dsn.rsplit("/", 1)[-1]


@pytest.fixture
async def workflow_dsn(workflow_template: str) -> AsyncIterator[str]:
    async with scratch_dsn_async("catalyst_wf", template=workflow_template, migrate=False) as dsn:
        yield dsn


@dataclass
class WorkflowRig:
    clock: SimulatedClock
    app: FastAPI
    client: httpx.AsyncClient  # presents Orchestration's key
    db: Database

    async def phase(self, name: str, **body: object) -> httpx.Response:
        return await self.client.post(f"/api/v1/workflow/phases/{name}", json=body)


RigFactory = Callable[..., AbstractAsyncContextManager[WorkflowRig]]


async def levels_at(rig: WorkflowRig, symbol: str, at: datetime) -> dict[str, Any]:
    """A market entry's levels for ``symbol``: the replay's close of the minute ``at``, a stop 1.5 ATR
    under it and a target 3 ATR over it (what Risk approves on the replay day)."""
    atr = (await rig.app.state.peers.technical.indicators(symbol, indicators=["atr_14"])).atr_14
    minutes = build_universe().minute_bars(DAY)[symbol]
    entry = round(float(minutes.close[int(np.searchsorted(minutes.ts, to_ns(at)))]), 2)
    return {"entry": entry, "stop": round(entry - 1.5 * atr, 2), "target": round(entry + 3 * atr, 2),
            "order_type": "market"}


async def open_for_trading(rig: WorkflowRig) -> str:
    """From 08:00: the pre-market scan, then the 09:30 open; answers the cycle's id."""
    assert (await rig.phase("pre_market_scan")).json()["state"] == "ready"
    rig.clock.set(ny(DAY, 9, 30))
    opened = (await rig.phase("market_open")).json()
    assert opened["state"] == "trading", opened
    return str(opened["cycle_id"])


@pytest.fixture(scope="session")
def news_items() -> list[object]:
    return list(replay_news())


@pytest.fixture
def workflow_rig(workflow_dsn: str, make_settings: Callable[..., Settings], tmp_path: Path,
                 news_items: list[object]) -> RigFactory:
    namespace = f"test-wf-{uuid.uuid4().hex[:8]}:"

    def settings_for(service: ServiceName) -> Settings:
        return make_settings(service, DATABASE_URL=workflow_dsn, REDIS_NAMESPACE=namespace,
                             RISK_APPROVAL_SECRET=SECRET)

    parameters = tmp_path / "risk_parameters.yaml"
    shutil.copy(ROOT / "config" / "risk_parameters.yaml", parameters)

    @asynccontextmanager
    async def rig(at: datetime, calendar: MarketCalendar | None = None,
                  **workflow: object) -> AsyncIterator[WorkflowRig]:
        """``workflow``: WorkflowSettings fields (``WORKFLOW_WATCHLIST`` …); the scheduler is off unless asked.
        ``calendar`` replaces the NYSE calendar."""
        clock = SimulatedClock(at)
        peers = workflow_peers(settings_for, parameters=parameters, reports=tmp_path / "reports", clock=clock,
                               news_items=news_items)  # type: ignore[arg-type]
        app = build_app(settings_for(ServiceName.WORKFLOW), peers=peers, clock=clock, calendar=calendar,
                        workflow_settings=WorkflowSettings.model_validate({"WORKFLOW_SCHEDULER": False, **workflow}))
        async with running(app), http_client(app, caller=ServiceName.ORCHESTRATION, timeout_s=120) as client, \
                connected(workflow_dsn, min_size=1, max_size=2) as db:
            yield WorkflowRig(clock, app, client, db)

    return rig
