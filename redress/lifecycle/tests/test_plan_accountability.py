"""Accountability under an emergency plan (P1 三、3, 六、6): a plan case that reaches head office, comes from
an external channel, repeats or overruns a plan clock gives an accountability record (the escalation's own
kind), once; at close the office records whether the fault was coordination or explanation and speed."""

import datetime as dt

import pytest
from django.utils import timezone

from redress.cases.models import CaseEvent
from redress.escalation.models import Accountability
from redress.lifecycle import FieldErrors, perform
from redress.lifecycle.emergency import plan_accountability
from redress.lifecycle.sweeper import sweep
from redress.lifecycle.triggers import escalate
from redress.plans.models import PlanCase
from redress.testing import active_plan

pytestmark = pytest.mark.django_db


def rules(case):
    return sorted(Accountability.objects.filter(case=case).values_list("rule", flat=True))


def test_a_plan_case_that_reaches_head_office_gives_one_record(bank):
    active_plan(bank)
    case = perform("accept", bank.teller, bank.register(plan_type="long_wait"), {})
    assert rules(case) == []
    case = escalate(case, "head_office", "客户越级至总行", "manual_test")
    assert rules(case) == ["plan_head_office"]
    record = Accountability.objects.get(case=case)
    assert record.unit == case.holder_unit
    assert plan_accountability(case) == []  # once, however many transitions follow
    assert rules(case) == ["plan_head_office"]


def test_a_plan_case_from_an_external_channel_gives_a_record_at_registration(bank):
    active_plan(bank)
    case = bank.register(plan_type="general", channel="regulator")
    assert rules(case) == ["plan_external_channel"]


def test_a_repeat_plan_case_gives_a_record(bank):
    active_plan(bank)
    _replied(bank, bank.register(plan_type="long_wait"))  # answered: a second complaint is a repeat
    again = bank.register(plan_type="long_wait")
    again.refresh_from_db()
    assert again.previous_case_id is not None
    assert "plan_repeat" in rules(again)


def test_an_overrun_plan_clock_gives_a_record(bank):
    active_plan(bank)
    received = timezone.now() - dt.timedelta(hours=2)
    case = bank.register(plan_type="atm_unavailable", received_at=received)
    assert rules(case) == []
    sweep(timezone.now())  # the 1-hour arrival clock has run out
    assert rules(case) == ["plan_clock_overrun"]
    sweep(timezone.now() + dt.timedelta(hours=9))  # the other plan clocks run out too: still one record
    assert rules(case) == ["plan_clock_overrun"]


def test_the_same_facts_outside_a_plan_give_no_plan_record(bank):
    case = bank.register(channel="regulator")
    assert not [r for r in rules(case) if r.startswith("plan_")]


classes = {"business_category": "银行卡/借记卡使用", "reason": "服务态度及服务质量"}


def _replied(bank, case):
    case = perform("accept", bank.teller, case, {})
    return perform("reply", bank.teller, case, {"method": "phone", "content": "已向客户解释并办结。"})


@pytest.mark.parametrize("fault", ["coordination", "explanation_speed"])
def test_at_close_the_office_records_the_fault_of_a_plan_case_with_records(bank, fault):
    active_plan(bank)
    case = _replied(bank, bank.register(plan_type="general", channel="regulator"))
    with pytest.raises(FieldErrors) as err:
        perform("close", bank.teller, case, {"responsibility": "at_fault", **classes})
    assert list(err.value.errors) == ["plan_fault"]
    case = perform("close", bank.teller, case, {"responsibility": "at_fault", "plan_fault": fault, **classes})
    assert PlanCase.objects.get(case=case).fault == fault
    assert CaseEvent.objects.get(case=case, kind="closed").data["plan_fault"] == fault


def test_the_fault_is_asked_only_where_the_plan_gave_records(bank):
    ordinary = _replied(bank, bank.register())  # before the plan: not a plan case
    with pytest.raises(FieldErrors) as err:
        perform("close", bank.teller, ordinary, {"responsibility": "at_fault", "plan_fault": "coordination"})
    assert "plan_fault" in err.value.errors
    active_plan(bank)
    quiet = _replied(
        bank, bank.register(plan_type="general", complainant_id_number="", complainant_phone="13900002222")
    )
    perform("close", bank.teller, quiet, {"responsibility": "at_fault", **classes})
    assert PlanCase.objects.get(case=quiet).fault == ""
