"""The stepped day (``--speed max``): market time moves a minute once that minute's phases answered.

A paced replay lets the Workflow's own scheduler run the phases on a clock that flows; at max
speed a flowing clock would race past a scan still running. So the runner plays the CronJobs'
part instead: it steps the shared clock (``catalyst.clock.ClockDial``) minute by minute and runs
what the one schedule (``catalyst.workflow.schedule.due_phases``) says fell due, through the
Workflow's phase endpoints, waiting for each answer before the next minute.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from catalyst.clients.workflow import WorkflowClient
from catalyst.clock import ClockDial
from catalyst.contracts.workflow import PhaseResult
from catalyst.domain.calendar import MarketCalendar
from catalyst.errors import CatalystError
from catalyst.localrun.plan import RUNNER
from catalyst.workflow.schedule import DuePhase, due_phases

STEP = timedelta(minutes=1)


@dataclass(frozen=True)
class PhaseOutcome:
    due: DuePhase
    result: PhaseResult | None
    wall_s: float
    error: str | None = None


class SteppedDay:
    def __init__(self, dial: ClockDial, workflow: WorkflowClient, calendar: MarketCalendar, *,
                 between_steps: Callable[[], Awaitable[None]] | None = None):
        self._dial = dial
        self._workflow = workflow
        self._calendar = calendar
        self._between_steps = between_steps

    async def play(self, until: datetime, *, pace_s: float = 0.0) -> AsyncIterator[PhaseOutcome]:
        """Step to ``until``, yielding each phase run (a refusal is an outcome, not the end of the day);
        ``pace_s``: wall seconds to wait after each minute (0: the next minute at once)."""
        while self._dial.now() < until:
            before = self._dial.now()
            now = min(before + STEP, until)
            self._dial.set(now)
            for due in due_phases(self._calendar, before, now):
                yield await self._run(due)
            if self._between_steps is not None:
                await self._between_steps()
            if pace_s > 0:
                await asyncio.sleep(pace_s)

    async def _run(self, due: DuePhase) -> PhaseOutcome:
        started = time.perf_counter()
        try:
            result = await self._workflow.run_phase(due.phase, requested_by=RUNNER)
            return PhaseOutcome(due, result, time.perf_counter() - started)
        except CatalystError as exc:
            return PhaseOutcome(due, None, time.perf_counter() - started, f"{exc.code}: {exc.message}")
