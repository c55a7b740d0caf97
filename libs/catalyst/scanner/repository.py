"""Scans in PostgreSQL: the ``scans`` header row and one ``scan_results`` row per symbol, at the
stage it reached (its reason, or its candidacy, and the facts it was judged on in ``details``),
written in one transaction. Symbols are stored by ``security_id`` (``get_or_create_securities``)."""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from catalyst.contracts.scanner import Candidate, DropReason, ScanResult, StageCount, SymbolVerdict
from catalyst.db.pool import Database
from catalyst.errors import NotFound
from catalyst.scanner.stages import CompositeScore, Evidence, Stage


@dataclass(frozen=True)
class SymbolRecord:
    """Where one symbol left the scan: ``reason`` None and ``candidate`` set for a final candidate;
    ``rank`` and ``score`` for every symbol the final stage ranked."""

    evidence: Evidence
    stage: Stage
    reason: DropReason | None = None
    rank: int | None = None
    candidate: Candidate | None = None
    score: CompositeScore | None = None


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def _details(record: SymbolRecord) -> str:
    facts = dataclasses.asdict(record.evidence)
    return json.dumps({
        "passed": record.candidate is not None,
        "reason": None if record.reason is None else record.reason.model_dump(mode="json"),
        "candidate": None if record.candidate is None else record.candidate.model_dump(mode="json"),
        "evidence": facts,
    }, default=_json, allow_nan=False)


_HEADER_SQL = """
INSERT INTO scans (scan_id, cycle_id, as_of, started_at, finished_at, universe_size, stages, warnings, timings_ms)
VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9::jsonb)
"""

_ROWS_SQL = """
INSERT INTO scan_results (scan_id, cycle_id, security_id, stage, rank, composite_score, catalyst_score,
                          technical_score, pattern_score, details)
SELECT $1, $2, g.security_id, r.stage, r.rank, r.composite, r.catalyst, r.technical, r.pattern, r.details
FROM unnest($3::text[], $4::text[], $5::int[], $6::float8[], $7::float8[], $8::float8[], $9::float8[],
            $10::jsonb[]) AS r(symbol, stage, rank, composite, catalyst, technical, pattern, details)
JOIN get_or_create_securities($3::text[]) g ON g.symbol = r.symbol
"""

_SCAN_SQL = "SELECT * FROM scans WHERE {where}"
_CANDIDATES_SQL = """
SELECT details FROM scan_results WHERE scan_id = $1 AND stage = 'final' AND (details->>'passed')::boolean
ORDER BY rank
"""
_VERDICT_SQL = """
SELECT r.stage, r.details FROM scan_results r JOIN securities s USING (security_id)
WHERE r.scan_id = $1 AND s.symbol = $2
"""


class ScanRepository:
    def __init__(self, db: Database):
        self._db = db

    async def cycle_exists(self, cycle_id: UUID) -> bool:
        async with self._db.acquire() as conn:
            return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM trading_cycles WHERE cycle_id = $1)",
                                            cycle_id))

    async def save(self, result: ScanResult, records: list[SymbolRecord]) -> float:
        """The header and every symbol's row, in one transaction; answers the milliseconds it took,
        which the header's timings hold as ``store``."""
        started = time.perf_counter()
        columns: list[list[Any]] = [[] for _ in range(8)]
        for r in records:
            score = r.score
            row = (r.evidence.symbol, r.stage.value, r.rank,
                   None if score is None else score.composite, None if score is None else score.catalyst,
                   None if score is None else score.technical, None if score is None else score.pattern,
                   _details(r))
            for column, value in zip(columns, row, strict=True):
                column.append(value)
        async with self._db.acquire() as conn, conn.transaction():
            await conn.execute(
                _HEADER_SQL, result.scan_id, result.cycle_id, result.as_of, result.started_at, result.finished_at,
                result.universe_size, json.dumps([s.model_dump() for s in result.stages]),
                json.dumps(result.warnings), json.dumps(result.timings_ms))
            if records:
                await conn.execute(_ROWS_SQL, result.scan_id, result.cycle_id, *columns)
            took = round((time.perf_counter() - started) * 1000, 3)
            await conn.execute("UPDATE scans SET timings_ms = timings_ms || jsonb_build_object('store', $2::float8)"
                               " WHERE scan_id = $1", result.scan_id, took)
        return took

    async def latest(self) -> ScanResult:
        return await self._scan("seq = (SELECT max(seq) FROM scans)")

    async def get(self, scan_id: UUID) -> ScanResult:
        return await self._scan("scan_id = $1", scan_id)

    async def latest_id(self) -> UUID:
        async with self._db.acquire() as conn:
            scan_id: UUID | None = await conn.fetchval("SELECT scan_id FROM scans ORDER BY seq DESC LIMIT 1")
        if scan_id is None:
            raise NotFound("no scan has been run yet", code="NO_SCAN")
        return scan_id

    async def verdict(self, scan_id: UUID, symbol: str) -> SymbolVerdict:
        """Where ``symbol`` left scan ``scan_id``: 404 for an unknown scan or a symbol it never held."""
        async with self._db.acquire() as conn:
            exists = await conn.fetchval("SELECT EXISTS (SELECT 1 FROM scans WHERE scan_id = $1)", scan_id)
            row = await conn.fetchrow(_VERDICT_SQL, scan_id, symbol) if exists else None
        if not exists:
            raise NotFound(f"no scan {scan_id}", code="UNKNOWN_SCAN", details={"scan_id": str(scan_id)})
        if row is None:
            raise NotFound(f"{symbol} was not in scan {scan_id}'s universe", code="SYMBOL_NOT_SCANNED",
                           details={"scan_id": str(scan_id), "symbol": symbol})
        details = json.loads(row["details"])
        candidate = details["candidate"]
        return SymbolVerdict(
            scan_id=scan_id, symbol=symbol, reached=row["stage"],
            dropped_at=None if candidate is not None else row["stage"],
            reason=None if details["reason"] is None else DropReason.model_validate(details["reason"]),
            candidate=None if candidate is None else Candidate.model_validate(candidate))

    async def _scan(self, where: str, *args: Any) -> ScanResult:
        async with self._db.acquire() as conn:
            header = await conn.fetchrow(_SCAN_SQL.format(where=where), *args)
            rows = await conn.fetch(_CANDIDATES_SQL, header["scan_id"]) if header is not None else []
        if header is None:
            if args:
                raise NotFound(f"no scan {args[0]}", code="UNKNOWN_SCAN", details={"scan_id": str(args[0])})
            raise NotFound("no scan has been run yet", code="NO_SCAN")
        return ScanResult(
            scan_id=header["scan_id"], cycle_id=header["cycle_id"], status=header["status"], as_of=header["as_of"],
            started_at=header["started_at"], finished_at=header["finished_at"],
            universe_size=header["universe_size"],
            stages=[StageCount.model_validate(s) for s in json.loads(header["stages"])],
            candidates=[Candidate.model_validate(json.loads(r["details"])["candidate"]) for r in rows],
            warnings=json.loads(header["warnings"]), timings_ms=json.loads(header["timings_ms"]))
