"""The exchange's clock face: the New York zone, the regular session and the trading day.

Defined once here so that Risk's day, the sim broker's day orders, the replay's session and the
bar store's daily stamps agree on what "today" and "the open" mean (DST from the zone database).
The regular-session helpers below know no holidays: which days the exchange opens, and when a
half day closes, is the ``MarketCalendar`` interface's business (defined here so that every layer can
name it; implemented over a maintained calendar library in ``catalyst.calendars``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo("America/New_York")
SESSION_OPEN = time(9, 30)
SESSION_CLOSE = time(16, 0)
SESSION_MINUTES = 390


def trading_day(at: datetime) -> date:
    """The New York calendar date of an instant (Risk's day rolls over at midnight New York)."""
    return at.astimezone(NEW_YORK).date()


def day_start(day: date) -> datetime:
    """Midnight New York at the start of ``day`` (an aware instant)."""
    return datetime(day.year, day.month, day.day, tzinfo=NEW_YORK)


def day_end(day: date) -> datetime:
    return day_start(day + timedelta(days=1))


def session_open(day: date) -> datetime:
    """09:30 New York on ``day``, as aware UTC."""
    return datetime.combine(day, SESSION_OPEN, tzinfo=NEW_YORK).astimezone(UTC)


def session_close(day: date) -> datetime:
    """16:00 New York on ``day``, as aware UTC."""
    return datetime.combine(day, SESSION_CLOSE, tzinfo=NEW_YORK).astimezone(UTC)


def daily_bar_time(day: date) -> datetime:
    """The timestamp of ``day``'s daily bar: midnight New York, in UTC (as Alpaca stamps them)."""
    return day_start(day).astimezone(UTC)


def as_utc(at: datetime) -> datetime:
    """``at`` in UTC; a naive instant is refused (it would be read in the host's zone, not New York's)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"a market time must be timezone-aware, got {at.isoformat()}")
    return at.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Session:
    """One trading session of the exchange: ``day`` (New York date) trades over ``[open, close)``.

    ``open`` and ``close`` are aware UTC; ``is_half_day`` marks a scheduled early close (for NYSE 13:00 New
    York, on days such as 3 July, the day after Thanksgiving and Christmas Eve).
    """

    day: date
    open: datetime
    close: datetime
    is_half_day: bool = False

    def __post_init__(self) -> None:
        for name in ("open", "close"):
            at = getattr(self, name)
            if at.tzinfo is None or at.utcoffset() != timedelta(0):
                raise ValueError(f"a session's {name} must be aware UTC, got {at.isoformat()}")
        if not self.open < self.close:
            raise ValueError(f"a session opens before it closes: {self.open.isoformat()} .. {self.close.isoformat()}")
        if trading_day(self.open) != self.day:
            raise ValueError(f"session {self.day} opens on another New York day ({self.open.isoformat()})")

    @property
    def minutes(self) -> int:
        """Whole minutes of trading (390 on a regular day, 210 on a half day)."""
        return int((self.close - self.open).total_seconds()) // 60

    def is_open_at(self, at: datetime) -> bool:
        """Whether ``at`` falls in ``[open, close)``: the close itself is after the session."""
        return self.open <= as_utc(at) < self.close


class OutsideCalendar(ValueError):
    """A day or instant beyond the span a calendar was built for: its holidays there are unknown,
    so the calendar refuses rather than guessing a regular weekday session."""

    def __init__(self, asked: date | datetime, first: date, last: date):
        super().__init__(f"{asked.isoformat()} is outside the market calendar "
                         f"({first.isoformat()} .. {last.isoformat()})")
        self.asked = asked
        self.first = first
        self.last = last


class MarketCalendar(Protocol):
    """The exchange's trading days, holidays and half days: the one interface every time decision uses.

    Every method reads the day or instant it is given, never the wall clock: callers pass the market
    clock's ``now()`` (replay or wall), so a replayed day sees that day's calendar. Instants must be
    timezone-aware (``ValueError`` otherwise); a day or instant outside ``[first_day, last_day]``, or an
    answer that would lie beyond it, raises ``OutsideCalendar``. Sessions are half-open ``[open, close)``.
    """

    @property
    def first_day(self) -> date:
        """The first New York date the calendar answers for."""
        ...

    @property
    def last_day(self) -> date:
        """The last New York date the calendar answers for."""
        ...

    def session(self, day: date) -> Session | None:
        """``day``'s session; None when the exchange is closed that day (weekend or holiday)."""
        ...

    def is_trading_day(self, day: date) -> bool:
        """Whether the exchange holds a session on ``day``."""
        ...

    def session_at(self, at: datetime) -> Session | None:
        """The session in progress at ``at`` (``open <= at < close``); None outside trading hours."""
        ...

    def next_session(self, after: datetime) -> Session:
        """The first session that opens strictly after ``after`` (during a session: the next one)."""
        ...

    def previous_session(self, before: datetime) -> Session:
        """The last session that has closed by ``before`` (``close <= before``)."""
        ...

    def sessions(self, first: date, last: date) -> Sequence[Session]:
        """Every session from ``first`` to ``last``, both inclusive, in order."""
        ...
