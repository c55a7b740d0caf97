"""When each phase of the cycle is due: cron lines for the clock face, the market calendar for the days.

The fire times come from APScheduler's ``CronTrigger`` in the New York zone (the same lines the
Kubernetes CronJobs run ``catalyst phase`` on); the calendar then keeps the fires that belong to
a session: none on a weekend or holiday, the open at the session's open, the monitor every minute
from the open until the close phase, and the close phase 30 minutes before the session's close.
The close line fires at 12:30 and at 15:30, and the calendar keeps the one that is 30 minutes
before that day's close: 15:30 on a regular day, 12:30 on a half day (13:00 close).

Pure: every answer is computed from the instants it is given (the market clock's ``now()``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from types import MappingProxyType

from apscheduler.triggers.cron import CronTrigger

from catalyst.domain.calendar import NEW_YORK, MarketCalendar, OutsideCalendar, Session, as_utc, day_start, trading_day
from catalyst.workflow.cycle import Phase

CLOSE_LEAD = timedelta(minutes=30)
"""The close phase runs this long before the session's close (15:30 before 16:00)."""

CRONTABS: MappingProxyType[Phase, str] = MappingProxyType({
    Phase.PRE_MARKET_SCAN: "0 8 * * mon-fri",
    Phase.MARKET_OPEN: "30 9 * * mon-fri",
    Phase.MONITOR: "* 9-15 * * mon-fri",
    Phase.MARKET_CLOSE: "30 12,15 * * mon-fri",
})
"""The scheduled phases' fire times (minute hour day month weekday, New York)."""

SCHEDULED: tuple[Phase, ...] = tuple(CRONTABS)
"""Scheduled phases in the order they run when due at the same instant (the open before its first monitor)."""

_ONE_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class DuePhase:
    """``phase`` is due at ``at`` (aware UTC) for the session of ``day``."""

    phase: Phase
    at: datetime
    day: date

    @property
    def slot(self) -> str:
        """What makes one run of the phase in a cycle: the minute for the monitor, nothing else for the others."""
        return monitor_slot(self.at) if self.phase is Phase.MONITOR else ""


@cache
def trigger(phase: Phase) -> CronTrigger:
    return CronTrigger.from_crontab(CRONTABS[phase], timezone=NEW_YORK)


def close_phase_at(session: Session) -> datetime:
    """When the close phase is due: ``CLOSE_LEAD`` before the session's close."""
    return session.close - CLOSE_LEAD


def monitor_slot(at: datetime) -> str:
    """The market minute a monitor run belongs to (``HH:MM`` New York): one run per minute."""
    return at.astimezone(NEW_YORK).strftime("%H:%M")


def belongs(phase: Phase, at: datetime, session: Session) -> bool:
    """Whether a fire of ``phase``'s cron line at ``at`` is one of ``session``'s phase times."""
    at = as_utc(at)
    if phase is Phase.PRE_MARKET_SCAN:
        return at < session.open
    if phase is Phase.MARKET_OPEN:
        return at == session.open
    if phase is Phase.MONITOR:
        return session.open <= at < close_phase_at(session)
    if phase is Phase.MARKET_CLOSE:
        return at == close_phase_at(session)
    return False


def _fires(phase: Phase, after: datetime, until: datetime) -> list[datetime]:
    """The cron line's fire times in ``(after, until]``, aware UTC."""
    found: list[datetime] = []
    fire = trigger(phase).get_next_fire_time(None, after + _ONE_TICK)
    while fire is not None and fire <= until:
        found.append(as_utc(fire))
        fire = trigger(phase).get_next_fire_time(None, fire + _ONE_TICK)
    return found


def _session_of(calendar: MarketCalendar, at: datetime) -> Session | None:
    try:
        return calendar.session(trading_day(at))
    except OutsideCalendar:
        return None


def due_phases(calendar: MarketCalendar, after: datetime, until: datetime) -> list[DuePhase]:
    """Every scheduled phase due in ``(after, until]``, in order of time (and of ``SCHEDULED`` at one instant)."""
    after, until = as_utc(after), as_utc(until)
    due: list[DuePhase] = []
    for phase in SCHEDULED:
        for at in _fires(phase, after, until):
            session = _session_of(calendar, at)
            if session is not None and belongs(phase, at, session):
                due.append(DuePhase(phase, at, session.day))
    return sorted(due, key=lambda d: (d.at, SCHEDULED.index(d.phase)))


def latest_monitor_only(due: list[DuePhase]) -> list[DuePhase]:
    """``due`` with every monitor run but the last dropped: marking a minute that has passed helps nobody
    (a replay clock faster than the loop, or a loop that was held up, finds several minutes due at once)."""
    monitors = [d for d in due if d.phase is Phase.MONITOR]
    return [d for d in due if d.phase is not Phase.MONITOR or d is monitors[-1]]


def _first_fire(phase: Phase, at: datetime) -> datetime | None:
    """The cron line's first fire at or after ``at``, aware UTC."""
    fire = trigger(phase).get_next_fire_time(None, at)
    return None if fire is None else as_utc(fire)


def phase_time(session: Session, phase: Phase) -> datetime | None:
    """The first instant ``phase`` is due on ``session``'s day (None: a phase with no schedule).

    Straight from the session: the first fire of the phase's cron line from where its window on that
    day begins (the day's start for the scan, the open for the open and the monitor, the close phase
    for the close), kept if it belongs to the session; the monitor asks it once a minute.
    """
    if phase not in CRONTABS:
        return None
    if phase is Phase.PRE_MARKET_SCAN:
        earliest = day_start(session.day)
    elif phase is Phase.MARKET_CLOSE:
        earliest = close_phase_at(session)
    else:
        earliest = session.open
    at = _first_fire(phase, earliest)
    return at if at is not None and belongs(phase, at, session) else None


def not_due_reason(session: Session, phase: Phase, now: datetime) -> str | None:
    """Why ``phase`` should not run at ``now`` on ``session``'s day; None when it may.

    A scheduled phase may run from its time on (a late run catches up); the monitor only while the
    market is open before the close phase. Session start, stop and halt may run whenever.
    """
    at = phase_time(session, phase)
    if at is None:
        return None
    now = as_utc(now)
    if now < at:
        return f"{phase.value} is due at {at.astimezone(NEW_YORK):%H:%M} New York on {session.day.isoformat()}"
    if phase is Phase.MONITOR and now >= close_phase_at(session):
        return "the monitor runs only while the market is open, before the close phase"
    return None
