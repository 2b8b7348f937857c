"""Oversight actions (issue 15 item 3): a supervision notice by hand, accountability with its sanction, an
investigation concluded, referral to the judicial authorities, a report outside the bank — who may, who may
not, and what is recorded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from redress.api.tests.conftest import bearer_client
from redress.cases.choices import InvestigationState
from redress.cases.models import CaseEvent, Investigation
from redress.common.errors import FieldErrors
from redress.escalation.models import Accountability, NoticeState, SupervisionNotice
from redress.lifecycle import ActionForbidden, allowed_actions, perform
from redress.lifecycle.sweeper import sweep
from redress.notifications.models import Notification
from redress.organisation.choices import Role
from redress.organisation.services import create_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def branch_leader(bank):
    return create_staff(username="leader", name="分管行长", unit=bank.branch_a, roles=[Role.LEADER_IN_CHARGE])


def _accepted(bank):
    return perform("accept", bank.teller, bank.register())


def test_a_higher_level_issues_a_supervision_notice_through_the_api_and_the_holder_is_told(bank):
    case = _accepted(bank)
    due = (timezone.now() + dt.timedelta(days=2)).replace(microsecond=0)
    answer = bearer_client(bank.office).post(
        f"/api/v1/cases/{case.number}/supervise",
        {"text": "请于两日内答复客户", "due_at": due.isoformat()},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    notice = SupervisionNotice.objects.get(case=case)
    assert (
        notice.to_unit == bank.outlet_a1_1 and notice.due_at == due and notice.reason == "请于两日内答复客户"
    )
    assert notice.issued_level == "sub_branch" and notice.state == NoticeState.OPEN
    told = set(
        Notification.objects.filter(event="supervision_notice").values_list("recipient__username", flat=True)
    )
    assert "outlet_head" in told
    # Not answered by its date: the sweeper treats it as any breached notice.
    sweep(due + dt.timedelta(minutes=1))
    assert SupervisionNotice.objects.get(pk=notice.pk).state == NoticeState.BREACHED


def test_a_notice_due_in_the_past_is_refused_and_nothing_is_written(bank):
    case = _accepted(bank)
    with pytest.raises(FieldErrors) as refused:
        perform("supervise", bank.office, case, {"text": "请答复", "due_at": "2020-01-01T09:00:00+08:00"})
    assert "due_at" in refused.value.errors
    assert not SupervisionNotice.objects.exists()


def test_only_those_above_the_holder_supervise(bank, branch_leader):
    case = _accepted(bank)
    assert "supervise" in allowed_actions(branch_leader, case)  # the branch above the outlet
    assert "supervise" not in allowed_actions(bank.outlet_head, case)  # the holder itself
    assert "supervise" not in allowed_actions(bank.teller, case)
    with pytest.raises(ActionForbidden):
        perform(
            "supervise", bank.teller, case, {"text": "x", "due_at": timezone.now() + dt.timedelta(days=1)}
        )


def test_accountability_is_recorded_with_its_sanction_by_the_office_only(bank):
    case = _accepted(bank)
    params = {"unit": "A1-1", "staff": "subject", "sanction": "notice", "note": "未按规定时限答复客户"}
    with pytest.raises(ActionForbidden):
        perform("hold_accountable", bank.teller, case, params)
    perform("hold_accountable", bank.office, case, params)
    record = Accountability.objects.get(case=case)
    assert (record.unit, record.staff, record.sanction, record.by) == (
        bank.outlet_a1_1,
        bank.subject,
        "notice",
        bank.office,
    )
    with pytest.raises(FieldErrors) as refused:  # the person must belong to the unit held responsible
        perform("hold_accountable", bank.office, case, {**params, "unit": "B1-1"})
    assert "staff" in refused.value.errors


def test_the_investigation_of_a_withdrawal_under_pressure_is_concluded(bank):
    case = perform("withdraw", bank.teller, _accepted(bank), {"voluntary": False, "reason": "被要求撤诉"})
    assert "conclude_investigation" in allowed_actions(bank.office, case)
    perform("conclude_investigation", bank.office, case, {"findings": "查实施压", "pressure_found": True})
    investigation = Investigation.objects.get(case=case)
    assert investigation.state == InvestigationState.CONCLUDED and investigation.findings == "查实施压"
    with pytest.raises(FieldErrors):  # nothing left open
        perform("conclude_investigation", bank.office, case, {"findings": "再次", "pressure_found": False})


def test_referral_and_external_report_are_recorded_for_the_office_and_leaders(bank, branch_leader):
    case = _accepted(bank)
    assert "refer_judicial" not in allowed_actions(bank.teller, case)
    perform("refer_judicial", branch_leader, case, {"authority": "江汉区公安分局", "note": "涉嫌冒名开户"})
    perform("report_externally", bank.office, case, {"to": "regulator", "note": "客户联系媒体，现报告如下。"})
    events = {e.kind: e.data for e in CaseEvent.objects.filter(case=case)}
    assert events["referred_judicial"]["authority"] == "江汉区公安分局"
    assert events["reported_externally"]["to"] == "regulator" and events["reported_externally"]["at"]


def test_a_notice_due_centuries_ahead_or_at_an_offset_postgresql_refuses_is_a_field_error_or_kept(bank):
    """Found by the fuzz run on PostgreSQL: "+22:02" (Python takes offsets to ±23:59, PostgreSQL to ±15:59)
    was a 500; a due time is read as the same moment in UTC, and one more than a year ahead is refused."""
    case = _accepted(bank)
    with pytest.raises(FieldErrors) as refused:
        perform("supervise", bank.office, case, {"text": "请答复", "due_at": "2529-02-01T22:45:38+22:02"})
    assert "due_at" in refused.value.errors
    soon = timezone.now() + dt.timedelta(days=3)
    odd = soon.astimezone(dt.timezone(dt.timedelta(hours=22, minutes=2))).isoformat()
    perform("supervise", bank.office, case, {"text": "请答复", "due_at": odd})
    assert abs(SupervisionNotice.objects.get(case=case).due_at - soon) < dt.timedelta(seconds=1)


def test_a_report_outside_the_bank_is_printed_with_its_body_time_and_text_for_those_who_see_the_case(
    client, bank
):
    from redress.cases.choices import EventKind

    case = _accepted(bank)
    at = timezone.now().replace(microsecond=0)
    perform(
        "report_externally",
        bank.office,
        case,
        {"to": "union_office", "at": at.isoformat(), "note": "客户聚集网点并联系媒体，现报告如下。"},
    )
    event = CaseEvent.objects.get(case=case, kind=EventKind.REPORTED_EXTERNALLY)
    client.force_login(bank.teller)
    assert (
        f"/cases/{case.number}/print/external/{event.pk}"
        in client.get(f"/cases/{case.number}").content.decode()
    )
    printed = client.get(f"/cases/{case.number}/print/external/{event.pk}").content.decode()
    local = timezone.localtime(at)
    assert "省联社办事处" in printed
    assert f"{local:%Y-%m-%d %H:%M}" in printed and "客户聚集网点并联系媒体" in printed
    assert bank.office.name in printed
    client.force_login(bank.outsider)
    assert client.get(f"/cases/{case.number}/print/external/{event.pk}").status_code == 404
    # Another event of the case is not a report.
    client.force_login(bank.teller)
    other = CaseEvent.objects.filter(case=case).exclude(pk=event.pk).first()
    assert client.get(f"/cases/{case.number}/print/external/{other.pk}").status_code == 404
