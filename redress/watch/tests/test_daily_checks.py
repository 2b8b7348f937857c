"""The daily checks (P3 第九条(二)(三); R13.5; issue 15): each outlet's comment book by its head, the online
channels and websites by the supervision office; who looked, when, what was found; a reminder at the
configured time to the people on duty when a check is not done, once per unit and day."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from redress.common.errors import FieldErrors
from redress.notifications.models import Notification
from redress.watch import services
from redress.watch.models import DailyCheck

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")


def at(hour: int, minute: int = 0, day: int = 7) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=BEIJING)


def test_each_unit_owes_its_own_checks(bank):
    assert services.duties_of(bank.outlet_a1_1) == ("comment_book",)
    assert services.duties_of(bank.office_dept) == ("online", "news_sites")
    assert services.duties_of(bank.dept_a_pb) == ()
    assert services.my_duties(bank.outlet_head) == ("comment_book",)
    assert services.my_duties(bank.teller) == ()  # the head looks at the comment book, not a teller


def test_the_outlet_head_ticks_the_comment_book_with_what_was_found_and_only_once_a_day(bank):
    check = services.record_check(
        bank.outlet_head, "comment_book", "客户留言一条：建议增加叫号屏。", now=at(9)
    )
    assert (check.unit, check.day, check.checked_by) == (
        bank.outlet_a1_1,
        dt.date(2026, 12, 7),
        bank.outlet_head,
    )
    assert check.found == "客户留言一条：建议增加叫号屏。"
    with pytest.raises(FieldErrors) as again:
        services.record_check(bank.outlet_head, "comment_book", now=at(11))
    assert "duty" in again.value.errors
    # The next day is a new day.
    services.record_check(bank.outlet_head, "comment_book", now=at(9, day=8))
    assert DailyCheck.objects.count() == 2


def test_a_check_that_is_not_ones_duty_is_refused_and_nothing_is_written(bank):
    for person, duty in ((bank.teller, "comment_book"), (bank.outlet_head, "online"), (bank.office, "nope")):
        with pytest.raises(FieldErrors) as refused:
            services.record_check(person, duty, now=at(9))
        assert "duty" in refused.value.errors
    assert not DailyCheck.objects.exists()


def test_the_people_on_duty_are_reminded_once_at_the_configured_time_when_a_check_is_not_done(bank):
    assert services.remind(at(9, 59)) == 0  # before 10:00 nobody is chased
    services.record_check(bank.office, "online", now=at(9))  # one of the office's two checks done
    services.remind(at(10, 1))
    reminders = Notification.objects.filter(event="daily_check_reminder")
    names = set(reminders.values_list("recipient__username", flat=True))
    assert "outlet_head" in names and "office" in names and "teller" not in names
    office_note = Notification.objects.get(event="daily_check_reminder", recipient=bank.office)
    assert office_note.data["checks"] == ["news_sites"] and "政府" in office_note.subject
    count = Notification.objects.filter(event="daily_check_reminder").count()
    assert services.remind(at(10, 2)) == 0  # once per unit and day
    assert Notification.objects.filter(event="daily_check_reminder").count() == count


def test_a_unit_whose_checks_are_done_is_not_reminded(bank):
    services.record_check(bank.outlet_head, "comment_book", now=at(9))
    services.remind(at(10, 30))
    assert not Notification.objects.filter(event="daily_check_reminder", recipient=bank.outlet_head).exists()


@override_settings(DAILY_CHECK_TIME=dt.time(15, 30))
def test_the_reminder_time_is_configurable(bank):
    assert services.remind(at(15, 29)) == 0
    assert services.remind(at(15, 31)) > 0
