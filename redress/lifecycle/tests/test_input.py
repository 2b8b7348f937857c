"""Bad parameters to the case's actions: a field error, never a 500, and nothing changed (found by the API
fuzz run, scripts/fuzz-api.sh)."""

import pytest
from django.test import Client

from redress import lifecycle
from redress.access.models import ApiToken
from redress.cases.models import CaseEvent, CustomerContact
from redress.deadlines.models import Clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted(bank):
    return lifecycle.perform("accept", bank.teller, bank.register())


@pytest.mark.parametrize(
    ("action", "params"),
    [
        # Year 1 overflowed the database's dates (a 500 through the API).
        ("reply", {"at": "0001-01-01T00:00:00+08:00", "method": "phone", "content": "已电话答复客户。"}),
        # Year 277 was stored, met the clocks and was shown with Beijing's local mean time (+08:05:43).
        ("contact", {"at": "0277-01-01T00:00:00Z", "method": "phone"}),
        (
            "explain",
            {"at": "2001-05-01T09:00:00+08:00", "method": "written", "rule": "按规定须核实资金用途。"},
        ),
    ],
)
def test_a_moment_before_the_case_was_received_is_a_field_error(bank, accepted, action, params):
    events, clocks = accepted.events.count(), list(Clock.objects.filter(case=accepted).values())
    with pytest.raises(lifecycle.FieldErrors) as refused:
        lifecycle.perform(action, bank.teller, accepted, params)
    assert list(refused.value.errors) == ["at"]
    assert accepted.events.count() == events
    assert list(Clock.objects.filter(case=accepted).values()) == clocks
    assert not CustomerContact.objects.filter(case=accepted).exists()


def test_the_report_handled_before_the_case_was_received_is_refused(bank, accepted):
    case = lifecycle.perform("transfer", bank.teller, accepted, {"to_unit": bank.dept_a_pb.code})
    case = lifecycle.perform("acknowledge", bank.handler, case)
    params = {
        "findings": "属实。",
        "staff_handling": "批评教育。",
        "lessons": "加强培训。",
        "rectification": "增开窗口。",
        "customer_satisfaction": "satisfied",
        "handled_at": "1999-12-31T09:00:00+08:00",
        "handler_name": "李晓燕",
        "handler_phone": "02785561234",
    }
    with pytest.raises(lifecycle.FieldErrors) as refused:
        lifecycle.perform("report", bank.handler, case, params)
    assert list(refused.value.errors) == ["handled_at"]


def test_through_the_api_it_is_a_422_naming_the_field(bank, accepted):
    client = Client(
        headers={"Authorization": f"Bearer {ApiToken.issue(bank.teller)}", "Accept-Language": "en"}
    )
    response = client.post(
        f"/api/v1/cases/{accepted.number}/reply",
        {"at": "0001-01-01T00:00:00+08:00", "method": "phone", "content": "已电话答复客户。"},
        content_type="application/json",
    )
    assert response.status_code == 422, response.content
    assert response.json()["errors"]["at"][0].startswith("This time is before the case was received (")
    assert not CaseEvent.objects.filter(case=accepted, kind="replied").exists()


def test_a_moment_at_or_after_receipt_still_counts(bank, accepted):
    at = accepted.received_at.isoformat()
    case = lifecycle.perform("contact", bank.teller, accepted, {"at": at, "method": "phone"})
    assert CustomerContact.objects.get(case=case).at == accepted.received_at
