"""Live events: the bus's five channels forwarded to the connected MCP sessions.

A session that has made a request is remembered (``SessionHub.remember``, called by the server's
middleware) and, on the session-based protocol eras (what Claude Desktop speaks), is sent each event
as a log message (``notifications/message``, logger ``catalyst.events``: fills, risk alerts, scan
completions, position changes, news catalysts) and a ``notifications/resources/updated`` for the
resource it changes. The 2026-07-28 era has no standing server-to-client channel outside a request:
those clients read the resources, which are always current. A news headline goes out only inside
the untrusted envelope. The latest risk alerts are kept for ``alerts/active``.
"""

from __future__ import annotations

import asyncio
import warnings
from collections import deque
from typing import Any

from mcp.server.session import ServerSession
from mcp_types import LoggingLevel
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from catalyst.bus import (
    Channel,
    Event,
    EventBus,
    NewsCatalyst,
    OrderFilled,
    PositionUpdate,
    RiskAlert,
    ScanComplete,
)
from catalyst.contracts.mcp import McpResource
from catalyst.logging import get_logger
from catalyst.orchestration.metrics import MCP_EVENTS_FORWARDED
from catalyst.orchestration.untrusted import wrap

log = get_logger(__name__)

EVENTS_LOGGER = "catalyst.events"
RECENT_ALERTS = 50
MAX_SESSIONS = 1000  # the oldest is forgotten first: a session that ended without failing a send
ALERT_LEVELS: dict[str, LoggingLevel] = {"warning": "warning", "critical": "critical", "emergency": "emergency"}
UPDATES: dict[Channel, str] = {
    Channel.ORDER_FILLED: McpResource.CURRENT_POSITIONS.value,
    Channel.POSITION_UPDATE: McpResource.CURRENT_POSITIONS.value,
    Channel.RISK_ALERT: McpResource.ACTIVE_ALERTS.value,
    Channel.SCAN_COMPLETE: McpResource.LATEST_SCAN.value,
}


class SessionHub:
    """The sessions events go to, by session id; one that fails to take a message is dropped."""

    def __init__(self) -> None:
        self._sessions: dict[str, ServerSession] = {}
        self._recent_alerts: deque[dict[str, Any]] = deque(maxlen=RECENT_ALERTS)

    def remember(self, session_id: str, session: ServerSession) -> None:
        if session.protocol_version in MODERN_PROTOCOL_VERSIONS:
            return
        self._sessions.pop(session_id, None)
        self._sessions[session_id] = session
        while len(self._sessions) > MAX_SESSIONS:
            self._sessions.pop(next(iter(self._sessions)))

    def forget(self, session_id: str) -> None:
        self._sessions.pop(session_id, None)

    @property
    def count(self) -> int:
        return len(self._sessions)

    def recent_alerts(self) -> list[dict[str, Any]]:
        """The risk alerts the bus announced, newest first."""
        return list(reversed(self._recent_alerts))

    async def forward(self, event: Event) -> None:
        level, data = describe(event)
        if isinstance(event, RiskAlert):
            self._recent_alerts.append(data)
        uri = UPDATES.get(event.channel)
        for session_id, session in list(self._sessions.items()):
            try:
                with warnings.catch_warnings():  # the logging capability is deprecated only from 2026-07-28 on
                    warnings.simplefilter("ignore")
                    await session.send_log_message(level, data, logger=EVENTS_LOGGER)
                if uri is not None:
                    await session.send_resource_updated(uri)
            except Exception as exc:  # a session gone away: forget it, the others still get the event
                log.info("mcp_session_dropped", session=session_id, error=str(exc) or exc.__class__.__name__)
                self.forget(session_id)
        MCP_EVENTS_FORWARDED.labels(event.channel.value).inc()

    async def follow(self, bus: EventBus, ready: asyncio.Event | None = None) -> None:
        """Forward every event of the five channels until cancelled (the service's background task)."""
        subscription = await bus.open_subscription(*Channel)
        if ready is not None:
            ready.set()
        try:
            async for event in subscription.events():
                await self.forward(event)
        finally:
            await subscription.aclose()


def describe(event: Event) -> tuple[LoggingLevel, dict[str, Any]]:
    """The log level and the message body of one bus event."""
    body: dict[str, Any] = {"event": event.channel.value.removeprefix("catalyst:"),
                            "timestamp": event.timestamp.isoformat()}
    if isinstance(event, NewsCatalyst):
        data = event.model_dump(mode="json", exclude={"headline", "timestamp"})
        return "info", {**body, **data, "headline": wrap("news", event.headline).model_dump()}
    body.update(event.model_dump(mode="json", exclude={"timestamp"}))
    if isinstance(event, RiskAlert):
        return ALERT_LEVELS.get(event.level, "warning"), body
    if isinstance(event, OrderFilled | ScanComplete | PositionUpdate):
        return "notice" if isinstance(event, OrderFilled) else "info", body
    return "info", body
