"""BarStore.read_last(end=): as of an instant, only the bars complete by then (start + timeframe <= end)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from catalyst.bar_columns import BarColumns, from_ns
from catalyst.db.bars import BarFrame, BarStore, completed_by
from catalyst.domain.calendar import daily_bar_time
from catalyst.domain.market import Timeframe
from catalyst.errors import InvalidInput

OPEN = datetime(2024, 3, 4, 14, 30, tzinfo=UTC)  # the first of 10 one-minute bars: 14:30 … 14:39
US = timedelta(microseconds=1)


def _starts(got: BarColumns) -> list[datetime]:
    return [from_ns(t) for t in got.ts.tolist()]


@pytest.fixture
async def minute_symbol(store: BarStore, new_symbol: Callable[[], str],
                        make_frame: Callable[..., BarFrame]) -> str:
    sym = new_symbol()
    await store.ingest(make_frame([sym], 10, start="2024-03-04T14:30"), Timeframe.MIN_1)
    return sym


@pytest.mark.parametrize(("end", "last_start"), [
    (OPEN + timedelta(minutes=5), OPEN + timedelta(minutes=4)),  # exactly when the 14:34 bar completes
    (OPEN + timedelta(minutes=5) - US, OPEN + timedelta(minutes=3)),  # one µs earlier: 14:34 still forming
    (OPEN + timedelta(minutes=5, seconds=59), OPEN + timedelta(minutes=4)),  # 14:35 started, not complete
    (OPEN + timedelta(minutes=1), OPEN),  # the first bar, at the instant it completes
])
async def test_a_bar_counts_from_the_instant_it_is_complete(store: BarStore, minute_symbol: str, end: datetime,
                                                            last_start: datetime) -> None:
    got = (await store.read_last([minute_symbol], "1Min", 3, end=end))[minute_symbol]
    starts = _starts(got)
    assert starts[-1] == last_start
    assert starts == [last_start - timedelta(minutes=k) for k in range(len(starts) - 1, -1, -1)]
    assert len(starts) == min(3, (last_start - OPEN) // timedelta(minutes=1) + 1)


async def test_before_the_first_bar_completes_there_is_none(store: BarStore, minute_symbol: str) -> None:
    got = await store.read_last([minute_symbol], "1Min", 5, end=OPEN + timedelta(seconds=59))
    assert len(got[minute_symbol]) == 0


async def test_later_ends_and_none_read_every_stored_bar(store: BarStore, minute_symbol: str) -> None:
    everything = await store.read_last([minute_symbol], "1Min", 50)
    after_all = await store.read_last([minute_symbol], "1Min", 50, end=OPEN + timedelta(minutes=10))
    assert len(everything[minute_symbol]) == len(after_all[minute_symbol]) == 10
    np.testing.assert_array_equal(everything[minute_symbol].close, after_all[minute_symbol].close)


async def test_other_symbols_are_cut_at_the_same_instant(store: BarStore, new_symbol: Callable[[], str],
                                                         make_frame: Callable[..., BarFrame]) -> None:
    early, late = new_symbol(), new_symbol()
    await store.ingest(make_frame([early], 10, start="2024-03-04T14:30"), "1Min")
    await store.ingest(make_frame([late], 10, start="2024-03-04T14:36", seed=3), "1Min")
    got = await store.read_last([early, late], "1Min", 100, end=OPEN + timedelta(minutes=8))
    assert len(got[early]) == 8  # 14:30 … 14:37
    assert len(got[late]) == 2  # 14:36, 14:37


async def test_a_daily_bar_counts_a_day_after_its_midnight(store: BarStore, new_symbol: Callable[[], str],
                                                           make_frame: Callable[..., BarFrame]) -> None:
    sym = new_symbol()
    first = daily_bar_time(datetime(2024, 3, 4).date())  # midnight New York, 05:00 UTC
    frame = make_frame([sym], 3, start=first.replace(tzinfo=None).isoformat(), step_s=86_400)
    await store.ingest(frame, Timeframe.DAY_1)
    session = datetime(2024, 3, 6, 15, 0, tzinfo=UTC)  # 10:00 New York on the third day
    got = await store.read_last([sym], "1Day", 10, end=session)
    assert _starts(got[sym]) == [first, first + timedelta(days=1)]  # the third day's bar is still forming
    done = await store.read_last([sym], "1Day", 10, end=first + timedelta(days=3))
    assert len(done[sym]) == 3


def test_completed_by_is_one_timeframe_back() -> None:
    assert completed_by(OPEN, "5Min") == OPEN - timedelta(minutes=5)
    assert completed_by(OPEN, Timeframe.DAY_1) == OPEN - timedelta(days=1)


async def test_a_naive_end_is_refused(store: BarStore, minute_symbol: str) -> None:
    with pytest.raises(InvalidInput):
        await store.read_last([minute_symbol], "1Min", 3, end=datetime(2024, 3, 4, 14, 35))
