import datetime as dt
import threading

import pytest
from django.db import close_old_connections, connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from redress import lifecycle
from redress.access.visibility import visible_to
from redress.cases import statistics
from redress.cases.choices import EventKind, StatClass, State
from redress.cases.models import Case, CaseEvent, Escalation, Investigation
from redress.common.states import StateWriteForbidden
from redress.deadlines import services as deadline_services
from redress.lifecycle import (
    ActionForbidden,
    ConcurrentChange,
    FieldErrors,
    IllegalTransition,
    LifecycleError,
    perform,
)
from redress.testing import CLASSES

pytestmark = pytest.mark.django_db

REPORT = {
    "findings": "经核查，柜员未按规定引导客户取号。",
    "staff_handling": "对当事柜员进行批评教育。",
    "lessons": "加强大堂引导。",
    "rectification": "高峰时段增开窗口。",
    "customer_satisfaction": "satisfied",
    "handler_name": "个金部经办",
    "handler_phone": "13912345678",
}


def reply(case, actor):
    return perform("reply", actor, case, {"method": "phone", "content": "已向客户致歉并说明改进措施。"})


def test_full_loop_teller_office_outlet_handler_close(bank):
    case = bank.register()
    case = perform("accept", bank.teller, case)
    case = perform("transfer", bank.office, case, {"to_unit": "A-PB", "note": "请个金部核查"})
    assert case.state == State.TRANSFERRED and case.holder_unit == bank.dept_a_pb
    case = perform("acknowledge", bank.handler, case, {"handler": "handler"})
    assert case.state == State.IN_PROGRESS and case.handler == bank.handler
    case = perform("report", bank.handler, case, REPORT)
    case = reply(case, bank.handler)
    assert case.state == State.REPLIED
    case = perform("follow_up", bank.teller, case, {"satisfaction": "satisfied"})
    case = perform("close", bank.teller, case, {**CLASSES, "responsibility": "at_fault"})
    assert case.state == State.CLOSED
    assert case.stat_class == StatClass.NOT_COUNTED
    # The first responder saw the case at every step and its whole history.
    assert case in visible_to(bank.teller)
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == [
        EventKind.REGISTERED,
        EventKind.ACCEPTED,
        EventKind.TRANSFERRED,
        EventKind.ACKNOWLEDGED,
        EventKind.RESULT_REPORTED,
        EventKind.REPLIED,
        EventKind.FOLLOWED_UP,
        EventKind.CLOSED,
    ]


def test_every_transition_event_has_old_and_new_state(bank):
    case = perform("accept", bank.teller, bank.register())
    event = CaseEvent.objects.filter(case=case, kind=EventKind.ACCEPTED).get()
    assert event.actor == bank.teller
    assert event.data["changes"]["state"] == ["registered", "accepted"]


def test_handler_cannot_be_subject_staff(bank):
    case = perform("accept", bank.teller, bank.register(subject_staff="subject"))
    with pytest.raises(FieldErrors) as err:
        perform("transfer", bank.teller, case, {"to_unit": "A1-1", "handler": "subject"})
    assert "handler" in err.value.errors
    case = perform("transfer", bank.teller, case, {"to_unit": "A-PB"})
    with pytest.raises(FieldErrors):
        perform("acknowledge", bank.handler, case, {"handler": "subject"})


def test_close_without_result_report_is_refused_for_a_transferred_case(bank):
    case = perform("accept", bank.teller, bank.register())
    case = perform("transfer", bank.teller, case, {"to_unit": "A-PB"})
    case = perform("acknowledge", bank.handler, case)
    case = reply(case, bank.handler)
    with pytest.raises(FieldErrors) as err:
        perform("close", bank.teller, case, {**CLASSES, "responsibility": "at_fault"})
    assert "report" in err.value.errors
    assert Case.objects.get(pk=case.pk).state == State.REPLIED


def test_illegal_transition_names_state_and_allowed_actions(bank):
    case = bank.register()
    with pytest.raises(IllegalTransition) as err:
        perform("close", bank.teller, case, {**CLASSES, "responsibility": "at_fault"})
    assert err.value.state == "registered"
    assert "accept" in err.value.allowed and "close" not in err.value.allowed


def test_auditor_and_outsider_may_not_act(bank):
    case = bank.register()
    with pytest.raises(ActionForbidden):
        perform("accept", bank.auditor, case)
    with pytest.raises(ActionForbidden):
        perform("accept", bank.outsider, case)
    assert lifecycle.allowed_actions(bank.auditor, case) == []


def test_reject_records_the_reason_told_to_the_complainant(bank):
    case = perform("reject", bank.outlet_head, bank.register(), {"reason": "不属于本行业务范围"})
    assert case.state == State.REJECTED and case.rejection_reason == "不属于本行业务范围"
    with pytest.raises(FieldErrors):
        perform("reject", bank.outlet_head, bank.register(), {"reason": ""})


def test_walk_in_petition_answered_on_the_spot_closes(bank):
    case = bank.register(kind="petition", channel="visit")
    case = perform("answer_on_spot", bank.office, case, {"answer": "当场解答了利率政策"})
    assert case.state == State.CLOSED
    complaint = bank.register()
    assert "answer_on_spot" not in lifecycle.allowed_actions(bank.office, complaint)


def test_bounce_needs_a_reason_and_returns_the_case(bank):
    case = perform("accept", bank.teller, bank.register())
    case = perform("transfer", bank.teller, case, {"to_unit": "A-PB"})
    with pytest.raises(FieldErrors):
        perform("bounce", bank.handler, case, {"reason": ""})
    case = perform("bounce", bank.handler, case, {"reason": "应由网点自行处理"})
    assert case.state == State.ACCEPTED and case.holder_unit == bank.outlet_a1_1


def test_chase_then_report_to_head_only_by_first_responder(bank):
    case = perform("accept", bank.teller, bank.register())
    case = perform("transfer", bank.teller, case, {"to_unit": "A-PB"})
    with pytest.raises(FieldErrors):
        perform("report_to_head", bank.teller, case, {"note": "仍未处理"})
    perform("chase", bank.teller, case, {"note": "请尽快处理"})
    perform("report_to_head", bank.teller, case, {"note": "仍未处理"})
    with pytest.raises(ActionForbidden):
        perform("chase", bank.outlet_head, case, {"note": "x"})


def test_compensation_cannot_be_promised_before_business_line_approval(bank):
    case = perform("accept", bank.teller, bank.register())
    params = {"method": "phone", "content": "将赔付500元", "promises_compensation": True}
    with pytest.raises(FieldErrors) as err:
        perform("reply", bank.teller, case, params)
    assert "promises_compensation" in err.value.errors
    perform(
        "approve_compensation",
        bank.handler,
        case,
        {"amount": "500", "business_line": "A-PB", "approver_name": "个金部负责人"},
    )
    assert perform("reply", bank.teller, case, params).state == State.REPLIED


def test_manual_escalation_raises_level_and_records_who_why(bank):
    case = perform("accept", bank.teller, bank.register())
    case = perform("escalate", bank.teller, case, {"reason": "网点无法解决"})
    assert case.level == "sub_branch"
    case = perform("escalate", bank.teller, case, {"reason": "客户情绪激动", "to_level": "province"})
    assert case.level == "province"
    esc = Escalation.objects.filter(case=case).latest("id")
    assert esc.to_unit == bank.province and esc.by == bank.teller
    with pytest.raises(FieldErrors):
        perform("escalate", bank.teller, case, {"reason": "x", "to_level": "branch"})
    assert case in visible_to(bank.teller)  # the first responder keeps it


def test_non_voluntary_withdrawal_opens_investigation_and_goes_to_supervision_office(bank):
    case = perform("accept", bank.teller, bank.register())
    case = perform("withdraw", bank.teller, case, {"voluntary": False, "reason": "客户称受到网点人员施压"})
    assert case.state == State.ACCEPTED
    assert case.level == "head_office"  # the supervision office of this bank sits at head office
    assert Investigation.objects.filter(case=case, state="open").exists()
    assert CaseEvent.objects.filter(case=case, kind=EventKind.WITHDRAWAL_UNDER_PRESSURE).exists()
    # The escalation's reason is on record in the bank's language, whatever the clerk's screen showed.
    with translation.override("en"):
        other = perform("accept", bank.teller, bank.register())
        perform("withdraw", bank.teller, other, {"voluntary": False, "reason": "受到施压"})
    assert Escalation.objects.get(case=other, trigger="withdrawal").reason == "受压撤诉：受到施压"


def test_voluntary_withdrawal_closes_as_withdrawn(bank):
    case = perform("accept", bank.teller, bank.register())
    case = perform("withdraw", bank.teller, case, {"voluntary": True, "reason": "问题已自行解决"})
    assert case.state == State.WITHDRAWN and case.closed_at is not None


def test_reopen_after_dissatisfied_follow_up(bank):
    case = perform("accept", bank.teller, bank.register())
    case = reply(case, bank.teller)
    case = perform("follow_up", bank.teller, case, {"satisfaction": "dissatisfied"})
    case = perform("close", bank.teller, case, {**CLASSES, "responsibility": "shared"})
    case = perform("reopen", bank.teller, case, {"reason": "客户回访不满意"})
    assert case.state == State.IN_PROGRESS and case.stat_class == ""


def test_state_cannot_be_written_directly(bank):
    case = bank.register()
    case.state = State.CLOSED
    with pytest.raises(StateWriteForbidden):
        case.save()


def test_stale_version_is_a_concurrent_change(bank):
    case = bank.register()
    with pytest.raises(ConcurrentChange):
        perform("accept", bank.teller, case, expected_version=case.version + 1)


def _closed(bank, case, actor=None):
    actor = actor or bank.teller
    case = reply(case, actor)
    return perform("close", actor, case, {**CLASSES, "responsibility": "not_at_fault"})


def test_stat_class_solved_at_outlet_is_not_counted(bank):
    case = _closed(bank, perform("accept", bank.teller, bank.register()))
    assert case.stat_class == StatClass.NOT_COUNTED
    assert case.stat_rule == statistics.RULE_VERSION
    assert case.stat_facts["highest_level"] == "outlet"


def test_stat_class_escalated_to_branch_and_solved_in_time_is_enquiry(bank):
    case = perform("accept", bank.teller, bank.register())
    case = perform("escalate", bank.teller, case, {"reason": "上报分行", "to_level": "branch"})
    assert _closed(bank, case).stat_class == StatClass.ENQUIRY_CLASS


def test_stat_class_regulator_channel_is_counted(bank):
    case = _closed(bank, perform("accept", bank.teller, bank.register(channel="regulator")))
    assert case.stat_class == StatClass.COUNTED and case.stat_facts["external_channel"]


def test_a_fresh_case_is_not_read_again(bank):
    def statements(case, **kwargs) -> int:
        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            perform("accept", bank.teller, case, **kwargs)
        return len(queries)

    statements(bank.register())  # the actor's roles and the calendar, loaded once
    # Neither read and locked again (one statement) nor a savepoint of its own (two: set and released).
    assert statements(bank.register(), fresh=True) == statements(bank.register()) - 3


def test_a_stale_case_claimed_fresh_is_a_concurrent_change(bank):
    case = bank.register()
    Case.objects.filter(pk=case.pk).update(version=F("version") + 1)  # another transaction's change
    with pytest.raises(ConcurrentChange), transaction.atomic():
        perform("accept", bank.teller, case, fresh=True)
    assert Case.objects.get(pk=case.pk).state == State.REGISTERED


@pytest.mark.django_db(transaction=True)
def test_a_case_is_fresh_only_inside_a_transaction(bank):
    with pytest.raises(LifecycleError):
        perform("accept", bank.teller, bank.register(), fresh=True)


def test_stat_class_repeat_is_counted(bank):
    first = bank.register()
    case = perform("accept", bank.teller, bank.register())
    case = perform("link_repeat", bank.teller, case, {"previous_case": first.number})
    assert _closed(bank, case).stat_class == StatClass.COUNTED


def test_stat_class_breached_clock_is_counted(bank, monkeypatch):
    monkeypatch.setattr(deadline_services, "breached_binding_answer", lambda case, now: ["reply"])
    case = _closed(bank, perform("accept", bank.teller, bank.register()))
    assert case.stat_class == StatClass.COUNTED and case.stat_facts["breached_clocks"] == ["reply"]


def test_explain_not_at_fault_replies_and_sets_responsibility(bank):
    case = perform("accept", bank.teller, bank.register())
    case = perform("explain", bank.teller, case, {"rule": "按监管规定需本人办理", "method": "in_person"})
    assert case.state == State.REPLIED and case.responsibility == "not_at_fault"


def test_refer_legal_flags_the_case(bank):
    case = perform("accept", bank.teller, bank.register())
    perform("refer_legal", bank.outlet_head, case, {"note": "客户拟起诉，涉及贷款合同纠纷"})
    assert "legal_dispute" in Case.objects.get(pk=case.pk).flag_names


def test_safety_record_keeps_the_steps_taken(bank):
    case = bank.register()
    perform(
        "record_safety",
        bank.teller,
        case,
        {"incident": "drunk", "note": "客户醉酒吵闹", "police_called": True},
    )
    assert case.safety_records.get().police_called


@pytest.mark.skipif(connection.vendor == "sqlite", reason="needs PostgreSQL row locks across connections")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_closes_one_wins(bank):
    case = perform("accept", bank.teller, bank.register())
    case = reply(case, bank.teller)
    barrier = threading.Barrier(2)
    outcomes = []

    def close(actor):
        close_old_connections()
        try:
            barrier.wait()
            perform("close", actor, Case.objects.get(pk=case.pk), {**CLASSES, "responsibility": "at_fault"})
            outcomes.append("ok")
        except (IllegalTransition, ConcurrentChange):
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=close, args=(u,)) for u in (bank.teller, bank.outlet_head)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert CaseEvent.objects.filter(case=case, kind=EventKind.CLOSED).count() == 1


def test_contact_rejects_a_future_time(bank):
    case = perform("accept", bank.teller, bank.register())
    with pytest.raises(FieldErrors) as err:
        perform(
            "contact",
            bank.teller,
            case,
            {"method": "phone", "at": (timezone.now() + dt.timedelta(hours=2)).isoformat()},
        )
    assert "at" in err.value.errors


def test_transfer_without_a_unit_follows_the_default_route(bank):
    case = perform("accept", bank.teller, bank.register(category="service_product", product="理财产品"))
    case = perform("transfer", bank.teller, case, {"note": "按产品归属转办"})
    assert case.holder_unit == bank.dept_a_pb
    assert case.events.latest("id").data["default_route"]


def test_anonymous_report_is_assessed_good_faith_or_malicious(bank):
    anonymous = {"complainant_name": "", "complainant_phone": "", "complainant_id_number": ""}
    case = bank.register(kind="whistleblow", category="anonymous", complainant_anonymous=True, **anonymous)
    case = perform("accept", bank.teller, case)
    perform("assess_anonymous", bank.teller, case, {"good_faith": False, "note": "与事实不符，疑为恶意举报"})
    event = case.events.latest("id")
    assert event.kind == "anonymous_assessed" and event.data["outcome"] == "analysed_as_malicious"
    named = perform("accept", bank.teller, bank.register())
    assert "assess_anonymous" not in lifecycle.allowed_actions(bank.teller, named)
