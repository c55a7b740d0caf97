"""The exchange's clock face: the New York zone, the regular session and the trading day.

Defined once here so that Risk's day, the sim broker's day orders, the replay's session and the
bar store's daily stamps agree on what "today" and "the open" mean (DST from the zone database).
Holidays and half days are the market calendar's business, not this module's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
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
