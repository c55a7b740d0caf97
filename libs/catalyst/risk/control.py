"""The Risk state as Trading sees it: transitions (``catalyst.risk.state``), the ``risk_control`` row, the epoch.

Each change is written to ``risk_control``; one that blocks entries moves the epoch on and revokes
every unused approval in the same transaction, and Trading reads that row in the transaction that
records an order. A write that fails is retried (``retry_pending``) while this process refuses
entries by its own state anyway.
"""

from __future__ import annotations

from datetime import date

from catalyst.db import Database
from catalyst.domain.risk import RiskState
from catalyst.logging import get_logger
from catalyst.risk import repository
from catalyst.risk.audit import RiskAudit
from catalyst.risk.book import RiskBook
from catalyst.risk.metrics import RISK_STATE
from catalyst.risk.state import RiskTrigger, transition

log = get_logger(__name__)

_STATE_CODE = {RiskState.ACTIVE: 0, RiskState.REDUCING: 1, RiskState.HALTED: 2}


class RiskControl:
    def __init__(self, db: Database, *, book: RiskBook, audit: RiskAudit):
        self._db = db
        self._book = book
        self._audit = audit
        self.state = RiskState.ACTIVE
        self.epoch = 0
        self.halt_reason: str | None = None
        self._pending = False

    async def restore(self, day: date) -> None:
        """At start-up: keep a halt, and today's REDUCING, across a restart; then write the row
        (raises while the database is down)."""
        stored = await repository.load_last_state(self._db)
        if stored is not None and (stored.state is RiskState.HALTED
                                   or (stored.state is RiskState.REDUCING and stored.trading_day == day)):
            self.state, self.halt_reason = stored.state, stored.reason
        self.epoch = await repository.write_control(self._db, self.state, self.halt_reason)
        RISK_STATE.set(_STATE_CODE[self.state])

    async def transition(self, trigger: RiskTrigger, reason: str) -> None:
        """Move by ``trigger`` (nothing when the table stays put); tell Trading and record it."""
        old = self.state
        new = transition(old, trigger)
        if new is old:
            return
        self.state = new
        self.halt_reason = None if new is RiskState.ACTIVE else reason
        RISK_STATE.set(_STATE_CODE[new])
        log.warning("risk_state_changed", old=old.value, new=new.value, trigger=trigger.value, reason=reason)
        await self._publish()
        await self._audit.record(event_type="state_change", severity="info" if new is RiskState.ACTIVE else "critical",
                                 message=f"{old.value} → {new.value}: {reason}",
                                 details={"from": old.value, "to": new.value, "trigger": trigger.value,
                                          "trading_day": self._book.day.isoformat(), "reason": reason,
                                          "epoch": self.epoch})

    async def retry_pending(self) -> None:
        """Write the ``risk_control`` row again if the last write failed."""
        if self._pending:
            await self._publish()

    async def _publish(self) -> None:
        """Tell Trading (``risk_control``); until that write lands, the maintenance loop retries it
        and this process refuses entries by its own state anyway."""
        try:
            self.epoch = await repository.write_control(self._db, self.state, self.halt_reason)
            self._pending = False
        except Exception as exc:
            self._pending = True
            log.error("risk_control_not_written", state=self.state.value, error=str(exc))
