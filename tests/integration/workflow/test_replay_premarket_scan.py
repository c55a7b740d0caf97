"""The replay set's planted funnel through the real Scanner, News, Technical and Pattern services at
08:00 on each replay day: daily bars through the session before, the overnight news. The scan is the
Workflow's own (its universe size, no symbols named): the universe is the night's news-bearing
liquid symbols, each stage drops exactly the symbols planted to drop there, and the candidates are the
planted top five (``catalyst.synthetic.universe.expected_funnel``). The database holds the bars
through the last replay day; the market clock hides the later ones."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from catalyst.synthetic.universe import build_universe, expected_candidates, expected_funnel
from catalyst.workflow.config import WorkflowSettings
from tests.integration.workflow.conftest import RigFactory, ny


@pytest.mark.parametrize("day", build_universe().replay_days)
async def test_the_pre_market_scan_keeps_the_planted_funnel(workflow_rig: RigFactory, day: date) -> None:
    f = expected_funnel(day)
    with_news = {s for s, d in build_universe().roles if d == day}  # the night's news: 104 symbols
    async with workflow_rig(ny(day, 8, 0)) as rig:
        scan = await rig.app.state.peers.scanner.start_scan(universe_size=WorkflowSettings().universe_size)
        rows = await rig.db.pool.fetch("SELECT s.symbol, r.stage FROM scan_results r JOIN securities s"
                                       " USING (security_id) WHERE r.scan_id = $1", UUID(str(scan.scan_id)))
    assert scan.warnings == []
    assert [(s.stage, s.entered, s.passed) for s in scan.stages] == [
        ("universe", len(with_news), 100), ("catalyst", 100, 35), ("technical", 35, 20), ("pattern", 20, 9),
        ("final", 9, 5)]
    reached = {r["symbol"]: r["stage"] for r in rows}

    def dropped_at(stage: str) -> set[str]:
        return {s for s, at in reached.items() if at == stage}

    assert set(reached) == with_news  # a symbol without news is not in the universe at all
    assert dropped_at("universe") == with_news - f.stage1  # the penny and illiquid names
    assert dropped_at("catalyst") == f.stage1 - f.stage2
    assert dropped_at("technical") == f.stage2 - f.stage3  # the stage-3 failures, on the setup day's bar
    assert dropped_at("pattern") == f.stage3 - f.stage4  # the trend setups and the opening-range name
    assert dropped_at("final") == f.stage4
    assert sorted(c.symbol for c in scan.candidates) == sorted(expected_candidates(day))
