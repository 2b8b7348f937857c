import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from redress.cases.models import Attachment, Case, CaseEvent

from .conftest import PDF, case_payload

pytestmark = pytest.mark.django_db
URL = "/api/v1/cases"


def post(client: Client, body: dict, **headers):
    return client.post(URL, body, content_type="application/json", headers=headers)


def test_registration_answers_201_with_every_field(bank, as_staff):
    response = post(as_staff(bank.teller), case_payload(bank))
    assert response.status_code == 201, response.content
    case = response.json()
    stored = Case.objects.get()
    assert case == {
        "number": stored.number,
        "version": 1,
        "kind": "complaint",
        "channel": "counter",
        "received_at": case["received_at"],
        "complainant": {
            "name": "张三",
            "phone": "138****5678",
            "id_number": "110105********002X",
            "accounts": "",
            "address": "",
            "revealed_until": None,
            "vip": True,
            "anonymous": False,
            "confidential": True,
        },
        "subject_unit": "A1-1",
        "subject_staff": "subject",
        "matter": "柜台办理转账时等候时间过长，柜员态度冷淡。",
        "demand": "要求网点道歉并改进服务。",
        "category": "service_attitude",
        "business_category": "银行卡/信用卡",
        "reason": None,
        "regulatory_channel": None,
        "amount": "1200.50",
        "product": "借记卡",
        "first_responder": "teller",
        "unit": "A1-1",
        "holder_unit": "A1-1",
        "handler": None,
        "state": "registered",
        "level": "outlet",
        "responsibility": "",
        "stat_class": "",
        "closed_at": None,
        "rejection_reason": "",
        "previous_case": None,
        "content_withheld": False,
        "flags": ["confidential", "legal_dispute"],
        "attachments": [],
        "deadlines": case["deadlines"],
        "created_at": case["created_at"],
        # No emergency plan covers it (redress/plans).
        "plan": None,
        "plan_type": None,
        "verbal_loss_report": None,
    }
    # The clocks started at registration come back with it, as the case's page shows them.
    assert {d["clock"] for d in case["deadlines"]} == set(stored.clocks.values_list("name", flat=True))
    assert case["deadlines"] == as_staff(bank.teller).get(f"{URL}/{stored.number}").json()["deadlines"]
    assert case["received_at"].endswith("+08:00") and case["created_at"].endswith("+08:00")
    # JSON carries milliseconds.
    assert abs(dt.datetime.fromisoformat(case["received_at"]) - stored.received_at) < dt.timedelta(
        milliseconds=1
    )
    # The stored record keeps the full numbers; only the response masks them.
    assert stored.complainant_phone == "13812345678"
    # The detail endpoint answers with the very same case, plus what only the detail carries.
    detail = as_staff(bank.teller).get(f"{URL}/{stored.number}").json()
    extra = {
        "allowed_actions",
        "stat_rule",
        "stat_facts",
        "transfer_orders",
        "result_reports",
        "supervision_notices",
    }
    assert set(detail) - set(case) == extra
    assert {k: v for k, v in detail.items() if k not in extra} == case


def test_the_first_responder_may_be_named_and_defaults_to_the_caller(bank, as_staff):
    named = post(as_staff(bank.outlet_head), case_payload(bank, first_responder="teller"))
    assert named.status_code == 201 and named.json()["first_responder"] == "teller"
    default = post(as_staff(bank.outlet_head), case_payload(bank))
    assert default.json()["first_responder"] == "outlet_head"


@pytest.mark.parametrize("named", ["outsider", "auditor"])
def test_a_first_responder_of_another_branch_or_the_auditor_is_a_field_error(bank, as_staff, named):
    response = post(as_staff(bank.outlet_head), case_payload(bank, first_responder=named))
    assert response.status_code == 422, response.content
    assert list(response.json()["errors"]) == ["first_responder"]
    assert not Case.objects.exists()


def test_the_answer_shows_what_the_triggers_did_to_the_new_case(bank, as_staff):
    client = as_staff(bank.teller)
    for n in range(1, 4):
        person = {"name": f"客户{n}", "phone": f"1380000000{n}", "id_number": ""}
        answer = post(client, case_payload(bank, complainant=person, flags=[]))
        assert answer.status_code == 201, answer.content
    case, stored = answer.json(), Case.objects.get(number=answer.json()["number"])
    # The third complaint about the same issue makes a group: flagged and escalated in the same request.
    assert "group" in case["flags"] and case["level"] == stored.level == "province"
    assert case["version"] == stored.version > 1


def test_the_same_idempotency_key_twice_gives_one_case_with_the_same_number(bank, as_staff):
    client = as_staff(bank.teller)
    first = post(client, case_payload(bank), **{"Idempotency-Key": "retry-1"})
    again = post(client, case_payload(bank, matter="changed on retry"), **{"Idempotency-Key": "retry-1"})
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Case.objects.count() == 1
    other = post(client, case_payload(bank), **{"Idempotency-Key": "retry-2"})
    assert other.status_code == 201 and other.json()["number"] != first.json()["number"]
    assert Case.objects.count() == 2


def test_an_overlong_idempotency_key_is_refused_naming_the_header(bank, as_staff):
    response = post(as_staff(bank.teller), case_payload(bank), **{"Idempotency-Key": "k" * 129})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["Idempotency-Key"]
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {"complainant": {"name": "张三", "phone": "138 1234 5678", "id_number": "110105194912310021"}},
            "complainant.id_number",
        ),
        ({"complainant": {"name": "张三", "phone": "12345"}}, "complainant.phone"),
        ({"amount": "-5"}, "amount"),
        ({"amount": -5}, "amount"),
        ({"amount": "12.345"}, "amount"),
        ({"subject_unit": "NOPE"}, "subject_unit"),
        ({"subject_staff": "nobody"}, "subject_staff"),
        ({"first_responder": "nobody"}, "first_responder"),
        ({"kind": "grumble"}, "kind"),
        ({"channel": "pigeon"}, "channel"),
        ({"category": "unknown"}, "category"),
        ({"reason": "没有这个原因"}, "reason"),
        ({"flags": ["urgent"]}, "flags"),
        ({"received_at": "2999-01-01T00:00:00+08:00"}, "received_at"),
        ({"received_at": "2026-01-01T09:00:00"}, "received_at"),
    ],
)
def test_a_bad_field_is_named_in_a_422_and_nothing_is_stored(bank, as_staff, change, field):
    response = post(as_staff(bank.teller), case_payload(bank, **change))
    assert response.status_code == 422, response.content
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert list(body["errors"]) == [field]
    assert all(isinstance(m, str) and m for m in body["errors"][field])
    assert Case.objects.count() == 0
    assert CaseEvent.objects.count() == 0


def test_every_bad_field_is_reported_at_once(bank, as_staff):
    body = case_payload(
        bank,
        complainant={"name": "张三", "phone": "12345", "id_number": "110105194912310021"},
        amount="-1",
        subject_unit="NOPE",
    )
    response = post(as_staff(bank.teller), body)
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {
        "complainant.phone",
        "complainant.id_number",
        "amount",
        "subject_unit",
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"received_at": "yesterday"}, "received_at"),
        ({"received_at": "2026-13-45T10:00:00+08:00"}, "received_at"),
        ({"complainant": {"name": "张三", "phone": "13812345678", "vip": "perhaps"}}, "complainant.vip"),
        ({"complainant": {"name": "张三", "phone": "13812345678", "nickname": "x"}}, "complainant.nickname"),
        ({"flags": "media_threat"}, "flags"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_schema_errors_name_the_field_as_the_client_sent_it(bank, as_staff, change, field):
    response = post(as_staff(bank.teller), case_payload(bank, **change))
    assert response.status_code == 422, response.content
    assert list(response.json()["errors"]) == [field]
    assert Case.objects.count() == 0


@pytest.mark.parametrize("missing", ["kind", "channel", "received_at", "matter"])
def test_a_missing_required_field_is_named(bank, as_staff, missing):
    with translation.override("zh-hans"):
        required_message = translation.gettext("This field is required.")
    body = case_payload(bank)
    del body[missing]
    response = post(as_staff(bank.teller), body)
    assert response.status_code == 422
    assert response.json()["errors"] == {missing: [required_message]}


def test_a_body_that_is_not_json_gets_the_error_shape(bank, as_staff):
    response = as_staff(bank.teller).post(URL, "{not json", content_type="application/json")
    assert response.status_code in {400, 422}
    assert set(response.json()) == {"detail", "errors"}
    assert Case.objects.count() == 0


def test_auditors_may_not_register(bank, as_staff):
    response = post(as_staff(bank.auditor), case_payload(bank))
    assert response.status_code == 403
    assert set(response.json()) == {"detail", "errors"}
    assert Case.objects.count() == 0


def test_registration_with_attachments_through_multipart(bank, as_staff):
    import json

    letter = SimpleUploadedFile("投诉信.pdf", PDF, content_type="application/pdf")
    photo_text = SimpleUploadedFile("notes.txt", "现场记录".encode(), content_type="text/plain")
    response = as_staff(bank.teller).post(
        f"{URL}/with-attachments",
        {"data": json.dumps(case_payload(bank)), "attachments": [letter, photo_text]},
        headers={"Idempotency-Key": "mp-1"},
    )
    assert response.status_code == 201, response.content
    files = response.json()["attachments"]
    assert [(f["name"], f["content_type"], f["size"]) for f in files] == [
        ("投诉信.pdf", "application/pdf", len(PDF)),
        ("notes.txt", "text/plain", len("现场记录".encode())),
    ]
    assert Attachment.objects.count() == 2
    download = as_staff(bank.teller).get(files[0]["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


def test_multipart_errors_name_fields_as_in_json(bank, as_staff):
    import json

    bad = case_payload(bank, amount="-3")
    del bad["matter"]
    response = as_staff(bank.teller).post(f"{URL}/with-attachments", {"data": json.dumps(bad)})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["matter"]
    not_json = as_staff(bank.teller).post(f"{URL}/with-attachments", {"data": "{kind: complaint"})
    assert not_json.status_code == 422 and list(not_json.json()["errors"]) == ["data"]
    missing = as_staff(bank.teller).post(f"{URL}/with-attachments", {})
    assert missing.status_code == 422 and list(missing.json()["errors"]) == ["data"]
    executable = SimpleUploadedFile("run.exe", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")
    response = as_staff(bank.teller).post(
        f"{URL}/with-attachments", {"data": json.dumps(case_payload(bank)), "attachments": [executable]}
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["attachments"]
    assert Case.objects.count() == 0 and Attachment.objects.count() == 0


def test_the_list_takes_the_filters_figures_link_to(bank, as_staff):
    vip = bank.register(complainant_vip=True, product="信用卡", business_category="银行卡/信用卡")
    bank.register(actor=bank.outsider, subject_unit=bank.outlet_a1_1.code)
    client = as_staff(bank.office)
    found = client.get(URL, {"registered_in": "A", "customer_group": "vip", "figure": "open"}).json()
    assert found["count"] == 1 and found["items"][0]["number"] == vip.number
    assert client.get(URL, {"business_category": "银行卡/信用卡"}).json()["count"] == 1
    assert client.get(URL, {"subject_unit": "A1"}).json()["count"] == 2
    refused = client.get(URL, {"figure": "nothing", "registered_in": "NOPE"})
    assert refused.status_code == 422
    assert set(refused.json()["errors"]) == {"figure", "registered_in"}
