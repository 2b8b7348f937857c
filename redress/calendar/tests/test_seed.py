"""The calendar of record as seeded by migration: every day of 2004–2026 as chinesecalendar has it."""

import datetime as dt

import pytest
from chinese_calendar import get_holiday_detail, is_workday

from redress.calendar.choices import DayKind
from redress.calendar.models import CalendarYear
from redress.calendar.services import get_calendar

pytestmark = pytest.mark.django_db


def test_every_day_of_2004_to_2026_agrees_with_the_package():
    calendar = get_calendar()
    for day in calendar.days_between(dt.date(2004, 1, 1), dt.date(2026, 12, 31)):
        assert day.is_working_day == is_workday(day.date), day
        on_holiday, _name = get_holiday_detail(day.date)
        named_holiday = on_holiday and _name is not None
        assert (day.kind == DayKind.HOLIDAY) == named_holiday, day


def test_seeded_years_are_confirmed_and_holidays_carry_their_chinese_names():
    calendar = get_calendar()
    assert set(CalendarYear.objects.values_list("year", flat=True)) == set(range(2004, 2027))
    assert not calendar.is_confirmed(2027)
    assert calendar.day(dt.date(2026, 10, 1)).name == "国庆节"
    assert calendar.day(dt.date(2026, 2, 14)).kind == DayKind.MAKEUP_WORKDAY
    assert calendar.day(dt.date(2026, 2, 14)).name == "春节"
    # The 2024 New Year block began on 30 Dec 2023 and is part of the 2024 notice.
    assert calendar.day(dt.date(2023, 12, 30)).kind == DayKind.HOLIDAY


def test_an_unknown_jurisdiction_counts_weekends_only():
    calendar = get_calendar("HK")
    assert calendar.is_working_day(dt.date(2026, 10, 1))
    assert not calendar.is_confirmed(2026)
