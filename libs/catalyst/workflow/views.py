"""What Orchestration reads through Workflow (it calls no one else, spec 2.2): the cycle and its timeline
from Workflow's own rows, everything else from the service that owns it."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from catalyst.clock import Clock
from catalyst.contracts.risk import ActiveParameters, ParametersUpdate
from catalyst.contracts.trading import PositionOut
from catalyst.contracts.workflow import AlertsOut, CycleOut, PhaseRunOut, RiskEventOut, Timeline, TimelineEntry
from catalyst.db import Database
from catalyst.domain.calendar import trading_day
from catalyst.errors import NotFound
from catalyst.workflow import repository as repo
from catalyst.workflow.cycle import allowed_phases
from catalyst.workflow.peers import WorkflowPeers
from catalyst.workflow.risk_limits import RiskLimits


class WorkflowViews:
    def __init__(self, *, db: Database, peers: WorkflowPeers, clock: Clock, mode: str, limits: RiskLimits):
        self._db = db
        self._peers = peers
        self._limits = limits
        self._clock = clock
        self._mode = mode

    def today(self) -> date:
        return trading_day(self._clock.now())

    async def current_cycle(self) -> CycleOut:
        day = self.today()
        async with self._db.acquire() as conn:
            cycle = await repo.find_cycle(conn, day, self._mode)
            if cycle is None:
                raise NotFound(f"no trading cycle on {day.isoformat()}", code="NO_CYCLE",
                               details={"day": day.isoformat()})
            return await _cycle_out(conn, cycle)

    async def cycle(self, cycle_id: UUID) -> CycleOut:
        async with self._db.acquire() as conn:
            return await _cycle_out(conn, await _existing(conn, cycle_id))

    async def timeline(self, cycle_id: UUID) -> Timeline:
        async with self._db.acquire() as conn:
            cycle = await _existing(conn, cycle_id)
            rows = await repo.timeline(conn, cycle_id)
        entries = [TimelineEntry(kind=r["kind"], recorded_at=r["recorded_at"], market_at=r["market_at"], step=r["step"],
                                 from_state=r["from_state"], to_state=r["to_state"], decision=r["decision"],
                                 symbol=r["symbol"], reasoning=r["reasoning"], details=repo.json_object(r["details"]))
                   for r in rows]
        return Timeline(cycle_id=cycle_id, state=cycle.state, entries=entries)

    async def position(self, position_id: UUID) -> PositionOut:
        positions = await self._peers.trading.list_positions("all")
        for position in positions.positions:
            if position.position_id == position_id:
                return position
        raise NotFound(f"position {position_id} not found", code="POSITION_NOT_FOUND")

    async def update_risk_parameters(self, body: ParametersUpdate, caller: str) -> ActiveParameters:
        """The one way Workflow changes the limits: the authoritative object in a cluster, else the Risk Manager."""
        return await self._limits.update(body, requested_by=body.applied_by or caller)

    async def alerts(self, limit: int) -> AlertsOut:
        status = await self._peers.risk.status()
        async with self._db.acquire() as conn:
            recent = await repo.recent_risk_events(conn, limit)
        return AlertsOut(active=status.active_alerts, recent=[RiskEventOut.model_validate(dict(r)) for r in recent])


async def _existing(conn: Any, cycle_id: UUID) -> repo.CycleRow:
    cycle = await repo.get_cycle(conn, cycle_id)
    if cycle is None:
        raise NotFound(f"trading cycle {cycle_id} not found", code="CYCLE_NOT_FOUND")
    return cycle


async def _cycle_out(conn: Any, cycle: repo.CycleRow) -> CycleOut:
    runs = await repo.runs(conn, cycle.cycle_id)
    scan_id = cycle.config.get("scan_id")
    return CycleOut(
        cycle_id=cycle.cycle_id, cycle_date=cycle.cycle_date, mode=cycle.mode, state=cycle.state,
        allowed_phases=allowed_phases(cycle.state), scan_id=UUID(scan_id) if scan_id else None,
        started_at=cycle.started_at, stopped_at=cycle.stopped_at, updated_at=cycle.updated_at,
        phases=[PhaseRunOut(phase=r.phase, slot=r.slot, status=r.status, market_at=r.market_at,
                            finished_at=r.finished_at) for r in runs])

