"""``python -m catalyst.synthetic.load``: the replay set into the real bar store (its own database)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import numpy as np
import pytest

from catalyst.bar_columns import BarColumns, to_ns
from catalyst.db import Database
from catalyst.db.bar_frame import BarFrame
from catalyst.db.bars import BarStore
from catalyst.domain.calendar import daily_bar_time
from catalyst.errors import InvalidInput
from catalyst.synthetic import load
from catalyst.synthetic.universe import build_universe
from tests.support.database import scratch_dsn_async


@pytest.fixture(scope="module")
async def replay_dsn() -> AsyncIterator[str]:
    """A migrated database of its own: the load writes 150k bars other tests must not see."""
    async with scratch_dsn_async("catalyst_test_replay") as dsn:
        yield dsn


async def test_load_day_by_day_then_read_back(replay_dsn: str) -> None:
    u = build_universe(42)
    db = Database(replay_dsn, min_size=1, max_size=2)
    store = BarStore(db)
    try:
        first = await load.load_replay(db, days=1, through=date(2013, 2, 28))
        assert not first.already_loaded
        assert first.days == ("2013-02-28",)
        assert first.daily_written == sum(len(b) for b in u.daily.values()) - len(u.symbols)  # not 1 March
        assert first.minute_written == 390 * len(u.symbols)
        latest = await store.latest("AAPL", "1Day")
        assert latest.ts == daily_bar_time(date(2013, 2, 28))  # "today" for services reading the latest bar

        # the next day: only its bars are new; the day already loaded does not count as this one
        second = await load.load_replay(db, days=1)
        assert not second.already_loaded
        assert (second.daily_written, second.minute_written) == (len(u.symbols), 390 * len(u.symbols))
        assert (await load.load_replay(db, days=1)).already_loaded

        top = list(u.expected_funnel(date(2013, 3, 1)).top5)
        daily = await store.read_many([*top, "FB"], "1Day")
        for s, arrays in daily.items():
            ref = u.daily[s]
            assert np.array_equal(arrays.ts, ref.ts)
            for col in ("open", "high", "low", "close", "volume"):
                assert np.array_equal(getattr(arrays, col), getattr(ref, col)), (s, col)
        minutes = await store.read(top[0], "1Min")
        assert len(minutes) == 2 * 390
        assert np.array_equal(minutes.close[390:], u.minute_bars(date(2013, 3, 1))[top[0]].close)
        assert minutes.ts[390] == to_ns(datetime(2013, 3, 1, 14, 30, tzinfo=UTC))  # 09:30 New York

        async with db.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT s.company_name, x.name AS sector FROM securities s JOIN sectors x USING (sector_id)"
                " WHERE s.symbol = $1", top[0])
        assert row["company_name"] == u.profiles[top[0]].name
        assert row["sector"] == u.profiles[top[0]].sector
    finally:
        await db.close()


async def test_a_store_of_another_replay_set_is_rewritten(replay_dsn: str) -> None:
    """Equal bar counts are not enough: a store loaded by an earlier plan (here: one setup bar of
    another close) is rewritten where it differs, not reported as already loaded."""
    u = build_universe(42)
    day = date(2013, 3, 1)
    db = Database(replay_dsn, min_size=1, max_size=2)
    store = BarStore(db)
    try:
        await load.load_replay(db, days=1, through=day)
        symbol = u.expected_funnel(day).top5[0]
        ref = u.daily[symbol]
        i = int(np.searchsorted(ref.ts, to_ns(daily_bar_time(u.setup_day(day)))))
        old = ref.take(slice(i, i + 1))
        older = BarColumns(old.ts, old.open, old.high, old.low, old.open.copy(), old.volume / 2)  # no breakout
        await store.ingest(BarFrame.from_columns({symbol: older}), "1Day", on_conflict="replace")

        report = await load.load_replay(db, days=1, through=day)
        assert not report.already_loaded
        assert report.stale_symbols == 1
        stored = await store.read(symbol, "1Day")
        assert np.array_equal(stored.close, ref.close[:len(stored)])
        assert np.array_equal(stored.volume, ref.volume[:len(stored)])
        assert (await load.load_replay(db, days=1, through=day)).already_loaded
    finally:
        await db.close()


async def test_load_refuses_days_it_does_not_have(replay_dsn: str) -> None:
    db = Database(replay_dsn, min_size=1, max_size=2)
    try:
        with pytest.raises(InvalidInput) as err:
            await load.load_replay(db, through=date(2013, 2, 22))
        assert err.value.code == "NOT_A_REPLAY_DAY"
        with pytest.raises(InvalidInput):
            await load.load_replay(db, days=3, through=date(2013, 2, 26))  # only two replay days by then
    finally:
        await db.close()


def test_cli_refuses_days_outside_the_replay_set(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        load.main(["--days", "6"])
    assert exit_.value.code == 2
    assert "--days must be between 0 and 5" in capsys.readouterr().err


async def test_cli_reports_an_unreachable_database(capsys: pytest.CaptureFixture[str]) -> None:
    code = await asyncio.to_thread(load.main, ["--days", "0", "--database-url",
                                               "postgresql://postgres@127.0.0.1:9/none"])
    assert code == 1
    assert "DATABASE_UNAVAILABLE" in capsys.readouterr().err
