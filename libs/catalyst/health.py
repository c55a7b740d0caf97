"""The spec's /health body (section 8.1) and how it is worked out."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

from catalyst.http import ServiceClient

ConnectionState = Literal["connected", "disconnected", "not_used"]
DependencyState = Literal["healthy", "degraded", "unhealthy", "unreachable"]


class HealthResponse(BaseModel):
    status: Literal["healthy", "degraded", "unhealthy"]
    service: str
    version: str
    timestamp: datetime = Field(default_factory=lambda: datetime.now(UTC))
    database: ConnectionState
    redis: ConnectionState
    dependencies: dict[str, DependencyState] = Field(default_factory=dict)


def overall_status(database: ConnectionState, redis: ConnectionState,
                   dependencies: dict[str, DependencyState], required: set[str]) -> str:
    """unhealthy when a required dependency is down (503), degraded when an optional one is."""
    down_required = database == "disconnected" or redis == "disconnected" or any(
        state != "healthy" for name, state in dependencies.items() if name in required
    )
    if down_required:
        return "unhealthy"
    if any(state != "healthy" for state in dependencies.values()):
        return "degraded"
    return "healthy"


async def probe_dependency(client: ServiceClient, limit_s: float = 1.5) -> DependencyState:
    try:
        async with asyncio.timeout(limit_s):
            body = await client.health()
    except Exception:  # any failure to answer means unreachable, whatever its kind
        return "unreachable"
    status = body.get("status")
    if status in ("healthy", "degraded", "unhealthy"):
        return status  # type: ignore[no-any-return]
    return "unhealthy"
