"""The NYSE calendar over exchange-calendars: known holidays, half days, DST opens, the neighbours of
an instant, the span's edges, and that naming the adapter loads no pandas."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from catalyst.calendars.nyse import DEFAULT_FIRST_DAY, DEFAULT_LAST_DAY, NyseCalendar, nyse_calendar
from catalyst.calendars.session_cache import load_sessions
from catalyst.domain.calendar import NEW_YORK, MarketCalendar, OutsideCalendar


@pytest.fixture(scope="module")
def nyse() -> MarketCalendar:
    return nyse_calendar()


def ny(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NEW_YORK)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize("day", [
    date(2025, 7, 4),    # Independence Day
    date(2025, 12, 25),  # Christmas
    date(2026, 1, 19),   # Martin Luther King Jr. Day
    date(2025, 4, 18),   # Good Friday (not a federal holiday)
    date(2025, 1, 9),    # national day of mourning for President Carter (a one-off closure)
    date(2026, 7, 3),    # Independence Day on a Saturday, observed on the Friday
    date(2012, 10, 29),  # Hurricane Sandy
    date(2025, 7, 5),    # Saturday
    date(2025, 7, 6),    # Sunday
])
def test_closed_days_have_no_session(nyse: MarketCalendar, day: date) -> None:
    assert nyse.session(day) is None
    assert not nyse.is_trading_day(day)


def test_a_regular_day_is_0930_to_1600_new_york(nyse: MarketCalendar) -> None:
    session = nyse.session(date(2025, 7, 7))
    assert session is not None
    assert (session.open, session.close) == (utc(2025, 7, 7, 13, 30), utc(2025, 7, 7, 20, 0))
    assert not session.is_half_day
    assert session.minutes == 390


@pytest.mark.parametrize(("day", "close_utc"), [
    (date(2025, 7, 3), utc(2025, 7, 3, 17, 0)),      # EDT
    (date(2025, 11, 28), utc(2025, 11, 28, 18, 0)),  # EST: the same 13:00 New York is an hour later in UTC
    (date(2025, 12, 24), utc(2025, 12, 24, 18, 0)),
])
def test_half_days_close_at_1300_new_york(nyse: MarketCalendar, day: date, close_utc: datetime) -> None:
    session = nyse.session(day)
    assert session is not None
    assert session.is_half_day
    assert session.close == close_utc
    assert session.close.astimezone(NEW_YORK).time() == time(13, 0)
    assert session.open.astimezone(NEW_YORK).time() == time(9, 30)
    assert session.minutes == 210


@pytest.mark.parametrize(("day", "open_utc"), [
    (date(2025, 3, 7), utc(2025, 3, 7, 14, 30)),    # Friday, EST
    (date(2025, 3, 10), utc(2025, 3, 10, 13, 30)),  # Monday after clocks went forward on 9 March
    (date(2025, 10, 31), utc(2025, 10, 31, 13, 30)),  # Friday, EDT
    (date(2025, 11, 3), utc(2025, 11, 3, 14, 30)),  # Monday after clocks went back on 2 November
])
def test_the_open_in_utc_follows_daylight_saving(nyse: MarketCalendar, day: date, open_utc: datetime) -> None:
    session = nyse.session(day)
    assert session is not None
    assert session.open == open_utc
    assert session.open.tzinfo == UTC


def test_session_counts_and_half_days_per_year(nyse: MarketCalendar) -> None:
    counts = {year: nyse.sessions(date(year, 1, 1), date(year, 12, 31)) for year in (2024, 2025, 2026)}
    assert {year: len(s) for year, s in counts.items()} == {2024: 252, 2025: 250, 2026: 251}
    assert [s.day for s in counts[2025] if s.is_half_day] == [date(2025, 7, 3), date(2025, 11, 28),
                                                              date(2025, 12, 24)]


def test_sessions_span_the_year_end_in_order(nyse: MarketCalendar) -> None:
    days = [s.day for s in nyse.sessions(date(2025, 12, 22), date(2026, 1, 2))]
    assert days == [date(2025, 12, d) for d in (22, 23, 24, 26, 29, 30, 31)] + [date(2026, 1, 2)]
    assert nyse.sessions(date(2025, 7, 4), date(2025, 7, 6)) == ()


def test_the_calendar_agrees_with_the_replay_data(nyse: MarketCalendar) -> None:
    """The replay set's dates are real NYSE sessions (2000-03 .. 2013-03): an independent witness."""
    from catalyst.synthetic.sampledata import calendar

    days = calendar()
    assert tuple(s.day for s in nyse.sessions(days[0], days[-1])) == days


def test_session_at_is_the_half_open_session_in_progress(nyse: MarketCalendar) -> None:
    half = nyse.session(date(2025, 7, 3))
    assert half is not None
    assert nyse.session_at(utc(2025, 7, 3, 13, 29, 59)) is None
    assert nyse.session_at(utc(2025, 7, 3, 13, 30)) == half
    assert nyse.session_at(ny(date(2025, 7, 3), 12, 59)) == half  # any aware zone is read as its instant
    assert nyse.session_at(utc(2025, 7, 3, 17, 0)) is None  # the early close itself is after the session
    assert nyse.session_at(ny(date(2025, 7, 3), 15, 0)) is None  # open on a regular day, not on a half day
    assert nyse.session_at(ny(date(2025, 7, 4), 11, 0)) is None  # holiday
    assert nyse.session_at(ny(date(2025, 7, 7), 15, 59)) == nyse.session(date(2025, 7, 7))


def test_next_session_opens_strictly_after(nyse: MarketCalendar) -> None:
    def next_day(after: datetime) -> date:
        return nyse.next_session(after).day

    assert next_day(ny(date(2025, 7, 3), 8, 0)) == date(2025, 7, 3)  # pre-market: today's
    assert next_day(ny(date(2025, 7, 3), 10, 0)) == date(2025, 7, 7)  # in progress: over the holiday and weekend
    assert next_day(ny(date(2025, 7, 7), 9, 30)) == date(2025, 7, 8)  # at the open it is already in progress
    assert next_day(ny(date(2025, 7, 7), 9, 29)) == date(2025, 7, 7)
    assert next_day(ny(date(2026, 1, 16), 17, 0)) == date(2026, 1, 20)  # over the weekend and MLK day
    assert next_day(ny(date(2025, 3, 7), 16, 0)) == date(2025, 3, 10)
    assert nyse.next_session(ny(date(2025, 3, 7), 16, 0)).open == utc(2025, 3, 10, 13, 30)  # across DST


def test_previous_session_has_closed_by(nyse: MarketCalendar) -> None:
    def previous_day(before: datetime) -> date:
        return nyse.previous_session(before).day

    assert previous_day(ny(date(2025, 7, 7), 10, 0)) == date(2025, 7, 3)  # over the weekend and the holiday
    assert previous_day(utc(2025, 7, 3, 17, 0)) == date(2025, 7, 3)  # closed at its early close
    assert previous_day(utc(2025, 7, 3, 16, 59)) == date(2025, 7, 2)  # still in progress
    assert previous_day(ny(date(2026, 1, 20), 9, 0)) == date(2026, 1, 16)


def test_naive_instants_are_refused(nyse: MarketCalendar) -> None:
    for ask in (nyse.session_at, nyse.next_session, nyse.previous_session):
        with pytest.raises(ValueError, match="timezone-aware"):
            ask(datetime(2025, 7, 3, 10, 0))


def test_outside_the_span_is_a_clear_error() -> None:
    small = NyseCalendar(date(2025, 1, 1), date(2025, 12, 31))
    with pytest.raises(OutsideCalendar, match=r"2026-01-02 is outside .* \(2025-01-01 \.\. 2025-12-31\)") as refused:
        small.session(date(2026, 1, 2))
    assert (refused.value.asked, refused.value.first, refused.value.last) == (
        date(2026, 1, 2), date(2025, 1, 1), date(2025, 12, 31))
    with pytest.raises(OutsideCalendar):
        small.is_trading_day(date(2024, 12, 31))
    with pytest.raises(OutsideCalendar):
        small.session_at(ny(date(2026, 1, 2), 10, 0))
    with pytest.raises(OutsideCalendar):
        small.sessions(date(2025, 12, 1), date(2026, 1, 31))
    with pytest.raises(OutsideCalendar):  # asked inside the span, but the answer lies beyond it
        small.next_session(ny(date(2025, 12, 31), 10, 0))
    with pytest.raises(OutsideCalendar):
        small.previous_session(ny(date(2025, 1, 2), 10, 0))
    assert small.next_session(ny(date(2025, 12, 30), 17, 0)).day == date(2025, 12, 31)
    assert small.previous_session(ny(date(2025, 1, 2), 16, 0)).day == date(2025, 1, 2)
    with pytest.raises(ValueError, match="must not follow"):
        NyseCalendar(date(2025, 2, 1), date(2025, 1, 31))


def test_the_default_span_is_fixed_and_the_calendar_shared(nyse: MarketCalendar) -> None:
    """The library's own default span moves with the wall clock; this one never does."""
    assert (nyse.first_day, nyse.last_day) == (DEFAULT_FIRST_DAY, DEFAULT_LAST_DAY)
    assert nyse_calendar() is nyse
    assert nyse.session(date(2025, 7, 3)) is nyse.session(date(2025, 7, 3))  # computed once, then cached
    assert nyse.session(DEFAULT_LAST_DAY - timedelta(days=1)) is not None  # 2099-12-30 is a Wednesday


_PROBE = """
import json, sys
import catalyst.calendars.nyse, catalyst.domain.calendar
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules} & {"pandas", "numpy", "exchange_calendars"})))
"""


def test_importing_the_adapter_loads_no_pandas() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, env=env,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


_BUILD_PROBE = """
import json, sys
from datetime import date
from catalyst.calendars.nyse import NyseCalendar
calendar = NyseCalendar(date(2024, 1, 1), date(2025, 12, 31))
assert calendar.session(date(2025, 7, 3)).is_half_day and calendar.session(date(2025, 7, 4)) is None
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules} & {"pandas", "numpy", "exchange_calendars"})))
"""


def test_the_sessions_are_cached_so_a_later_process_builds_without_pandas(tmp_path: Path) -> None:
    """The first build reads exchange-calendars and writes the sessions; the next process reads only them."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p), "HOME": str(tmp_path)}
    loaded = []
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", _BUILD_PROBE], capture_output=True, text=True, env=env,
                              timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        loaded.append(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "exchange_calendars" in loaded[0]
    assert loaded[1] == []
    assert len(list((tmp_path / ".cache" / "catalyst").glob("xnys-*.json"))) == 1


def test_cached_sessions_equal_the_librarys(tmp_path: Path) -> None:
    first, last = date(2001, 9, 1), date(2012, 12, 31)  # 9/11 and Hurricane Sandy closures, DST changes
    built = NyseCalendar(first, last, cache_dir=tmp_path).sessions(first, last)
    assert load_sessions(tmp_path, first, last) == tuple(built)
    assert NyseCalendar(first, last, cache_dir=tmp_path).sessions(first, last) == built
    (next(tmp_path.glob("xnys-*.json"))).write_text("not json")  # a damaged file only costs a rebuild
    assert NyseCalendar(first, last, cache_dir=tmp_path).sessions(first, last) == built
