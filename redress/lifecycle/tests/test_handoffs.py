"""Every hand-off reaches a person (R11.2): the transfer's receivers, a bounce's sender, the first responder
when the result report is in — declared once on each action (`tells`), and listed in the API."""

from __future__ import annotations

import pytest
from django.test import Client

from redress.api.tests.conftest import bearer_client
from redress.lifecycle import perform
from redress.lifecycle.registration import register_case
from redress.notifications.models import Notification
from redress.organisation.choices import Role
from redress.organisation.services import create_staff

pytestmark = pytest.mark.django_db

REPORT = {
    "findings": "经核实，客户反映情况属实。",
    "staff_handling": "对当班柜员批评教育。",
    "lessons": "高峰时段窗口不足。",
    "rectification": "增开窗口。",
    "customer_satisfaction": "satisfied",
    "handler_name": "李晓燕",
    "handler_phone": "02785561234",
}


def told(event, case):
    return sorted(
        Notification.objects.filter(event=event, case=case).values_list("recipient__username", flat=True)
    )


def _transferred(bank, **params):
    case = register_case(bank.teller, bank.registration()).case
    case = perform("accept", bank.teller, case)
    return perform("transfer", bank.teller, case, {"to_unit": "A-PB", **params})


def test_a_transfer_tells_the_named_handler_and_the_receiving_units_signers(bank):
    head = create_staff(
        username="pb_head", name="个金部总经理", unit=bank.dept_a_pb, roles=[Role.OUTLET_HEAD]
    )
    case = _transferred(bank, handler="handler", note="请核实等候时间")
    assert told("transfer_received", case) == ["handler", head.username]
    note = Notification.objects.get(event="transfer_received", case=case, recipient=bank.handler)
    assert case.number in note.subject and note.body == "请核实等候时间"
    # Nobody outside the receiving unit, and not the sender who knows already.
    assert "teller" not in told("transfer_received", case)


def test_a_bounce_tells_whoever_issued_the_order(bank):
    case = register_case(bank.teller, bank.registration()).case
    case = perform("accept", bank.teller, case)
    case = perform("transfer", bank.outlet_head, case, {"to_unit": "A-PB"})
    perform("bounce", bank.handler, case, {"reason": "不属于个金部职责"})
    # The outlet head issued the order; the teller is the first responder who owns the case.
    assert told("transfer_bounced", case) == ["outlet_head", "teller"]


def test_the_result_report_tells_the_first_responder(bank):
    case = _transferred(bank)
    case = perform("acknowledge", bank.handler, case)
    perform("report", bank.handler, case, REPORT)
    assert told("result_reported", case) == ["teller"]


def test_no_one_is_told_of_their_own_hand_off(bank):
    case = register_case(bank.teller, bank.registration()).case
    case = perform("accept", bank.teller, case)
    # The administrator issues an order and sends it back themself: only the first responder is told.
    case = perform("transfer", bank.admin, case, {"to_unit": "A-PB"})
    perform("bounce", bank.admin, case, {"reason": "转错了，收回"})
    assert told("transfer_bounced", case) == ["teller"]


def test_the_api_lists_my_notifications_newest_first_and_marks_one_read(bank):
    case = _transferred(bank, handler="handler")
    perform("acknowledge", bank.handler, case)
    client = bearer_client(bank.handler)
    page = client.get("/api/v1/notifications").json()
    assert page["count"] == 1
    (item,) = page["items"]
    assert item["kind"] == "transfer_received" and item["case"] == case.number and item["read"] is False
    assert case.number in item["text"]
    assert client.get("/api/v1/notifications?unread=true").json()["count"] == 1
    answer = client.post(f"/api/v1/notifications/{item['id']}/read")
    assert answer.status_code == 200 and answer.json()["read"] is True
    assert client.get("/api/v1/notifications?unread=true").json() == {"count": 0, "items": []}
    # Another's notification is as absent as a missing one; no token, no list.
    assert bearer_client(bank.teller).post(f"/api/v1/notifications/{item['id']}/read").status_code == 404
    assert Client().get("/api/v1/notifications").status_code == 401


def test_a_notification_names_its_case_only_while_the_reader_may_see_it(bank):
    case = _transferred(bank, handler="handler")
    # The case goes back to the outlet: the department's handler no longer sees it.
    perform("bounce", bank.handler, case, {"reason": "不属于个金部职责"})
    (item,) = bearer_client(bank.handler).get("/api/v1/notifications").json()["items"]
    assert item["kind"] == "transfer_received" and item["case"] is None


def _reply_clock(case):
    from redress.deadlines.models import Clock

    return Clock.objects.filter(case=case, name__in=("reply", "decision"), binding=True).order_by("due_at")[0]


def test_the_holder_is_told_once_on_the_last_day_that_the_reply_is_due_today(bank):
    import datetime as dt

    from redress.lifecycle.sweeper import sweep

    case = perform("accept", bank.teller, register_case(bank.teller, bank.registration()).case)
    due = _reply_clock(case).due_at
    sweep(due - dt.timedelta(days=1, hours=1))  # the day before: not yet
    assert told("reply_due_today", case) == []
    sweep(due - dt.timedelta(hours=3))
    assert "teller" in told("reply_due_today", case)  # the first responder holding it at the outlet
    note = Notification.objects.filter(event="reply_due_today", case=case).first()
    assert case.number in note.subject
    count = Notification.objects.filter(event="reply_due_today").count()
    sweep(due - dt.timedelta(hours=2))  # the sweeper's next pass the same day tells nobody again
    assert Notification.objects.filter(event="reply_due_today").count() == count


def test_a_replied_case_is_not_announced_as_due(bank):
    import datetime as dt

    from redress.lifecycle.sweeper import sweep

    case = perform("accept", bank.teller, register_case(bank.teller, bank.registration()).case)
    due = _reply_clock(case).due_at
    perform("reply", bank.outlet_head, case, {"method": "phone", "content": "已为您处理完毕。"})
    sweep(due - dt.timedelta(hours=3))
    assert told("reply_due_today", case) == []
