"""The plan's clocks (P1 五, R9.1): arrive, answer_customer, report_to_group in continuous hours from receipt,
beside the statutory clocks, the earliest binding; lengths from the plan; met by the case's actions, warned
and breached by the sweeper."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from redress.deadlines.models import Clock
from redress.deadlines.services import case_deadlines
from redress.lifecycle import perform
from redress.lifecycle.sweeper import sweep
from redress.testing import active_plan

pytestmark = pytest.mark.django_db
BJ = ZoneInfo("Asia/Shanghai")


def at(m, d, hh, mm=0, y=2026):
    return dt.datetime(y, m, d, hh, mm, tzinfo=BJ)


def clocks(case):
    return {c.name: c for c in Clock.objects.filter(case=case).exclude(state="stopped")}


def weekend_plan(bank, **limits):
    return active_plan(bank, starts_at=at(9, 30, 0), ends_at=at(10, 8, 0), **limits)


@pytest.mark.parametrize(
    ("received", "arrive", "answer", "report"),
    [
        # Across midnight into National Day (a public holiday): continuous hours, nothing skipped.
        (at(9, 30, 22, 30), at(9, 30, 23, 30), at(10, 1, 2, 30), at(10, 1, 6, 30)),
        # Inside the holiday, a Saturday night.
        (at(10, 3, 23, 15), at(10, 4, 0, 15), at(10, 4, 3, 15), at(10, 4, 7, 15)),
    ],
)
def test_plan_clocks_count_continuous_hours_across_midnight_and_holidays(
    bank, received, arrive, answer, report
):
    weekend_plan(bank)
    case = bank.register(received_at=received, plan_type="event_caused")
    c = clocks(case)
    assert (c["arrive"].due_at, c["answer_customer"].due_at, c["report_to_group"].due_at) == (
        arrive,
        answer,
        report,
    )
    assert c["arrive"].policy.code == "bank.emergency"


def test_plan_clocks_stand_beside_the_statutory_one_and_the_earliest_binds(bank):
    weekend_plan(bank)
    case = bank.register(received_at=at(9, 30, 22, 30))
    c = clocks(case)
    # The bank's own 3-working-day reply gives way to the plan; the statutory decision stays.
    assert "reply" not in c and "decision" in c
    assert c["answer_customer"].binding and not c["decision"].binding
    shown = {d["clock"] for d in case_deadlines(case, now=at(9, 30, 23))}
    assert {"arrive", "answer_customer", "report_to_group", "decision"} <= shown


def test_the_lengths_are_the_plans_own(bank):
    weekend_plan(bank, arrive_hours=2, answer_hours=6, report_hours=12)
    c = clocks(bank.register(received_at=at(10, 2, 9)))
    assert c["arrive"].due_at == at(10, 2, 11)
    assert c["answer_customer"].due_at == at(10, 2, 15)
    assert c["report_to_group"].due_at == at(10, 2, 21)


def test_a_case_outside_the_plan_follows_the_ordinary_policies(bank):
    weekend_plan(bank)
    outside = clocks(bank.register(received_at=at(9, 29, 22, 30)))  # before the window
    assert "arrive" not in outside and outside["reply"].policy.code == "bank.ordinary"
    other_unit = clocks(bank.register(bank.outsider, received_at=at(10, 2, 9), subject_unit="B1-1"))
    assert "arrive" not in other_unit and "reply" in other_unit


def test_contact_meets_arrive_and_the_sweeper_breaches_an_answer_not_given(bank):
    weekend_plan(bank)
    case = bank.register(received_at=at(10, 2, 9))
    case = perform("accept", bank.teller, case, {})
    perform(
        "contact", bank.teller, case, {"at": at(10, 2, 9, 40), "method": "phone", "note": "已到场安抚客户"}
    )
    sweep(at(10, 2, 13, 1))
    c = clocks(case)
    assert c["arrive"].state == "met"
    assert c["answer_customer"].state == "breached"
    assert c["report_to_group"].state == "running"
