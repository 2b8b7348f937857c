"""Deadline arithmetic on real dates (R4.2): Golden Week, Spring Festival, make-up days, unloaded years."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from redress.calendar.choices import LimitUnit
from redress.calendar.deadlines import (
    add_calendar_days,
    add_hours,
    add_working_days,
    compute_deadline,
    end_of,
)
from redress.calendar.services import get_calendar
from redress.calendar.tests.sample import beijing, package_calendar
from redress.calendar.workdays import BusinessCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")

WORKING_DAY_CASES = [
    # received, working days, due date, why
    (
        beijing(2026, 9, 30),
        3,
        dt.date(2026, 10, 10),
        "National Day 1–7 Oct; Sat 10 Oct is a make-up working day",
    ),
    (
        beijing(2026, 2, 13),
        3,
        dt.date(2026, 2, 25),
        "Sat 14 Feb make-up day counts, Spring Festival 15–23 Feb",
    ),
    (beijing(2026, 9, 28), 10, dt.date(2026, 10, 16), "a complex complaint's bank limit over Golden Week"),
    (beijing(2026, 9, 18), 1, dt.date(2026, 9, 20), "Sun 20 Sep is a make-up working day"),
    (beijing(2026, 12, 31), 1, dt.date(2027, 1, 1), "2027 not loaded: weekends only, Fri 1 Jan works"),
    (
        beijing(2025, 12, 31),
        1,
        dt.date(2026, 1, 4),
        "New Year 1–3 Jan 2026, Sun 4 Jan is a make-up working day",
    ),
    (beijing(2026, 1, 3), 1, dt.date(2026, 1, 4), "receipt on a holiday: the next working day is the first"),
    (beijing(2026, 10, 1), 0, dt.date(2026, 10, 1), "zero days: due at the end of the day of receipt"),
]


@pytest.fixture
def calendar(db) -> BusinessCalendar:
    return get_calendar()


@pytest.mark.parametrize(("received", "n", "due", "why"), WORKING_DAY_CASES)
def test_working_days_follow_the_official_calendar(calendar, received, n, due, why):
    deadline = add_working_days(calendar, received, n)
    assert deadline.due_date == due, why
    assert deadline.due_at == dt.datetime.combine(due + dt.timedelta(days=1), dt.time(0), tzinfo=SHANGHAI)
    assert calendar.is_working_day(due) or n == 0


def test_the_statutory_fifteen_calendar_days_end_before_the_bank_limit(calendar):
    received = beijing(2026, 9, 28)
    statutory = add_calendar_days(calendar, received, 15)
    bank = add_working_days(calendar, received, 10)
    assert statutory.due_date == dt.date(2026, 10, 13)
    assert bank.due_date == dt.date(2026, 10, 16)
    assert min(statutory.due_at, bank.due_at) == statutory.due_at


def test_receipt_date_is_taken_in_beijing_time(calendar):
    # 17:30 UTC on Tue 29 Sep is 01:30 Wed 30 Sep in Beijing: received on the 30th, so due 10 Oct.
    received = dt.datetime(2026, 9, 29, 17, 30, tzinfo=dt.UTC)
    assert add_working_days(calendar, received, 3).due_date == dt.date(2026, 10, 10)
    received = dt.datetime(2026, 9, 29, 15, 30, tzinfo=dt.UTC)  # 23:30 on the 29th
    assert add_working_days(calendar, received, 3).due_date == dt.date(2026, 10, 9)


def test_close_of_business_cutoff_moves_due_to_that_hour(calendar):
    deadline = add_working_days(calendar, beijing(2026, 9, 30), 3, cutoff=dt.time(17, 0))
    assert deadline.due_at == dt.datetime(2026, 10, 10, 17, 0, tzinfo=SHANGHAI)
    assert deadline.due_at.astimezone(dt.UTC) == dt.datetime(2026, 10, 10, 9, 0, tzinfo=dt.UTC)


def test_midnight_cutoff_and_naive_start_are_refused(calendar):
    with pytest.raises(ValueError):
        end_of(calendar, dt.date(2026, 1, 5), dt.time(0))
    with pytest.raises(ValueError):
        add_working_days(calendar, dt.datetime(2026, 1, 5, 10), 3)
    with pytest.raises(ValueError):
        add_working_days(calendar, beijing(2026, 1, 5), -1)


def test_calendar_days_roll_forward_only_when_asked(calendar):
    # 1 Oct + 5 days = 6 Oct, inside National Day; art. 203 moves it to Thu 8 Oct.
    received = beijing(2026, 10, 1)
    assert add_calendar_days(calendar, received, 5).due_date == dt.date(2026, 10, 6)
    assert add_calendar_days(calendar, received, 5, roll_forward=True).due_date == dt.date(2026, 10, 8)
    # Ending on Sat 9 May 2026, a make-up working day: no roll.
    assert add_calendar_days(calendar, beijing(2026, 5, 4), 5, roll_forward=True).due_date == dt.date(
        2026, 5, 9
    )


def test_a_deadline_reaching_an_unloaded_year_is_unconfirmed_never_an_error(calendar):
    deadline = add_working_days(calendar, beijing(2026, 12, 28), 7)
    assert deadline.due_date == dt.date(2027, 1, 6)  # weekends only: Fri 1 Jan counts
    assert deadline.unconfirmed
    assert not add_working_days(calendar, beijing(2026, 12, 21), 7).unconfirmed
    # Without roll-forward a calendar-day count never consults the calendar, so it cannot change.
    assert not add_calendar_days(calendar, beijing(2026, 12, 28), 15).unconfirmed
    assert add_calendar_days(calendar, beijing(2026, 12, 28), 6, roll_forward=True).unconfirmed
    assert add_working_days(calendar, beijing(2040, 3, 1), 3).due_date == dt.date(2040, 3, 6)


def test_emergency_hours_run_through_midnight():
    calendar = package_calendar()
    deadline = add_hours(calendar, beijing(2026, 3, 10, 22, 30), 4)
    assert deadline.due_at == dt.datetime(2026, 3, 11, 2, 30, tzinfo=SHANGHAI)
    assert not deadline.unconfirmed and deadline.due_date is None


def test_emergency_hours_run_through_a_holiday():
    calendar = package_calendar()
    # 21:00 on 30 Sep, the eve of National Day: 4 h later is 01:00 on 1 Oct, a holiday, all the same.
    deadline = add_hours(calendar, beijing(2026, 9, 30, 21), 4)
    assert deadline.due_at == dt.datetime(2026, 10, 1, 1, 0, tzinfo=SHANGHAI)
    assert add_hours(calendar, beijing(2026, 10, 3, 12), 8).due_at == beijing(2026, 10, 3, 20)
    assert add_hours(calendar, beijing(2026, 10, 3, 23, 30), 1).due_at == beijing(2026, 10, 4, 0, 30)


def test_compute_deadline_dispatches_on_the_unit():
    calendar = package_calendar()
    start = beijing(2026, 9, 28)
    assert compute_deadline(calendar, start, 10, LimitUnit.WORKING_DAYS).due_date == dt.date(2026, 10, 16)
    assert compute_deadline(calendar, start, 15, LimitUnit.CALENDAR_DAYS).due_date == dt.date(2026, 10, 13)
    assert compute_deadline(calendar, start, 1.5, LimitUnit.HOURS).due_at == beijing(2026, 9, 28, 11, 30)
    with pytest.raises(ValueError):
        compute_deadline(calendar, start, 1.5, LimitUnit.WORKING_DAYS)


def test_large_counts_do_not_walk_the_days():
    calendar = package_calendar()
    # 100,000 working days is about 380 years; done by ordinals it agrees with the ordinal difference.
    due = calendar.add_working_days(dt.date(2026, 1, 1), 100_000)
    assert calendar.working_days_between(dt.date(2026, 1, 1), due) == 100_000
    assert calendar.is_working_day(due)
