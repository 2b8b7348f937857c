"""The dashboard: every figure, each linked to the register of exactly its cases (decision 0033), the same in
the API and on the page, and none built from cases hidden from the person looking."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from redress.access.models import ApiToken
from redress.cases.models import Case
from redress.lifecycle import perform
from redress.lifecycle.sweeper import sweep
from redress.organisation.choices import Role
from redress.organisation.services import create_staff
from redress.reports import figures
from redress.testing import PASSWORD

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")
REPLY = {"method": "written", "content": "经核实，已为您办理。"}
# Ten Beijing days ending today: the replies written now are on time for the cases received in them.
TODAY = dt.datetime.now(BEIJING).date()
FIRST = TODAY - dt.timedelta(days=9)
PERIOD = {"from": FIRST.isoformat(), "to": TODAY.isoformat()}


def on(day: int, hour: int = 10) -> dt.datetime:
    """The period's `day`-th day (1: its first) at `hour`, Beijing time."""
    return dt.datetime.combine(FIRST + dt.timedelta(days=day - 1), dt.time(hour, 30), tzinfo=BEIJING)


def key(day: int) -> str:
    return (FIRST + dt.timedelta(days=day - 1)).isoformat()


@pytest.fixture
def cases(bank):
    """Hand-made cases of the last ten days: A1-1 and A1-2 (branch A) and B1-1 (branch B), over every
    measure the dashboard draws."""
    teller2 = create_staff(
        username="teller2",
        name="柜员小孙",
        unit=bank.outlet_a1_2,
        roles=[Role.OUTLET_STAFF],
        password=PASSWORD,
    )
    made = {}
    card = bank.register(
        received_at=on(9),
        complainant_vip=True,
        product="信用卡",
        business_category="银行卡/信用卡",
        reason="服务态度及服务质量",
        regulatory_channel="营业现场",
        complainant_phone="13911110001",
        complainant_id_number="",
    )
    card = perform("accept", bank.teller, card)
    card = perform("reply", bank.teller, card, REPLY)
    card = perform("follow_up", bank.teller, card, {"satisfaction": "satisfied"})
    made["card"] = perform("close", bank.teller, card, {"responsibility": "at_fault"})
    cash = bank.register(
        received_at=on(3),
        channel="phone",
        category="work_error",
        product="现金存款",
        complainant_phone="13911110002",
        complainant_id_number="",
    )
    cash = perform("accept", bank.teller, cash)
    made["cash"] = perform("escalate", bank.teller, cash, {"reason": "客户情绪激动，要求上级处理。"})
    enquiry = bank.register(
        teller2,
        received_at=on(9, 22),
        kind="enquiry",
        category="",
        subject_unit="A1-2",
        complainant_phone="13911110003",
        complainant_id_number="",
    )
    enquiry = perform("accept", teller2, enquiry)
    enquiry = perform("reply", teller2, enquiry, REPLY)
    enquiry = perform("follow_up", teller2, enquiry, {"satisfaction": "dissatisfied"})
    enquiry = perform("follow_up", teller2, enquiry, {"satisfaction": "dissatisfied"})
    made["enquiry"] = perform("close", teller2, enquiry, {"responsibility": "not_at_fault"})
    made["about_subject"] = bank.register(
        received_at=on(5),
        subject_staff=bank.subject.username,
        complainant_phone="13911110004",
        complainant_id_number="",
    )
    made["elsewhere"] = bank.register(
        bank.outsider,
        received_at=on(6),
        kind="suggestion",
        subject_unit="B1-1",
        complainant_phone="13911110005",
        complainant_id_number="",
    )
    late = perform(
        "accept",
        bank.teller,
        bank.register(received_at=on(2), complainant_phone="13911110006", complainant_id_number=""),
    )
    sweep(now=on(2) + dt.timedelta(days=120))
    made["late"] = perform("reply", bank.teller, Case.objects.get(pk=late.pk), REPLY)
    assert figures.verify() == []
    return made


def api(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {ApiToken.issue(user)}"})


def board(user, **params) -> dict:
    response = api(user).get("/api/v1/reports/dashboard", {**PERIOD, **params})
    assert response.status_code == 200, response.content
    return response.json()


def every_figure(body: dict) -> list[dict]:
    found = list(body["kpis"])
    for rate in body["rates"]:
        found += rate["parts"]
    for chart in body["charts"]:
        found += chart["figures"]
    for row in body["heat"]:
        found += row["cells"]
    return found


def by_key(figures_: list[dict]) -> dict[str, int]:
    return {f["key"]: f["count"] for f in figures_}


def chart(body: dict, name: str) -> dict[str, int]:
    return by_key(next(c for c in body["charts"] if c["name"] == name)["figures"])


def test_each_figure_counts_the_hand_made_cases(bank, cases):
    body = board(bank.office, unit="A")
    kpis = by_key(body["kpis"])
    # card, cash, enquiry, about_subject, late: registered by branch A's outlets in the period.
    assert kpis == {
        "registered": 5,
        "open": 3,
        "closed": 2,
        "replied_late": 1,
        "breached": kpis["breached"],
        "repeat_flag": 0,
    }
    assert kpis["breached"] >= 1
    assert chart(body, "channel") == {"counter": 4, "phone": 1}
    assert chart(body, "category") == {"service_attitude": 3, "work_error": 1, "": 1}
    assert chart(body, "business_category") == {"银行卡/信用卡": 1, "": 4}
    assert chart(body, "stat_class")["closed_" + Case.objects.get(pk=cases["card"].pk).stat_class] >= 1
    assert chart(body, "satisfaction") == {"follow_ups_satisfied": 1, "follow_ups_dissatisfied": 1}
    # The cash case escalated by hand, and those the sweep escalated when their limits ran out: by the level
    # each has reached.
    escalated = Case.objects.filter(unit_path__startswith=bank.branch_a.path, escalations__isnull=False)
    expected = Counter(case.level for case in escalated.distinct())
    assert {k: v for k, v in chart(body, "escalated").items() if v} == {
        f"escalated_{level}": n for level, n in expected.items()
    }
    assert expected[Case.objects.get(pk=cases["cash"].pk).level] >= 1
    trend = chart(body, "trend")
    assert len(trend) == 10 and trend[key(9)] == 2 and trend[key(2)] == 1 and trend[key(4)] == 0
    on_time = next(r for r in body["rates"] if r["name"] == "on_time")
    assert on_time["percent"] == 66.7 and by_key(on_time["parts"]) == {
        "replied_on_time": 2,
        "replied_late": 1,
    }
    satisfaction = next(r for r in body["rates"] if r["name"] == "satisfaction")
    assert satisfaction["percent"] == 50.0
    # The heat table: A's children (A1, A-PB) — A1 holds them all — adding up to the unit's figure.
    rows = {row["unit"]: by_key(row["cells"]) for row in body["heat"]}
    assert rows["A1"]["registered"] == 5 and rows["A-PB"]["registered"] == 0
    assert sum(r["registered"] for r in rows.values()) == kpis["registered"]


@pytest.mark.parametrize("who", ["office", "teller", "subject", "branch_group", "outsider", "province_group"])
def test_every_figure_links_to_the_register_of_exactly_its_cases(bank, cases, who):
    user = getattr(bank, who)
    body = board(user)
    shown = every_figure(body)
    assert shown and any(f["count"] for f in shown)
    client = api(user)
    for figure in shown:
        assert figure["cases"].startswith("/api/v1/cases?")
        listed = client.get(figure["cases"]).json()
        assert listed["count"] == figure["count"], (figure["label"], figure["filters"])


def test_the_register_page_counts_what_the_figure_says(client, bank, cases):
    client.force_login(bank.office)
    body = board(bank.office, unit="A1")
    for figure in every_figure(body):
        assert figure["register"].startswith(reverse("web:register") + "?")
        response = client.get(figure["register"])
        assert response.context["count"] == figure["count"], (figure["label"], figure["filters"])


def test_the_person_complained_about_and_an_outsider_get_no_figure_built_from_hidden_cases(bank, cases):
    theirs = board(bank.subject, unit="A1-1")
    assert by_key(theirs["kpis"])["registered"] == 3  # card, cash, late: not the case about them
    assert by_key(board(bank.teller, unit="A1-1")["kpis"])["registered"] == 4
    outsider = api(bank.outsider)
    assert outsider.get("/api/v1/reports/dashboard", {**PERIOD, "unit": "A"}).status_code == 404
    assert outsider.get("/api/v1/reports/dashboard", {**PERIOD, "unit": "NOPE"}).status_code == 404
    assert by_key(board(bank.outsider)["kpis"])["registered"] == 1  # their own outlet's own case


def test_bad_periods_are_field_errors(bank):
    response = api(bank.office).get("/api/v1/reports/dashboard", {"from": "2026-11-10", "to": "2026-11-01"})
    assert response.status_code == 422 and set(response.json()["errors"]) == {"to"}
    assert api(bank.office).get("/api/v1/reports/dashboard", {"from": "someday"}).status_code == 422


@pytest.mark.parametrize(
    "period, field",
    [
        ({"from": "9999-12-31"}, "from"),
        ({"to": "0001-01-01"}, "to"),
        ({"to": "9999-12-31"}, "to"),
        ({"from": "9999-12-31", "to": "9999-12-31"}, "from"),
        ({"from": "1899-12-31", "to": "1900-01-10"}, "from"),
    ],
)
def test_a_period_at_the_calendars_ends_is_a_field_error_not_a_500(bank, period, field):
    api_answer = api(bank.office).get("/api/v1/reports/dashboard", period)
    assert api_answer.status_code == 422 and field in api_answer.json()["errors"]
    page = Client()
    page.force_login(bank.office)
    response = page.get(reverse("web:dashboard"), period)
    assert response.status_code == 200
    assert "1900-01-01" in response.content.decode()  # the bounds, in the message beside the form
