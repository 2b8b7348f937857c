"""The reveal of a complainant's phone and ID number (R10.3): only for those who need it, with a purpose,
in the case's history, limited per hour, shown for a few minutes; exports masked unless asked for by
someone who may reveal."""

import datetime as dt
import io
import logging

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from redress.access.models import ApiToken
from redress.cases.choices import EventKind
from redress.cases.models import CaseEvent
from redress.common.errors import FieldErrors
from redress.lifecycle import ActionForbidden, perform, personal

pytestmark = pytest.mark.django_db

PHONE, ID_NUMBER = "13812345678", "11010519491231002X"


def bearer_client(staff) -> Client:
    return Client(headers={"Authorization": f"Bearer {ApiToken.issue(staff)}"})


def registered(bank):
    return bank.register(complainant_phone=PHONE, complainant_id_number=ID_NUMBER)


def reveals(case):
    return list(CaseEvent.objects.filter(case=case, kind=EventKind.REVEALED).order_by("id"))


def test_the_first_responder_reveals_with_a_purpose_and_the_event_records_it_without_the_numbers(bank):
    case = registered(bank)
    version = case.version
    response = bearer_client(bank.teller).post(
        f"/api/v1/cases/{case.number}/reveal", {"purpose": "call_back"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    complainant = response.json()["complainant"]
    assert (complainant["phone"], complainant["id_number"]) == (PHONE, ID_NUMBER)
    assert complainant["revealed_until"]
    [event] = reveals(case)
    assert event.actor == bank.teller
    assert event.data["purpose"] == "call_back"
    assert PHONE not in str(event.data) and ID_NUMBER not in str(event.data)
    # A read, not a change: nobody's form on this case goes stale.
    case.refresh_from_db()
    assert case.version == version


def test_each_reveal_is_its_own_event(bank):
    case = registered(bank)
    perform("reveal", bank.teller, case, {"purpose": "call_back"})
    perform("reveal", bank.office, case, {"purpose": "authority_request"})
    assert [(e.actor, e.data["purpose"]) for e in reveals(case)] == [
        (bank.teller, "call_back"),
        (bank.office, "authority_request"),
    ]


def test_a_purpose_from_the_list_is_required(bank):
    case = registered(bank)
    for body in ({}, {"purpose": "curiosity"}):
        response = bearer_client(bank.teller).post(
            f"/api/v1/cases/{case.number}/reveal", body, content_type="application/json"
        )
        assert response.status_code == 422
        assert "purpose" in response.json()["errors"]
    assert reveals(case) == []


def test_a_role_that_may_not_reveal_gets_403_and_sees_the_numbers_masked(bank):
    case = registered(bank)
    # The outlet's head sees and reviews the case, but neither handles it nor took it.
    client = bearer_client(bank.outlet_head)
    response = client.post(
        f"/api/v1/cases/{case.number}/reveal", {"purpose": "call_back"}, content_type="application/json"
    )
    assert response.status_code == 403
    detail = client.get(f"/api/v1/cases/{case.number}").json()
    assert detail["complainant"]["phone"] == "138****5678"
    assert "reveal" not in detail["allowed_actions"]
    with pytest.raises(ActionForbidden):
        perform("reveal", bank.auditor, case, {"purpose": "call_back"})
    assert reveals(case) == []


def test_the_numbers_are_shown_for_a_few_minutes_then_masked_again(bank):
    case = registered(bank)
    client = bearer_client(bank.teller)
    assert client.get(f"/api/v1/cases/{case.number}").json()["complainant"]["phone"] == "138****5678"
    perform("reveal", bank.teller, case, {"purpose": "call_back"})
    assert client.get(f"/api/v1/cases/{case.number}").json()["complainant"]["phone"] == PHONE
    # A reveal longer ago than it lasts (events are written once: the earlier one is written as earlier).
    earlier = registered(bank)
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case=earlier,
                kind=EventKind.REVEALED,
                actor=bank.teller,
                at=timezone.now() - personal.SHOWN_FOR - dt.timedelta(seconds=1),
                data={"purpose": "call_back"},
            )
        ]
    )
    shown = client.get(f"/api/v1/cases/{earlier.number}").json()["complainant"]
    assert shown["phone"] == "138****5678" and shown.get("revealed_until") is None


def test_reveals_are_limited_per_person_per_hour(bank):
    cases = [registered(bank) for _ in range(2)]
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case=cases[0], kind=EventKind.REVEALED, actor=bank.teller, data={"purpose": "call_back"}
            )
            for _ in range(personal.PER_HOUR)
        ]
    )
    with pytest.raises(FieldErrors) as refused:
        perform("reveal", bank.teller, cases[1], {"purpose": "call_back"})
    assert "purpose" in refused.value.errors
    # Another person is not held by the teller's count.
    perform("reveal", bank.office, cases[1], {"purpose": "call_back"})
    # Reveals more than an hour ago do not count: the office's many earlier ones leave it free.
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case=cases[0],
                kind=EventKind.REVEALED,
                actor=bank.office,
                at=timezone.now() - dt.timedelta(hours=1, seconds=1),
                data={"purpose": "call_back"},
            )
            for _ in range(personal.PER_HOUR)
        ]
    )
    perform("reveal", bank.office, cases[1], {"purpose": "call_back"})


def test_the_case_page_offers_the_reveal_and_shows_the_numbers_after_it(client, bank):
    case = registered(bank)
    client.force_login(bank.teller)
    page = client.get(reverse("web:case", args=[case.number])).content.decode()
    assert PHONE not in page and 'id="reveal"' in page
    response = client.post(
        reverse("web:act", args=[case.number, "reveal"]),
        {"purpose": "verify_identity", "version": case.version},
    )
    assert response.status_code == 302
    page = client.get(reverse("web:case", args=[case.number])).content.decode()
    assert PHONE in page and ID_NUMBER in page
    assert reveals(case)[0].data["purpose"] == "verify_identity"
    # Nobody else sees them because the teller revealed them.
    client.force_login(bank.office)
    assert PHONE not in client.get(reverse("web:case", args=[case.number])).content.decode()


def export_rows(response) -> list[tuple]:
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return list(workbook.active.iter_rows(values_only=True))[1:]


def test_the_export_is_masked_unless_asked_for_by_a_role_that_may_reveal_and_then_logged(client, bank):
    case = registered(bank)
    other = bank.register(actor=bank.outlet_head, complainant_phone="13900001111")
    client.force_login(bank.teller)
    rows = export_rows(client.get(reverse("web:export")))
    assert not any(PHONE in str(v) for row in rows for v in row)
    assert reveals(case) == []
    # Asked, with a purpose: in full for the teller's own case only, and each such row recorded.
    rows = {row[0]: row for row in export_rows(client.get(reverse("web:export"), {"reveal": "call_back"}))}
    assert PHONE in rows[case.number] and ID_NUMBER in rows[case.number]
    assert "13900001111" not in rows[other.number]
    [event] = reveals(case)
    assert (event.actor, event.data["purpose"], event.data["via"]) == (bank.teller, "call_back", "export")
    assert reveals(other) == []
    # The supervision office exports every row in full.
    client.force_login(bank.office)
    rows = {
        row[0]: row for row in export_rows(client.get(reverse("web:export"), {"reveal": "authority_request"}))
    }
    assert "13900001111" in rows[other.number]


def test_a_role_that_may_not_reveal_asking_for_a_full_export_gets_403(client, bank):
    registered(bank)
    client.force_login(bank.auditor)
    assert client.get(reverse("web:export"), {"reveal": "call_back"}).status_code == 403
    assert not CaseEvent.objects.filter(kind=EventKind.REVEALED).exists()


def test_no_log_line_carries_the_numbers(bank, caplog):
    caplog.set_level(logging.DEBUG)
    client = bearer_client(bank.teller)
    case = registered(bank)
    client.post(
        f"/api/v1/cases/{case.number}/reveal", {"purpose": "call_back"}, content_type="application/json"
    )
    client.get(f"/api/v1/cases/{case.number}")
    # A refused registration (a bad phone beside a good ID number) logs its refusal, not the values.
    client.post(
        "/api/v1/cases",
        {"kind": "complaint", "complainant": {"phone": "12", "id_number": ID_NUMBER}},
        content_type="application/json",
    )
    assert caplog.records
    assert PHONE not in caplog.text and ID_NUMBER not in caplog.text
