"""The handling each plan complaint type asks for (R9.2, P1 四(三)), enforced by the case's actions."""

import datetime as dt

import pytest
from django.utils import timezone

from redress.api.tests.conftest import bearer_client
from redress.deadlines.models import Clock
from redress.lifecycle import FieldErrors, allowed_actions, perform
from redress.lifecycle.sweeper import sweep
from redress.plans import services as plans
from redress.plans.models import EmergencyPayment, PlanCase, VerbalLossReport
from redress.testing import active_plan, earlier_today

pytestmark = pytest.mark.django_db

# A complaint closes with its regulatory classes (JR/T 0169-2018).
CLASSES = {"business_category": "银行卡/借记卡使用", "reason": "服务态度及服务质量"}


def plan_case(bank, plan_type, **overrides):
    case = bank.register(plan_type=plan_type, **overrides)
    return perform("accept", bank.teller, case, {})


def payment(amount, **overrides):
    body = {
        "amount": amount,
        "dissuasion": [
            {
                "by": "teller",
                "at": (timezone.now() - dt.timedelta(minutes=30)).isoformat(),
                "outcome": "客户坚持",
            },
            {
                "by": "outlet_head",
                "at": (timezone.now() - dt.timedelta(minutes=20)).isoformat(),
                "outcome": "仍坚持",
            },
        ],
        "approved_by": "outlet_head",
        "risk_checked": True,
    }
    body.update(overrides)
    return body


@pytest.mark.parametrize(
    ("vip", "amount", "accepted"),
    [
        (False, "5000.00", True),
        (False, "5000.01", False),
        (True, "10000.00", True),
        (True, "10000.01", False),
        (True, "5000.01", True),
    ],
)
def test_the_emergency_payment_is_capped_at_its_edges_by_the_customers_tier(bank, vip, amount, accepted):
    active_plan(bank)
    case = plan_case(bank, "emergency_payment", complainant_vip=vip)
    if accepted:
        perform("emergency_payment", bank.teller, case, payment(amount))
        assert EmergencyPayment.objects.get(case=case).amount == plans.Decimal(amount)
    else:
        with pytest.raises(FieldErrors) as err:
            perform("emergency_payment", bank.teller, case, payment(amount))
        cap = "10,000.00" if vip else "5,000.00"
        assert list(err.value.errors) == ["amount"] and cap in err.value.errors["amount"][0]
        assert not EmergencyPayment.objects.exists()


def test_an_emergency_payment_needs_the_dissuasion_and_the_risk_check(bank):
    active_plan(bank)
    case = plan_case(bank, "emergency_payment")
    with pytest.raises(FieldErrors) as err:
        perform("emergency_payment", bank.teller, case, payment("100", dissuasion=[], risk_checked=False))
    assert "dissuasion" in err.value.errors


def test_the_api_refuses_an_amount_over_the_cap_naming_amount(bank):
    active_plan(bank)
    case = plan_case(bank, "emergency_payment")
    response = bearer_client(bank.teller).post(
        f"/api/v1/cases/{case.number}/emergency_payment", payment("5000.01"), content_type="application/json"
    )
    assert response.status_code == 422 and list(response.json()["errors"]) == ["amount"]


def test_the_plan_actions_are_offered_only_on_a_plan_case_of_their_type(bank):
    ordinary = perform("accept", bank.teller, bank.register(), {})
    assert not {"emergency_payment", "verbal_loss_report", "report_to_group"} & set(
        allowed_actions(bank.teller, ordinary)
    )
    active_plan(bank)
    paying = plan_case(bank, "emergency_payment")
    assert {"emergency_payment", "report_to_group"} <= set(allowed_actions(bank.teller, paying))
    assert "verbal_loss_report" not in allowed_actions(bank.teller, paying)


def test_a_verbal_loss_report_lapses_after_five_days_and_blocks_the_close_until_settled(bank):
    active_plan(bank)
    case = plan_case(bank, "verbal_loss_report")
    reported = timezone.now() - dt.timedelta(minutes=10)
    response = bearer_client(bank.teller).post(
        f"/api/v1/cases/{case.number}/verbal_loss_report",
        {"reported_at": reported.isoformat(), "account_masked": "****6789"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    lapses = dt.datetime.fromisoformat(response.json()["verbal_loss_report"]["lapses_at"])
    assert lapses == reported.replace(microsecond=0) + dt.timedelta(days=5) or abs(
        lapses - (reported + dt.timedelta(days=5))
    ) < dt.timedelta(seconds=1)
    case.refresh_from_db()
    case = perform(
        "reply", bank.teller, case, {"method": "phone", "content": "已受理口头挂失，请五日内正式挂失。"}
    )
    with pytest.raises(FieldErrors) as err:
        perform("close", bank.teller, case, {"responsibility": "not_at_fault", **CLASSES})
    assert "responsibility" in err.value.errors
    case = perform("settle_loss_report", bank.teller, case, {"formal_report_made": True})
    perform("close", bank.teller, case, {"responsibility": "not_at_fault", **CLASSES})
    assert VerbalLossReport.objects.get(case=case).formal_reported_at is not None


def test_a_full_account_number_is_not_taken(bank):
    active_plan(bank)
    case = plan_case(bank, "verbal_loss_report")
    with pytest.raises(FieldErrors) as err:
        perform("verbal_loss_report", bank.teller, case, {"account_masked": "6222020200112233445"})
    assert "account_masked" in err.value.errors


def test_an_event_caused_complaint_needs_the_business_line_and_its_promise_becomes_a_clock(bank):
    plan = active_plan(bank)
    statement = plans.approve_statement(
        bank.branch_group, plan, "event_caused", "系统切换导致业务暂停，敬请谅解。"
    )
    case = plan_case(bank, "event_caused")
    case = perform("reply", bank.teller, case, {"method": "phone", "content": "已向客户解释。"})
    with pytest.raises(FieldErrors):
        perform("close", bank.teller, case, {"responsibility": "at_fault", **CLASSES})
    promised = timezone.now() + dt.timedelta(hours=6)
    case = perform(
        "confirm_with_business_line",
        bank.teller,
        case,
        {"business_line": "A-PB", "statement_version": statement.version, "promised_at": promised},
    )
    assert PlanCase.objects.get(case=case).statement == statement
    clock = Clock.objects.get(case=case, name="promised")
    assert abs(clock.due_at - promised) < dt.timedelta(minutes=1)
    perform("close", bank.teller, case, {"responsibility": "at_fault", **CLASSES})


def test_an_unknown_statement_version_is_refused(bank):
    active_plan(bank)
    case = plan_case(bank, "event_caused")
    promised = timezone.now() + dt.timedelta(hours=6)
    with pytest.raises(FieldErrors) as err:
        perform(
            "confirm_with_business_line",
            bank.teller,
            case,
            {"business_line": "A-PB", "statement_version": 3, "promised_at": promised},
        )
    assert "statement_version" in err.value.errors


@pytest.mark.parametrize(
    ("plan_type", "level"), [("repeat_or_group", "province"), ("media_contact", "branch")]
)
def test_repeat_or_group_and_media_contact_go_up_at_once(bank, plan_type, level):
    active_plan(bank)
    case = bank.register(plan_type=plan_type)
    case.refresh_from_db()
    assert case.level == level
    assert bank.register(plan_type="long_wait").level == "outlet"


def test_reporting_to_the_work_group_meets_the_plans_eight_hour_clock(bank):
    active_plan(bank)
    case = plan_case(bank, "atm_unavailable")
    perform("report_to_group", bank.teller, case, {"result": "已引导客户至他行ATM取款。"})
    assert Clock.objects.get(case=case, name="report_to_group").state == "met"


class Gateway:
    """An SMS gateway for the tests: records what it sent; down while `down` is set."""

    sent: list = []
    down = False

    def send(self, phone: str, text: str) -> str:
        if Gateway.down:
            raise ConnectionError("gateway down")
        Gateway.sent.append((phone, text))
        return f"gw-{len(Gateway.sent)}"


@pytest.fixture
def gateway(settings):
    settings.SMS_GATEWAY = f"{__name__}.Gateway"
    Gateway.sent, Gateway.down = [], False
    return Gateway


def test_the_customer_and_the_outlet_are_reminded_once_a_day_before_the_lapse(
    bank, gateway, django_capture_on_commit_callbacks
):
    from redress.cases.models import CaseEvent
    from redress.notifications.models import Notification

    sent = gateway.sent
    active_plan(bank)
    case = plan_case(bank, "verbal_loss_report")
    # After the case's receipt, whatever the hour: in Beijing's first hour "an hour ago" is before it.
    reported = earlier_today()
    perform("verbal_loss_report", bank.teller, case, {"reported_at": reported, "account_masked": "****6789"})
    lapses = reported + dt.timedelta(days=5)
    with django_capture_on_commit_callbacks(execute=True):
        sweep(lapses - dt.timedelta(hours=25))
    assert not sent
    with django_capture_on_commit_callbacks(execute=True):
        sweep(lapses - dt.timedelta(hours=23))
        sweep(lapses - dt.timedelta(hours=22))
    assert len(sent) == 1 and sent[0][0] == "13812345678" and "****6789" in sent[0][1]
    told = set(
        Notification.objects.filter(event="loss_report_lapsing").values_list("recipient__username", flat=True)
    )
    assert told == {"teller", "outlet_head"}
    assert CaseEvent.objects.filter(case=case, kind="loss_report_reminded").count() == 1


def test_a_reminder_the_sms_gateway_failed_to_send_is_sent_by_a_later_retry_once(
    bank, gateway, django_capture_on_commit_callbacks
):
    from redress.notifications.models import CustomerMessage
    from redress.notifications.services import retry_due

    active_plan(bank)
    case = plan_case(bank, "verbal_loss_report")
    # After the case's receipt, whatever the hour: in Beijing's first hour "an hour ago" is before it.
    reported = earlier_today()
    perform("verbal_loss_report", bank.teller, case, {"reported_at": reported, "account_masked": "****6789"})
    reminded_at = reported + dt.timedelta(days=4, hours=1)
    gateway.down = True
    with django_capture_on_commit_callbacks(execute=True):
        sweep(reminded_at)
    message = CustomerMessage.objects.get(case=case)
    assert (message.status, message.attempts, gateway.sent) == ("pending", 1, [])
    assert message.last_error == "ConnectionError: gateway down"
    gateway.down = False
    with django_capture_on_commit_callbacks(execute=True):
        retry_due(now=message.next_attempt_at)
        retry_due(now=message.next_attempt_at + dt.timedelta(minutes=5))
        sweep(reminded_at + dt.timedelta(hours=1))
    message.refresh_from_db()
    assert (message.status, message.provider_ref) == ("sent", "gw-1")
    assert len(gateway.sent) == 1 and gateway.sent[0][0] == "13812345678"


def test_a_settled_loss_report_is_not_reminded(bank):
    from redress.notifications.models import Notification

    active_plan(bank)
    case = plan_case(bank, "verbal_loss_report")
    case = perform("verbal_loss_report", bank.teller, case, {"account_masked": "****6789"})
    perform("settle_loss_report", bank.teller, case, {"formal_report_made": True})
    sweep(timezone.now() + dt.timedelta(days=4, hours=12))
    assert not Notification.objects.filter(event="loss_report_lapsing").exists()


RESULT = {
    "findings": "网点负责人已回电客户并解决。",
    "staff_handling": "无",
    "lessons": "切换期间加强引导。",
    "rectification": "增派大堂人员。",
    "customer_satisfaction": "satisfied",
    "handler_name": "王主任",
    "handler_phone": "13900000001",
}


def _hotline_case(bank, hours_ago=1, channel="hotline", phone="13812345678"):
    received = timezone.now() - dt.timedelta(hours=hours_ago)
    # Each its own complainant (no ID number): a second case of the same person would be a repeat, counted.
    case = bank.register(
        bank.province_group,
        channel=channel,
        received_at=received,
        complainant_phone=phone,
        complainant_id_number="",
    )
    case.refresh_from_db()
    if case.state == "registered":  # by phone: it lands at the province as usual
        return perform("accept", bank.province_group, case, {})
    # By the hotline: put straight through to the outlet's head, who calls back and reports the result.
    return perform("acknowledge", bank.outlet_head, case, {})


def _reply_and_close(bank, case, **close):
    if case.transfer_orders.exists():
        case = perform("report", bank.outlet_head, case, RESULT)
    case = perform("reply", case.handler or bank.province_group, case,
                   {"method": "phone", "content": "已由网点回电解决。"})  # fmt: skip
    return perform("close", bank.province_group, case, {"responsibility": "at_fault", **CLASSES, **close})


def test_a_not_landing_hotline_case_solved_in_time_is_not_counted_under_its_own_rule(bank):
    active_plan(bank, units=("P",))
    case = _reply_and_close(bank, _hotline_case(bank))
    assert PlanCase.objects.get(case=case).not_landing
    assert (case.stat_class, case.stat_rule) == ("not_counted", "R7.4-2026.1+P1-not-landing")
    # The same complaint by phone is not "not landing": the ordinary rule (at the province: enquiry class).
    other = _reply_and_close(bank, _hotline_case(bank, channel="phone", phone="13900001111"))
    assert (other.stat_class, other.stat_rule) == ("enquiry_class", "R7.4-2026.1")


def test_a_not_landing_case_past_the_plans_limit_follows_the_ordinary_classes(bank):
    active_plan(bank, units=("P",))
    case = _hotline_case(bank, hours_ago=5)
    sweep(timezone.now())  # the 4-hour answer clock has run out (an accountability record: the fault asked)
    case = _reply_and_close(bank, case, plan_fault="explanation_speed")
    assert case.stat_class == "counted" and case.stat_rule == "R7.4-2026.1"
