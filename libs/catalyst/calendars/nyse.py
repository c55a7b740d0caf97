"""The NYSE calendar from exchange-calendars' XNYS: the default ``MarketCalendar``.

A maintained library, not a hand-kept holiday list: it carries the rules (observed holidays, Good
Friday, Juneteenth from 2022), the half days and the one-off closures (9/11, Hurricane Sandy, days of
mourning). It is imported when a calendar is built, never when this module is, so naming the adapter
loads no pandas. The whole span's schedule is read into plain Python once at construction (about half
a second for a century, plus pandas' import); every later question is a dict lookup or a bisect, so
the phase that runs every minute never touches pandas. The sessions are cached on disk
(``catalyst.calendars.session_cache``), so only the first process to build a span loads the library.
"""

from __future__ import annotations

import warnings
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

from catalyst.calendars.session_cache import default_cache_dir, load_sessions, save_sessions
from catalyst.domain.calendar import MarketCalendar, OutsideCalendar, Session, as_utc, trading_day

# The replay data starts in 2000; the bounded time types of the wire end at 2100.
DEFAULT_FIRST_DAY = date(2000, 1, 1)
DEFAULT_LAST_DAY = date(2099, 12, 31)


class NyseCalendar:
    """NYSE sessions from ``first_day`` to ``last_day`` (both inclusive); asks beyond them raise
    ``OutsideCalendar``. The span is explicit because the library's default one moves with the wall
    clock, and a replay must see the same calendar whenever it runs. ``cache_dir`` holds the sessions
    once built (default ``~/.cache/catalyst``)."""

    def __init__(self, first_day: date = DEFAULT_FIRST_DAY, last_day: date = DEFAULT_LAST_DAY, *,
                 cache_dir: Path | None = None):
        if first_day > last_day:
            raise ValueError(f"a calendar's first day ({first_day}) must not follow its last ({last_day})")
        directory = cache_dir or default_cache_dir()
        sessions = load_sessions(directory, first_day, last_day)
        if sessions is None:
            sessions = _library_sessions(first_day, last_day)
            save_sessions(directory, first_day, last_day, sessions)
        self._first_day = first_day
        self._last_day = last_day
        self._sessions = sessions
        self._by_day = {s.day: s for s in sessions}
        self._days = [s.day for s in sessions]
        self._opens = [s.open for s in sessions]
        self._closes = [s.close for s in sessions]

    @property
    def first_day(self) -> date:
        return self._first_day

    @property
    def last_day(self) -> date:
        return self._last_day

    def session(self, day: date) -> Session | None:
        self._check(day, day)
        return self._by_day.get(day)

    def is_trading_day(self, day: date) -> bool:
        return self.session(day) is not None

    def session_at(self, at: datetime) -> Session | None:
        found = self.session(self._day_of(at))
        return found if found is not None and found.is_open_at(at) else None

    def next_session(self, after: datetime) -> Session:
        self._day_of(after)
        index = bisect_right(self._opens, as_utc(after))
        if index == len(self._sessions):
            raise OutsideCalendar(after, self._first_day, self._last_day)
        return self._sessions[index]

    def previous_session(self, before: datetime) -> Session:
        self._day_of(before)
        index = bisect_right(self._closes, as_utc(before)) - 1
        if index < 0:
            raise OutsideCalendar(before, self._first_day, self._last_day)
        return self._sessions[index]

    def sessions(self, first: date, last: date) -> Sequence[Session]:
        self._check(first, first)
        self._check(last, last)
        return self._sessions[bisect_left(self._days, first):bisect_right(self._days, last)]

    def _day_of(self, at: datetime) -> date:
        """The New York date of an aware instant, refused outside the span."""
        day = trading_day(as_utc(at))
        self._check(day, at)
        return day

    def _check(self, day: date, asked: date | datetime) -> None:
        if not self._first_day <= day <= self._last_day:
            raise OutsideCalendar(asked, self._first_day, self._last_day)


def _library_sessions(first_day: date, last_day: date) -> tuple[Session, ...]:
    """The span's sessions read from exchange-calendars' schedule."""
    import exchange_calendars  # here, not at module level: it loads pandas

    with warnings.catch_warnings():
        # 4.13.2 reads ``Series.values`` of its tz-aware schedule, which pandas 3.1 deprecates; the
        # library's own business, and nothing this adapter reads depends on it.
        warnings.filterwarnings("ignore", "Series.values returning an ndarray", DeprecationWarning)
        xnys = exchange_calendars.get_calendar("XNYS", start=first_day.isoformat(), end=last_day.isoformat())
    schedule = xnys.schedule
    half_days = set(xnys.early_closes.date)
    return tuple(
        Session(day=label.date(), open=opened.to_pydatetime().astimezone(UTC),
                close=closed.to_pydatetime().astimezone(UTC), is_half_day=label.date() in half_days)
        for label, opened, closed in zip(schedule.index, schedule["open"], schedule["close"], strict=True)
    )


@cache
def nyse_calendar() -> MarketCalendar:
    """The process's NYSE calendar over the default span, built on first use and shared after."""
    return NyseCalendar()
