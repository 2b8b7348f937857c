"""The plans' API (issue 12): declare, approve, activate, close; a plan case's answer names its plan and
type and shows the plan's clocks."""

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
