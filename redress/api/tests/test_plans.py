"""The plans' API (issue 12): declare, approve, activate, close; a plan case's answer names its plan and
type and shows the plan's clocks."""

import datetime as dt

import pytest

from redress.testing import active_plan

from .conftest import bearer_client, case_payload

pytestmark = pytest.mark.django_db

BODY = {
    "name": "核心系统切换应急预案",
    "event": "核心系统切换",
    "starts_at": "2026-12-01T00:00:00+08:00",
    "ends_at": "2026-12-31T00:00:00+08:00",
    "units": ["A"],
    "limits": {"arrive_hours": 1, "answer_hours": 4, "report_hours": 8},
    "hotline": "027-96000",
    "work_groups": [{"level": "branch", "unit": "A", "name": "甲分行投诉受理工作小组"}],
}


def test_a_plan_is_declared_approved_activated_and_closed_through_the_api(bank):
    office, leader = bearer_client(bank.office), bearer_client(bank.province_group)
    response = office.post("/api/v1/plans", BODY, content_type="application/json")
    assert response.status_code == 201, response.json()
    plan = response.json()
    assert plan["state"] == "draft" and plan["units"] == ["A"] and plan["covering_unit"] == "A"
    assert plan["limits"] == {"arrive_hours": "1", "answer_hours": "4", "report_hours": "8"}
    pid = plan["id"]
    assert office.post(f"/api/v1/plans/{pid}/approve").status_code == 403
    assert leader.post(f"/api/v1/plans/{pid}/approve").json()["state"] == "approved"
    assert office.post(f"/api/v1/plans/{pid}/activate").json()["state"] == "active"
    assert office.post(f"/api/v1/plans/{pid}/activate").status_code == 409
    assert office.post(f"/api/v1/plans/{pid}/close").json()["state"] == "closed"
    events = [e["kind"] for e in bearer_client(bank.teller).get(f"/api/v1/plans/{pid}").json()["events"]]
    assert events == ["drafted", "approved", "activated", "closed"]


def test_a_bad_plan_is_refused_field_by_field(bank):
    body = {**BODY, "units": ["NOPE"], "ends_at": "2026-11-01T00:00:00+08:00"}
    response = bearer_client(bank.office).post("/api/v1/plans", body, content_type="application/json")
    assert response.status_code == 422
    assert {"units", "ends_at"} <= set(response.json()["errors"])


def test_a_teller_may_not_declare_and_an_outsider_does_not_see_a_plan(bank):
    assert (
        bearer_client(bank.teller).post("/api/v1/plans", BODY, content_type="application/json").status_code
        == 403
    )
    plan = active_plan(bank)
    assert bearer_client(bank.outsider).get(f"/api/v1/plans/{plan.pk}").status_code == 404
    assert bearer_client(bank.teller).get(f"/api/v1/plans/{plan.pk}").status_code == 200


def test_a_plan_case_answer_shows_its_plan_type_and_plan_clocks(bank):
    plan = active_plan(bank)
    body = case_payload(bank, plan_type="atm_unavailable")
    answer = bearer_client(bank.teller).post("/api/v1/cases", body, content_type="application/json").json()
    assert (answer["plan"], answer["plan_type"]) == (plan.pk, "atm_unavailable")
    assert {"arrive", "answer_customer", "report_to_group"} <= {d["clock"] for d in answer["deadlines"]}
    listed = bearer_client(bank.teller).get("/api/v1/cases").json()["items"][0]
    assert listed["plan"] == plan.pk


def test_a_case_outside_a_plan_answers_null_and_an_unknown_type_is_refused(bank):
    client = bearer_client(bank.teller)
    answer = client.post("/api/v1/cases", case_payload(bank), content_type="application/json").json()
    assert (answer["plan"], answer["plan_type"]) == (None, None)
    refused = client.post(
        "/api/v1/cases", case_payload(bank, plan_type="panic"), content_type="application/json"
    )
    assert refused.status_code == 422 and "plan_type" in refused.json()["errors"]


def test_the_dashboard_shows_the_open_plan_cases_by_type_and_unit_breaches_and_escalations(bank):
    import datetime as dt

    from django.utils import timezone

    from redress.lifecycle.sweeper import sweep

    plan = active_plan(bank)
    five_hours_ago = timezone.now() - dt.timedelta(hours=5)
    bank.register(plan_type="atm_unavailable", received_at=five_hours_ago, subject_staff="subject")
    bank.register(plan_type="repeat_or_group", complainant_phone="13900001111", complainant_id_number="")
    bank.register(bank.outsider, subject_unit="B1-1")  # not covered: not on the board
    sweep()
    board = bearer_client(bank.branch_group).get(f"/api/v1/plans/{plan.pk}/dashboard").json()
    assert board["open_cases"] == 2
    assert {row["plan_type"]: row["count"] for row in board["by_type"]} == {
        "atm_unavailable": 1,
        "repeat_or_group": 1,
    }
    assert board["by_unit"] == [{"unit": "A1-1", "name": "甲一支行营业部", "count": 2}]
    assert {b["clock"] for b in board["breached"]} >= {"arrive", "answer_customer"}
    assert len(board["escalated_to_province"]) == 1
    assert board["without_duty_log"] == ["A1-1", "A1-2"]
    # The person complained about does not see the case about them; an outsider not the plan.
    assert bearer_client(bank.subject).get(f"/api/v1/plans/{plan.pk}/dashboard").json()["open_cases"] == 1
    assert bearer_client(bank.outsider).get(f"/api/v1/plans/{plan.pk}/dashboard").status_code == 404


def test_a_covered_unit_keeps_its_duty_log_and_leaves_the_list_of_units_without_one(bank):
    from django.utils import timezone

    plan = active_plan(bank)
    entry = {"date": timezone.localdate().isoformat(), "on_duty": "王主任", "received": "来电3个",
             "handled": "已解释", "handover": ""}  # fmt: skip
    client = bearer_client(bank.teller)
    response = client.post(f"/api/v1/plans/{plan.pk}/duty_log", entry, content_type="application/json")
    assert response.status_code == 201 and response.json()["unit"] == "A1-1"
    board = client.get(f"/api/v1/plans/{plan.pk}/dashboard").json()
    assert board["without_duty_log"] == ["A1-2"]
    refused = client.post(
        f"/api/v1/plans/{plan.pk}/duty_log", {**entry, "date": "2020-01-01", "handled": ""},
        content_type="application/json",
    )  # fmt: skip
    assert refused.status_code == 422 and {"date", "handled"} <= set(refused.json()["errors"])
    outside = bearer_client(bank.province_group).post(
        f"/api/v1/plans/{plan.pk}/duty_log", entry, content_type="application/json"
    )
    assert outside.status_code == 403


def test_an_extension_past_a_year_or_with_an_offset_the_database_cannot_store_is_refused_or_kept(bank):
    from redress.testing import active_plan

    plan = active_plan(bank)
    client = bearer_client(bank.office)
    far = client.post(
        f"/api/v1/plans/{plan.pk}/extend",
        {"ends_at": "4655-02-05T07:34:20+18:14"},
        content_type="application/json",
    )
    assert far.status_code == 422 and set(far.json()["errors"]) == {"ends_at"}
    odd = (plan.ends_at + dt.timedelta(days=2)).astimezone(dt.timezone(dt.timedelta(hours=18, minutes=14)))
    kept = client.post(
        f"/api/v1/plans/{plan.pk}/extend", {"ends_at": odd.isoformat()}, content_type="application/json"
    )
    assert kept.status_code == 200, kept.content
