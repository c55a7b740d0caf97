"""When the phases are due, on the NYSE calendar: a regular day, a half day, a holiday and a weekend."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from catalyst.calendars.nyse import nyse_calendar
from catalyst.domain.calendar import NEW_YORK, MarketCalendar, Session, day_start
from catalyst.workflow.cycle import Phase
from catalyst.workflow.schedule import (
    DuePhase,
    close_phase_at,
    due_phases,
    latest_monitor_only,
    not_due_reason,
    phase_time,
)

REGULAR = date(2025, 3, 3)  # a Monday
SUMMER = date(2025, 7, 2)  # a Wednesday in daylight-saving time
HALF_DAY = date(2025, 7, 3)  # closes at 13:00
HOLIDAY = date(2025, 7, 4)  # Independence Day, a Friday
SATURDAY = date(2025, 7, 5)


@pytest.fixture(scope="module")
def nyse() -> MarketCalendar:
    return nyse_calendar()


def ny(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NEW_YORK).astimezone(UTC)


def whole(nyse: MarketCalendar, day: date) -> list[DuePhase]:
    return due_phases(nyse, day_start(day), day_start(day + timedelta(days=1)))


def session(nyse: MarketCalendar, day: date) -> Session:
    found = nyse.session(day)
    assert found is not None
    return found


@pytest.mark.parametrize("day", [REGULAR, SUMMER])
def test_a_regular_day(nyse: MarketCalendar, day: date) -> None:
    due = whole(nyse, day)
    outside = [(d.phase, d.at) for d in due if d.phase is not Phase.MONITOR]
    assert outside == [(Phase.PRE_MARKET_SCAN, ny(day, 8)), (Phase.MARKET_OPEN, ny(day, 9, 30)),
                       (Phase.MARKET_CLOSE, ny(day, 15, 30))]
    monitors = [d.at for d in due if d.phase is Phase.MONITOR]
    assert monitors == [ny(day, 9, 30) + timedelta(minutes=i) for i in range(360)]  # 09:30 .. 15:29
    assert [d.phase for d in due[1:3]] == [Phase.MARKET_OPEN, Phase.MONITOR]  # the open before its first monitor
    assert {d.day for d in due} == {day}
    assert due[2].slot == "09:30"
    assert due[0].slot == ""


def test_a_half_day_closes_30_minutes_before_its_13_00_close(nyse: MarketCalendar) -> None:
    due = whole(nyse, HALF_DAY)
    assert session(nyse, HALF_DAY).is_half_day
    closes = [d.at for d in due if d.phase is Phase.MARKET_CLOSE]
    assert closes == [ny(HALF_DAY, 12, 30)]
    monitors = [d.at for d in due if d.phase is Phase.MONITOR]
    assert monitors[0] == ny(HALF_DAY, 9, 30)
    assert monitors[-1] == ny(HALF_DAY, 12, 29)
    assert len(monitors) == 180
    assert close_phase_at(session(nyse, HALF_DAY)) == ny(HALF_DAY, 12, 30)
    assert phase_time(session(nyse, HALF_DAY), Phase.MARKET_CLOSE) == ny(HALF_DAY, 12, 30)


@pytest.mark.parametrize("day", [HOLIDAY, SATURDAY, SATURDAY + timedelta(days=1)])
def test_nothing_is_due_on_a_holiday_or_a_weekend(nyse: MarketCalendar, day: date) -> None:
    assert whole(nyse, day) == []


def test_the_window_is_open_on_the_left_and_closed_on_the_right(nyse: MarketCalendar) -> None:
    eight = ny(REGULAR, 8)
    assert [d.phase for d in due_phases(nyse, eight - timedelta(seconds=1), eight)] == [Phase.PRE_MARKET_SCAN]
    assert due_phases(nyse, eight, eight + timedelta(seconds=59)) == []


def test_across_a_long_weekend_only_the_trading_days_are_due(nyse: MarketCalendar) -> None:
    due = due_phases(nyse, day_start(HALF_DAY), day_start(date(2025, 7, 8)))
    assert sorted({d.day for d in due}) == [HALF_DAY, date(2025, 7, 7)]


def test_monitor_runs_due_together_are_coalesced_to_the_latest(nyse: MarketCalendar) -> None:
    due = due_phases(nyse, ny(REGULAR, 9, 29), ny(REGULAR, 9, 35))
    kept = latest_monitor_only(due)
    assert [(d.phase, d.at) for d in kept] == [(Phase.MARKET_OPEN, ny(REGULAR, 9, 30)),
                                               (Phase.MONITOR, ny(REGULAR, 9, 35))]
    assert latest_monitor_only([]) == []


def test_a_phase_before_its_time_is_not_due(nyse: MarketCalendar) -> None:
    regular = session(nyse, REGULAR)
    assert not_due_reason(regular, Phase.PRE_MARKET_SCAN, ny(REGULAR, 7, 59)) == \
        "pre_market_scan is due at 08:00 New York on 2025-03-03"
    assert not_due_reason(regular, Phase.PRE_MARKET_SCAN, ny(REGULAR, 10)) is None  # late: it catches up
    assert not_due_reason(regular, Phase.MARKET_OPEN, ny(REGULAR, 9, 29)) is not None
    assert not_due_reason(regular, Phase.MARKET_CLOSE, ny(REGULAR, 15, 29)) is not None
    assert not_due_reason(regular, Phase.MARKET_CLOSE, ny(REGULAR, 15, 30)) is None
    assert not_due_reason(regular, Phase.MONITOR, ny(REGULAR, 15, 29)) is None
    assert not_due_reason(regular, Phase.MONITOR, ny(REGULAR, 15, 30)) == \
        "the monitor runs only while the market is open, before the close phase"
    for phase in (Phase.START_SESSION, Phase.STOP_SESSION, Phase.HALT):
        assert not_due_reason(regular, phase, ny(REGULAR, 3)) is None
    half = session(nyse, HALF_DAY)
    assert not_due_reason(half, Phase.MARKET_CLOSE, ny(HALF_DAY, 12, 30)) is None
    assert not_due_reason(half, Phase.MONITOR, ny(HALF_DAY, 12, 45)) is not None
