"""Russian working days: public holidays, transferred days off and working Saturdays come from
the maintained `holidays` package (production calendars change every year by government decree).
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

import holidays


@functools.cache
def _calendar(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("RU", years=year)


def is_working_day(day: date) -> bool:
    calendar = _calendar(day.year)
    if day in calendar:
        return False
    if day in getattr(calendar, "weekend_workdays", set()):
        return True  # a Saturday made a working day by a transfer
    return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (the day of receipt itself does not count)."""
    current, counted = start, 0
    while counted < days:
        current += timedelta(days=1)
        if is_working_day(current):
            counted += 1
    return current
