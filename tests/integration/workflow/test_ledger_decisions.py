"""Decisions written once per request id (``CycleLedger.decide_once``), against the real database."""

from __future__ import annotations

import asyncio
import random
import string
from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from catalyst.db import Database
from catalyst.workflow.ledger import CycleLedger
from catalyst.workflow.repository import ONCE_DECISIONS


async def _cycle(database: Database) -> tuple[CycleLedger, UUID]:
    mode = "t_" + "".join(random.choices(string.ascii_lowercase, k=12))  # a cycle no other test sees
    ledger = CycleLedger(database, mode)
    return ledger, await ledger.ensure(date(2025, 3, 3), datetime(2025, 3, 3, 13, tzinfo=UTC))


@pytest.mark.parametrize("decision", sorted(ONCE_DECISIONS))
async def test_concurrent_calls_of_one_request_write_one_decision(database: Database, decision: str) -> None:
    ledger, cycle_id = await _cycle(database)
    written = await asyncio.gather(*(
        ledger.decide_once(cycle_id, decision, "req-1", f"try {n}", {"try": n}, symbol="AAPL")
        for n in range(8)))
    assert sorted(written) == [False] * 7 + [True]
    rows = await database.pool.fetch(
        "SELECT context FROM decision_logs WHERE cycle_id = $1 AND decision = $2", cycle_id, decision)
    assert len(rows) == 1
    found = await ledger.find_decision(cycle_id, decision, "req-1")
    assert found is not None
    assert found["request_id"] == "req-1"
    assert written.index(True) == found["try"]  # the row is the one whose call said it wrote it


async def test_other_requests_and_other_decisions_are_written_beside_it(database: Database) -> None:
    ledger, cycle_id = await _cycle(database)
    assert await ledger.decide_once(cycle_id, "trade_placed", "req-1", "first", {})
    assert await ledger.decide_once(cycle_id, "trade_placed", "req-2", "another request", {})
    assert await ledger.decide_once(cycle_id, "position_closed", "req-1", "another decision", {})
    for _ in range(2):  # refusals and previews may repeat: they are not written once
        await ledger.decide(cycle_id, "trade_refused", "refused", {"request_id": "req-1"})
    count = await database.pool.fetchval("SELECT count(*) FROM decision_logs WHERE cycle_id = $1", cycle_id)
    assert count == 5


async def test_a_decision_that_is_not_written_once_is_refused(database: Database) -> None:
    ledger, cycle_id = await _cycle(database)
    with pytest.raises(ValueError, match="not written once"):
        await ledger.decide_once(cycle_id, "trade_refused", "req-1", "no", {})
