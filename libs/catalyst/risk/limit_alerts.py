"""The active alerts: raised and cleared from the limits' usage (``catalyst.risk.monitor``), plus the
emergency stop's own alert, which only a reset clears.

A critical daily loss moves the Risk state to REDUCING.
"""

from __future__ import annotations

from datetime import datetime

from catalyst.clock import Clock
from catalyst.contracts.risk import ActiveAlert
from catalyst.risk.audit import RiskAudit
from catalyst.risk.book import RiskBook
from catalyst.risk.control import RiskControl
from catalyst.risk.metrics import DAILY_PNL, LIMIT_USAGE, OPEN_POSITIONS
from catalyst.risk.monitor import AlertLevel, Usage, alert_changes, alert_levels, critical_breach, limit_usages
from catalyst.risk.parameter_store import ParameterStore
from catalyst.risk.rules import Rule
from catalyst.risk.state import RiskTrigger

EMERGENCY_KEY = "emergency_stop"
USAGE_RULES = (Rule.DAILY_LOSS, Rule.MAX_POSITIONS, Rule.POSITION_SIZE)  # the limits limit_usages watches


class LimitAlerts:
    def __init__(self, *, book: RiskBook, store: ParameterStore, control: RiskControl, audit: RiskAudit,
                 clock: Clock):
        self._book = book
        self._store = store
        self._control = control
        self._audit = audit
        self._clock = clock
        self._alerts: dict[str, ActiveAlert] = {}

    @property
    def active(self) -> list[ActiveAlert]:
        """The alerts now in force, oldest first."""
        return sorted(self._alerts.values(), key=lambda a: a.since)

    async def check(self) -> None:
        """Raise/clear alerts from current usage; a critical daily loss moves to REDUCING."""
        params = self._store.parameters
        usages = limit_usages(self._book.view(), params)
        levels: dict[str, AlertLevel] = {k: ("critical" if a.level == "critical" else "warning")
                                         for k, a in self._alerts.items() if a.level != "emergency"}
        raised, cleared = alert_changes(usages, levels)
        now = self._clock.now()
        for key in cleared:
            self._alerts.pop(key, None)
        current = alert_levels(usages)
        for key, level in current.items():
            if key in self._alerts and self._alerts[key].level != level:
                self._alerts[key] = self._alerts[key].model_copy(update={"level": level})
        for change in raised:
            u = change.usage
            self._alerts[u.key] = ActiveAlert(key=u.key, rule=u.rule.value, level=change.level,
                                              message=change.message, since=now)
            await self._audit.alert(change.level, u.rule.value, change.message, value=u.value, limit=u.limit,
                                    symbol=u.symbol)
        breach = critical_breach(usages)
        if breach is not None:
            await self._control.transition(RiskTrigger.CRITICAL_BREACH, f"daily loss ${breach.value:,.2f} reached "
                                           f"the ${breach.limit:,.2f} limit")
        self._export(usages)

    def _export(self, usages: list[Usage]) -> None:
        """The gauges: P&L, positions, and each limit's use (a per-symbol cap: its largest; 0 when nothing uses it)."""
        DAILY_PNL.set(float(self._book.daily_pnl))
        OPEN_POSITIONS.set(len(self._book.positions))
        ratios = dict.fromkeys(USAGE_RULES, 0.0)
        for u in usages:
            ratios[u.rule] = max(ratios.get(u.rule, 0.0), u.ratio)
        for rule, ratio in ratios.items():
            LIMIT_USAGE.labels(rule.value).set(ratio)

    async def raise_emergency(self, text: str, since: datetime) -> None:
        """The emergency stop's alert (kept across day rollovers until a reset)."""
        self._alerts[EMERGENCY_KEY] = ActiveAlert(key=EMERGENCY_KEY, rule=EMERGENCY_KEY, level="emergency",
                                                  message=text, since=since)
        await self._audit.alert("emergency", EMERGENCY_KEY, text, event_type="emergency_stop")

    def clear_emergency(self) -> None:
        self._alerts.pop(EMERGENCY_KEY, None)

    def new_day(self) -> None:
        """A new trading day: the limit alerts go (the limits are re-checked), an emergency stays."""
        self._alerts = {k: a for k, a in self._alerts.items() if a.level == "emergency"}
