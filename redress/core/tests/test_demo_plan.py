"""The demo bank's past cut-over weekend (issue 12): a closed emergency plan over the Wuhan branch with its
complaints, each of a plan type and handled as the type asks."""

import pytest

from redress.core.demo import load_demo
from redress.plans.models import EmergencyPayment, Plan, PlanCase, VerbalLossReport

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_past_cut_over_weekend_plan_with_its_cases():
    load_demo(cases=320)
    plan = Plan.objects.get()
    assert plan.state == "closed" and plan.approved_by.username == "leader"
    assert list(plan.events.values_list("kind", flat=True)) == [
        "drafted", "statement_approved", "statement_approved", "approved", "activated", "closed"
    ]  # fmt: skip
    members = PlanCase.objects.filter(plan=plan)
    assert members.count() == 8
    assert {"verbal_loss_report", "emergency_payment", "repeat_or_group"} <= set(
        members.values_list("plan_type", flat=True)
    )
    assert EmergencyPayment.objects.get().amount == 5000
    assert VerbalLossReport.objects.exists()
    # Every plan case started the plan's clocks.
    for member in members.select_related("case"):
        assert {"arrive", "answer_customer", "report_to_group"} <= set(
            member.case.clocks.values_list("name", flat=True)
        )
