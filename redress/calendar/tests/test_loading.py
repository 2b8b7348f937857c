"""Loading a year's arrangement and correcting a day (R4.3): validated, all-or-nothing, audited, signalled."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from redress.calendar.choices import ChangeAction, DayKind
from redress.calendar.deadlines import add_working_days
from redress.calendar.models import CalendarChange, CalendarDay, CalendarYear
from redress.calendar.services import (
    CalendarError,
    get_calendar,
    load_year,
    next_year_missing_warning,
    parse_arrangement,
    read_arrangement,
    set_day,
)
from redress.calendar.signals import calendar_changed
from redress.calendar.tests.sample import beijing

pytestmark = pytest.mark.django_db

TEST_2027 = Path(__file__).parent / "data" / "cn-2027-test.yaml"


def arrangement_2027():
    return read_arrangement(TEST_2027.read_text(encoding="utf-8"), 2027)


@pytest.fixture
def signals():
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    calendar_changed.connect(receiver)
    yield received
    calendar_changed.disconnect(receiver)


def snapshot():
    return (
        list(CalendarDay.objects.order_by("id").values_list("date", "kind", "name")),
        CalendarChange.objects.count(),
        sorted(CalendarYear.objects.values_list("year", flat=True)),
    )


def test_loading_next_year_confirms_it_and_recomputes_the_unconfirmed_deadline(
    bank, signals, django_capture_on_commit_callbacks
):
    received = beijing(2026, 12, 28)
    before = add_working_days(get_calendar(), received, 7)
    assert (before.due_date, before.unconfirmed) == (dt.date(2027, 1, 6), True)

    with django_capture_on_commit_callbacks(execute=True):
        load_year(arrangement_2027(), actor=bank.admin)

    after = add_working_days(get_calendar(), received, 7)
    # 元旦 1–3 Jan 2027 are holidays now: the 7th working day moves from Wed 6 Jan to Thu 7 Jan.
    assert (after.due_date, after.unconfirmed) == (dt.date(2027, 1, 7), False)
    assert signals == [
        {
            "signal": calendar_changed,
            "jurisdiction": "CN",
            "first_day": dt.date(2027, 1, 1),
            "last_day": dt.date(2027, 12, 31),
        }
    ]


def test_a_year_load_is_audited_day_by_day(bank):
    load_year(arrangement_2027(), actor=bank.admin)
    year_row = CalendarChange.objects.get(action=ChangeAction.YEAR_LOADED, date__isnull=True)
    assert year_row.actor == bank.admin and year_row.year == 2027
    new_year = CalendarChange.objects.get(action=ChangeAction.YEAR_LOADED, date=dt.date(2027, 1, 1))
    assert (new_year.old_kind, new_year.new_kind, new_year.new_name) == (
        DayKind.WORKING_DAY,
        DayKind.HOLIDAY,
        "元旦",
    )
    makeup = CalendarChange.objects.get(date=dt.date(2027, 10, 9))
    assert (makeup.old_kind, makeup.new_kind) == (DayKind.REST_DAY, DayKind.MAKEUP_WORKDAY)
    confirmed = CalendarYear.objects.get(year=2027)
    assert confirmed.loaded_by == bank.admin and confirmed.source == "测试用安排（非官方）"


def test_reloading_a_year_replaces_its_days_and_audits_only_differences(bank):
    load_year(arrangement_2027(), actor=bank.admin)
    text = TEST_2027.read_text(encoding="utf-8").replace(
        "  - name: 端午节\n    first_day: 2027-06-09\n    last_day: 2027-06-11\n", ""
    )
    load_year(read_arrangement(text, 2027), actor=bank.admin)
    calendar = get_calendar()
    assert calendar.is_working_day(dt.date(2027, 6, 9))
    assert calendar.day(dt.date(2027, 1, 1)).kind == DayKind.HOLIDAY
    second = CalendarChange.objects.filter(action=ChangeAction.YEAR_LOADED, date__isnull=False).order_by(
        "-id"
    )
    assert sorted(second.values_list("date", flat=True)[:3]) == [
        dt.date(2027, 6, 9),
        dt.date(2027, 6, 10),
        dt.date(2027, 6, 11),
    ]


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (("first_day: 2027-10-01", "first_day: 2028-10-01"), "holidays.6.first_day"),
        (("[2027-09-26, 2027-10-09]", "[2027-09-27, 2027-10-09]"), "holidays.6.makeup_workdays.0"),
        (("first_day: 2027-02-05", "first_day: 2027-01-02"), "holidays.1.first_day"),
        (("[2027-01-31, 2027-02-20]", "[2027-02-06, 2027-02-20]"), "holidays.1.makeup_workdays.0"),
        (("year: 2027", "year: 2028"), "year"),
        (("name: 清明节", "name: ''"), "holidays.2.name"),
        (("last_day: 2027-04-05", "last_day: 2027-04-01"), "holidays.2.last_day"),
        (("last_day: 2027-04-05", "last_day: 5 April"), "holidays.2.last_day"),
        (("holidays:", "holidayz:"), "holidayz"),
        (("year: 2027", "year: [2027"), "file"),
    ],
    ids=[
        "outside-year",
        "makeup-on-weekday",
        "overlapping-blocks",
        "makeup-inside-block",
        "year-mismatch",
        "no-name",
        "ends-before-start",
        "not-a-date",
        "unknown-field",
        "bad-yaml",
    ],
)
def test_a_bad_file_is_refused_field_by_field_and_changes_nothing(bank, edit, field):
    before = snapshot()
    text = TEST_2027.read_text(encoding="utf-8").replace(*edit)
    with pytest.raises(CalendarError) as refused:
        load_year(read_arrangement(text, 2027), actor=bank.admin)
    assert field in refused.value.errors, refused.value.errors
    assert snapshot() == before


def test_a_new_year_block_may_start_in_the_last_week_of_december():
    data = {"year": 2030, "holidays": [{"name": "元旦", "first_day": "2029-12-30", "last_day": "2030-01-01"}]}
    assert parse_arrangement(data).holidays[0].first_day == dt.date(2029, 12, 30)
    data["holidays"][0]["first_day"] = "2029-12-20"
    with pytest.raises(CalendarError) as refused:
        parse_arrangement(data)
    assert "holidays.0.first_day" in refused.value.errors


def test_correcting_a_day_is_audited_signalled_and_reversible(
    bank, signals, django_capture_on_commit_callbacks
):
    typhoon = dt.date(2026, 9, 16)  # a Wednesday
    due_before = add_working_days(get_calendar(), beijing(2026, 9, 14), 3).due_date
    with django_capture_on_commit_callbacks(execute=True):
        set_day(typhoon, DayKind.REST_DAY, "台风停工", actor=bank.admin, note="市政府通知")
    assert add_working_days(get_calendar(), beijing(2026, 9, 14), 3).due_date > due_before
    change = CalendarChange.objects.get(action=ChangeAction.DAY_CHANGED)
    assert (change.actor, change.old_kind, change.new_kind, change.note) == (
        bank.admin,
        DayKind.WORKING_DAY,
        DayKind.REST_DAY,
        "市政府通知",
    )
    assert signals[-1]["first_day"] == signals[-1]["last_day"] == typhoon

    set_day(typhoon, DayKind.WORKING_DAY, actor=bank.admin)
    assert not CalendarDay.objects.filter(date=typhoon).exists()
    assert add_working_days(get_calendar(), beijing(2026, 9, 14), 3).due_date == due_before
    assert CalendarChange.objects.filter(action=ChangeAction.DAY_CHANGED).count() == 2


def test_a_make_up_working_day_on_a_weekday_is_refused(bank):
    before = snapshot()
    with pytest.raises(CalendarError) as refused:
        set_day(dt.date(2026, 9, 16), DayKind.MAKEUP_WORKDAY, actor=bank.admin)
    assert "kind" in refused.value.errors
    assert snapshot() == before


def test_next_year_warning_starts_on_the_first_of_november(bank):
    assert next_year_missing_warning(dt.date(2026, 10, 31)) is None
    assert next_year_missing_warning(dt.date(2026, 11, 1)) == 2027
    assert next_year_missing_warning(dt.date(2027, 1, 5)) == 2027
    load_year(arrangement_2027(), actor=bank.admin)
    assert next_year_missing_warning(dt.date(2026, 12, 31)) is None
    assert next_year_missing_warning(dt.date(2027, 6, 1)) is None


def test_the_load_calendar_command_loads_a_file_and_refuses_a_bad_one(tmp_path, capsys):
    with pytest.raises(CommandError, match="year"):
        call_command("load_calendar", str(TEST_2027), year=2028)
    assert not get_calendar().is_confirmed(2028)
    call_command("load_calendar", str(TEST_2027), year=2027)
    assert get_calendar().is_confirmed(2027)
    assert "loaded CN 2027" in capsys.readouterr().out
