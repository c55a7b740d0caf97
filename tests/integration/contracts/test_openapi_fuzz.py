"""Property-based contract tests of Risk (5004) and Trading (5005) from their own OpenAPI schemas.

For every operation schemathesis generates requests (schema examples, the coverage phase's
boundary and invalid values, then a bounded number of fuzzed ones; fixed seed, derandomized)
and sends them in process with orchestration's ``X-API-Key``. Whatever comes in, the answer is
never a 5xx and always matches the documented response schema: bad input is a 4xx envelope.

The schemas are the apps' own ``openapi()``, built here at import with placeholder settings
(nothing is connected), so ``@schema.parametrize()`` makes one test per operation; the cases go
to the real apps of ``conftest.py`` (scratch database, started afresh for each test).
``schemathesis.pytest.from_fixture`` would avoid the placeholder, but its lazy loader writes
``Node._nodeid``, which pytest 9 no longer has.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from catalyst.config import Settings
from catalyst.services import ServiceName
from services.risk.app import build_app as build_risk_app
from services.trading.app import build_app as build_trading_app

SEED = 20260305
MAX_EXAMPLES = 25  # fuzzed cases per operation; the examples and coverage phases add their own
CHECKS = [not_a_server_error, response_schema_conformance]


def _config() -> schemathesis.Config:
    return schemathesis.Config.from_dict({
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    })


def _placeholder(service: ServiceName) -> Settings:
    """Settings to build an app only for its OpenAPI document (nothing is connected)."""
    return Settings(CATALYST_SERVICE=service, CATALYST_ENV="test", LOG_LEVEL="WARNING")  # type: ignore[call-arg]


risk = schemathesis.openapi.from_dict(
    build_risk_app(_placeholder(ServiceName.RISK)).openapi(), config=_config())
trading = schemathesis.openapi.from_dict(
    build_trading_app(_placeholder(ServiceName.TRADING)).openapi(), config=_config())


@risk.parametrize()
def test_risk_api_never_answers_5xx_and_conforms(case: schemathesis.Case, risk_target: Any) -> None:
    """``risk_target``: the app and orchestration's headers (conftest ``Target``)."""
    case.call_and_validate(app=risk_target.app, headers=risk_target.headers, checks=CHECKS)


@trading.parametrize()
def test_trading_api_never_answers_5xx_and_conforms(case: schemathesis.Case, trading_target: Any) -> None:
    case.call_and_validate(app=trading_target.app, headers=trading_target.headers, checks=CHECKS)
