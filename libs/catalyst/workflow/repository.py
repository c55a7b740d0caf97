"""The Workflow's rows: ``trading_cycles``, ``cycle_phase_runs``, ``cycle_events`` and ``decision_logs``.

Plain functions over one connection, so that a caller holds the cycle's row lock (``lock_cycle``:
``SELECT … FOR UPDATE``) across the reads and writes of one transition. Decisions keep the market
time and their inputs in ``context``; ``created_at`` stays wall time, as every audit row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from catalyst.domain.cycle import CycleState, Phase

_CYCLE_COLUMNS = "cycle_id, cycle_date, mode, state, config, started_at, stopped_at, updated_at"


@dataclass(frozen=True)
class CycleRow:
    cycle_id: UUID
    cycle_date: date
    mode: str
    state: CycleState
    config: dict[str, Any]
    started_at: datetime
    stopped_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class RunRow:
    run_id: int
    phase: Phase
    slot: str
    status: str
    market_at: datetime
    finished_at: datetime | None
    result: dict[str, Any]
    stale: bool = False
    """Still ``running`` longer than the wall time asked (``find_run``'s ``stale_after``): its process died."""


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, default=str)


def json_object(value: Any) -> dict[str, Any]:
    loaded = json.loads(value) if isinstance(value, str) else value
    return dict(loaded or {})


def _cycle(row: asyncpg.Record) -> CycleRow:
    return CycleRow(cycle_id=row["cycle_id"], cycle_date=row["cycle_date"], mode=row["mode"],
                    state=CycleState(row["state"]), config=json_object(row["config"]), started_at=row["started_at"],
                    stopped_at=row["stopped_at"], updated_at=row["updated_at"])


def _run(row: asyncpg.Record) -> RunRow:
    return RunRow(run_id=row["run_id"], phase=Phase(row["phase"]), slot=row["slot"], status=row["status"],
                  market_at=row["market_at"], finished_at=row["finished_at"], result=json_object(row["result"]),
                  stale=row.get("stale") or False)


async def ensure_cycle(conn: asyncpg.Connection, day: date, mode: str, started_at: datetime) -> UUID:
    """The id of ``day``'s cycle in ``mode``, created (state ``created``) when there is none yet."""
    cycle_id: UUID | None = await conn.fetchval(
        """INSERT INTO trading_cycles (cycle_date, mode, started_at) VALUES ($1, $2, $3)
           ON CONFLICT (cycle_date, mode) DO NOTHING RETURNING cycle_id""", day, mode, started_at)
    if cycle_id is None:
        cycle_id = await conn.fetchval(
            "SELECT cycle_id FROM trading_cycles WHERE cycle_date = $1 AND mode = $2", day, mode)
    assert cycle_id is not None
    return cycle_id


async def lock_cycle(conn: asyncpg.Connection, cycle_id: UUID) -> CycleRow:
    """The cycle's row, locked until the transaction ends: one transition at a time."""
    row = await conn.fetchrow(f"SELECT {_CYCLE_COLUMNS} FROM trading_cycles WHERE cycle_id = $1 FOR UPDATE",
                              cycle_id)
    assert row is not None, f"cycle {cycle_id} vanished"
    return _cycle(row)


async def find_cycle(conn: asyncpg.Connection, day: date, mode: str) -> CycleRow | None:
    row = await conn.fetchrow(f"SELECT {_CYCLE_COLUMNS} FROM trading_cycles WHERE cycle_date = $1 AND mode = $2",
                              day, mode)
    return None if row is None else _cycle(row)


async def get_cycle(conn: asyncpg.Connection, cycle_id: UUID) -> CycleRow | None:
    row = await conn.fetchrow(f"SELECT {_CYCLE_COLUMNS} FROM trading_cycles WHERE cycle_id = $1", cycle_id)
    return None if row is None else _cycle(row)


async def set_state(conn: asyncpg.Connection, cycle_id: UUID, state: CycleState, *, ended_at: datetime | None) -> None:
    """The cycle's new state; ``ended_at`` marks the day over (closed, stopped)."""
    await conn.execute(
        """UPDATE trading_cycles SET state = $2, stopped_at = coalesce(stopped_at, $3) WHERE cycle_id = $1""",
        cycle_id, state.value, ended_at)


async def set_config(conn: asyncpg.Connection, cycle_id: UUID, values: dict[str, Any]) -> None:
    """Merge ``values`` into the cycle's ``config`` (what the day runs on: its scan)."""
    await conn.execute("UPDATE trading_cycles SET config = config || $2::jsonb WHERE cycle_id = $1",
                       cycle_id, _json(values))


async def record_event(conn: asyncpg.Connection, cycle_id: UUID, step: str, from_state: CycleState,
                       to_state: CycleState, market_at: datetime, details: dict[str, Any]) -> None:
    await conn.execute(
        """INSERT INTO cycle_events (cycle_id, step, from_state, to_state, market_at, details)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb)""",
        cycle_id, step, from_state.value, to_state.value, market_at, _json(details))


async def find_run(conn: asyncpg.Connection, cycle_id: UUID, phase: Phase, slot: str,
                   stale_after: timedelta) -> RunRow | None:
    """The run of ``phase`` in ``slot``; ``stale`` when it has been running ``stale_after`` of wall time
    (the database's clock: a replay's market clock runs faster than the wall)."""
    row = await conn.fetchrow(
        """SELECT run_id, phase, slot, status, market_at, finished_at, result,
                  status = 'running' AND now() - started_at >= $4 AS stale
           FROM cycle_phase_runs WHERE cycle_id = $1 AND phase = $2 AND slot = $3""",
        cycle_id, phase.value, slot, stale_after)
    return None if row is None else _run(row)


async def start_run(conn: asyncpg.Connection, cycle_id: UUID, phase: Phase, slot: str, market_at: datetime) -> int:
    """A run of ``phase`` in ``slot`` begins; one not succeeded (failed, or dead while running) is begun again.
    The caller holds the cycle's lock and has decided it may run."""
    run_id: int = await conn.fetchval(
        """INSERT INTO cycle_phase_runs (cycle_id, phase, slot, status, market_at) VALUES ($1, $2, $3, 'running', $4)
           ON CONFLICT (cycle_id, phase, slot) DO UPDATE
               SET status = 'running', market_at = excluded.market_at, started_at = now(), finished_at = NULL,
                   result = '{}'
               WHERE cycle_phase_runs.status <> 'succeeded'
           RETURNING run_id""", cycle_id, phase.value, slot, market_at)
    return run_id


async def finish_run(conn: asyncpg.Connection, run_id: int, *, succeeded: bool, finished_at: datetime,
                     result: dict[str, Any]) -> None:
    await conn.execute(
        "UPDATE cycle_phase_runs SET status = $2, finished_at = $3, result = $4::jsonb WHERE run_id = $1",
        run_id, "succeeded" if succeeded else "failed", finished_at, _json(result))


async def runs(conn: asyncpg.Connection, cycle_id: UUID) -> list[RunRow]:
    """The cycle's phase runs in order; of the monitor's, only the latest."""
    rows = await conn.fetch(
        """SELECT run_id, phase, slot, status, market_at, finished_at, result FROM cycle_phase_runs r
           WHERE cycle_id = $1 AND (phase <> 'monitor' OR run_id = (
               SELECT max(run_id) FROM cycle_phase_runs m WHERE m.cycle_id = r.cycle_id AND m.phase = 'monitor'))
           ORDER BY run_id""", cycle_id)
    return [_run(r) for r in rows]


_INSERT_DECISION = """INSERT INTO decision_logs (cycle_id, security_id, decision, reasoning, context)
    VALUES ($1, CASE WHEN $2::text IS NULL THEN NULL ELSE get_or_create_security($2) END, $3, $4, $5::jsonb)"""


async def log_decision(conn: asyncpg.Connection, cycle_id: UUID, decision: str, reasoning: str,
                       context: dict[str, Any], *, symbol: str | None = None) -> None:
    """One ``decision_logs`` row: what was decided, why, and the inputs it was decided on."""
    await conn.execute(_INSERT_DECISION, cycle_id, symbol, decision, reasoning, _json(context))


async def find_decision(conn: asyncpg.Connection, cycle_id: UUID, decision: str,
                        request_id: str) -> dict[str, Any] | None:
    """The context of the cycle's ``decision`` made for ``request_id`` (None: none yet)."""
    value = await conn.fetchval(
        """SELECT context FROM decision_logs WHERE cycle_id = $1 AND decision = $2 AND context->>'request_id' = $3
           ORDER BY decision_id DESC LIMIT 1""", cycle_id, decision, request_id)
    return None if value is None else json_object(value)


ONCE_DECISIONS = frozenset({"trade_requested", "trade_placed", "position_closed"})
"""The decisions written at most once per request id (migration 0016's unique index names the same)."""


async def log_decision_once(conn: asyncpg.Connection, cycle_id: UUID, decision: str, request_id: str,
                            reasoning: str, context: dict[str, Any], *, symbol: str | None = None) -> bool:
    """``log_decision`` unless the cycle has ``decision`` for ``request_id`` already; True when written.
    One statement: the unique index on (cycle, decision, request id) makes concurrent callers of one
    request wait for the first one's commit and then write nothing."""
    if decision not in ONCE_DECISIONS:
        raise ValueError(f"{decision!r} is not written once per request: {sorted(ONCE_DECISIONS)}")
    written = await conn.fetchval(
        _INSERT_DECISION + """ ON CONFLICT (cycle_id, decision, (context->>'request_id'))
               WHERE decision IN ('trade_requested', 'trade_placed', 'position_closed') DO NOTHING
           RETURNING decision_id""",
        cycle_id, symbol, decision, reasoning, _json({**context, "request_id": request_id}))
    return written is not None


async def seen_alerts(conn: asyncpg.Connection, cycle_id: UUID) -> set[str]:
    """``key@since`` of every Risk alert the cycle has already recorded."""
    rows = await conn.fetch(
        """SELECT context->>'key' AS key, context->>'since' AS since FROM decision_logs
           WHERE cycle_id = $1 AND decision = 'risk_alert'""", cycle_id)
    return {f"{r['key']}@{r['since']}" for r in rows}


async def timeline(conn: asyncpg.Connection, cycle_id: UUID) -> list[asyncpg.Record]:
    """The cycle's transitions and decisions, in the order they were written."""
    return list(await conn.fetch(
        """SELECT 'transition' AS kind, created_at AS recorded_at, market_at, step, from_state, to_state,
                  NULL::text AS decision, NULL::text AS symbol, NULL::text AS reasoning, details, event_id AS seq
           FROM cycle_events WHERE cycle_id = $1
           UNION ALL
           SELECT 'decision', d.created_at, (d.context->>'market_at')::timestamptz, NULL, NULL, NULL,
                  d.decision, s.symbol, d.reasoning, d.context, d.decision_id
           FROM decision_logs d LEFT JOIN securities s ON s.security_id = d.security_id WHERE d.cycle_id = $1
           ORDER BY recorded_at, kind DESC, seq""", cycle_id))


async def recent_risk_events(conn: asyncpg.Connection, limit: int) -> list[asyncpg.Record]:
    return list(await conn.fetch(
        """SELECT e.event_id, e.event_type, e.severity, e.rule, e.message, s.symbol, e.value, e.limit_value,
                  e.created_at
           FROM risk_events e LEFT JOIN securities s ON s.security_id = e.security_id
           ORDER BY e.created_at DESC, e.event_id DESC LIMIT $1""", limit))
