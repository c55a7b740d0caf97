"""``phase_time`` answers from the session directly; the property: it equals walking every fire of the
phase's cron line through the day (what it did before), for random days and instants, so
``not_due_reason`` says the same as before at any time of any session."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from catalyst.calendars.nyse import nyse_calendar
from catalyst.domain.calendar import NEW_YORK, Session, as_utc, day_start
from catalyst.workflow.cycle import Phase
from catalyst.workflow.schedule import CRONTABS, belongs, close_phase_at, not_due_reason, phase_time, trigger

NYSE = nyse_calendar()
SESSIONS = list(NYSE.sessions(date(2000, 1, 3), date(2099, 12, 31)))
HALF_DAYS = [s for s in SESSIONS if s.is_half_day]
TICK = timedelta(microseconds=1)


def walked_phase_time(session: Session, phase: Phase) -> datetime | None:
    """The former answer: every fire of the cron line through the session's day, the first that belongs."""
    if phase not in CRONTABS:
        return None
    start = day_start(session.day)
    fire = trigger(phase).get_next_fire_time(None, start)
    while fire is not None and fire < start + timedelta(days=1):
        if belongs(phase, as_utc(fire), session):
            return as_utc(fire)
        fire = trigger(phase).get_next_fire_time(None, fire + TICK)
    return None


def walked_not_due_reason(session: Session, phase: Phase, now: datetime) -> str | None:
    at = walked_phase_time(session, phase)
    if at is None:
        return None
    if now < at:
        return f"{phase.value} is due at {at.astimezone(NEW_YORK):%H:%M} New York on {session.day.isoformat()}"
    if phase is Phase.MONITOR and now >= close_phase_at(session):
        return "the monitor runs only while the market is open, before the close phase"
    return None


sessions = st.one_of(st.sampled_from(SESSIONS), st.sampled_from(HALF_DAYS))
instants = st.integers(min_value=0, max_value=24 * 3600 - 1)  # seconds into the session's New York day


@settings(max_examples=300, deadline=None)
@given(session=sessions, phase=st.sampled_from(list(Phase)), second=instants)
def test_the_direct_answer_equals_the_walk_over_the_days_fires(session: Session, phase: Phase, second: int) -> None:
    now = day_start(session.day) + timedelta(seconds=second)
    assert phase_time(session, phase) == walked_phase_time(session, phase)
    assert not_due_reason(session, phase, now) == walked_not_due_reason(session, phase, now)


@settings(max_examples=100, deadline=None)
@given(session=sessions, phase=st.sampled_from(list(CRONTABS)))
def test_at_the_edges_of_each_phase_time_too(session: Session, phase: Phase) -> None:
    at = walked_phase_time(session, phase)
    assert at is not None  # every scheduled phase has its time on every session
    for now in (at - TICK, at, at + TICK, close_phase_at(session) - TICK, close_phase_at(session)):
        assert not_due_reason(session, phase, now) == walked_not_due_reason(session, phase, now)
