"""The New York session calendar: bounds across daylight saving, the trading day, the daily stamp, the Session value."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from catalyst.domain.calendar import (
    NEW_YORK,
    Session,
    as_utc,
    daily_bar_time,
    session_close,
    session_open,
    trading_day,
)


def test_session_bounds_follow_daylight_saving() -> None:
    assert session_open(date(2013, 3, 8)) == datetime(2013, 3, 8, 14, 30, tzinfo=UTC)  # EST
    assert session_open(date(2013, 3, 11)) == datetime(2013, 3, 11, 13, 30, tzinfo=UTC)  # EDT from 10 March
    assert session_close(date(2013, 3, 1)) == datetime(2013, 3, 1, 21, 0, tzinfo=UTC)
    assert daily_bar_time(date(2013, 3, 1)) == datetime(2013, 3, 1, 5, 0, tzinfo=UTC)
    assert daily_bar_time(date(2012, 7, 2)) == datetime(2012, 7, 2, 4, 0, tzinfo=UTC)


def test_trading_day_is_the_new_york_date() -> None:
    assert trading_day(datetime(2013, 2, 26, 3, 0, tzinfo=UTC)) == date(2013, 2, 25)
    assert trading_day(datetime(2013, 2, 26, 5, 0, tzinfo=UTC)) == date(2013, 2, 26)


def test_a_session_is_aware_utc_and_half_open() -> None:
    half = Session(date(2025, 7, 3), datetime(2025, 7, 3, 13, 30, tzinfo=UTC), datetime(2025, 7, 3, 17, 0, tzinfo=UTC),
                   is_half_day=True)
    assert half.minutes == 210
    assert half.is_open_at(datetime(2025, 7, 3, 9, 30, tzinfo=NEW_YORK))
    assert half.is_open_at(datetime(2025, 7, 3, 16, 59, 59, tzinfo=UTC))
    assert not half.is_open_at(datetime(2025, 7, 3, 17, 0, tzinfo=UTC))
    assert not half.is_open_at(datetime(2025, 7, 3, 13, 29, 59, tzinfo=UTC))
    with pytest.raises(ValueError, match="timezone-aware"):
        half.is_open_at(datetime(2025, 7, 3, 14, 0))


@pytest.mark.parametrize(("day", "opens", "closes", "why"), [
    (date(2025, 7, 3), datetime(2025, 7, 3, 9, 30), datetime(2025, 7, 3, 17, 0, tzinfo=UTC), "aware UTC"),
    (date(2025, 7, 3), datetime(2025, 7, 3, 9, 30, tzinfo=NEW_YORK), datetime(2025, 7, 3, 17, 0, tzinfo=UTC),
     "aware UTC"),
    (date(2025, 7, 3), datetime(2025, 7, 3, 17, 0, tzinfo=UTC), datetime(2025, 7, 3, 17, 0, tzinfo=UTC),
     "opens before it closes"),
    (date(2025, 7, 4), datetime(2025, 7, 3, 13, 30, tzinfo=UTC), datetime(2025, 7, 3, 17, 0, tzinfo=UTC),
     "another New York day"),
])
def test_a_malformed_session_is_refused(day: date, opens: datetime, closes: datetime, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        Session(day, opens, closes)


def test_as_utc_refuses_naive_instants() -> None:
    assert as_utc(datetime(2025, 3, 10, 9, 30, tzinfo=NEW_YORK)) == datetime(2025, 3, 10, 13, 30, tzinfo=UTC)
    assert as_utc(datetime(2025, 3, 10, 9, 30, tzinfo=NEW_YORK)).tzinfo is UTC
    with pytest.raises(ValueError, match="timezone-aware"):
        as_utc(datetime(2025, 3, 10, 9, 30))
