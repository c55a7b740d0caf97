"""The New York session calendar: bounds across daylight saving, the trading day, the daily stamp."""

from __future__ import annotations

from datetime import UTC, date, datetime

from catalyst.domain.calendar import daily_bar_time, session_close, session_open, trading_day


def test_session_bounds_follow_daylight_saving() -> None:
    assert session_open(date(2013, 3, 8)) == datetime(2013, 3, 8, 14, 30, tzinfo=UTC)  # EST
    assert session_open(date(2013, 3, 11)) == datetime(2013, 3, 11, 13, 30, tzinfo=UTC)  # EDT from 10 March
    assert session_close(date(2013, 3, 1)) == datetime(2013, 3, 1, 21, 0, tzinfo=UTC)
    assert daily_bar_time(date(2013, 3, 1)) == datetime(2013, 3, 1, 5, 0, tzinfo=UTC)
    assert daily_bar_time(date(2012, 7, 2)) == datetime(2012, 7, 2, 4, 0, tzinfo=UTC)


def test_trading_day_is_the_new_york_date() -> None:
    assert trading_day(datetime(2013, 2, 26, 3, 0, tzinfo=UTC)) == date(2013, 2, 25)
    assert trading_day(datetime(2013, 2, 26, 5, 0, tzinfo=UTC)) == date(2013, 2, 26)
