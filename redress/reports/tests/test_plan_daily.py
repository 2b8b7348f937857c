"""An emergency plan's daily classified report (P1 六、7, R9.4): the daily report's counts restricted to the
plan's cases, per covered unit and rolled up for the province, and the units that have not reported (by
their duty log entry) by the day's deadline. Counted by hand."""

import datetime as dt

import pytest
from django.utils import timezone

from redress.api.tests.conftest import bearer_client
from redress.lifecycle import perform
from redress.plans.models import DutyLog
from redress.reports.figures import BEIJING
from redress.reports.plan_daily import deadline_of, not_reported
from redress.testing import active_plan

pytestmark = pytest.mark.django_db

CLASSES = {"business_category": "银行卡/借记卡使用", "reason": "服务态度及服务质量"}


def _register(bank, when, phone, actor=None, **overrides):
    return bank.register(
        actor, received_at=when, complainant_phone=phone, complainant_id_number="", **overrides
    )


def test_the_plans_daily_report_counts_only_the_plans_cases_per_unit_and_for_the_province(bank):
    when = timezone.now() - dt.timedelta(minutes=10)
    day = when.astimezone(BEIJING).date()
    _register(bank, when, "13900000011")  # before the plan: an ordinary case, not in the plan's report
    plan = active_plan(bank)
    _register(bank, when, "13900000012", plan_type="long_wait")
    closing = _register(bank, when, "13900000013", plan_type="atm_unavailable")
    closing = perform("accept", bank.teller, closing, {})
    # An ATM complaint closes once the other bank's ATM the customer was sent to is recorded (P1 四(三)5).
    closing = perform("direct_to_other_atm", bank.teller, closing, {"where": "工商银行ATM"})
    closing = perform("reply", bank.teller, closing, {"method": "phone", "content": "已引导客户至他行ATM。"})
    perform("close", bank.teller, closing, {"responsibility": "not_at_fault", **CLASSES})
    # Registered at an outlet the plan does not cover: an ordinary case.
    _register(bank, when, "13900000014", bank.outsider, plan_type="general", subject_unit="B1-1")

    response = bearer_client(bank.office).get(f"/api/v1/plans/{plan.pk}/daily?date={day:%Y-%m-%d}")
    assert response.status_code == 200, response.json()
    report = response.json()
    (branch,) = report["units"]
    assert branch["unit"] == "A"
    assert (branch["registered"], branch["closed"], branch["open"]) == (2, 1, 1)
    assert sum(branch["by_stat_class"].values()) == 1  # the closed one, in its class
    lines = {line["unit"]: line["registered"] for line in branch["children"]}
    assert lines["A1"] == 2
    province = report["province"]
    assert province["unit"] == "P" and province["registered"] == 2
    assert {line["unit"]: line["registered"] for line in province["children"]}["A"] == 2
    assert [u["code"] for u in report["not_reported"]] == ["A", "A1-1", "A1-2"]
    # The bank's own daily report of the same day counts every case: the plan's restricts it.
    whole = bearer_client(bank.office).get(f"/api/v1/reports/daily?unit=A&date={day:%Y-%m-%d}").json()
    assert whole["registered"] == 3


def test_a_unit_reports_by_its_duty_log_entry_written_by_the_deadline(bank):
    plan = active_plan(bank)
    day = timezone.localdate()
    entry = {"date": day.isoformat(), "on_duty": "王主任", "received": "来电3个", "handled": "已解释"}
    response = bearer_client(bank.teller).post(
        f"/api/v1/plans/{plan.pk}/duty_log", entry, content_type="application/json"
    )
    assert response.status_code == 201
    assert [u.code for u in not_reported(plan, day)] == ["A", "A1-2"]
    # An entry written after the day's deadline does not count as that day's report.
    DutyLog.objects.create(
        plan=plan, unit=bank.outlet_a1_2, day=day, on_duty="李经理", received="无", handled="无",
        by=bank.teller, at=deadline_of(day) + dt.timedelta(minutes=5),
    )  # fmt: skip
    assert [u.code for u in not_reported(plan, day)] == ["A", "A1-2"]


def test_an_outsider_does_not_see_the_plans_daily_report(bank):
    plan = active_plan(bank)
    day = timezone.localdate().isoformat()
    assert bearer_client(bank.outsider).get(f"/api/v1/plans/{plan.pk}/daily?date={day}").status_code == 404


def test_a_day_outside_the_plans_window_is_refused_by_name(bank):
    plan = active_plan(bank)
    far = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    answer = bearer_client(bank.office).get(f"/api/v1/plans/{plan.pk}/daily?date={far}")
    assert answer.status_code == 422 and set(answer.json()["errors"]) == {"date"}
    # The edge the fuzzer found: a year whose Beijing offset was not yet whole hours.
    assert bearer_client(bank.office).get(f"/api/v1/plans/{plan.pk}/daily?date=0076-09-24").status_code == 422
