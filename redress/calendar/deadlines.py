"""Deadline arithmetic: pure functions of a start instant, a limit and a `BusinessCalendar`.

What "due" means (docs/calendar.md): `due_at` is the instant the period ends, in the calendar's time
zone (Asia/Shanghai for the bank). With the default cut-off (24:00) that is the end of the due date, i.e.
00:00 of the following day; with a close-of-business cut-off such as 17:00 it is 17:00 on the due date.
Anything done before `due_at` is in time; at or after it, the limit is breached.

Day counts start the day after receipt (Civil Code art. 201): the receipt date is taken in the calendar's
time zone, whatever zone the start instant was given in. `unconfirmed` is set when the result depends on a
year whose arrangement is not loaded; callers store `due_at` in UTC and recompute when `calendar_changed`
fires.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from redress.calendar.choices import LimitUnit
from redress.calendar.workdays import BusinessCalendar


@dataclass(frozen=True)
class Deadline:
    due_at: dt.datetime
    unconfirmed: bool
    # The last day of the period for day counts; None for clock hours.
    due_date: dt.date | None = None


def _local_date(calendar: BusinessCalendar, start: dt.datetime) -> dt.date:
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("start must be timezone-aware")
    return start.astimezone(calendar.timezone).date()


def end_of(calendar: BusinessCalendar, date: dt.date, cutoff: dt.time | None = None) -> dt.datetime:
    """The instant a period ending on `date` ends: 24:00 by default, or the given close-of-business time."""
    if cutoff is None:
        return dt.datetime.combine(date + dt.timedelta(days=1), dt.time(0), tzinfo=calendar.timezone)
    if cutoff.tzinfo is not None:
        raise ValueError("cutoff is a local time of day without a time zone")
    if cutoff == dt.time(0):
        raise ValueError(
            "a cut-off of 00:00 would end the period before its last day starts; use None for 24:00"
        )
    return dt.datetime.combine(date, cutoff, tzinfo=calendar.timezone)


def add_working_days(
    calendar: BusinessCalendar, start: dt.datetime, n: int, *, cutoff: dt.time | None = None
) -> Deadline:
    """Due at the cut-off of the n-th working day after the day of `start`."""
    received = _local_date(calendar, start)
    due_date = calendar.add_working_days(received, n)
    unconfirmed = n > 0 and not calendar.confirmed_between(received + dt.timedelta(days=1), due_date)
    return Deadline(end_of(calendar, due_date, cutoff), unconfirmed, due_date)


def add_calendar_days(
    calendar: BusinessCalendar,
    start: dt.datetime,
    n: int,
    *,
    cutoff: dt.time | None = None,
    roll_forward: bool = False,
) -> Deadline:
    """Due at the cut-off of the n-th day after the day of `start`.

    With `roll_forward` (Civil Code art. 203, off by default as the stricter reading), a period whose last day
    is not a working day runs to the end of the next working day. Without it the calendar is not consulted, so
    the result is never unconfirmed.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    last_day = _local_date(calendar, start) + dt.timedelta(days=n)
    due_date = last_day
    unconfirmed = False
    if roll_forward:
        due_date = calendar.next_working_day(last_day)
        unconfirmed = not calendar.confirmed_between(last_day, due_date)
    return Deadline(end_of(calendar, due_date, cutoff), unconfirmed, due_date)


def add_hours(calendar: BusinessCalendar, start: dt.datetime, hours: float) -> Deadline:
    """Plain elapsed hours, through nights, weekends and holidays alike (emergency limits: 1 h, 4 h, 8 h)."""
    if hours < 0:
        raise ValueError("hours must not be negative")
    _local_date(calendar, start)
    # Adding in UTC keeps elapsed time exact even where a zone once had summer time.
    due = start.astimezone(dt.UTC) + dt.timedelta(hours=hours)
    return Deadline(due.astimezone(calendar.timezone), False, None)


def compute_deadline(
    calendar: BusinessCalendar,
    start: dt.datetime,
    amount: float,
    unit: str,
    *,
    cutoff: dt.time | None = None,
    roll_forward: bool = False,
) -> Deadline:
    """One entry point for a limit stated as an amount and a `LimitUnit`."""
    if unit == LimitUnit.WORKING_DAYS:
        return add_working_days(calendar, start, _whole(amount), cutoff=cutoff)
    if unit == LimitUnit.CALENDAR_DAYS:
        return add_calendar_days(calendar, start, _whole(amount), cutoff=cutoff, roll_forward=roll_forward)
    if unit == LimitUnit.HOURS:
        return add_hours(calendar, start, amount)
    raise ValueError(f"unknown limit unit {unit!r}")


def _whole(amount: float) -> int:
    if int(amount) != amount:
        raise ValueError("day counts are whole numbers")
    return int(amount)
