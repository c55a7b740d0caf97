"""Fixtures for the Reporting tests: a database of their own (Reporting reads every trade in it),
emptied before each test; real trades made through Trading's OMS against the sim broker
(``tests.support.sim_world``); a local SMTP server (aiosmtpd) that keeps what it receives; and the
Reporting app built by its ``build_app`` on the world's clock."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi import FastAPI

from catalyst.clock import Clock
from catalyst.config import Settings
from catalyst.db import Database
from catalyst.reporting.config import ReportingSettings, SmtpSettings
from catalyst.services import ServiceName
from services.reporting.app import build_app
from tests.support.database import clean_database, connected, scratch_dsn
from tests.support.sim_world import SimWorld, open_sim_world

STARTING_CAPITAL = 100_000.0


@pytest.fixture(scope="session")
def reporting_database_url() -> Iterator[str]:
    with scratch_dsn("catalyst_reporting") as dsn:
        yield dsn


@pytest.fixture(scope="session")
async def reporting_admin_db(reporting_database_url: str) -> AsyncIterator[Database]:
    async with connected(reporting_database_url, min_size=1, max_size=2) as db:
        yield db


@pytest.fixture
async def reporting_db(reporting_database_url: str, reporting_admin_db: Database) -> AsyncIterator[Database]:
    await clean_database(reporting_admin_db)
    async with connected(reporting_database_url) as db:
        yield db


@pytest.fixture
async def world(reporting_db: Database, redis_client: Any, redis_namespace: str) -> AsyncIterator[SimWorld]:
    """Trading's OMS and the sim broker on the Reporting tests' database (a cent a share commission)."""
    async with open_sim_world(reporting_db, redis_client, redis_namespace) as opened:
        yield opened


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    envelopes: list[Envelope] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def smtp_servers() -> Iterator[Callable[..., tuple[Inbox, int]]]:
    """``smtp_servers(**options)``: an SMTP server on loopback in its own thread, started with
    aiosmtpd's ``Controller`` options (``ssl_context`` for TLS from the start, ``tls_context`` and
    ``require_starttls``, ``authenticator`` …); its inbox and port. Stopped after the test."""
    controllers: list[Controller] = []

    def start(**options: Any) -> tuple[Inbox, int]:
        inbox = Inbox()
        port = _free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
        controller.start()
        controllers.append(controller)
        return inbox, port

    try:
        yield start
    finally:
        for controller in controllers:
            controller.stop()


@pytest.fixture
def smtp_server(smtp_servers: Callable[..., tuple[Inbox, int]]) -> tuple[Inbox, int]:
    """A plain SMTP server on loopback (no TLS); its inbox and port."""
    return smtp_servers()


@pytest.fixture
def reporting_app(make_settings: Callable[..., Settings], reporting_database_url: str, world: SimWorld,
                  tmp_path: Path) -> Callable[..., FastAPI]:
    """``reporting_app(smtp=SmtpSettings(...))``: the Reporting app on the world's database and clock
    (or ``clock``), writing reports under ``tmp_path``."""

    def build(smtp: SmtpSettings | None = None, clock: Clock | None = None) -> FastAPI:
        settings = make_settings(ServiceName.REPORTING, DATABASE_URL=reporting_database_url)
        return build_app(settings, clock=clock or world.clock,
                         reporting_settings=ReportingSettings(REPORTING_STARTING_CAPITAL=STARTING_CAPITAL,
                                                              REPORTING_DIR=tmp_path / "reports"),
                         smtp_settings=smtp or SmtpSettings())

    return build
