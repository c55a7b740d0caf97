"""Property-based contract tests of every service from its own OpenAPI document.

For every operation schemathesis generates requests (schema examples, the coverage phase's
boundary and invalid values, then a bounded number of fuzzed ones; fixed seed, derandomized)
and sends them in process with Workflow's ``X-API-Key``. Whatever comes in, the answer is
never a 5xx and always matches the documented response schema: bad input is a 4xx envelope.

A service is one line of ``SERVICES`` (its name and ``build_app``); one test per service is
made from it below. The schemas are the apps' own ``openapi()``, built at import with
placeholder settings (nothing is connected), so ``@schema.parametrize()`` makes one test per
operation; the cases go to the real apps of ``conftest.py`` (scratch database, started afresh
for each test). ``schemathesis.pytest.from_fixture`` would avoid the placeholder, but its lazy
loader writes ``Node._nodeid``, which pytest 9 no longer has.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import schemathesis
from fastapi import FastAPI
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from catalyst.config import Settings
from catalyst.services import ServiceName
from services.news.app import build_app as build_news_app
from services.pattern.app import build_app as build_pattern_app
from services.reporting.app import build_app as build_reporting_app
from services.risk.app import build_app as build_risk_app
from services.scanner.app import build_app as build_scanner_app
from services.technical.app import build_app as build_technical_app
from services.trading.app import build_app as build_trading_app
from services.workflow.app import build_app as build_workflow_app

SEED = 20260305
MAX_EXAMPLES = 25  # fuzzed cases per operation; the examples and coverage phases add their own
CHECKS = [not_a_server_error, response_schema_conformance]

SERVICES: dict[ServiceName, Callable[..., FastAPI]] = {
    ServiceName.RISK: build_risk_app,
    ServiceName.TRADING: build_trading_app,
    ServiceName.NEWS: build_news_app,
    ServiceName.TECHNICAL: build_technical_app,
    ServiceName.PATTERN: build_pattern_app,
    ServiceName.WORKFLOW: build_workflow_app,
    ServiceName.SCANNER: build_scanner_app,
    ServiceName.REPORTING: build_reporting_app,
}


def _config() -> schemathesis.Config:
    return schemathesis.Config.from_dict({
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    })


def _placeholder(service: ServiceName) -> Settings:
    """Settings to build an app only for its OpenAPI document (nothing is connected)."""
    return Settings(CATALYST_SERVICE=service, CATALYST_ENV="test", LOG_LEVEL="WARNING")  # type: ignore[call-arg]


def _contract_test(service: ServiceName, build_app: Callable[..., FastAPI]) -> Callable[..., None]:
    schema = schemathesis.openapi.from_dict(build_app(_placeholder(service)).openapi(), config=_config())

    @schema.parametrize()
    def test(case: schemathesis.Case, fuzz_target: Any) -> None:
        """``fuzz_target``: builds the running app and orchestration's headers (conftest ``Target``)."""
        target = fuzz_target(service, build_app)
        case.call_and_validate(app=target.app, headers=target.headers, checks=CHECKS)

    return test


for _service, _build_app in SERVICES.items():
    globals()[f"test_{_service.value}_api_never_answers_5xx_and_conforms"] = _contract_test(_service, _build_app)
