"""What a scan stores of each symbol (``scan_results.details``): the facts it was judged on, whole."""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import UTC, datetime

from catalyst.contracts.scanner import DropReason
from catalyst.scanner.repository import SymbolRecord, _details
from catalyst.scanner.stages import Evidence, NewsFacts, PatternFacts, Stage, TechnicalFacts, Unavailable

AT = datetime(2025, 3, 3, 13, tzinfo=UTC)
EVENT = uuid.uuid4()
REASON = DropReason(metric="source", value="pattern", threshold=None, comparison="available", message="down")


def test_every_fact_of_every_stage_is_stored_as_asdict_writes_it() -> None:
    evidence = Evidence(symbol="GOOD", liquidity_rank=3, price=22.5, avg_volume=2e6,
                        news=NewsFacts(strength=0.9, sentiment=0.6, published_at=AT, events=2, catalyst_type="fda",
                                       event_id=EVENT),
                        technical=TechnicalFacts(sma_20=20.0, rsi_14=None, volume_ratio=3.1),
                        pattern=Unavailable("pattern", "UPSTREAM_UNREACHABLE", "down"))
    stored = json.loads(_details(SymbolRecord(evidence, Stage.PATTERN, REASON)))
    expected = dataclasses.asdict(evidence)
    expected["news"] = {**expected["news"], "published_at": AT.isoformat(), "event_id": str(EVENT)}
    assert stored == {"passed": False, "reason": REASON.model_dump(mode="json"), "candidate": None,
                      "evidence": expected}


def test_facts_not_gathered_are_stored_as_null() -> None:
    evidence = Evidence(symbol="EARLY", liquidity_rank=1, price=4.0, avg_volume=2e6,
                        pattern=PatternFacts(pattern=None, confidence=0.0))
    stored = json.loads(_details(SymbolRecord(evidence, Stage.UNIVERSE, REASON)))["evidence"]
    assert (stored["news"], stored["technical"]) == (None, None)
    assert stored["pattern"] == {"pattern": None, "confidence": 0.0, "entry": None, "stop": None, "target": None}
