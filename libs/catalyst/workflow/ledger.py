"""The cycle's transitions under its row lock, and the record of each phase run.

``begin`` and ``finish`` each hold the cycle's row (``SELECT … FOR UPDATE``) for one short
transaction, never across a call to another service: two phase calls at once queue on the lock,
and the second finds the first one's run row (``running`` or done) and does nothing. A phase that
works for a while (the scan, the close) enters its working state in ``begin`` and leaves it in
``finish``; the others take their one transition in ``begin``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from catalyst.db import Database
from catalyst.domain.cycle import CycleState, Outcome, Phase
from catalyst.workflow import repository as repo
from catalyst.workflow.cycle import WORKING_STATES, advance, can_advance, leads_to, waiting_reason

ENDED_STATES = frozenset({CycleState.CLOSED, CycleState.STOPPED})
STALE_RUN = timedelta(minutes=30)
"""A run still ``running`` this long after it began (wall time, by the database's clock: a replay's market
clock runs faster) is taken for dead and may run again."""


@dataclass(frozen=True)
class Begun:
    """A phase run that may go ahead: ``state`` is the cycle's state now (its working state, if it has one)."""

    cycle_id: UUID
    run_id: int
    phase: Phase
    slot: str
    previous: CycleState
    state: CycleState


@dataclass(frozen=True)
class Skipped:
    """A phase run that must not go ahead: it already ran (or is running) in this cycle, or its state waits."""

    cycle_id: UUID
    state: CycleState
    reason: str


class CycleLedger:
    def __init__(self, db: Database, mode: str, *, stale_after: timedelta = STALE_RUN):
        self._db = db
        self._mode = mode
        self._stale_after = stale_after

    async def today(self, day: date) -> repo.CycleRow | None:
        async with self._db.acquire() as conn:
            return await repo.find_cycle(conn, day, self._mode)

    async def ensure(self, day: date, now: datetime) -> UUID:
        """``day``'s cycle, created when there is none yet."""
        async with self._db.acquire() as conn:
            return await repo.ensure_cycle(conn, day, self._mode, now)

    async def begin(self, cycle_id: UUID, phase: Phase, slot: str, now: datetime) -> Begun | Skipped:
        """Start a run of ``phase``: ``Skipped`` when it ran already or the state waits for something else
        first (``WAITING``); ``IllegalTransition`` when the state refuses it (nothing is written then)."""
        async with self._db.transaction() as conn:
            cycle = await repo.lock_cycle(conn, cycle_id)
            run = await repo.find_run(conn, cycle_id, phase, slot, self._stale_after)
            if run is not None and run.stale:
                run = replace(run, status="failed")  # its process died mid-run (a restart): it may run again
            if run is not None and run.status != "failed":
                verb = "is running since" if run.status == "running" else "already ran at"
                return Skipped(cycle_id, cycle.state, f"{phase.value} {verb} {run.market_at.isoformat()}")
            waiting = waiting_reason(cycle.state, phase)
            if waiting is not None:
                return Skipped(cycle_id, cycle.state, waiting)
            retried = run is not None and not can_advance(cycle.state, phase) and leads_to(phase, cycle.state)
            state = cycle.state if retried else advance(cycle.state, phase)
            run_id = await repo.start_run(conn, cycle_id, phase, slot, now)
            if state is not cycle.state:
                await self._move(conn, cycle_id, phase, cycle.state, state, now, {"slot": slot} if slot else {})
            return Begun(cycle_id, run_id, phase, slot, cycle.state, state)

    async def finish(self, begun: Begun, *, succeeded: bool, now: datetime, result: dict[str, Any],
                     reasoning: str, decided: dict[str, Any]) -> CycleState:
        """End the run: leave the working state (``finished`` or ``failed``), record the run and its decision.

        A cycle that left the working state meanwhile (a halt during the scan) stays where it is."""
        async with self._db.transaction() as conn:
            cycle = await repo.lock_cycle(conn, begun.cycle_id)
            state = cycle.state
            if begun.state in WORKING_STATES and cycle.state is begun.state:
                outcome = Outcome.FINISHED if succeeded else Outcome.FAILED
                state = advance(cycle.state, outcome)
                await self._move(conn, begun.cycle_id, outcome, cycle.state, state, now, {"phase": begun.phase.value})
            await repo.finish_run(conn, begun.run_id, succeeded=succeeded, finished_at=now, result=result)
            await repo.log_decision(conn, begun.cycle_id, "phase_run", reasoning, {
                **decided, "phase": begun.phase.value, "slot": begun.slot, "succeeded": succeeded,
                "from_state": begun.previous.value, "to_state": state.value, "market_at": now.isoformat(),
                "result": result,
            })
            return state

    async def set_config(self, cycle_id: UUID, values: dict[str, Any]) -> None:
        async with self._db.acquire() as conn:
            await repo.set_config(conn, cycle_id, values)

    async def decide(self, cycle_id: UUID, decision: str, reasoning: str, context: dict[str, Any], *,
                     symbol: str | None = None) -> None:
        async with self._db.acquire() as conn:
            await repo.log_decision(conn, cycle_id, decision, reasoning, context, symbol=symbol)

    async def decide_once(self, cycle_id: UUID, decision: str, request_id: str, reasoning: str,
                          context: dict[str, Any], *, symbol: str | None = None) -> bool:
        """Record ``decision`` for ``request_id`` unless it is recorded already (concurrent requests of one id
        write it once); True when this call wrote it."""
        async with self._db.acquire() as conn:
            return await repo.log_decision_once(conn, cycle_id, decision, request_id, reasoning, context,
                                                symbol=symbol)

    async def find_decision(self, cycle_id: UUID, decision: str, request_id: str) -> dict[str, Any] | None:
        async with self._db.acquire() as conn:
            return await repo.find_decision(conn, cycle_id, decision, request_id)

    async def seen_alerts(self, cycle_id: UUID) -> set[str]:
        async with self._db.acquire() as conn:
            return await repo.seen_alerts(conn, cycle_id)

    @staticmethod
    async def _move(conn: asyncpg.Connection, cycle_id: UUID, step: Phase | Outcome, from_state: CycleState,
                    to_state: CycleState, now: datetime, details: dict[str, Any]) -> None:
        await repo.set_state(conn, cycle_id, to_state, ended_at=now if to_state in ENDED_STATES else None)
        await repo.record_event(conn, cycle_id, step.value, from_state, to_state, now, details)
