"""Real daily bars from bokeh-sampledata, read as the package ships them."""

from __future__ import annotations

from datetime import date

import numpy as np

from catalyst.bar_columns import to_ns
from catalyst.domain.calendar import daily_bar_time
from catalyst.synthetic.sampledata import REAL_SYMBOLS, calendar, load_daily


def test_five_real_symbols_with_their_full_history() -> None:
    data = load_daily()
    assert tuple(data) == REAL_SYMBOLS
    assert len(data["AAPL"].days) == 3270
    assert data["AAPL"].days[0] == date(2000, 3, 1)
    assert data["GOOG"].days[0] == date(2004, 8, 19)
    assert data["FB"].days[0] == date(2012, 5, 18)
    assert all(h.days[-1] == date(2013, 3, 1) for h in data.values())


def test_values_are_the_source_rows_unadjusted() -> None:
    aapl = load_daily()["AAPL"]
    first = (aapl.open[0], aapl.high[0], aapl.low[0], aapl.close[0], aapl.volume[0])
    assert first == (118.56, 132.06, 118.5, 130.31, 9616100)


def test_calendar_is_real_sessions() -> None:
    days = calendar()
    assert date(2012, 12, 25) not in days
    assert date(2012, 10, 29) not in days
    assert date(2012, 12, 24) in days
    assert all(d.weekday() < 5 for d in days)


def test_frame_is_stamped_at_new_york_midnight_and_read_only() -> None:
    frame = load_daily()["MSFT"].since(date(2013, 2, 25)).frame()
    assert len(frame) == 5
    assert frame.ts[0] == to_ns(daily_bar_time(date(2013, 2, 25)))
    assert not frame.close.flags.writeable
    assert np.all(frame.high >= np.maximum(frame.open, frame.close))
