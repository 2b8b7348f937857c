"""The demo bank's past cut-over weekend (issue 12): a closed emergency plan over the Wuhan branch with its
complaints, each of a plan type and handled as the type asks."""

import pytest

from redress.core.demo import _CUT_OVER_CASES, load_demo
from redress.organisation.choices import level_above
from redress.plans.models import (
    AggressiveCustomerRecord,
    AtmDirection,
    BusinessLineReport,
    CompensationClaim,
    Coordination,
    CrossProvinceReport,
    EmergencyPayment,
    Plan,
    PlanCase,
    PlanPayout,
    VerbalLossReport,
    WaitSoothing,
)

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_past_cut_over_weekend_plan_with_its_cases_each_handled_as_its_type_asks():
    # One demo (loading it takes minutes), the checks in turn: one plan case in forty, every type's.
    load_demo(cases=40 * len(_CUT_OVER_CASES))
    plan = Plan.objects.get()
    assert plan.state == "closed" and plan.approved_by.username == "leader"
    assert list(plan.events.values_list("kind", flat=True)) == [
        "drafted", "statement_approved", "statement_approved", "approved", "activated", "closed"
    ]  # fmt: skip
    members = PlanCase.objects.filter(plan=plan)
    assert members.count() == len(_CUT_OVER_CASES) == 14
    assert {"verbal_loss_report", "emergency_payment", "repeat_or_group", "other_incident"} <= set(
        members.values_list("plan_type", flat=True)
    )
    assert EmergencyPayment.objects.get().amount == 5000
    assert VerbalLossReport.objects.exists()
    # Every plan case started the plan's clocks.
    for member in members.select_related("case"):
        assert {"arrive", "answer_customer", "report_to_group"} <= set(
            member.case.clocks.values_list("name", flat=True)
        )
    _the_cases_have_the_records_their_types_ask_for()
    _a_case_has_an_accountability_record_and_its_fault_found_at_close()


def _the_cases_have_the_records_their_types_ask_for():
    of_type = {m.plan_type: m.case for m in PlanCase.objects.select_related("case")}
    atm = AtmDirection.objects.get(case=of_type["atm_unavailable"])
    assert atm.where and atm.fee_decision == "refunded" and atm.fee_refunded == 4
    assert WaitSoothing.objects.get(case=of_type["long_wait"]).business_done
    for anomaly in ("customer_data_anomaly", "transaction_anomaly"):
        assert BusinessLineReport.objects.get(case=of_type[anomaly]).business_line.is_department
    assert CompensationClaim.objects.filter(case=of_type["compensation"]).exists()
    assert PlanPayout.objects.get(case=of_type["compensation"]).approval.business_line.is_department
    stormed = AggressiveCustomerRecord.objects.get(case=of_type["aggressive_customer"])
    assert stormed.stormed and stormed.called == "local_police"
    assert of_type["aggressive_customer"].escalations.filter(trigger="plan_aggressive_customer").exists()
    assert Coordination.objects.filter(case=of_type["mental_health"], via="family").exists()
    report = CrossProvinceReport.objects.get(case=of_type["cross_province"])
    assert report.to_level == level_above(report.from_level)
    assert of_type["cross_province"].escalations.filter(trigger="plan_cross_province").exists()


def _a_case_has_an_accountability_record_and_its_fault_found_at_close():
    member = PlanCase.objects.select_related("case").get(plan_type="media_contact")
    assert member.case.state == "closed" and member.fault == "explanation_speed"
    assert member.case.accountabilities.filter(rule="plan_external_channel").exists()
    closed = member.case.events.get(kind="closed")
    assert closed.data["plan_fault"] == "explanation_speed"
