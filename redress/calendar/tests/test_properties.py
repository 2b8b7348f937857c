"""Properties of working-day arithmetic that must hold on any date, confirmed year or not (hypothesis)."""

import datetime as dt

from chinese_calendar import is_holiday, is_workday
from hypothesis import given, settings
from hypothesis import strategies as st

from redress.calendar.deadlines import add_working_days
from redress.calendar.tests.sample import package_calendar
from redress.calendar.workdays import BusinessCalendar, Day

# From before the package's first year to after its last, so weekends-only years are exercised too.
dates = st.dates(dt.date(2002, 1, 1), dt.date(2029, 12, 31))
seeded_dates = st.dates(dt.date(2004, 1, 1), dt.date(2026, 12, 31))
counts = st.integers(min_value=0, max_value=400)


@given(dates, st.integers(min_value=1, max_value=400))
def test_a_working_day_deadline_always_lands_on_a_working_day(start, n):
    calendar = package_calendar()
    due = calendar.add_working_days(start, n)
    assert calendar.is_working_day(due)
    assert due > start
    assert calendar.working_days_between(start, due) == n


@given(dates, counts, counts)
def test_adding_n_then_m_equals_adding_n_plus_m(start, n, m):
    calendar = package_calendar()
    assert calendar.add_working_days(calendar.add_working_days(start, n), m) == calendar.add_working_days(
        start, n + m
    )


# Each example rebuilds a calendar (~20 ms), so fewer examples.
@settings(max_examples=40)
@given(dates, st.integers(min_value=1, max_value=60), st.integers(min_value=0, max_value=90))
def test_a_rest_day_added_before_the_deadline_never_moves_it_earlier(start, n, offset):
    calendar = package_calendar()
    due = calendar.add_working_days(start, n)
    rest = start + dt.timedelta(days=1 + offset % max(1, (due - start).days))
    changed = calendar.with_days([Day(rest, "rest_day")])
    new_due = changed.add_working_days(start, n)
    assert new_due >= due
    if calendar.is_working_day(rest):
        # Losing a working day inside the period pushes the deadline to a later working day.
        assert new_due > due


@given(dates, st.integers(min_value=1, max_value=60))
def test_the_ordinal_walk_agrees_with_counting_day_by_day(start, n):
    calendar = package_calendar()
    day, counted = start, 0
    while counted < n:
        day += dt.timedelta(days=1)
        counted += calendar.is_working_day(day)
    assert calendar.add_working_days(start, n) == day


@settings(max_examples=300)
@given(seeded_dates)
def test_every_seeded_date_agrees_with_the_chinesecalendar_package(date):
    calendar = package_calendar()
    assert calendar.is_working_day(date) == is_workday(date)
    assert (not calendar.is_working_day(date)) == is_holiday(date)


@given(dates, st.integers(min_value=1, max_value=30))
def test_working_days_in_a_calendar_without_data_are_monday_to_friday(start, n):
    due = BusinessCalendar().add_working_days(start, n)
    assert due.weekday() < 5
    received = dt.datetime.combine(start, dt.time(9), tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert add_working_days(BusinessCalendar(), received, n).unconfirmed
