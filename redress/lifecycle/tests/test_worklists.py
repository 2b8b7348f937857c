"""The work lists (issue 15 item 2): each case appears in the list of the person it now waits on, and leaves
it when they act; the same lists in the pages, the API and the navigation's counts."""

from __future__ import annotations

import pytest
from django.test import Client

from redress.api.tests.conftest import bearer_client
from redress.lifecycle import perform, worklists
from redress.lifecycle.registration import register_case
from redress.lifecycle.tests.test_handoffs import REPORT
from redress.organisation.choices import Role
from redress.organisation.services import create_staff

pytestmark = pytest.mark.django_db

REPLY = {"method": "written", "content": "经核查，您反映的问题属实，我行已整改，特此致歉。"}


def numbers(cases):
    return [c.number for c in cases]


def test_a_transfer_waits_in_the_receiving_units_list_until_signed_for(bank):
    case = register_case(bank.teller, bank.registration()).case
    case = perform("accept", bank.teller, case)
    case = perform("transfer", bank.teller, case, {"to_unit": "A-PB"})
    assert numbers(worklists.to_sign_for(bank.handler)) == [case.number]
    assert numbers(worklists.to_sign_for(bank.teller)) == []  # the sender does not sign for it
    assert numbers(worklists.to_sign_for(bank.outsider)) == []
    perform("acknowledge", bank.handler, case)
    assert numbers(worklists.to_sign_for(bank.handler)) == []


def test_the_answer_is_the_first_responders_when_the_result_report_is_back(bank):
    case = register_case(bank.teller, bank.registration()).case
    case = perform("accept", bank.teller, case)
    assert numbers(worklists.to_answer(bank.teller)) == [case.number]  # handled at the outlet
    case = perform("transfer", bank.teller, case, {"to_unit": "A-PB"})
    assert numbers(worklists.to_answer(bank.teller)) == []  # with the department now
    case = perform("acknowledge", bank.handler, case)
    assert numbers(worklists.to_answer(bank.teller)) == []
    case = perform("report", bank.handler, case, REPORT)
    assert numbers(worklists.to_answer(bank.teller)) == [case.number]
    assert numbers(worklists.to_answer(bank.handler)) == []  # not theirs: they are not the first responder
    case = perform("reply", bank.teller, case, REPLY)
    assert numbers(worklists.to_answer(bank.teller)) == []
    assert numbers(worklists.to_follow_up(bank.teller)) == [case.number]


def test_only_a_leader_has_the_list_awaiting_instruction(bank):
    leader = create_staff(
        username="leader", name="分管行长", unit=bank.branch_a, roles=[Role.LEADER_IN_CHARGE]
    )
    case = bank.register()
    assert numbers(worklists.awaiting_instruction(leader)) == [case.number]
    assert "awaiting_instruction" in worklists.counts(leader)
    assert numbers(worklists.awaiting_instruction(bank.teller)) == []
    assert "awaiting_instruction" not in worklists.counts(bank.teller)
    perform("instruct", leader, case, {"text": "请网点三个工作日内核实并答复客户。"})
    assert numbers(worklists.awaiting_instruction(leader)) == []


def test_the_counts_are_the_lists_lengths_in_one_query(bank, django_assert_num_queries):
    leader = create_staff(
        username="leader", name="分管行长", unit=bank.branch_a, roles=[Role.LEADER_IN_CHARGE]
    )
    for _ in range(3):
        perform("accept", bank.teller, bank.register())
    bank.register()
    expected = {name: find(bank.teller).count() for name, find in worklists.LISTS.items()}
    del expected["awaiting_instruction"]
    assert expected == {"to_sign_for": 0, "to_answer": 3, "to_follow_up": 0}
    assert worklists.counts(bank.teller) == expected
    assert worklists.counts(leader)["awaiting_instruction"] == 4
    worklists.counts(bank.teller)
    with django_assert_num_queries(2):  # the reference tokens, then the counts
        worklists.counts(bank.teller)


def test_the_pages_list_the_cases_and_the_navigation_counts_them(bank):
    case = register_case(bank.teller, bank.registration()).case
    case = perform("accept", bank.teller, case)
    perform("transfer", bank.teller, case, {"to_unit": "A-PB"})
    client = Client()
    client.force_login(bank.handler)
    page = client.get("/cases/to-sign-for")
    assert page.status_code == 200
    html = page.content.decode()
    assert case.number in html and f"/cases/{case.number}/act/acknowledge" in html
    assert '待签收 <span class="count">1</span>' in html
    client.force_login(bank.teller)
    assert case.number not in client.get("/cases/to-sign-for").content.decode()
    assert client.get("/cases/to-answer").status_code == 200
    assert client.get("/cases/to-follow-up").status_code == 200


def test_the_api_gives_the_lists_and_their_counts(bank):
    case = register_case(bank.teller, bank.registration()).case
    case = perform("accept", bank.teller, case)
    perform("transfer", bank.teller, case, {"to_unit": "A-PB"})
    handler = bearer_client(bank.handler)
    listed = handler.get("/api/v1/cases/to-sign-for").json()
    assert listed["count"] == 1 and listed["items"][0]["number"] == case.number
    assert handler.get("/api/v1/worklists").json() == {"to_sign_for": 1, "to_answer": 0, "to_follow_up": 0}
    assert bearer_client(bank.teller).get("/api/v1/cases/to-answer").json()["count"] == 0
    assert Client().get("/api/v1/worklists").status_code == 401


def test_the_due_list_splits_due_soon_from_past_due_and_narrows_to_a_handler(bank):
    import datetime as dt

    from django.utils import timezone

    from redress.deadlines.models import Clock

    now = timezone.now()
    late, soon = bank.register(), bank.register()
    Clock.objects.filter(case=late).update(due_at=now - dt.timedelta(days=40))
    Clock.objects.filter(case=soon).update(due_at=now + dt.timedelta(hours=3))
    office = bearer_client(bank.office)

    def listed(**query):
        answer = office.get("/api/v1/cases/due", query)
        assert answer.status_code == 200, answer.content
        return {item["case"] for item in answer.json()["items"]}

    assert listed() == {late.number, soon.number}
    assert listed(status="due_soon") == {soon.number}
    assert listed(status="overdue") == {late.number}
    case = perform("transfer", bank.teller, perform("accept", bank.teller, soon), {"to_unit": "A-PB"})
    perform("acknowledge", bank.handler, case)
    assert listed(handler="handler") == {soon.number}
    refused = office.get("/api/v1/cases/due", {"handler": "nobody", "status": "later"})
    assert refused.status_code == 422 and "status" in refused.json()["errors"]
    assert office.get("/api/v1/cases/due", {"handler": "nobody"}).json()["errors"]["handler"]
