"""Calendars built straight from the chinesecalendar package, for tests that need no database."""

from __future__ import annotations

import datetime as dt
from functools import cache

from chinese_calendar import constants

from redress.calendar.workdays import BusinessCalendar

BEIJING = dt.timezone(dt.timedelta(hours=8))


@cache
def package_calendar() -> BusinessCalendar:
    days = {date: ("holiday", name) for date, name in constants.holidays.items()}
    days.update({date: ("makeup_workday", name) for date, name in constants.workdays.items()})
    return BusinessCalendar(days, range(2004, 2027))


def beijing(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=BEIJING)
