"""Scans in PostgreSQL: the ``scans`` header row and one ``scan_results`` row per symbol, at the
stage it reached (its reason, or its candidacy, and the facts it was judged on in ``details``),
written in one statement. Symbols are stored by ``security_id`` (``get_or_create_securities``).

The symbols the universe cut only for its size are the exception: they are kept on the header, most
liquid first (``universe_cut``, with ``universe_cap``), since on a day when the whole market has news
they are thousands and a row each was most of a scan's time; the verdict rebuilds their reason
(``catalyst.scanner.filters.capped``) from their place in the list."""

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
from catalyst.scanner.filters import capped
from catalyst.scanner.stages import CompositeScore, Evidence, Stage


@dataclass(frozen=True)
class UniverseCut:
    """The symbols the universe cut only for its size ``cap``, most liquid first (the first ranked ``cap + 1``)."""

    cap: int
    symbols: list[str]


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
    if isinstance(value, UUID):  # a news event's id
        return str(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def _facts(evidence: Evidence) -> dict[str, Any]:
    """``dataclasses.asdict`` of the evidence without its deep copies (a universe stores hundreds of
    rows): its fields are plain values or facts dataclasses of plain values, one level down."""
    return {name: vars(value) if dataclasses.is_dataclass(value) else value for name, value in vars(evidence).items()}


def _details(record: SymbolRecord) -> str:
    facts = _facts(record.evidence)
    return json.dumps({
        "passed": record.candidate is not None,
        "reason": None if record.reason is None else record.reason.model_dump(mode="json"),
        "candidate": None if record.candidate is None else record.candidate.model_dump(mode="json"),
        "evidence": facts,
    }, default=_json, allow_nan=False)


# The rows, then the header that counts them (the foreign key is checked at the statement's end), its
# ``store`` timing the milliseconds spent before the statement ($10) plus the statement's so far.
_SAVE_SQL = """
WITH written AS (
    INSERT INTO scan_results (scan_id, cycle_id, security_id, stage, rank, composite_score, catalyst_score,
                              technical_score, pattern_score, details)
    SELECT $1, $2, g.security_id, r.stage, r.rank, r.composite, r.catalyst, r.technical, r.pattern, r.details
    FROM unnest($11::text[], $12::text[], $13::int[], $14::float8[], $15::float8[], $16::float8[], $17::float8[],
                $18::jsonb[]) AS r(symbol, stage, rank, composite, catalyst, technical, pattern, details)
    JOIN get_or_create_securities($11::text[]) g ON g.symbol = r.symbol
    RETURNING 1
)
INSERT INTO scans (scan_id, cycle_id, as_of, started_at, finished_at, universe_size, stages, warnings, timings_ms,
                   universe_cap, universe_cut)
SELECT $1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9::jsonb || jsonb_build_object('store', round(
           ($10::float8 + extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000)::numeric, 3)),
       $19::int, $20::text[]
FROM (SELECT count(*) FROM written) AS counted
RETURNING (timings_ms->>'store')::float8
"""

_SCAN_SQL = "SELECT * FROM scans WHERE {where}"
_CANDIDATES_SQL = """
SELECT details FROM scan_results WHERE scan_id = $1 AND stage = 'final' AND (details->>'passed')::boolean
ORDER BY rank
"""
# The scan ($1, or the latest when null) if it exists, and the symbol's row in it if any, or its
# place among the symbols the universe cut for its size: one query.
_VERDICT_SQL = """
SELECT h.scan_id, r.stage, r.details, h.universe_cap, array_position(h.universe_cut, $2) AS cut_at
FROM (VALUES (1)) AS one (x)
LEFT JOIN scans h ON h.scan_id = coalesce($1::uuid, (SELECT scan_id FROM scans ORDER BY seq DESC LIMIT 1))
LEFT JOIN (scan_results r JOIN securities s USING (security_id)) ON r.scan_id = h.scan_id AND s.symbol = $2
"""


class ScanRepository:
    def __init__(self, db: Database):
        self._db = db

    async def cycle_exists(self, cycle_id: UUID) -> bool:
        async with self._db.acquire() as conn:
            return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM trading_cycles WHERE cycle_id = $1)",
                                            cycle_id))

    async def save(self, result: ScanResult, records: list[SymbolRecord], cut: UniverseCut | None = None) -> float:
        """The header (with ``cut``: None, none) and every record's row, in one statement; answers
        the milliseconds it took, which the header's timings hold as ``store``."""
        cut = cut or UniverseCut(cap=result.universe_size, symbols=[])
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
        async with self._db.acquire() as conn:
            took: float = await conn.fetchval(
                _SAVE_SQL, result.scan_id, result.cycle_id, result.as_of, result.started_at, result.finished_at,
                result.universe_size, json.dumps([s.model_dump() for s in result.stages]),
                json.dumps(result.warnings), json.dumps(result.timings_ms), (time.perf_counter() - started) * 1000,
                *columns, cut.cap, cut.symbols)
        return took

    async def latest(self) -> ScanResult:
        return await self._scan("seq = (SELECT max(seq) FROM scans)")

    async def get(self, scan_id: UUID) -> ScanResult:
        return await self._scan("scan_id = $1", scan_id)

    async def verdict(self, scan_id: UUID | None, symbol: str) -> SymbolVerdict:
        """Where ``symbol`` left scan ``scan_id`` (None: the latest), in one query: 404 for an unknown
        scan, no scan yet, or a symbol the scan never held."""
        async with self._db.acquire() as conn:
            row = await conn.fetchrow(_VERDICT_SQL, scan_id, symbol)
        if row["scan_id"] is None:
            if scan_id is None:
                raise NotFound("no scan has been run yet", code="NO_SCAN")
            raise NotFound(f"no scan {scan_id}", code="UNKNOWN_SCAN", details={"scan_id": str(scan_id)})
        scan_id = row["scan_id"]
        if row["stage"] is None and row["cut_at"] is not None:
            return SymbolVerdict(scan_id=scan_id, symbol=symbol, reached=Stage.UNIVERSE.value,
                                 dropped_at=Stage.UNIVERSE.value,
                                 reason=capped(row["universe_cap"] + row["cut_at"], row["universe_cap"]))
        if row["stage"] is None:
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
