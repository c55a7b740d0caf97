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


def test_production_refuses_the_development_key_and_secret() -> None:
    from catalyst.config import Settings
    from services.orchestration.app import build_app

    keys = {f"{name}_API_KEY": f"prod-{name.lower()}" for name in
            ("ORCHESTRATION", "SCANNER", "PATTERN", "TECHNICAL", "RISK", "TRADING", "WORKFLOW", "REPORTING",
             "OPERATOR", "RISK_OPERATOR")}
    production = Settings.model_validate({**keys, "NEWS_SERVICE_API_KEY": "prod-news", "CATALYST_ENV": "production",
                                          "RISK_APPROVAL_SECRET": "prod-secret"})
    with pytest.raises(ValueError, match="MCP_API_KEYS, MCP_CONFIRMATION_SECRET"):
        build_app(production, orchestration_settings=OrchestrationSettings())
    strong = OrchestrationSettings(MCP_API_KEYS="a-real-key", MCP_CONFIRMATION_SECRET="a-real-secret")
    assert build_app(production, orchestration_settings=strong).title == "Catalyst Orchestration"
