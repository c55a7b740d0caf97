"""``catalyst phase <name>`` against a running Workflow (uvicorn on an ephemeral port): the operator's key
from the environment, the answer printed, exit 1 with the envelope on a 4xx."""

from __future__ import annotations

import asyncio
import json

import pytest

from catalyst.cli import main
from catalyst.services import Operator
from tests.integration.workflow.conftest import DAY, RigFactory, ny
from tests.support.loopback import serving


async def _command(*argv: str) -> int:
    return await asyncio.to_thread(main, ["phase", *argv])


async def test_the_phase_command_runs_a_phase_and_exits_1_with_the_envelope_on_a_4xx(
        workflow_rig: RigFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    async with workflow_rig(ny(DAY, 7, 0)) as rig, serving(rig.app, lifespan="off") as url:
        monkeypatch.setenv("OPERATOR_API_KEY", rig.app.state.runtime.settings.api_key(Operator.OPERATOR))

        assert await _command("start_session", "--url", url, "--reason", "from the CronJob") == 0
        answer = json.loads(capsys.readouterr().out)
        assert answer["ran"] is True
        assert answer["state"] == "pre_market"
        assert await rig.db.pool.fetchval(
            "SELECT context->>'requested_by' FROM decision_logs WHERE decision = 'phase_run'") == "operator"

        assert await _command("market_open", "--url", url, "--force") == 1
        refused = json.loads(capsys.readouterr().err)
        assert refused["error"]["code"] == "ILLEGAL_TRANSITION"
        assert refused["error"]["details"]["state"] == "pre_market"

        assert await _command("halt", "--url", url) == 1
        assert json.loads(capsys.readouterr().err)["error"]["code"] == "REASON_REQUIRED"

        monkeypatch.setenv("OPERATOR_API_KEY", "not-the-operators-key")
        assert await _command("monitor", "--url", url) == 1
        assert json.loads(capsys.readouterr().err)["error"]["code"] == "INVALID_API_KEY"


def test_an_unknown_phase_is_refused_by_the_command_itself(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["phase", "lunch"])
    assert exit_.value.code == 2
    assert "invalid choice: 'lunch'" in capsys.readouterr().err
