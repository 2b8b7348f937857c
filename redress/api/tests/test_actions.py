"""The life of a case through the API: every action is `POST /api/v1/cases/{number}/{action}`."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from redress.cases.choices import State
from redress.cases.models import Case, ResultReport
from redress.lifecycle import ACTIONS as DECLARED
from redress.lifecycle import HUMAN_ACTIONS as ACTIONS
from redress.lifecycle import perform
from redress.organisation.choices import Role
from redress.organisation.services import create_staff
from redress.testing import CLASSES

from .conftest import case_payload

pytestmark = pytest.mark.django_db
URL = "/api/v1/cases"

REPORT = {
    "findings": "经核查，柜员未按规定引导客户取号。",
    "staff_handling": "对当事柜员进行批评教育。",
    "lessons": "加强大堂引导。",
    "rectification": "高峰时段增开窗口。",
    "customer_satisfaction": "satisfied",
    "handler_name": "个金部经办",
    "handler_phone": "13912345678",
}
REPLY = {"method": "phone", "content": "已向客户致歉并说明改进措施。"}


def act(client, number: str, action: str, body: dict | None = None, **headers):
    if body is None:  # no body at all, as `curl -X POST` sends
        return client.post(f"{URL}/{number}/{action}", "", content_type="application/json", headers=headers)
    return client.post(f"{URL}/{number}/{action}", body, content_type="application/json", headers=headers)


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def test_full_loop_teller_office_handler_teller_with_the_teller_seeing_every_step(bank, as_staff):
    teller, office, handler = as_staff(bank.teller), as_staff(bank.office), as_staff(bank.handler)
    created = teller.post(URL, case_payload(bank, subject_staff=None), content_type="application/json")
    assert created.status_code == 201, created.content
    number = created.json()["number"]
    steps = [
        (teller, "accept", None, State.ACCEPTED, "accepted"),
        (office, "transfer", {"to_unit": "A-PB", "note": "请个金部核查"}, State.TRANSFERRED, "transferred"),
        (handler, "acknowledge", {"handler": "handler"}, State.IN_PROGRESS, "acknowledged"),
        (handler, "report", REPORT, State.IN_PROGRESS, "result_reported"),
        (handler, "reply", REPLY, State.REPLIED, "replied"),
        (teller, "follow_up", {"satisfaction": "satisfied"}, State.REPLIED, "followed_up"),
        (teller, "close", {**CLASSES, "responsibility": "at_fault"}, State.CLOSED, "closed"),
    ]
    version = 1
    for client, action, body, state, event in steps:
        assert number in {c["number"] for c in ok(teller.get(f"{URL}/mine"))["items"]}
        result = ok(act(client, number, action, body, **{"If-Match": str(version)}))
        assert result["state"] == state and result["version"] == version + 1
        version = result["version"]
        # The first responder follows the case wherever it is.
        seen = ok(teller.get(f"{URL}/{number}"))
        assert seen["state"] == state and seen["version"] == version
        assert ok(teller.get(f"{URL}/{number}/events"))[-1]["kind"] == event
    closed = ok(teller.get(f"{URL}/{number}"))
    assert closed["stat_class"] == "not_counted"
    assert closed["responsibility"] == "at_fault"
    assert closed["stat_rule"] and closed["stat_facts"]
    assert closed["closed_at"] is not None
    assert closed["holder_unit"] == "A-PB" and closed["handler"] == "handler"
    [order] = closed["transfer_orders"]
    assert order["from_unit"] == "A1-1" and order["to_unit"] == "A-PB" and order["state"] == "reported"
    assert order["handler"] == "handler" and order["note"] == "请个金部核查" and order["due_at"]
    [report] = closed["result_reports"]
    assert {k: report[k] for k in REPORT} == REPORT and report["handled_at"]
    # Closed: no longer on the teller's list.
    assert number not in {c["number"] for c in ok(teller.get(f"{URL}/mine"))["items"]}


def test_an_action_without_a_body_and_the_detail_lists_what_the_caller_may_do(bank, as_staff):
    case = bank.register()
    client = as_staff(bank.teller)
    assert "accept" in ok(client.get(f"{URL}/{case.number}"))["allowed_actions"]
    accepted = ok(act(client, case.number, "accept"))
    assert accepted["state"] == "accepted"
    assert "accept" not in accepted["allowed_actions"] and "transfer" in accepted["allowed_actions"]
    assert ok(as_staff(bank.auditor).get(f"{URL}/{case.number}"))["allowed_actions"] == []


def test_illegal_action_is_409_naming_the_state_and_the_allowed_actions(bank, as_staff):
    case = bank.register()
    response = act(as_staff(bank.teller), case.number, "close", {**CLASSES, "responsibility": "at_fault"})
    assert response.status_code == 409
    body = response.json()
    assert body["state"] == "registered"
    assert "accept" in body["allowed_actions"] and "close" not in body["allowed_actions"]
    assert body["detail"] and body["errors"] == {}
    assert Case.objects.get(pk=case.pk).state == State.REGISTERED


def test_auditor_and_outsider_on_a_case_they_see_get_403(bank, as_staff):
    about_b = bank.register(subject_unit="B1-1", matter="乙分行网点服务差")
    auditor = act(as_staff(bank.auditor), about_b.number, "accept")
    assert auditor.status_code == 403 and auditor.json()["detail"]
    outsider = as_staff(bank.outsider)
    assert outsider.get(f"{URL}/{about_b.number}").status_code == 200  # the case is about their branch
    assert act(outsider, about_b.number, "accept").status_code == 403
    assert Case.objects.get(pk=about_b.pk).state == State.REGISTERED


def test_the_subject_staff_gets_the_same_404_as_for_no_case(bank, as_staff):
    case = bank.register(subject_staff="subject")
    client = as_staff(bank.subject)
    hidden = act(client, case.number, "accept")
    missing = act(client, "TS2026999999", "accept")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content


def test_handler_may_not_be_the_staff_member_complained_about(bank, as_staff):
    case = perform("accept", bank.teller, bank.register(subject_staff="subject"))
    client = as_staff(bank.teller)
    response = act(client, case.number, "transfer", {"to_unit": "A-PB", "handler": "subject"})
    assert response.status_code == 422
    assert "handler" in response.json()["errors"]
    ok(act(client, case.number, "transfer", {"to_unit": "A-PB"}))
    response = act(as_staff(bank.handler), case.number, "acknowledge", {"handler": "subject"})
    assert response.status_code == 422 and "handler" in response.json()["errors"]
    assert Case.objects.get(pk=case.pk).state == State.TRANSFERRED


def test_a_transferred_case_does_not_close_without_its_result_report(bank, as_staff):
    case = perform("accept", bank.teller, bank.register())
    case = perform("transfer", bank.teller, case, {"to_unit": "A-PB"})
    case = perform("acknowledge", bank.handler, case)
    case = perform("reply", bank.handler, case, REPLY)
    response = act(as_staff(bank.teller), case.number, "close", {**CLASSES, "responsibility": "at_fault"})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["report"]
    assert Case.objects.get(pk=case.pk).state == State.REPLIED


def test_bad_params_are_named_field_by_field(bank, as_staff):
    case = perform("accept", bank.teller, bank.register())
    case = perform("transfer", bank.teller, case, {"to_unit": "A-PB"})
    case = perform("acknowledge", bank.handler, case)
    client = as_staff(bank.handler)
    # Read from the request: missing, not one of the choices, a date that does not parse, unknown fields.
    response = act(
        client,
        case.number,
        "report",
        {**REPORT, "findings": None, "customer_satisfaction": "happy", "handled_at": "yesterday", "x": 1},
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"findings", "customer_satisfaction", "handled_at", "x"}
    # The bank's rules: blank text, a phone that is no phone, a time in the future.
    future = (timezone.localtime() + dt.timedelta(days=1)).isoformat()
    response = act(
        client,
        case.number,
        "report",
        {**REPORT, "lessons": "  ", "handler_phone": "12", "handled_at": future},
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"lessons", "handler_phone", "handled_at"}
    assert not ResultReport.objects.exists()
    assert Case.objects.get(pk=case.pk).version == case.version


def test_missing_required_field_and_wrong_type_are_422(bank, as_staff):
    case = bank.register()
    client = as_staff(bank.outlet_head)
    response = act(client, case.number, "reject", {})
    assert response.status_code == 422 and list(response.json()["errors"]) == ["reason"]
    response = act(client, case.number, "withdraw", {"voluntary": "perhaps", "reason": "客户撤回"})
    assert response.status_code == 422 and list(response.json()["errors"]) == ["voluntary"]


def test_stale_if_match_is_409_with_the_current_version(bank, as_staff):
    case = bank.register()
    client = as_staff(bank.teller)
    ok(act(client, case.number, "accept", **{"If-Match": '"1"'}))
    stale = act(client, case.number, "escalate", {"reason": "客户要求"}, **{"If-Match": "1"})
    assert stale.status_code == 409
    body = stale.json()
    assert body["state"] == "accepted" and body["version"] == 2 and "escalate" in body["allowed_actions"]
    stale = act(client, case.number, "escalate", {"reason": "客户要求", "expected_version": 1})
    assert stale.status_code == 409
    assert Case.objects.get(pk=case.pk).level == "outlet"
    current = client.get(f"{URL}/{case.number}")
    assert current["ETag"] == '"2"'
    assert (
        ok(act(client, case.number, "escalate", {"reason": "客户要求"}, **{"If-Match": current["ETag"]}))[
            "level"
        ]
        == "sub_branch"
    )


def test_if_match_that_is_no_version_is_422(bank, as_staff):
    case = bank.register()
    response = act(as_staff(bank.teller), case.number, "accept", **{"If-Match": "*"})
    assert response.status_code == 422 and list(response.json()["errors"]) == ["If-Match"]


def test_withdrawal_under_pressure_through_the_api_escalates_and_opens_an_investigation(bank, as_staff):
    case = perform("accept", bank.teller, bank.register())
    result = ok(
        act(as_staff(bank.teller), case.number, "withdraw", {"voluntary": False, "reason": "网点人员施压"})
    )
    assert result["state"] == "accepted" and result["level"] == "head_office"
    assert case.investigations.count() == 1


SYSTEM_ACTIONS = {name for name, action in DECLARED.items() if action.system}


def test_system_actions_have_no_endpoint(bank, as_staff):
    case = bank.register()
    for action in SYSTEM_ACTIONS:
        assert act(as_staff(bank.admin), case.number, action, {}).status_code == 404


def test_every_action_is_routed_and_a_stale_or_incomplete_request_changes_nothing(bank, as_staff):
    case = perform("accept", bank.teller, bank.register())
    client = as_staff(bank.admin)
    for action in ACTIONS:
        response = act(client, case.number, action, {"expected_version": 999})
        assert response.status_code in {409, 422}, (action, response.content)
        if response.status_code == 409:
            assert response.json()["version"] == case.version
    assert Case.objects.get(pk=case.pk).version == case.version


def test_lists_show_deadlines_with_one_query_for_the_whole_page(bank, as_staff):
    for _ in range(4):
        bank.register()
    client = as_staff(bank.office)
    with CaptureQueriesContext(connection) as queries:
        items = ok(client.get(URL, {"limit": 4}))["items"]
    assert len(items) == 4
    clock_queries = [q for q in queries.captured_queries if 'FROM "deadlines_clock"' in q["sql"]]
    assert len(clock_queries) == 1
    for item in items:
        assert item["deadlines"], item["number"]
        deadline = item["deadlines"][0]
        assert {"clock", "due_at", "state", "policy", "unconfirmed", "warn_at", "binding", "limit"} <= set(
            deadline
        )
    detail = ok(client.get(f"{URL}/{items[0]['number']}"))
    assert detail["deadlines"] == items[0]["deadlines"]
    due = [dt.datetime.fromisoformat(d["due_at"]) for d in detail["deadlines"]]
    assert due == sorted(due)


def test_my_cases_lists_what_i_took_wherever_it_is_until_it_ends(bank, as_staff):
    mine = perform("accept", bank.teller, bank.register())
    mine = perform("transfer", bank.teller, mine, {"to_unit": "A-PB"})
    by_head = bank.register(actor=bank.outlet_head)
    rejected = perform("reject", bank.teller, bank.register(), {"reason": "不属于本行业务"})
    listed = ok(as_staff(bank.teller).get(f"{URL}/mine"))
    assert [c["number"] for c in listed["items"]] == [mine.number]
    assert listed["count"] == 1
    [item] = listed["items"]
    assert item["holder_unit"] == "A-PB" and item["state"] == "transferred" and item["deadlines"]
    assert {c["number"] for c in ok(as_staff(bank.outlet_head).get(f"{URL}/mine"))["items"]} == {
        by_head.number
    }
    assert rejected.number not in {c["number"] for c in listed["items"]}


def test_awaiting_instruction_is_for_leaders_and_empties_with_the_instruction(bank, as_staff):
    case = bank.register()
    walk_in = bank.register(kind="petition", channel="visit")
    closed_one = perform("answer_on_spot", bank.office, walk_in, {"answer": "当场解答"})
    admin = as_staff(bank.admin)
    waiting = {c["number"] for c in ok(admin.get(f"{URL}/awaiting-instruction"))["items"]}
    assert case.number in waiting and closed_one.number not in waiting
    ok(act(admin, case.number, "instruct", {"text": "请三日内办结"}))
    assert case.number not in {c["number"] for c in ok(admin.get(f"{URL}/awaiting-instruction"))["items"]}
    for staff in (bank.teller, bank.office, bank.auditor):
        assert as_staff(staff).get(f"{URL}/awaiting-instruction").status_code == 403
    # A branch's leader in charge sees what is waiting in their branch only.
    leader = create_staff(
        username="leader_a", name="甲分行分管行长", unit=bank.branch_a, roles=[Role.LEADER_IN_CHARGE]
    )
    in_a = bank.register()
    bank.register(actor=bank.outsider, subject_unit="B1-1")
    waiting = {c["number"] for c in ok(as_staff(leader).get(f"{URL}/awaiting-instruction"))["items"]}
    assert waiting == {in_a.number}


def test_due_lists_overdue_and_soon_due_clocks_of_visible_cases_earliest_first(bank, as_staff):
    overdue = bank.register(received_at=timezone.now() - dt.timedelta(days=40))
    fresh = bank.register()
    long_ago = timezone.now() - dt.timedelta(days=40)
    in_b = bank.register(actor=bank.outsider, subject_unit="B1-1", received_at=long_ago)
    teller = as_staff(bank.teller)
    now_due = ok(teller.get(f"{URL}/due", {"within_hours": 0}))
    assert {c["case"] for c in now_due["items"]} == {overdue.number}
    assert {c["state"] for c in now_due["items"]} == {"breached"}
    month = ok(teller.get(f"{URL}/due", {"within_hours": 24 * 31}))["items"]
    assert {c["case"] for c in month} == {overdue.number, fresh.number}
    assert [c["due_at"] for c in month] == sorted(c["due_at"] for c in month)
    assert month[0]["holder_unit"] == "A1-1" and month[0]["first_responder"] == "teller"
    office = as_staff(bank.office)
    assert {c["case"] for c in ok(office.get(f"{URL}/due", {"within_hours": 0, "unit": "B"}))["items"]} == {
        in_b.number
    }
    bad = office.get(f"{URL}/due", {"unit": "NOPE"})
    assert bad.status_code == 422 and list(bad.json()["errors"]) == ["unit"]


def test_refusals_speak_the_callers_language(bank, as_staff):
    case = bank.register()
    english = act(
        as_staff(bank.teller),
        case.number,
        "close",
        {"responsibility": "at_fault"},
        **{"Accept-Language": "en"},
    )
    assert english.status_code == 409 and "Allowed now" in english.json()["detail"]
    invalid = act(
        as_staff(bank.outlet_head), case.number, "reject", {"reason": " "}, **{"Accept-Language": "en"}
    )
    assert invalid.json()["errors"] == {"reason": ["This field is required."]}


def test_detail_lists_supervision_notices(bank, as_staff):
    import datetime as dt
    from zoneinfo import ZoneInfo

    from redress.lifecycle.registration import register_case
    from redress.lifecycle.sweeper import sweep

    when = dt.datetime(2026, 3, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    case = register_case(bank.teller, bank.registration(received_at=when), now=when).case
    sweep(when + dt.timedelta(days=5))
    detail = as_staff(bank.teller).get(f"/api/v1/cases/{case.number}").json()
    [notice] = detail["supervision_notices"]
    assert notice["sequence"] == 1 and notice["issued_level"] == "sub_branch" and notice["state"] == "open"
    assert notice["due_at"].endswith("+08:00")
