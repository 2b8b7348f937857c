"""The referring body of a referred complaint (P3 第十条 回复转来部门; issue 15): recorded with its reference
and deadline, its deadline counted by the clock `referrer_reply` (warned and breached by the sweeper), the
reply sent back recorded, and no close before that reply."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from redress.api.tests.conftest import bearer_client
from redress.cases.choices import Channel, EventKind, State
from redress.cases.models import CaseEvent
from redress.common.errors import FieldErrors
from redress.deadlines.choices import ClockState
from redress.deadlines.models import Clock
from redress.lifecycle import ActionForbidden, allowed_actions, perform
from redress.lifecycle.sweeper import sweep
from redress.referrals.models import Referral
from redress.testing import CLASSES

pytestmark = pytest.mark.django_db


def _referred(bank):
    case = bank.register(channel=Channel.REGULATOR)
    return perform("accept", bank.teller, case)


def _due(days: float = 5) -> dt.datetime:
    return (timezone.now() + dt.timedelta(days=days)).replace(microsecond=0)


def _record(bank, case, due=None):
    return perform(
        "record_referral",
        bank.teller,
        case,
        {"body": "湖北监管局", "reference": "鄂金转〔2026〕12号", "due_at": (due or _due()).isoformat()},
    )


def test_the_referring_body_is_recorded_through_the_api_with_a_clock_due_at_its_deadline(bank):
    case = _referred(bank)
    due = _due(5)
    answer = bearer_client(bank.teller).post(
        f"/api/v1/cases/{case.number}/record_referral",
        {"body": "湖北监管局", "reference": "鄂金转〔2026〕12号", "due_at": due.isoformat()},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    referral = Referral.objects.get(case=case)
    assert (referral.body, referral.reference, referral.due_at) == ("湖北监管局", "鄂金转〔2026〕12号", due)
    clock = Clock.objects.get(case=case, name="referrer_reply")
    assert clock.due_at == due and clock.state == ClockState.RUNNING and clock.binding
    assert clock.warn_at == due - dt.timedelta(hours=24)  # a day before the body's deadline
    event = CaseEvent.objects.get(case=case, kind=EventKind.REFERRAL_RECORDED)
    assert event.actor == bank.teller and event.data["body"] == "湖北监管局"


def test_the_referral_action_is_offered_only_for_referred_channels_and_only_once(bank):
    walk_in = perform("accept", bank.teller, bank.register())
    assert "record_referral" not in allowed_actions(bank.teller, walk_in)
    case = _referred(bank)
    assert "record_referral" in allowed_actions(bank.teller, case)
    assert "reply_to_referrer" not in allowed_actions(bank.teller, case)
    case = _record(bank, case)
    assert "record_referral" not in allowed_actions(bank.teller, case)
    assert "reply_to_referrer" in allowed_actions(bank.teller, case)


def test_a_deadline_in_the_past_is_refused_and_nothing_is_written(bank):
    case = _referred(bank)
    with pytest.raises(FieldErrors) as refused:
        perform("record_referral", bank.teller, case, {"body": "湖北监管局", "due_at": "2020-01-01T09:00"})
    assert "due_at" in refused.value.errors
    assert not Referral.objects.exists() and not Clock.objects.filter(name="referrer_reply").exists()


def test_staff_of_another_branch_may_not_record_the_referral(bank):
    case = _referred(bank)
    with pytest.raises(ActionForbidden):
        perform("record_referral", bank.outsider, case, {"body": "x", "due_at": _due().isoformat()})


def test_the_sweeper_warns_the_day_before_and_breaches_after_the_bodys_deadline(bank):
    case = _record(bank, _referred(bank))
    clock = Clock.objects.get(case=case, name="referrer_reply")
    sweep(clock.warn_at + dt.timedelta(minutes=1))
    assert Clock.objects.get(pk=clock.pk).state == ClockState.WARNING
    assert CaseEvent.objects.filter(case=case, kind=EventKind.CLOCK_WARNED, data__clock="referrer_reply")
    sweep(clock.due_at + dt.timedelta(minutes=1))
    assert Clock.objects.get(pk=clock.pk).state == ClockState.BREACHED
    assert CaseEvent.objects.filter(case=case, kind=EventKind.CLOCK_BREACHED, data__clock="referrer_reply")


def test_the_reply_sent_back_is_recorded_and_meets_the_clock(bank):
    case = _record(bank, _referred(bank))
    perform("reply_to_referrer", bank.teller, case, {"reply": "已答复客户，客户满意。"})
    referral = Referral.objects.get(case=case)
    assert referral.answered and referral.reply == "已答复客户，客户满意。"
    assert referral.replied_by == bank.teller
    assert Clock.objects.get(case=case, name="referrer_reply").state == ClockState.MET
    with pytest.raises(Exception):  # noqa: B017 - nothing left to answer: not offered, refused
        perform("reply_to_referrer", bank.teller, case, {"reply": "再次答复"})


def test_a_referred_case_does_not_close_until_its_referring_body_is_answered(bank):
    case = _record(bank, _referred(bank))
    case = perform("reply", bank.teller, case, {"method": "phone", "content": "经核查，已为您处理。"})
    with pytest.raises(FieldErrors) as refused:
        perform("close", bank.teller, case, {**CLASSES, "responsibility": "at_fault"})
    assert "湖北监管局" in refused.value.errors["referral"][0]
    case = perform("reply_to_referrer", bank.teller, case, {"reply": "已处理完毕。"})
    case = perform("close", bank.teller, case, {**CLASSES, "responsibility": "at_fault"})
    assert case.state == State.CLOSED


def test_the_case_page_shows_the_referring_body_its_deadline_and_whether_it_is_answered(client, bank):
    case = _record(bank, _referred(bank))
    client.force_login(bank.teller)
    page = client.get(f"/cases/{case.number}").content.decode()
    assert "转来部门" in page and "湖北监管局" in page and "待本行回复" in page
    perform("reply_to_referrer", bank.teller, case, {"reply": "已处理完毕，客户满意。"})
    page = client.get(f"/cases/{case.number}").content.decode()
    assert "已处理完毕，客户满意。" in page and "待本行回复" not in page


def test_a_calendar_change_never_moves_the_date_the_referring_body_set(bank):
    from redress.deadlines.services import recompute

    due = _due(9)
    case = _record(bank, _referred(bank), due=due)
    recompute(Clock.objects.filter(case=case))
    assert Clock.objects.get(case=case, name="referrer_reply").due_at == due
