"""The in-process scheduler (``WORKFLOW_SCHEDULER=true``): the phases on the market clock, locally.

In the cluster Kubernetes CronJobs run ``catalyst phase <name>``; locally (``make run``) this loop
calls the same ``PhaseRunner`` instead. It is not APScheduler's ``AsyncIOScheduler``: that one
sleeps until the next fire time by the wall clock, and a replay clock runs faster than the wall
(or is stepped by a test), so its jobs would fire at the wrong market times or never. The loop
instead looks at the injected ``Clock`` every ``poll_s`` real seconds and asks the pure
``due_phases`` what fell due since its last look; APScheduler's ``CronTrigger`` still computes
the fire times there, in the New York zone, and the market calendar filters them.

Monitor runs that fell due together are coalesced to the latest (marking a past minute helps
nobody). A phase that is refused (illegal in the cycle's state) or fails is logged and the loop
goes on; phases are idempotent, so starting from the beginning of the day after a restart only
catches up what did not run.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from catalyst.clock import Clock
from catalyst.domain.calendar import MarketCalendar, day_start, trading_day
from catalyst.errors import CatalystError
from catalyst.logging import get_logger
from catalyst.workflow.phases import PhaseCall, PhaseRunner
from catalyst.workflow.schedule import DuePhase, due_phases, latest_monitor_only

log = get_logger(__name__)

SCHEDULER = "scheduler"


class PhaseScheduler:
    def __init__(self, runner: PhaseRunner, clock: Clock, calendar: MarketCalendar, *, poll_s: float):
        self._runner = runner
        self._clock = clock
        self._calendar = calendar
        self._poll_s = poll_s
        self._seen_until: datetime | None = None

    async def tick(self) -> list[DuePhase]:
        """Run what fell due since the last tick (the first: since the start of the day); answers what ran."""
        now = self._clock.now()
        since = self._seen_until or day_start(trading_day(now))
        due = latest_monitor_only(due_phases(self._calendar, since, now)) if now > since else []
        for phase in due:
            try:
                result = await self._runner.run(PhaseCall(phase.phase, requested_by=SCHEDULER))
            except CatalystError as exc:
                log.warning("scheduled_phase_refused", phase=phase.phase.value, code=exc.code, error=exc.message)
                continue
            log.info("scheduled_phase", phase=phase.phase.value, at=phase.at.isoformat(), ran=result.ran,
                     reason=result.reason)
        self._seen_until = now  # not before: a tick cut short (the database down) is caught up by the next
        return due

    async def run_forever(self) -> None:
        """Tick every ``poll_s`` real seconds until cancelled (one tick's error never ends the loop)."""
        while True:
            try:
                await self.tick()
            except Exception as exc:  # the database or a peer down: the next tick tries again
                log.warning("scheduler_tick_failed", error=str(exc))
            await asyncio.sleep(self._poll_s)
