"""The days a report covers (pure): the day itself, its week (Monday to Sunday) or its calendar month."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from catalyst.contracts.reporting import Period


def period_bounds(period: Period, day: date) -> tuple[date, date]:
    """First and last day (both included) of the ``period`` containing ``day``."""
    if period == "daily":
        return day, day
    if period == "weekly":
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6)
    return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
