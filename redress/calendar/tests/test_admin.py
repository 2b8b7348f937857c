"""The admin loads a year from its file and corrects single days through the services (audited)."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from redress.calendar.choices import ChangeAction, DayKind
from redress.calendar.models import CalendarChange, CalendarDay, CalendarYear, Jurisdiction
from redress.calendar.services import get_calendar

pytestmark = pytest.mark.django_db

TEST_2027 = Path(__file__).parent / "data" / "cn-2027-test.yaml"


@pytest.fixture
def admin_client(bank) -> Client:
    client = Client()
    client.force_login(bank.admin)
    return client


def upload(client, year, content):
    return client.post(
        reverse("admin:calendar_calendaryear_load"),
        {"jurisdiction": "CN", "year": year, "file": SimpleUploadedFile("2027.yaml", content)},
    )


def test_an_administrator_loads_a_year_from_its_file(admin_client, bank):
    assert admin_client.get(reverse("admin:calendar_calendaryear_load")).status_code == 200
    response = upload(admin_client, 2027, TEST_2027.read_bytes())
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).loaded_by == bank.admin
    assert get_calendar().day(dt.date(2027, 10, 9)).kind == DayKind.MAKEUP_WORKDAY


def test_a_bad_upload_shows_the_faults_and_loads_nothing(admin_client):
    content = TEST_2027.read_bytes().replace(b"2027-09-26", b"2027-09-27")
    response = upload(admin_client, 2027, content)
    assert response.status_code == 200
    assert "holidays.6.makeup_workdays.0" in response.content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_staff_without_the_admin_role_cannot_load(bank):
    client = Client()
    client.force_login(bank.office)
    response = upload(client, 2027, TEST_2027.read_bytes())
    assert response.status_code in {302, 403}
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_correcting_a_day_in_the_admin_goes_through_the_audited_service(admin_client, bank):
    response = admin_client.post(
        reverse("admin:calendar_calendarday_add"),
        {
            "jurisdiction": Jurisdiction.objects.get(code="CN").pk,
            "date": "2026-09-16",
            "kind": DayKind.REST_DAY,
            "name": "台风停工",
            "note": "市政府通知",
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert not get_calendar().is_working_day(dt.date(2026, 9, 16))
    change = CalendarChange.objects.get(action=ChangeAction.DAY_CHANGED)
    assert (change.actor, change.new_kind, change.note) == (bank.admin, DayKind.REST_DAY, "市政府通知")

    day = CalendarDay.objects.get(date=dt.date(2026, 9, 16))
    response = admin_client.post(reverse("admin:calendar_calendarday_delete", args=[day.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert get_calendar().is_working_day(dt.date(2026, 9, 16))
    assert CalendarChange.objects.filter(action=ChangeAction.DAY_CHANGED).count() == 2


def test_a_make_up_day_on_a_weekday_is_refused_in_the_admin(admin_client):
    response = admin_client.post(
        reverse("admin:calendar_calendarday_add"),
        {
            "jurisdiction": Jurisdiction.objects.get(code="CN").pk,
            "date": "2026-09-16",
            "kind": DayKind.MAKEUP_WORKDAY,
            "name": "",
        },
    )
    assert response.status_code == 200
    assert not CalendarDay.objects.filter(date=dt.date(2026, 9, 16)).exists()
