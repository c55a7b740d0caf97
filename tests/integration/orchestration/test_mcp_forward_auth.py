"""``GET /auth``: what the chart's Traefik forwardAuth asks before it forwards to /mcp. A key the MCP
server accepts gets 204 (Traefik forwards); none or a wrong one the guard's 401 envelope (Traefik answers it)."""

from __future__ import annotations

import pytest

from catalyst.orchestration.config import OrchestrationSettings
from catalyst.services import ServiceName
from services.orchestration.app import AUTH_PATH, build_app
from tests.support.services import serve

KEY = "a-trader-key"


@pytest.fixture
def app(make_settings):
    return build_app(make_settings(ServiceName.ORCHESTRATION), orchestration_settings=OrchestrationSettings(
        MCP_API_KEYS=KEY, MCP_CONFIRMATION_SECRET="a-confirmation-secret"))


@pytest.mark.parametrize("headers", [{"X-API-Key": KEY}, {"Authorization": f"Bearer {KEY}"}])
async def test_an_accepted_key_is_204(app, headers):
    async with serve(app, caller=None) as client:
        answer = await client.get(AUTH_PATH, headers=headers)
    assert answer.status_code == 204
    assert answer.content == b""


@pytest.mark.parametrize(("headers", "code"), [
    ({}, "MISSING_API_KEY"),
    ({"X-API-Key": "not-the-key"}, "INVALID_API_KEY"),
    ({"X-API-Key": "dev-key-orchestration"}, "INVALID_API_KEY"),  # a service key is no MCP key
])
async def test_no_key_or_a_wrong_one_is_the_401_envelope(app, headers, code):
    async with serve(app, caller=None) as client:
        answer = await client.get(AUTH_PATH, headers=headers)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == code
