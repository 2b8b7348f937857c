"""The case's life in the web UI: action buttons and forms, the lists, the clocks, the banner, print pages."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from redress import lifecycle
from redress.access.visibility import visible_to
from redress.cases.choices import EventKind, State
from redress.cases.models import Case, CaseEvent, TransferOrder
from redress.deadlines.models import Clock
from redress.lifecycle import HUMAN_ACTIONS as ACTIONS
from redress.lifecycle import perform
from redress.lifecycle.public_reports import report_wrongdoing
from redress.organisation.choices import Role
from redress.organisation.services import create_staff
from redress.testing import CLASSES, PASSWORD, active_plan
from redress.web import notices

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


def as_user(client, user):
    client.force_login(user)
    return client


def html_of(response) -> str:
    return response.content.decode()


def buttons(client, case) -> set[str]:
    html = html_of(client.get(reverse("web:case", args=[case.number])))
    return set(re.findall(r'data-action="([a-z_]+)"', html))


def act(client, case, action, **data):
    """Open the action's form as the user would, then post it with the version the form carried."""
    form = client.get(reverse("web:act", args=[case.number, action]))
    assert form.status_code == 200, html_of(form)
    version = form.context["form"].initial["version"]
    return client.post(reverse("web:act", args=[case.number, action]), {"version": version, **data})


def fresh(case) -> Case:
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def leader(bank):
    return create_staff(
        username="leader",
        name="分管行领导",
        unit=bank.head_office,
        roles=[Role.LEADER_IN_CHARGE],
        password=PASSWORD,
    )


# The table of forms


def test_no_system_action_is_offered_to_a_person(bank):
    system = {name for name, action in lifecycle.ACTIONS.items() if action.system}
    case = bank.register()
    assert system and not system & set(lifecycle.allowed_actions(bank.admin, case))


# Buttons


def test_buttons_show_only_the_actions_allowed_to_this_user(client, bank):
    case = bank.register(subject_staff="subject")
    teller = buttons(as_user(client, bank.teller), case)
    assert teller == set(lifecycle.allowed_actions(bank.teller, case))
    assert {"accept", "reject"} <= teller
    assert "close" not in teller and "acknowledge" not in teller
    assert buttons(as_user(client, bank.auditor), case) == set()
    as_user(client, bank.subject)
    assert client.get(reverse("web:case", args=[case.number])).status_code == 404
    assert client.get(reverse("web:act", args=[case.number, "accept"])).status_code == 404
    assert client.post(reverse("web:act", args=[case.number, "accept"]), {"version": 1}).status_code == 404
    assert fresh(case).state == State.REGISTERED


def test_auditor_is_refused_an_action_and_nothing_changes(client, bank):
    case = bank.register()
    as_user(client, bank.auditor)
    assert client.get(reverse("web:act", args=[case.number, "accept"])).status_code == 403
    assert client.post(reverse("web:act", args=[case.number, "accept"]), {"version": 1}).status_code == 403
    assert fresh(case).state == State.REGISTERED


def test_unknown_action_is_404(client, bank):
    case = bank.register()
    assert (
        as_user(client, bank.teller).get(reverse("web:act", args=[case.number, "explode"])).status_code == 404
    )


# Each form posts and changes the case


def _accepted(bank):
    return perform("accept", bank.teller, bank.register())


def _transferred(bank):
    return perform("transfer", bank.teller, _accepted(bank), {"to_unit": "A-PB"})


def _in_progress(bank):
    return perform("acknowledge", bank.handler, _transferred(bank), {"handler": "handler"})


def _replied(bank):
    return perform("reply", bank.teller, _accepted(bank), {"method": "phone", "content": "已致歉"})


def _closed(bank):
    return perform("close", bank.teller, _replied(bank), {**CLASSES, "responsibility": "at_fault"})


def _chased(bank):
    case = _transferred(bank)
    perform("chase", bank.teller, case, {"note": "请尽快"})
    return fresh(case)


def _repeat(bank):
    first = bank.register()
    return perform("link_repeat", bank.teller, _accepted(bank), {"previous_case": first.number})


def _public_report(bank):
    case, _receipt = report_wrongdoing("柜员违规代客理财。")
    return case


def _paused(bank):
    return perform("pause_clocks", bank.teller, _accepted(bank), {"reason": "mediation"})


def _withdrawn_under_pressure(bank):
    return perform(
        "withdraw", bank.teller, _accepted(bank), {"voluntary": False, "reason": "网点负责人多次要求撤诉"}
    )


def _extension_requested(bank):
    return perform(
        "request_extension", bank.teller, _accepted(bank), {"clock": "decision", "reason": "需外部鉴定"}
    )


def _plan_case(plan_type):
    """An accepted case of `plan_type` under an active emergency plan over branch A."""

    def make(bank):
        active_plan(bank)
        return perform("accept", bank.teller, bank.register(plan_type=plan_type))

    return make


def _verbal_loss_reported(bank):
    case = _plan_case("verbal_loss_report")(bank)
    return perform("verbal_loss_report", bank.teller, case, {"account_masked": "****6789"})


def _claim_recorded(bank):
    case = _plan_case("compensation")(bank)
    return perform("record_compensation_claim", bank.teller, case, {"reasons": "切换期间被收取罚息。"})


def _directed_to_other_atm(bank):
    case = _plan_case("atm_unavailable")(bank)
    return perform("direct_to_other_atm", bank.teller, case, {"where": "工商银行ATM"})


_TRIED = (timezone.localtime() - dt.timedelta(minutes=30)).isoformat(timespec="minutes")
_PROMISED = (timezone.localtime() + dt.timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M")


def _on_hold(bank):
    return perform("set_legal_hold", bank.office, _accepted(bank), {"reason": "客户已起诉"})


def _in_days(days: int) -> str:
    return (timezone.now() + dt.timedelta(days=days)).replace(microsecond=0).isoformat()


def _referred(bank):
    return perform("accept", bank.teller, bank.register(channel="regulator"))


def _referral_recorded(bank):
    return perform(
        "record_referral", bank.teller, _referred(bank), {"body": "湖北监管局", "due_at": _in_days(5)}
    )


ACTION_CASES = [
    # action, who, case maker, form data, the state after (None: unchanged), the event recorded
    ("accept", "teller", lambda b: b.register(), {}, State.ACCEPTED, EventKind.ACCEPTED),
    ("reject", "outlet_head", lambda b: b.register(), {"reason": "不属于本行业务"}, State.REJECTED, None),
    (
        "answer_on_spot",
        "office",
        lambda b: b.register(kind="petition", channel="visit"),
        {"answer": "当场解答"},
        State.CLOSED,
        EventKind.ANSWERED_ON_SPOT,
    ),
    ("instruct", "leader", _accepted, {"text": "请认真核查"}, None, EventKind.INSTRUCTED),
    (
        "transfer",
        "teller",
        _accepted,
        {"to_unit": "A-PB", "handler": "handler", "note": "请核查"},
        State.TRANSFERRED,
        None,
    ),
    ("acknowledge", "handler", _transferred, {"handler": "handler"}, State.IN_PROGRESS, None),
    ("bounce", "handler", _transferred, {"reason": "应由网点处理"}, State.ACCEPTED, EventKind.BOUNCED),
    ("chase", "teller", _transferred, {"note": "请尽快"}, None, EventKind.CHASED),
    ("report_to_head", "teller", _chased, {"note": "仍未处理"}, None, EventKind.REPORTED_TO_HEAD),
    ("escalate", "teller", _accepted, {"to_level": "branch", "reason": "网点无法解决"}, None, None),
    ("contact", "teller", _accepted, {"method": "phone", "at": "", "note": "已联系"}, None, None),
    ("report", "handler", _in_progress, {**REPORT, "handled_at": ""}, None, EventKind.RESULT_REPORTED),
    ("reply", "teller", _accepted, {"method": "written", "content": "处理决定如下"}, State.REPLIED, None),
    (
        "explain",
        "teller",
        _accepted,
        {"rule": "按规定需本人办理", "method": "in_person"},
        State.REPLIED,
        EventKind.EXPLAINED,
    ),
    ("follow_up", "teller", _replied, {"satisfaction": "satisfied", "note": "满意"}, None, None),
    ("close", "teller", _replied, {**CLASSES, "responsibility": "shared"}, State.CLOSED, None),
    ("reopen", "teller", _closed, {"reason": "回访不满意"}, State.IN_PROGRESS, None),
    ("withdraw", "teller", _accepted, {"voluntary": "true", "reason": "已自行解决"}, State.WITHDRAWN, None),
    (
        "approve_compensation",
        "handler",
        _transferred,
        {"amount": "500", "business_line": "A-PB", "approver_name": "个金部负责人"},
        None,
        EventKind.COMPENSATION_APPROVED,
    ),
    ("refer_legal", "outlet_head", _accepted, {"note": "客户拟起诉"}, None, EventKind.REFERRED_LEGAL),
    (
        "assess_anonymous",
        "teller",
        lambda b: perform(
            "accept",
            b.teller,
            b.register(
                kind="whistleblow",
                category="anonymous",
                complainant_anonymous=True,
                complainant_name="",
                complainant_phone="",
                complainant_id_number="",
            ),
        ),
        {"good_faith": "true", "note": "经核实属实，已归档"},
        None,
        EventKind.ANONYMOUS_ASSESSED,
    ),
    (
        "record_safety",
        "teller",
        lambda b: b.register(),
        {"incident": "drunk", "note": "醉酒吵闹", "police_called": "on"},
        None,
        EventKind.SAFETY_RECORDED,
    ),
    ("link_repeat", "teller", _accepted, None, None, EventKind.REPEAT_LINKED),
    (
        "message_reporter",
        "office",
        _public_report,
        {"text": "请补充交易日期"},
        None,
        EventKind.REPORTER_MESSAGED,
    ),
    ("reverify", "teller", _repeat, {"note": "重新核实"}, None, EventKind.REVERIFIED),
    ("add_facts", "teller", _accepted, {"note": "客户补充了新材料"}, None, EventKind.NEW_FACTS),
    ("pause_clocks", "teller", _accepted, {"reason": "appraisal", "note": "司法鉴定"}, None, None),
    ("resume_clocks", "teller", _paused, {}, None, EventKind.CLOCKS_RESUMED),
    (
        "request_extension",
        "teller",
        _accepted,
        {"clock": "decision", "reason": "情况复杂"},
        None,
        EventKind.EXTENSION_REQUESTED,
    ),
    (
        "decide_extension",
        "leader",
        _extension_requested,
        {"approve": "true", "customer_told_method": "phone"},
        None,
        EventKind.EXTENSION_DECIDED,
    ),
    (
        "supervise",
        "office",
        _accepted,
        {"text": "请按时答复客户", "due_at": (timezone.now() + dt.timedelta(days=2)).isoformat()},
        None,
        EventKind.NOTICE_ISSUED,
    ),
    (
        "hold_accountable",
        "office",
        _accepted,
        {"unit": "A1-1", "sanction": "criticism", "note": "未按规定时限答复客户"},
        None,
        EventKind.ACCOUNTABILITY_RECORDED,
    ),
    (
        "conclude_investigation",
        "office",
        _withdrawn_under_pressure,
        {"findings": "查实网点负责人施压", "pressure_found": "true"},
        None,
        EventKind.INVESTIGATION_CONCLUDED,
    ),
    (
        "refer_judicial",
        "office",
        _accepted,
        {"authority": "武汉市公安局江汉区分局", "note": "涉嫌冒名开户"},
        None,
        EventKind.REFERRED_JUDICIAL,
    ),
    (
        "report_externally",
        "office",
        _accepted,
        {"to": "regulator", "note": "客户聚集网点并联系媒体，现报告如下。"},
        None,
        EventKind.REPORTED_EXTERNALLY,
    ),
    ("reveal", "teller", _accepted, {"purpose": "call_back"}, None, EventKind.REVEALED),
    (
        "verbal_loss_report",
        "teller",
        _plan_case("verbal_loss_report"),
        {"account_masked": "****6789"},
        None,
        EventKind.VERBAL_LOSS_REPORTED,
    ),
    (
        "settle_loss_report",
        "teller",
        _verbal_loss_reported,
        {"formal_report_made": "true"},
        None,
        EventKind.LOSS_REPORT_SETTLED,
    ),
    (
        "emergency_payment",
        "teller",
        _plan_case("emergency_payment"),
        {
            "amount": "3000.00",
            "dissuasion": f"teller | {_TRIED} | 客户坚持",
            "approved_by": "outlet_head",
            "risk_checked": "on",
        },
        None,
        EventKind.EMERGENCY_PAID,
    ),
    (
        "confirm_with_business_line",
        "teller",
        _plan_case("event_caused"),
        {"business_line": "A-PB", "statement_version": "", "promised_at": _PROMISED},
        None,
        EventKind.PLAN_CONFIRMED,
    ),
    (
        "report_to_business_line",
        "teller",
        _plan_case("customer_data_anomaly"),
        {"business_line": "A-PB", "note": "已按条线上报。"},
        None,
        EventKind.BUSINESS_LINE_REPORTED,
    ),
    (
        "direct_to_other_atm",
        "teller",
        _plan_case("atm_unavailable"),
        {"where": "解放大道工商银行ATM"},
        None,
        EventKind.ATM_DIRECTED,
    ),
    (
        "decide_atm_fee",
        "teller",
        _directed_to_other_atm,
        {"fee_decision": "refunded", "amount": "4.00", "decided_by": "outlet_head"},
        None,
        EventKind.ATM_FEE_DECIDED,
    ),
    (
        "soothe_long_wait",
        "teller",
        _plan_case("long_wait"),
        {"soothed_by": "teller", "agitated": "true", "guided_by": "outlet_head", "business_done": "on"},
        None,
        EventKind.WAIT_SOOTHED,
    ),
    (
        "record_compensation_claim",
        "teller",
        _plan_case("compensation"),
        {"reasons": "切换期间被收取罚息。"},
        None,
        EventKind.COMPENSATION_CLAIMED,
    ),
    (
        "agree_plan_payout",
        "office",
        _claim_recorded,
        {
            "amount": "200.00",
            "business_line": "A-PB",
            "agreed_with": "张建国",
            "agreement": "共同协商退还罚息。",
        },
        None,
        EventKind.PLAN_PAYOUT_AGREED,
    ),
    (
        "handle_aggressive_customer",
        "teller",
        _plan_case("aggressive_customer"),
        {"video_covered": "on", "led_to": "贵宾室", "stormed": "on", "called": "local_police"},
        None,
        EventKind.AGGRESSIVE_HANDLED,
    ),
    (
        "coordinate_mental_health",
        "teller",
        _plan_case("mental_health"),
        {"via": "home_visit", "with_whom": "客户本人及其配偶", "outcome": "上门沟通后客户情绪稳定。"},
        None,
        EventKind.COORDINATED,
    ),
    (
        "report_cross_province",
        "teller",
        _plan_case("cross_province"),
        {"sister_bank": "长沙分行营业部", "reason": "需异地行核查。"},
        None,
        EventKind.CROSS_PROVINCE_REPORTED,
    ),
    (
        "report_anger",
        "teller",
        _plan_case("long_wait"),
        {"shown": "threatened_media", "note": "称要找电视台。"},
        None,
        EventKind.ANGER_REPORTED,
    ),
    (
        "report_to_group",
        "teller",
        _plan_case("atm_unavailable"),
        {"result": "已引导客户至他行ATM。"},
        None,
        EventKind.REPORTED_TO_GROUP,
    ),
    ("set_legal_hold", "office", _accepted, {"reason": "客户已起诉"}, None, EventKind.HOLD_SET),
    ("lift_legal_hold", "office", _on_hold, {"reason": "诉讼已终结"}, None, EventKind.HOLD_LIFTED),
    (
        "record_referral",
        "teller",
        _referred,
        {"body": "湖北监管局", "reference": "鄂金转〔2026〕12号", "due_at": _in_days(5)},
        None,
        EventKind.REFERRAL_RECORDED,
    ),
    (
        "reply_to_referrer",
        "teller",
        _referral_recorded,
        {"reply": "已答复客户"},
        None,
        EventKind.REFERRER_ANSWERED,
    ),
]


def test_the_table_covers_every_action():
    assert {row[0] for row in ACTION_CASES} == set(ACTIONS)


@pytest.mark.parametrize(
    ("action", "who", "make", "data", "state", "event"), ACTION_CASES, ids=[row[0] for row in ACTION_CASES]
)
def test_each_action_form_posts_and_changes_the_case(
    client, bank, leader, action, who, make, data, state, event
):
    case = make(bank)
    if data is None:  # link_repeat needs an earlier case of the same bank
        data = {"previous_case": bank.register().number}
    user = leader if who == "leader" else getattr(bank, who)
    before = fresh(case)
    as_user(client, user)
    assert action in buttons(client, case)
    response = act(client, case, action, **data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    after = fresh(case)
    if visible_to(user).filter(pk=case.pk).exists():
        assert response["Location"] == reverse("web:case", args=[case.number])
    else:  # sent back out of the user's sight: they land on their lists, not on a 404
        assert response["Location"] == reverse("web:register")
    # A recorded read (the reveal) writes its event, not the case.
    assert after.version == before.version + (0 if lifecycle.ACTIONS[action].records_only else 1)
    assert after.state == (state or before.state)
    kind = event or lifecycle.ACTIONS[action].event
    assert CaseEvent.objects.filter(case=case, kind=kind, actor=user).exists()
    assert 'class="message success"' in html_of(client.get(response["Location"]))


# Bad input, stale forms, illegal actions


def test_a_bad_handler_rerenders_with_the_field_error_and_changes_nothing(client, bank):
    case = _accepted(bank)
    response = act(as_user(client, bank.teller), case, "transfer", to_unit="A-PB", handler="outsider")
    assert response.status_code == 200
    assert "handler" in response.context["form"].errors
    html = html_of(response)
    assert html.count('class="field-error"') == 1
    assert "接收单位" in html  # "The handler must belong to the receiving unit." in Chinese
    after = fresh(case)
    assert after.state == State.ACCEPTED and after.version == case.version
    assert not TransferOrder.objects.filter(case=case).exists()


def test_missing_fields_are_all_reported_at_once(client, bank):
    case = _in_progress(bank)
    response = act(as_user(client, bank.handler), case, "report", findings="已核查")
    errors = response.context["form"].errors
    assert {"staff_handling", "lessons", "rectification", "customer_satisfaction"} <= set(errors)
    assert "findings" not in errors
    assert not case.result_reports.exists()


def test_a_rule_about_the_case_is_shown_above_the_form(client, bank):
    case = perform("reply", bank.handler, _in_progress(bank), {"method": "phone", "content": "已答复"})
    response = act(as_user(client, bank.teller), case, "close", responsibility="at_fault")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert fresh(case).state == State.REPLIED


def test_a_stale_version_shows_the_conflict_and_changes_nothing(client, bank):
    case = bank.register()
    as_user(client, bank.teller)
    form = client.get(reverse("web:act", args=[case.number, "reject"]))
    stale = form.context["form"].initial["version"]
    perform("escalate", bank.outlet_head, case, {"reason": "上报"})
    response = client.post(
        reverse("web:act", args=[case.number, "reject"]), {"version": stale, "reason": "x"}
    )
    assert response.status_code == 409
    html = html_of(response)
    assert "刷新" in html or "重新加载" in html
    assert "已登记" in html  # the state it is in now
    after = fresh(case)
    assert after.state == State.REGISTERED and after.rejection_reason == ""


def test_an_action_no_longer_possible_says_the_state(client, bank):
    case = bank.register()
    as_user(client, bank.teller)
    version = client.get(reverse("web:act", args=[case.number, "accept"])).context["form"].initial["version"]
    perform("reject", bank.outlet_head, case, {"reason": "不受理"})
    response = client.post(reverse("web:act", args=[case.number, "accept"]), {"version": version})
    assert response.status_code == 409
    assert "不予受理" in html_of(response)
    assert fresh(case).state == State.REJECTED


def test_a_missing_version_is_a_conflict_not_an_error(client, bank):
    case = bank.register()
    response = as_user(client, bank.teller).post(reverse("web:act", args=[case.number, "accept"]), {})
    assert response.status_code == 409
    assert fresh(case).state == State.REGISTERED


def test_transfer_form_offers_units_and_handlers_but_never_the_subject(client, bank):
    case = perform("accept", bank.teller, bank.register(subject_staff="subject"))
    form = (
        as_user(client, bank.teller).get(reverse("web:act", args=[case.number, "transfer"])).context["form"]
    )
    units = dict(form.fields["to_unit"].widget.choices)
    handlers = dict(form.fields["handler"].widget.choices)
    assert "A-PB" in units and bank.outlet_a1_1.code not in units  # it holds the case already
    assert "handler" in handlers and "subject" not in handlers


# The case page


def test_case_page_shows_the_whole_loop(client, bank):
    case = _in_progress(bank)
    perform("report", bank.handler, case, REPORT)
    perform("reply", bank.handler, case, {"method": "written", "content": "经核查，已整改。"})
    perform("follow_up", bank.teller, case, {"satisfaction": "basically_satisfied", "note": "基本满意"})
    perform("close", bank.teller, case, {**CLASSES, "responsibility": "at_fault"})
    html = html_of(as_user(client, bank.teller).get(reverse("web:case", args=[case.number])))
    assert "甲一支行营业部 → 甲分行个人金融部" in html  # the transfer order
    assert REPORT["findings"] in html and REPORT["rectification"] in html
    assert "核查" in html and "仲裁" in html  # the remedies stated in the reply
    assert "基本满意" in html
    assert "网点化解" in html or "不计入" in html  # the statistics class
    assert "2026.1 版统计规则" in html  # the rule it was decided by, in words
    assert 'class="old">已登记</span> → <span class="new">已受理' in html  # old → new in the history
    assert reverse("web:print_transfer", args=[case.number, case.transfer_orders.get().id]) in html
    assert reverse("web:print_report", args=[case.number, case.result_reports.get().id]) in html


def test_case_page_shows_each_clock_with_policy_due_and_state(client, bank):
    case = bank.register(received_at=timezone.now() - dt.timedelta(days=40))
    html = html_of(as_user(client, bank.teller).get(reverse("web:case", args=[case.number])))
    clocks = list(case.clocks.select_related("policy"))
    assert clocks
    for clock in clocks:
        assert clock.policy.name in html
        assert timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M") in html
    assert 'class="clock-state clock-breached"' in html
    assert "已超时" in html
    assert "最早的时限为准" in html or "最早" in html


def test_unconfirmed_due_date_is_marked_and_explained(client, bank):
    case = bank.register()
    Clock.objects.filter(case=case).update(unconfirmed=True)
    html = html_of(as_user(client, bank.teller).get(reverse("web:case", args=[case.number])))
    assert 'class="note unconfirmed"' in html


# Lists


def test_my_cases_lists_open_cases_the_user_took_wherever_they_are(client, bank):
    here = _accepted(bank)
    away = _transferred(bank)
    closed = _closed(bank)
    withdrawn = perform("withdraw", bank.teller, _accepted(bank), {"voluntary": True, "reason": "撤回"})
    rejected = perform("reject", bank.outlet_head, bank.register(), {"reason": "不受理"})
    someone_elses = bank.register(actor=bank.outlet_head)
    html = html_of(as_user(client, bank.teller).get(reverse("web:my_cases")))
    rows = set(re.findall(r'data-case="(TS\d+)"', html))
    assert rows == {here.number, away.number}
    assert closed.number not in rows and withdrawn.number not in rows and rejected.number not in rows
    assert someone_elses.number not in rows
    assert "甲分行个人金融部" in html  # where the transferred one is now
    assert 'class="clock-state' in html


def test_my_cases_query_count_does_not_grow_with_cases(client, bank):
    as_user(client, bank.teller)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            client.get(reverse("web:my_cases"))
        return len(ctx.captured_queries)

    _transferred(bank)
    queries()  # the per-process caches of reference data (work groups, classes) filled once
    few = queries()
    for _ in range(6):
        _transferred(bank)
    assert queries() == few


def test_awaiting_instruction_lists_open_cases_without_one(client, bank, leader):
    waiting = bank.register()
    instructed = perform("instruct", leader, _accepted(bank), {"text": "请处理"})
    closed = _closed(bank)
    html = html_of(as_user(client, leader).get(reverse("web:awaiting_instruction")))
    rows = set(re.findall(r'data-case="(TS\d+)"', html))
    assert waiting.number in rows
    assert instructed.number not in rows and closed.number not in rows
    assert reverse("web:awaiting_instruction") in html  # in the leader's navigation
    teller_home = html_of(as_user(client, bank.teller).get(reverse("web:register")))
    assert reverse("web:awaiting_instruction") not in teller_home
    assert client.get(reverse("web:awaiting_instruction")).status_code == 403


def test_due_soon_lists_live_clocks_due_within_a_day_or_overdue_in_order(client, bank):
    now = timezone.now()
    overdue = bank.register()
    soon = bank.register()
    later = bank.register()
    met = bank.register()
    elsewhere = bank.register(actor=bank.outsider, subject_unit=bank.outlet_b1_1.code)
    for case, due in (
        (overdue, now - dt.timedelta(hours=3)),
        (soon, now + dt.timedelta(hours=5)),
        (later, now + dt.timedelta(days=3)),
        (met, now - dt.timedelta(hours=1)),
        (elsewhere, now + dt.timedelta(hours=1)),
    ):
        Clock.objects.filter(case=case).update(due_at=due, warn_at=due - dt.timedelta(hours=12))
    Clock.MOVES.move(Clock.objects.filter(case=met), "meet", met_at=now)
    # The page opens on what is due within a day; what is past due is one tab away, newest first.
    html = html_of(as_user(client, bank.outlet_head).get(reverse("web:due_soon")))
    assert set(re.findall(r'data-case="(TS\d+)"', html)) == {soon.number}
    assert "clock-warning" in html
    late = html_of(client.get(reverse("web:due_soon"), {"status": "overdue"}))
    assert set(re.findall(r'data-case="(TS\d+)"', late)) == {overdue.number}
    assert "clock-breached" in late
    # Narrowed to a unit's subtree by where the case is held.
    moved = perform("transfer", bank.teller, perform("accept", bank.teller, soon), {"to_unit": "A-PB"})
    Clock.objects.filter(case=moved).update(due_at=now + dt.timedelta(hours=5))
    narrowed = html_of(client.get(reverse("web:due_soon"), {"unit": bank.outlet_a1_1.code}))
    assert set(re.findall(r'data-case="(TS\d+)"', narrowed)) == set()
    narrowed = html_of(client.get(reverse("web:due_soon"), {"unit": "A-PB", "status": "due_soon"}))
    assert set(re.findall(r'data-case="(TS\d+)"', narrowed)) == {soon.number}
    assert elsewhere.number in html_of(as_user(client, bank.outsider).get(reverse("web:due_soon")))


def test_register_shows_the_binding_clock_with_a_constant_query_count(client, bank):
    as_user(client, bank.office)

    def queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("web:register"))
        return len(ctx.captured_queries), html_of(response)

    for _ in range(3):
        _transferred(bank)
    few, html = queries()
    assert html.count('class="clock-state') == 3
    assert Clock.objects.count() > 3
    for _ in range(20):
        _transferred(bank)
    many, html = queries()
    assert many == few
    assert html.count('class="clock-state') == 23


# The calendar banner


def test_banner_from_1_november_when_next_year_is_not_loaded(client, bank, monkeypatch):
    assert notices.calendar_warning(bank.admin, dt.date(2026, 11, 1))["year"] == 2027
    assert notices.calendar_warning(bank.admin, dt.date(2026, 10, 31)) is None
    monkeypatch.setattr(notices, "today", lambda: dt.date(2026, 11, 1))
    html = html_of(as_user(client, bank.admin).get(reverse("web:register")))
    assert 'class="banner warning"' in html and "2027" in html
    assert reverse("admin:calendar_calendaryear_load") in html
    # Only for those who can load it: the others see the clocks of that year marked unconfirmed.
    teller = html_of(as_user(client, bank.teller).get(reverse("web:register")))
    assert 'class="banner' not in teller
    monkeypatch.setattr(notices, "today", lambda: dt.date(2026, 10, 31))
    assert 'class="banner' not in html_of(as_user(client, bank.admin).get(reverse("web:register")))


# Print pages


def test_print_pages_render_and_are_hidden_from_the_subject(client, bank):
    case = perform("accept", bank.teller, bank.register(subject_staff="subject"))
    case = perform("transfer", bank.teller, case, {"to_unit": "A-PB", "note": "请核查"})
    case = perform("acknowledge", bank.handler, case, {"handler": "handler"})
    perform("report", bank.handler, case, REPORT)
    order = case.transfer_orders.get()
    report = case.result_reports.get()
    urls = [
        reverse("web:print_transfer", args=[case.number, order.id]),
        reverse("web:print_report", args=[case.number, report.id]),
        reverse("web:print_register", args=[case.number]),
    ]
    as_user(client, bank.teller)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200
        html = html_of(response)
        assert case.number in html and bank.head_office.name in html
        assert "@media print" not in html and "print.css" in html
        assert "签字" in html
    assert "甲分行个人金融部" in html_of(client.get(urls[0]))
    assert REPORT["lessons"] in html_of(client.get(urls[1]))
    assert "138****5678" in html_of(client.get(urls[2]))
    other = _transferred(bank).transfer_orders.get()
    assert client.get(reverse("web:print_transfer", args=[case.number, other.id])).status_code == 404
    as_user(client, bank.subject)
    for url in urls:
        assert client.get(url).status_code == 404


def test_a_limit_met_late_is_shown_as_late(client, bank):
    case = bank.register(received_at=timezone.now() - dt.timedelta(days=40))
    case = perform("accept", bank.teller, case)
    perform("reply", bank.teller, case, {"method": "phone", "content": "已答复"})
    html = html_of(as_user(client, bank.teller).get(reverse("web:case", args=[case.number])))
    assert "逾期完成" in html
    assert 'class="clock-state clock-breached">逾期完成' in html


def test_supervision_notice_shows_on_the_case_page_and_prints(client, bank):
    from zoneinfo import ZoneInfo

    from redress.lifecycle.registration import register_case
    from redress.lifecycle.sweeper import sweep

    when = dt.datetime(2026, 3, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    data = bank.registration(received_at=when, subject_staff="subject")
    case = register_case(bank.teller, data, now=when).case
    sweep(when + dt.timedelta(days=5))
    notice = case.supervision_notices.get()
    as_user(client, bank.teller)
    page_html = html_of(client.get(reverse("web:case", args=[case.number])))
    assert 'id="supervision-notices"' in page_html and notice.reason in page_html
    printed = client.get(reverse("web:print_notice", args=[case.number, notice.id]))
    assert printed.status_code == 200 and case.number in html_of(printed)
    as_user(client, bank.subject)
    assert client.get(reverse("web:print_notice", args=[case.number, notice.id])).status_code == 404
