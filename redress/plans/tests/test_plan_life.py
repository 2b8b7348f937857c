"""A plan's life: draft → approved (a leader of the covering level) → active → closed, audited; which
cases belong to it; its statements, versioned."""

import datetime as dt

import pytest
from django.utils import timezone

from redress.common.errors import FieldErrors
from redress.plans import services as plans
from redress.plans.choices import PlanState
from redress.plans.models import PlanCase
from redress.testing import active_plan

pytestmark = pytest.mark.django_db


def data(bank, **overrides):
    now = timezone.now()
    values = {
        "name": "切换预案",
        "event": "核心系统切换",
        "starts_at": now,
        "ends_at": now + dt.timedelta(days=2),
        "units": ["A"],
    }
    values.update(overrides)
    return plans.PlanData(**values)


def test_a_plan_goes_from_draft_through_approval_and_activation_to_close_with_its_events(bank):
    plan = plans.draft(bank.office, data(bank, units=["A1", "A1-2"]))
    assert plan.state == PlanState.DRAFT and plan.unit == bank.sub_branch_a1
    plan = plans.approve(bank.province_group, plan)
    plan = plans.activate(bank.office, plan)
    plan = plans.extend(bank.office, plan, plan.ends_at + dt.timedelta(hours=12))
    plan = plans.close(bank.office, plan)
    assert plan.state == PlanState.CLOSED
    kinds = list(plan.events.values_list("kind", "actor__username"))
    assert kinds == [
        ("drafted", "office"),
        ("approved", "province_group"),
        ("activated", "office"),
        ("extended", "office"),
        ("closed", "office"),
    ]


def test_only_a_leader_at_or_above_the_covering_unit_and_not_the_drafter_approves(bank):
    plan = plans.draft(bank.office, data(bank))
    for refused in (bank.teller, bank.branch_group, bank.office):
        with pytest.raises(plans.PlanRefused) as err:
            plans.approve(refused, plan)
        assert err.value.status == 403
    plan = plans.draft(bank.province_group, data(bank))
    with pytest.raises(plans.PlanRefused):
        plans.approve(bank.province_group, plan)  # the drafter


def test_a_plan_cannot_be_activated_before_approval_nor_closed_twice(bank):
    plan = plans.draft(bank.office, data(bank))
    with pytest.raises(plans.PlanRefused) as err:
        plans.activate(bank.office, plan)
    assert err.value.status == 409
    plan = active_plan(bank)
    plans.close(bank.office, plan)
    with pytest.raises(plans.PlanRefused):
        plans.close(bank.office, plan)


def test_a_draft_with_bad_fields_is_refused_field_by_field_and_nothing_is_written(bank):
    now = timezone.now()
    with pytest.raises(FieldErrors) as err:
        plans.draft(
            bank.office,
            data(
                bank, name="", ends_at=now - dt.timedelta(hours=1), units=["NOPE"], limits={"arrive_hours": 0}
            ),
        )
    assert set(err.value.errors) == {"name", "ends_at", "units", "limits.arrive_hours"}
    assert not plans.Plan.objects.exists()


def test_an_extension_must_end_later(bank):
    plan = active_plan(bank)
    with pytest.raises(FieldErrors):
        plans.extend(bank.office, plan, plan.ends_at - dt.timedelta(hours=1))


def test_a_case_at_a_covered_unit_inside_the_window_joins_the_plan_with_its_type(bank):
    plan = active_plan(bank, units=("A",))
    case = bank.register(plan_type="long_wait")
    member = PlanCase.objects.get(case=case)
    assert member.plan == plan and member.plan_type == "long_wait"
    assert PlanCase.objects.get(case=bank.register()).plan_type == "general"


def test_a_case_outside_the_covered_units_or_the_window_or_an_inactive_plan_joins_none(bank):
    plan = active_plan(bank, units=("A1-2",))
    assert not PlanCase.objects.filter(case=bank.register(plan_type="long_wait")).exists()  # at A1-1
    before = plan.starts_at - dt.timedelta(hours=1)
    outlet_a1_2_teller = bank.teller
    outlet_a1_2_teller.unit = bank.outlet_a1_2
    outlet_a1_2_teller.save()
    assert not PlanCase.objects.filter(case=bank.register(received_at=before)).exists()
    assert PlanCase.objects.filter(case=bank.register()).exists()
    plans.close(bank.office, plan)
    assert not PlanCase.objects.filter(case=bank.register()).exists()


def test_an_unknown_plan_type_is_refused(bank):
    with pytest.raises(FieldErrors) as err:
        bank.register(plan_type="panic")
    assert "plan_type" in err.value.errors


def test_statements_are_versioned_per_type_and_approved_by_the_work_group(bank):
    plan = active_plan(bank)
    first = plans.approve_statement(bank.branch_group, plan, "atm_unavailable", "系统切换期间请使用他行ATM。")
    second = plans.approve_statement(
        bank.branch_group, plan, "atm_unavailable", "切换期间他行ATM取款手续费另行处理。"
    )
    assert (first.version, second.version) == (1, 2)
    assert [s.version for s in plans.current_statements(plan)] == [2]
    with pytest.raises(plans.PlanRefused):
        plans.approve_statement(bank.teller, plan, "atm_unavailable", "随便说")


@pytest.mark.parametrize("hours", ["NaN", "Infinity", "-Infinity", "sNaN"])
def test_a_limit_that_is_not_a_number_of_hours_is_a_field_error(bank, hours):
    with pytest.raises(FieldErrors) as err:
        plans.draft(bank.office, data(bank, limits={"answer_hours": hours}))
    assert set(err.value.errors) == {"limits.answer_hours"}
    assert not plans.Plan.objects.exists()


def test_a_unit_code_holding_a_nul_is_named_unknown_not_looked_up(bank):
    with pytest.raises(FieldErrors) as err:
        plans.draft(bank.office, data(bank, units=["A\x00"], leading_department="B\x00"))
    assert set(err.value.errors) == {"units", "leading_department"}
    assert "A\ufffd" in err.value.errors["units"][0]
    assert not plans.Plan.objects.exists()
