"""The calendar endpoints: calculator, typed days, and loading a year (administrators only)."""

import datetime as dt

import pytest

from redress.api.tests.conftest import bearer_client
from redress.calendar.models import CalendarYear
from redress.calendar.services import get_calendar

pytestmark = pytest.mark.django_db

ARRANGEMENT_2027 = {
    "source": "测试用安排（非官方）",
    "holidays": [
        {"name": "元旦", "first_day": "2027-01-01", "last_day": "2027-01-03"},
        {
            "name": "春节",
            "first_day": "2027-02-05",
            "last_day": "2027-02-13",
            "makeup_workdays": ["2027-01-31", "2027-02-20"],
        },
    ],
}


def test_the_calculator_gives_due_at_in_beijing_time_and_the_unconfirmed_mark(bank):
    client = bearer_client(bank.teller)
    body = client.get(
        "/api/v1/calendar/deadline", {"start": "2026-09-30T10:00:00+08:00", "working_days": 3}
    ).json()
    assert body == {"due_at": "2026-10-11T00:00:00+08:00", "due_date": "2026-10-10", "unconfirmed": False}
    body = client.get(
        "/api/v1/calendar/deadline", {"start": "2026-09-28T02:00:00Z", "calendar_days": 15, "cutoff": "17:00"}
    ).json()
    assert body["due_at"] == "2026-10-13T17:00:00+08:00"
    body = client.get("/api/v1/calendar/deadline", {"start": "2026-12-28T09:00:00", "working_days": 7}).json()
    assert body["due_date"] == "2027-01-06" and body["unconfirmed"] is True
    body = client.get("/api/v1/calendar/deadline", {"start": "2026-09-30T21:00:00+08:00", "hours": 4}).json()
    assert body["due_at"] == "2026-10-01T01:00:00+08:00" and body["due_date"] is None


def test_the_calculator_wants_exactly_one_limit(bank):
    client = bearer_client(bank.teller)
    response = client.get("/api/v1/calendar/deadline", {"start": "2026-09-30T10:00:00+08:00"})
    assert response.status_code == 422 and "working_days" in response.json()["errors"]
    response = client.get(
        "/api/v1/calendar/deadline", {"start": "2026-09-30T10:00:00+08:00", "working_days": 3, "hours": 4}
    )
    assert response.status_code == 422
    response = client.get("/api/v1/calendar/deadline", {"start": "soon", "working_days": 3})
    assert response.status_code == 422 and "start" in response.json()["errors"]


def test_days_are_listed_typed_with_their_confirmation(bank):
    client = bearer_client(bank.teller)
    days = client.get("/api/v1/calendar/days", {"from": "2026-10-07", "to": "2026-10-10"}).json()
    assert [(d["date"], d["kind"], d["working_day"]) for d in days] == [
        ("2026-10-07", "holiday", False),
        ("2026-10-08", "working_day", True),
        ("2026-10-09", "working_day", True),
        ("2026-10-10", "makeup_workday", True),
    ]
    assert days[0]["name"] == "国庆节" and all(d["confirmed"] for d in days)
    later = client.get("/api/v1/calendar/days", {"from": "2027-01-01", "to": "2027-01-01"}).json()
    assert later == [
        {"date": "2027-01-01", "kind": "working_day", "name": "", "working_day": True, "confirmed": False}
    ]
    too_many = client.get("/api/v1/calendar/days", {"from": "2026-01-01", "to": "2028-12-31"})
    assert too_many.status_code == 422 and "to" in too_many.json()["errors"]


def test_only_an_administrator_loads_a_year(bank):
    refused = bearer_client(bank.office).put(
        "/api/v1/calendar/years/2027", ARRANGEMENT_2027, content_type="application/json"
    )
    assert refused.status_code == 403
    assert not CalendarYear.objects.filter(year=2027).exists()
    loaded = bearer_client(bank.admin).put(
        "/api/v1/calendar/years/2027", ARRANGEMENT_2027, content_type="application/json"
    )
    assert loaded.status_code == 200, loaded.json()
    assert loaded.json()["days"] == 14
    assert get_calendar().day(dt.date(2027, 2, 20)).kind == "makeup_workday"
    assert CalendarYear.objects.get(year=2027).loaded_by == bank.admin


def test_a_bad_arrangement_is_refused_field_by_field(bank):
    body = {
        "holidays": [
            {
                "name": "元旦",
                "first_day": "2027-01-01",
                "last_day": "2027-01-03",
                "makeup_workdays": ["2027-01-04"],
            }
        ]
    }
    response = bearer_client(bank.admin).put(
        "/api/v1/calendar/years/2027", body, content_type="application/json"
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["holidays.0.makeup_workdays.0"]
    assert not CalendarYear.objects.filter(year=2027).exists()
