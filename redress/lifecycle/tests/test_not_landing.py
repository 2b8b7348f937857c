""" "Not landing" (不落地, P1 四(一)2, R9.3): during an emergency plan a complaint taken by the provincial
hotline is put straight through to the named contact of the outlet complained about: transferred to that
unit with the contact as handler, and the customer's number revealed to them for the call back (decision
0031)."""

import datetime as dt

import pytest
from django.utils import timezone

from redress.api.tests.conftest import bearer_client
from redress.cases.models import CaseEvent
from redress.lifecycle.personal import revealed_until
from redress.testing import active_plan

pytestmark = pytest.mark.django_db


def _hotline(bank, **overrides):
    values = {
        "channel": "hotline",
        "received_at": timezone.now() - dt.timedelta(minutes=5),
        "complainant_phone": "13812345678",
        "complainant_id_number": "",
        **overrides,
    }
    return bank.register(bank.province_group, **values)


def test_a_hotline_complaint_under_a_plan_reaches_the_outlets_head_at_once_with_the_number(bank):
    active_plan(bank, units=("P",))
    case = _hotline(bank)
    case.refresh_from_db()
    assert case.state == "transferred"
    assert case.holder_unit == bank.outlet_a1_1 and case.handler == bank.outlet_head
    order = case.transfer_orders.get()
    assert order.to_unit == bank.outlet_a1_1 and order.handler == bank.outlet_head
    reveal = CaseEvent.objects.get(case=case, kind="revealed")
    assert reveal.actor == bank.outlet_head
    assert reveal.data == {"purpose": "call_back", "fields": ["phone"], "via": "not_landing"}
    assert "13812345678" not in str(reveal.data)  # the event names the fields, never the number
    now = timezone.now()
    assert revealed_until(bank.outlet_head, case, now) is not None
    assert revealed_until(bank.teller, case, now) is None
    answer = bearer_client(bank.outlet_head).get(f"/api/v1/cases/{case.number}").json()
    assert answer["complainant"]["phone"] == "13812345678"
    assert bearer_client(bank.teller).get(f"/api/v1/cases/{case.number}").json()["complainant"]["phone"] != (
        "13812345678"
    )


def test_without_a_plan_or_by_another_channel_the_complaint_lands_as_usual(bank):
    ordinary = _hotline(bank)  # no plan active
    ordinary.refresh_from_db()
    assert ordinary.state == "registered" and not CaseEvent.objects.filter(kind="revealed").exists()
    active_plan(bank, units=("P",))
    phoned = _hotline(bank, channel="phone", complainant_phone="13900001111")
    phoned.refresh_from_db()
    assert phoned.state == "registered" and phoned.holder_unit == bank.province
