"""GET /api/v1/reports/performance and /reports/hotspots, and the problems recorded from hotspots: figures
equal to the complaints counted by hand, attributed to the unit and staff complained about, and no line
built from cases hidden from the caller."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from redress.lifecycle import perform
from redress.organisation.choices import Role
from redress.organisation.services import create_staff
from redress.reports.models import Problem
from redress.testing import CLASSES

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")
REPLY = {"method": "written", "content": "经核实，已为您办理。"}

# (day of November 2026, unit complained about, staff complained about, product, closed as, follow-up)
CASES = [
    (2, "A1-1", "subject", "借记卡", "at_fault", "dissatisfied"),
    (2, "A1-1", "subject", "借记卡", "not_at_fault", "satisfied"),
    (3, "A1-1", "", "信用卡", None, None),
    (3, "A1-2", "", "借记卡", "at_fault", None),
    (4, "B1-1", "", "理财产品", None, None),
]


@pytest.fixture
def cases(bank):
    return register_cases(bank)


def register_cases(bank) -> list:
    """The complaints of CASES, handled as they say, and one of October (the window before November's)."""
    made = []
    for i, (day, subject_unit, subject_staff, product, closed_as, follow_up) in enumerate(CASES):
        actor = bank.outsider if subject_unit.startswith("B") else bank.teller
        case = bank.register(
            actor,
            subject_unit=subject_unit,
            subject_staff=subject_staff,
            product=product,
            received_at=dt.datetime(2026, 11, day, 10, 30, tzinfo=BEIJING),
            complainant_phone=f"1392222{i:04d}",
        )
        if closed_as:
            case = perform("accept", actor, case)
            case = perform("reply", actor, case, REPLY)
            if follow_up:
                case = perform("follow_up", actor, case, {"satisfaction": follow_up})
            case = perform("close", actor, case, {**CLASSES, "responsibility": closed_as})
        made.append(case)
    # Last month's: the window before for the hotspots of November.
    bank.register(
        bank.teller,
        product="借记卡",
        received_at=dt.datetime(2026, 10, 20, 10, 30, tzinfo=BEIJING),
        complainant_phone="13922229999",
    )
    return made


def get(client, path, **params):
    response = client.get(path, {"from": "2026-11-01", "to": "2026-11-30", **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_performance_counts_against_the_unit_and_staff_complained_about_by_hand(bank, as_staff, cases):
    body = get(as_staff(bank.office), "/api/v1/reports/performance", unit="A1")
    units = {line["key"]: line for line in body["units"]}
    assert set(units) == {"A1-1", "A1-2"}
    a11 = units["A1-1"]
    assert a11["complaints"] == 3 and a11["at_fault"] == 1
    assert a11["at_fault_share"] == 0.5  # one at fault of two closed with a responsibility
    assert a11["on_time_rate"] == 0.0  # received in November, replied now: late
    assert a11["satisfaction_rate"] == 0.5  # one satisfied of two complaints followed up
    # One complainant (the same ID number) throughout: each complaint after the first is a repeat, and a
    # repeat goes up one level.
    assert a11["repeat_rate"] == round(2 / 3, 4) and a11["escalations"] == 2
    assert units["A1-2"]["complaints"] == 1 and units["A1-2"]["at_fault_share"] == 1.0
    assert units["A1-2"]["satisfaction_rate"] is None  # no follow-up: no rate, not 0 %
    assert body["total"]["complaints"] == 4
    # Ranked: most counted first, then most complaints.
    assert [line["key"] for line in body["units"]] == ["A1-1", "A1-2"]
    (subject,) = body["staff"]
    assert (subject["key"], subject["complaints"], subject["at_fault"]) == ("subject", 2, 1)
    # The province sees branch A's four and branch B's one, each under its branch.
    province = get(as_staff(bank.office), "/api/v1/reports/performance", unit="P")
    assert {line["key"]: line["complaints"] for line in province["units"]} == {"A": 4, "B": 1}


def test_the_person_complained_about_gets_no_line_about_the_cases_about_them(bank, as_staff, cases):
    body = get(as_staff(bank.subject), "/api/v1/reports/performance", unit="A1-1")
    assert body["staff"] == []
    assert body["total"]["complaints"] == 1  # the case about the outlet, not about them
    hot = get(as_staff(bank.subject), "/api/v1/reports/hotspots", unit="A1-1")
    assert sum(spot["count"] for spot in hot["dimensions"]["product"]) == 2


def test_an_outsider_gets_a_404_for_a_unit_they_may_not_see(bank, as_staff, cases):
    response = as_staff(bank.outsider).get(
        "/api/v1/reports/performance", {"unit": "A", "from": "2026-11-01", "to": "2026-11-30"}
    )
    assert response.status_code == 404
    response = as_staff(bank.outsider).get(
        "/api/v1/reports/hotspots", {"unit": "A", "from": "2026-11-01", "to": "2026-11-30"}
    )
    assert response.status_code == 404


def test_a_period_ending_before_it_starts_is_a_field_error(bank, as_staff):
    response = as_staff(bank.office).get(
        "/api/v1/reports/performance", {"unit": "A", "from": "2026-11-30", "to": "2026-11-01"}
    )
    assert response.status_code == 422 and "to" in response.json()["errors"]


def test_hotspots_count_by_hand_with_the_change_against_the_window_before(bank, as_staff, cases):
    body = get(as_staff(bank.office), "/api/v1/reports/hotspots", unit="A")
    assert (body["previous_from"], body["previous_to"]) == ("2026-10-02", "2026-10-31")
    products = {s["key"]: s for s in body["dimensions"]["product"]}
    assert products["借记卡"]["count"] == 3 and products["借记卡"]["previous"] == 1
    assert products["借记卡"]["change"] == 2 and products["借记卡"]["change_rate"] == 2.0
    assert products["信用卡"]["count"] == 1 and products["信用卡"]["change_rate"] is None
    assert body["dimensions"]["product"][0]["key"] == "借记卡"  # most first
    groups = {s["key"]: s["count"] for s in body["dimensions"]["customer_group"]}
    assert groups == {"card_holder": 4}
    units = {s["key"]: s["count"] for s in body["dimensions"]["unit"]}
    assert units == {"A1": 4}


def record(client, **overrides):
    body = {
        "unit": "A",
        "from": "2026-11-01",
        "to": "2026-11-30",
        "dimension": "product",
        "key": "借记卡",
        "root_cause": "借记卡挂失流程繁琐。",
        "owner": "outlet_head",
        # A month on from whenever the suite runs: a fixed date made the problem overdue once it passed.
        "due_date": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        **overrides,
    }
    return client.post("/api/v1/reports/problems", body, content_type="application/json")


def test_the_office_records_a_hotspot_as_a_problem_linked_to_its_cases(bank, as_staff, cases):
    response = record(as_staff(bank.office))
    assert response.status_code == 201, response.content
    problem = response.json()
    assert problem["status"] == "open" and problem["owner"] == "outlet_head"
    expected = sorted(c.number for c in cases if c.product == "借记卡" and c.unit.code.startswith("A"))
    assert sorted(problem["cases"]) == expected and len(expected) == 3
    assert not problem["overdue"]


def test_only_the_office_records_and_moves_problems_and_only_those_who_see_all_read_them(
    bank, as_staff, cases
):
    assert record(as_staff(bank.auditor)).status_code == 403
    assert record(as_staff(bank.teller)).status_code == 403
    problem_id = record(as_staff(bank.office)).json()["id"]
    assert as_staff(bank.auditor).get("/api/v1/reports/problems").status_code == 200
    assert as_staff(bank.teller).get("/api/v1/reports/problems").status_code == 403
    change = as_staff(bank.teller).patch(
        f"/api/v1/reports/problems/{problem_id}", {"status": "rectified"}, content_type="application/json"
    )
    assert change.status_code == 403


def test_a_problem_moves_through_rectification_and_is_verified_only_once_rectified(bank, as_staff, cases):
    office = as_staff(bank.office)
    problem_id = record(office).json()["id"]

    def patch(**body):
        return office.patch(f"/api/v1/reports/problems/{problem_id}", body, content_type="application/json")

    refused = patch(status="verified")
    assert refused.status_code == 422 and "status" in refused.json()["errors"]
    assert Problem.objects.get(pk=problem_id).status == "open"
    assert patch(status="in_progress").json()["status"] == "in_progress"
    assert patch(status="rectified", notes="已优化流程。").json()["status"] == "rectified"
    assert patch(status="verified").json()["status"] == "verified"
    assert patch(owner="nobody").status_code == 422


def test_an_overdue_rectification_is_shown_as_overdue(bank, as_staff, cases):
    office = as_staff(bank.office)
    record(office, due_date="2026-01-01")
    (problem,) = office.get("/api/v1/reports/problems", {"overdue": "true"}).json()
    assert problem["overdue"]


def test_a_value_that_is_no_hotspot_of_the_period_is_refused(bank, as_staff, cases):
    response = record(as_staff(bank.office), key="不存在的产品")
    assert response.status_code == 422 and "key" in response.json()["errors"]
    assert not Problem.objects.exists()


def test_the_problems_cases_are_only_those_the_caller_sees(bank, as_staff, cases):
    problem_id = record(as_staff(bank.office)).json()["id"]
    create_staff(
        username="auditor2", name="审计二", unit=bank.head_office, roles=[Role.AUDITOR], password="x" * 12
    )
    (problem,) = [
        p for p in as_staff(bank.auditor).get("/api/v1/reports/problems").json() if p["id"] == problem_id
    ]
    assert len(problem["cases"]) == 3


def test_the_register_filter_escalated_finds_the_cases_escalated_to_any_level(bank, as_staff, cases):
    from redress.reports.figures import CaseFigures
    from redress.reports.performance import ESCALATED

    escalated = sum(CaseFigures.objects.filter(**{f"{m}__gt": 0}).count() for m in ESCALATED)
    assert escalated  # the same complainant again: a repeat, escalated one level
    response = as_staff(bank.office).get("/api/v1/cases", {"figure": "escalated"})
    assert response.json()["count"] == escalated


def test_satisfaction_counts_a_complaint_once_by_its_latest_follow_up_on_the_dashboard_and_in_performance(
    bank, as_staff
):
    """Called back twice (dissatisfied, then satisfied after more work), a complaint is one satisfied case:
    the dashboard's rate and performance's rate are the same figure, and the register finds that case."""
    case = bank.register(
        bank.teller,
        subject_unit="A1-1",
        received_at=dt.datetime(2026, 11, 5, 10, 30, tzinfo=BEIJING),
        complainant_phone="13922228888",
    )
    case = perform("accept", bank.teller, case)
    case = perform("reply", bank.teller, case, REPLY)
    case = perform("follow_up", bank.teller, case, {"satisfaction": "dissatisfied"})
    case = perform("follow_up", bank.teller, case, {"satisfaction": "satisfied"})
    client = as_staff(bank.office)
    [line] = get(client, "/api/v1/reports/performance", unit="A1")["units"]
    assert line["satisfaction_rate"] == 1.0
    dashboard = get(client, "/api/v1/reports/dashboard", unit="A1")
    rate = next(r for r in dashboard["rates"] if r["name"] == "satisfaction")
    assert rate["percent"] == 100.0
    assert {part["key"]: part["count"] for part in rate["parts"]} == {
        "follow_ups_satisfied": 1,
        "follow_ups_basically_satisfied": 0,
        "follow_ups_dissatisfied": 0,
    }
    listed = client.get("/api/v1/cases", {"figure": "follow_ups_satisfied", "registered_in": "A1"}).json()
    assert [c["number"] for c in listed["items"]] == [case.number]
