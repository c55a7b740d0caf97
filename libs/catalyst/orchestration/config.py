"""Orchestration settings: who may connect, which tools are exposed, and how long a confirmation lasts."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from catalyst.config import Section


class Toolset(StrEnum):
    """The groups tools are exposed by: ``read`` moves nothing; ``trade`` places, closes and starts or
    stops the session; ``risk`` changes limits and holds the kill switch."""

    READ = "read"
    TRADE = "trade"
    RISK = "risk"


TradingMode = Literal["simulated", "paper", "live"]


class OrchestrationSettings(Section):
    api_keys: tuple[SecretStr, ...] = Field(
        (SecretStr("dev-mcp-key"),), alias="MCP_API_KEYS",
        description="Comma-separated keys a client presents (X-API-Key, or Authorization: Bearer)")
    toolsets: tuple[Toolset, ...] = Field(tuple(Toolset), alias="MCP_TOOLSETS",
                                          description="Comma-separated: read, trade, risk")
    read_only: bool = Field(False, alias="MCP_READ_ONLY",
                            description="Expose only tools that move no money and change no limit")
    trading_mode: TradingMode = Field("simulated", alias="MCP_TRADING_MODE",
                                      description="What the broker behind Trading is; shown in every status")
    live_trading_confirmed: bool = Field(False, alias="MCP_LIVE_TRADING",
                                         description="Must be true, beside the broker keys, for live mode")
    token_ttl_s: int = Field(120, alias="MCP_CONFIRMATION_TTL", ge=10, le=900,
                             description="Seconds a preview's confirmation token stays valid")
    token_secret: SecretStr = Field(SecretStr("dev-mcp-confirmation-secret"), alias="MCP_CONFIRMATION_SECRET")
    alerts_limit: int = Field(50, alias="MCP_ALERTS_LIMIT", ge=1, le=500)

    @field_validator("api_keys", "toolsets", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(v.strip() for v in value.split(",") if v.strip())
        return value

    @model_validator(mode="after")
    def _live_needs_consent(self) -> OrchestrationSettings:
        if self.trading_mode == "live" and not self.live_trading_confirmed:
            raise ValueError("MCP_TRADING_MODE=live needs MCP_LIVE_TRADING=true as well")
        if not self.api_keys:
            raise ValueError("MCP_API_KEYS: at least one key")
        return self

    def dev_secrets(self) -> list[str]:
        """The settings still at their development values (refused in production)."""
        weak = ["MCP_API_KEYS"] if any(k.get_secret_value().startswith("dev-") for k in self.api_keys) else []
        return weak + (["MCP_CONFIRMATION_SECRET"] if self.token_secret.get_secret_value().startswith("dev-") else [])

    def keys(self) -> frozenset[str]:
        return frozenset(k.get_secret_value() for k in self.api_keys)

    def exposed(self) -> frozenset[Toolset]:
        return frozenset(self.toolsets)
