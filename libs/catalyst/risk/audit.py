"""The Risk Manager's record of what it did: ``risk_events`` rows and ``RiskAlert`` announcements.

Neither write may stop a risk action: a failed one is logged and the action goes on.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from catalyst.bus import EventBus, RiskAlert
from catalyst.db import Database
from catalyst.domain.money import as_float
from catalyst.logging import get_logger
from catalyst.risk import repository
from catalyst.risk.metrics import ALERTS

log = get_logger(__name__)

AlertLevelName = Literal["warning", "critical", "emergency"]


class RiskAudit:
    def __init__(self, db: Database, bus: EventBus):
        self._db = db
        self._bus = bus

    async def record(self, **fields: Any) -> None:
        """One ``risk_events`` row (``repository.insert_risk_event``'s fields)."""
        try:
            await repository.insert_risk_event(self._db, **fields)
        except Exception as exc:  # never let the audit write stop a risk action
            log.warning("risk_event_not_recorded", error=str(exc), event_type=fields.get("event_type"))

    async def alert(self, level: AlertLevelName, rule: str, message: str, *, value: Decimal | None = None,
                    limit: Decimal | None = None, symbol: str | None = None,
                    event_type: str = "limit_threshold") -> None:
        """Record an alert and announce it on the bus."""
        ALERTS.labels(level).inc()
        log.warning("risk_alert", level=level, rule=rule, message=message)
        await self.record(event_type=event_type, severity="critical" if level == "emergency" else level,
                          rule=rule, message=message, value=value, limit=limit, symbol=symbol,
                          details={"level": level})
        try:
            await self._bus.publish(RiskAlert(level=level, rule=rule, message=message, value=as_float(value),
                                              limit=as_float(limit)))
        except Exception as exc:  # Redis down: the risk_event row is the record
            log.warning("risk_alert_not_published", error=str(exc))
