"""Orchestration settings: live trading needs its own explicit setting; development secrets are named."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from catalyst.orchestration.config import OrchestrationSettings, Toolset


def test_live_mode_needs_the_explicit_setting() -> None:
    with pytest.raises(ValidationError, match="MCP_LIVE_TRADING"):
        OrchestrationSettings(MCP_TRADING_MODE="live")
    live = OrchestrationSettings(MCP_TRADING_MODE="live", MCP_LIVE_TRADING=True)
    assert live.trading_mode == "live"


def test_lists_are_read_as_the_environment_spells_them() -> None:
    config = OrchestrationSettings(MCP_TOOLSETS="read, risk", MCP_API_KEYS="a,b")
    assert config.exposed() == {Toolset.READ, Toolset.RISK}
    assert config.keys() == {"a", "b"}
    assert config.dev_secrets() == ["MCP_CONFIRMATION_SECRET"]
    assert OrchestrationSettings().dev_secrets() == ["MCP_API_KEYS", "MCP_CONFIRMATION_SECRET"]
