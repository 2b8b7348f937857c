"""The handling the other plan complaint types ask for (R9.2, P1 四(三)5–14): each type's record is taken by
its own action, refused field by field when it is not as the plan writes it (and then nothing changes), and
the case does not close without it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import gettext as _

from redress.api.tests.conftest import bearer_client
from redress.cases.models import CaseEvent, CaseFlag, CompensationApproval, Escalation
from redress.lifecycle import ActionForbidden, FieldErrors, allowed_actions, perform
from redress.plans.models import (
    AggressiveCustomerRecord,
    AtmDirection,
    BusinessLineReport,
    CompensationClaim,
    Coordination,
    CrossProvinceReport,
    PlanPayout,
    WaitSoothing,
)
from redress.testing import CLASSES, active_plan

pytestmark = pytest.mark.django_db

CLOSE = {"responsibility": "at_fault", **CLASSES}
# Each type's own actions: offered on a plan case of that type only.
OWN = {
    "atm_unavailable": {"direct_to_other_atm", "decide_atm_fee"},
    "customer_data_anomaly": {"report_to_business_line", "confirm_with_business_line"},
    "transaction_anomaly": {"report_to_business_line", "confirm_with_business_line"},
    "long_wait": {"soothe_long_wait"},
    "compensation": {"record_compensation_claim"},
    "aggressive_customer": {"handle_aggressive_customer"},
    "mental_health": {"coordinate_mental_health"},
    "cross_province": {"report_cross_province"},
    "other_incident": set(),
}
TYPED = set().union(*OWN.values(), {"agree_plan_payout"})


def plan_case(bank, plan_type, **overrides):
    active_plan(bank)
    return perform("accept", bank.teller, bank.register(plan_type=plan_type, **overrides), {})


def replied(bank, case, **reply):
    return perform(
        "reply", bank.teller, case, {"method": "phone", "content": "已按统一口径答复客户。", **reply}
    )


def refused(bank, action, case, params, actor=None):
    """The refusal's errors by field; the case and its events are as they were."""
    version, events = case.version, CaseEvent.objects.filter(case=case).count()
    with pytest.raises(FieldErrors) as err:
        perform(action, actor or bank.teller, case, params)
    case.refresh_from_db()
    assert case.version == version and CaseEvent.objects.filter(case=case).count() == events
    return err.value.errors


def close_refused(bank, case) -> list[str]:
    return refused(bank, "close", case, CLOSE)["responsibility"]


@pytest.mark.parametrize("plan_type", sorted(OWN))
def test_each_types_actions_are_offered_on_a_plan_case_of_that_type_only(bank, plan_type):
    case = plan_case(bank, plan_type)
    offered = set(allowed_actions(bank.teller, case))
    assert offered & TYPED == OWN[plan_type]
    assert {"report_anger", "report_to_group"} <= offered


def test_no_plan_action_is_offered_outside_a_plan(bank):
    case = perform("accept", bank.teller, bank.register(), {})
    assert not (TYPED | {"report_anger"}) & set(allowed_actions(bank.teller, case))


# ---- ATM unavailable (P1 5) ----------------------------------------------------------------------------


def test_atm_unavailable_records_where_and_settles_a_fee_question_case_by_case(bank):
    case = plan_case(bank, "atm_unavailable")
    assert "fee_decision" in refused(
        bank, "decide_atm_fee", case, {"fee_decision": "waived", "decided_by": "outlet_head"}
    )
    case = replied(bank, case)
    assert close_refused(bank, case)
    assert "where" in refused(bank, "direct_to_other_atm", case, {"where": ""})
    case = perform("direct_to_other_atm", bank.teller, case, {"where": "解放大道工商银行ATM"})
    assert AtmDirection.objects.get(case=case).where == "解放大道工商银行ATM"
    assert "where" in refused(bank, "direct_to_other_atm", case, {"where": "另一台"})
    no_amount = refused(
        bank, "decide_atm_fee", case, {"fee_decision": "refunded", "decided_by": "outlet_head"}
    )
    assert list(no_amount) == ["amount"]
    explained = {"fee_decision": "explained", "amount": "4.00", "decided_by": "outlet_head"}
    assert list(refused(bank, "decide_atm_fee", case, explained)) == ["amount"]
    assert "decided_by" in refused(bank, "decide_atm_fee", case, {"fee_decision": "waived"})
    assert "amount" in refused(
        bank,
        "decide_atm_fee",
        case,
        {"fee_decision": "refunded", "amount": "4.001", "decided_by": "outlet_head"},
    )
    assert AtmDirection.objects.get(case=case).fee_decision == ""
    refund = {"fee_decision": "refunded", "amount": "4.00", "decided_by": "outlet_head"}
    case = perform("decide_atm_fee", bank.teller, case, refund)
    direction = AtmDirection.objects.get(case=case)
    assert (direction.fee_decision, direction.fee_refunded, direction.fee_decided_by) == (
        "refunded",
        Decimal("4.00"),
        bank.outlet_head,
    )
    assert "fee_decision" in refused(bank, "decide_atm_fee", case, {**refund, "fee_decision": "waived",
                                                                     "amount": None})  # fmt: skip
    perform("close", bank.teller, case, CLOSE)


# ---- customer data and transaction anomalies (P1 6, 7) ------------------------------------------------


@pytest.mark.parametrize("plan_type", ["customer_data_anomaly", "transaction_anomaly"])
def test_an_anomaly_is_reported_through_the_business_line_before_it_closes(bank, plan_type):
    case = plan_case(bank, plan_type)
    confirm = {"business_line": "A-PB", "promised_at": timezone.now() + dt.timedelta(hours=6)}
    case = replied(bank, perform("confirm_with_business_line", bank.teller, case, confirm))
    assert close_refused(bank, case) == [
        _("The anomaly must be reported through the business line before the case closes.")
    ]
    assert list(refused(bank, "report_to_business_line", case, {"business_line": "A"})) == ["business_line"]
    assert "business_line" in refused(bank, "report_to_business_line", case, {"business_line": "NOPE"})
    assert not BusinessLineReport.objects.exists()
    case = perform("report_to_business_line", bank.teller, case, {"business_line": "A-PB", "note": "已上报"})
    report = BusinessLineReport.objects.get(case=case)
    assert report.business_line == bank.dept_a_pb and report.reported_at is not None
    assert perform("close", bank.teller, case, CLOSE).state == "closed"


# ---- long wait (P1 8) ----------------------------------------------------------------------------------


def test_a_long_wait_is_soothed_and_an_agitated_customer_taken_to_the_vip_room_by_the_outlet_head(bank):
    case = replied(bank, plan_case(bank, "long_wait"))
    assert close_refused(bank, case)
    agitated = {"soothed_by": "teller", "agitated": True, "business_done": True}
    assert list(refused(bank, "soothe_long_wait", case, agitated)) == ["guided_by"]
    assert list(refused(bank, "soothe_long_wait", case, {**agitated, "guided_by": "teller"})) == ["guided_by"]
    not_done = {**agitated, "guided_by": "outlet_head", "business_done": False}
    assert list(refused(bank, "soothe_long_wait", case, not_done)) == ["business_done"]
    assert "soothed_by" in refused(bank, "soothe_long_wait", case, {"agitated": False})
    assert not WaitSoothing.objects.exists()
    case = perform(
        "soothe_long_wait", bank.teller, case, {**agitated, "guided_by": "outlet_head", "gift": "纪念水杯"}
    )
    soothing = WaitSoothing.objects.get(case=case)
    assert (soothing.guided_by, soothing.business_done, soothing.gift) == (bank.outlet_head, True, "纪念水杯")
    assert "soothed_by" in refused(
        bank, "soothe_long_wait", case, {"soothed_by": "teller", "agitated": False}
    )
    perform("close", bank.teller, case, CLOSE)


def test_a_calm_waiting_customer_needs_only_the_soothing(bank):
    case = plan_case(bank, "long_wait")
    case = perform("soothe_long_wait", bank.teller, case, {"soothed_by": "teller", "agitated": False})
    assert WaitSoothing.objects.get(case=case).guided_by is None
    perform("close", bank.teller, replied(bank, case), CLOSE)


# ---- compensation demanded (P1 10) ---------------------------------------------------------------------

PAYOUT = {
    "amount": "200.00",
    "business_line": "A-PB",
    "agreed_with": "张建国",
    "agreement": "经与个人金融部共同协商，退还罚息二百元。",
}


def test_a_compensation_claim_is_recorded_and_a_payout_only_agreed_with_the_business_line(bank):
    case = plan_case(bank, "compensation")
    assert "amount" in refused(bank, "agree_plan_payout", case, PAYOUT, actor=bank.handler)
    case = perform("record_compensation_claim", bank.teller, case, {"reasons": "切换期间被收取罚息。"})
    assert CompensationClaim.objects.get(case=case).reasons == "切换期间被收取罚息。"
    # No outlet agrees a payout.
    with pytest.raises(ActionForbidden):
        perform("agree_plan_payout", bank.teller, case, PAYOUT)
    missing = refused(bank, "agree_plan_payout", case, {"amount": "200.00"}, actor=bank.handler)
    assert {"business_line", "agreed_with", "agreement"} <= set(missing)
    assert list(
        refused(bank, "agree_plan_payout", case, {**PAYOUT, "business_line": "A"}, actor=bank.handler)
    ) == ["business_line"]
    assert not PlanPayout.objects.exists() and not CompensationApproval.objects.exists()
    # The ordinary approval alone is not the joint agreement: no promise, no close.
    case = perform(
        "approve_compensation",
        bank.handler,
        case,
        {"amount": "200.00", "business_line": "A-PB", "approver_name": "张建国"},
    )
    promise = {"method": "phone", "content": "将退还罚息二百元。", "promises_compensation": True}
    assert list(refused(bank, "reply", case, promise)) == ["promises_compensation"]
    case = replied(bank, case)
    assert close_refused(bank, case) == [
        _(
            "Under the plan a payout is agreed jointly with the business line's department: record the "
            "agreement first."
        )
    ]


def test_a_payout_agreed_jointly_may_be_promised_and_the_case_closes(bank):
    case = plan_case(bank, "compensation")
    case = replied(bank, case)
    assert close_refused(bank, case)  # the reasons first
    case = perform("record_compensation_claim", bank.teller, case, {"reasons": "切换期间被收取罚息。"})
    perform("close", bank.teller, case, CLOSE)
    other = perform("record_compensation_claim", bank.teller, plan_case_again(bank), {"reasons": "罚息"})
    other = perform("agree_plan_payout", bank.handler, other, PAYOUT)
    payout = PlanPayout.objects.get(case=other)
    assert payout.approval.business_line == bank.dept_a_pb and payout.approval.amount == Decimal("200.00")
    other = replied(bank, other, promises_compensation=True)
    assert perform("close", bank.teller, other, CLOSE).state == "closed"


def plan_case_again(bank):
    # A second plan case of another customer in the same test (the same person would be a repeat).
    case = bank.register(plan_type="compensation", complainant_phone="13900002222", complainant_id_number="")
    return perform("accept", bank.teller, case, {})


# ---- aggressive customer (P1 11) -----------------------------------------------------------------------


def test_an_aggressive_customer_is_handled_under_video_and_led_away(bank):
    case = replied(bank, plan_case(bank, "aggressive_customer"))
    assert close_refused(bank, case)
    assert list(refused(bank, "handle_aggressive_customer", case, {"led_to": "贵宾室"})) == ["video_covered"]
    assert "led_to" in refused(bank, "handle_aggressive_customer", case, {"video_covered": True})
    stormed = {"video_covered": True, "led_to": "贵宾室", "stormed": True}
    assert list(refused(bank, "handle_aggressive_customer", case, stormed)) == ["called"]
    assert not AggressiveCustomerRecord.objects.exists()
    case = perform(
        "handle_aggressive_customer", bank.teller, case, {"video_covered": True, "led_to": "贵宾室"}
    )
    assert case.level == "outlet" and not Escalation.objects.filter(case=case).exists()
    perform("close", bank.teller, case, CLOSE)


def test_a_stormed_bank_calls_security_and_goes_up_to_the_plans_work_group_at_once(bank):
    case = plan_case(bank, "aggressive_customer")
    stormed = {"video_covered": True, "led_to": "贵宾室", "stormed": True, "called": "security_department"}
    case = perform("handle_aggressive_customer", bank.teller, case, stormed)
    record = AggressiveCustomerRecord.objects.get(case=case)
    assert record.called == "security_department" and record.called_at is not None
    case.refresh_from_db()
    assert case.level == "branch"
    assert Escalation.objects.get(case=case).trigger == "plan_aggressive_customer"


# ---- customer in mental distress (P1 12) ---------------------------------------------------------------


def test_a_customer_in_mental_distress_is_helped_through_others(bank):
    case = replied(bank, plan_case(bank, "mental_health"))
    assert close_refused(bank, case)
    errors = refused(bank, "coordinate_mental_health", case, {"via": "neighbour", "with_whom": "李明"})
    assert {"via", "outcome"} <= set(errors)
    assert not Coordination.objects.exists()
    visit = {"via": "family", "with_whom": "客户之子李明", "outcome": "家属已将客户接回。"}
    case = perform("coordinate_mental_health", bank.teller, case, visit)
    coordination = Coordination.objects.get(case=case)
    assert (coordination.via, coordination.contact) == ("family", "客户之子李明") and coordination.at
    perform("close", bank.teller, case, CLOSE)


# ---- cross-province business (P1 13) -------------------------------------------------------------------


def test_a_cross_province_complaint_not_solved_here_goes_one_level_up_for_the_sister_bank(bank):
    case = plan_case(bank, "cross_province")
    assert "sister_bank" in refused(bank, "report_cross_province", case, {"reason": "需异地行核查"})
    assert not CrossProvinceReport.objects.exists() and case.level == "outlet"
    up = {"sister_bank": "某省分行长沙分行营业部", "reason": "需异地行核查。"}
    case = perform("report_cross_province", bank.teller, case, up)
    case.refresh_from_db()
    assert case.level == "sub_branch"
    report = CrossProvinceReport.objects.get(case=case)
    assert (report.from_level, report.to_level) == ("outlet", "sub_branch")
    assert Escalation.objects.get(case=case).trigger == "plan_cross_province"
    # Solved at this level, it closes without going up.
    perform("close", bank.teller, replied(bank, case), CLOSE)


# ---- other incidents (P1 15): the ordinary path ---------------------------------------------------------


def test_an_other_incident_follows_the_ordinary_path(bank):
    case = replied(bank, plan_case(bank, "other_incident"))
    assert perform("close", bank.teller, case, CLOSE).state == "closed"


# ---- the customer's anger, at any step (P1 14) ----------------------------------------------------------


def test_a_media_threat_at_any_step_of_a_plan_case_goes_up_level_by_level_to_the_work_group(bank):
    case = replied(bank, plan_case(bank, "long_wait"))
    assert "shown" in refused(bank, "report_anger", case, {"shown": "sulking", "note": "客户不满"})
    case = perform("report_anger", bank.teller, case, {"shown": "threatened_media", "note": "称要找电视台。"})
    case.refresh_from_db()
    assert case.level == "branch"
    assert CaseFlag.objects.filter(case=case, flag="media_threat").exists()
    escalations = Escalation.objects.filter(case=case).order_by("pk")
    assert [e.to_level for e in escalations] == ["sub_branch", "branch"]
    assert {e.trigger for e in escalations} == {"media_threat"}


def test_a_customer_leaving_angry_is_reported_up_at_once(bank):
    case = plan_case(bank, "atm_unavailable")
    response = bearer_client(bank.teller).post(
        f"/api/v1/cases/{case.number}/report_anger",
        {"shown": "left_angry", "note": "客户离开时情绪激动。"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    case.refresh_from_db()
    assert case.level == "branch" and not CaseFlag.objects.filter(case=case, flag="media_threat").exists()
    assert Escalation.objects.filter(case=case).last().trigger == "plan_anger"
