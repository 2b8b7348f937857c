"""Reports of wrongdoing from the public with a receipt (issue 14 item 7; P3 第十六条): no login, a receipt
shown once and kept only as a keyed hash, the bank's messages read with it, nothing identifying the sender
kept, the shared rate limiter in front, and the case held by the supervision office."""

import logging
import re

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from redress.cases.choices import EventKind, Flag, Kind, State
from redress.cases.models import Case, CaseEvent
from redress.notifications.models import Notification
from redress.receipts.models import PublicReport
from redress.routing.rules import default_route

from .conftest import PDF

URL = "/api/v1/public/reports"
MATTER = "江汉支行客户经理李某私下向客户推销非本行理财产品，并代客户操作网银转账。"


def send(client=None, matter=MATTER, **extra):
    return (client or Client()).post(URL, {"matter": matter, **extra.pop("data", {})}, **extra)


def other_receipt(receipt: str) -> str:
    """The same receipt with its last digit changed: a guess one digit away."""
    return receipt[:-1] + str((int(receipt[-1]) + 1) % 10)


def every_stored_text() -> str:
    """Every value of every row of every table, as text: what a copy of the database would show."""
    return "\n".join(repr(row) for model in apps.get_models() for row in model._default_manager.values_list())


def test_the_reporter_reads_the_banks_answer_with_the_receipt_and_nothing_with_a_wrong_one(bank, as_staff):
    answer = send(data={"contact": "每周三晚上可来电"})
    assert answer.status_code == 201, answer.content
    receipt = answer.json()["receipt"]
    assert re.fullmatch(r"\d{20}", receipt)
    case = Case.objects.get()
    asked = as_staff(bank.office).post(
        f"/api/v1/cases/{case.number}/message_reporter",
        {"text": "请问涉及的具体账户或交易日期？"},
        content_type="application/json",
    )
    assert asked.status_code == 200, asked.content

    read = Client().get(f"{URL}/{receipt}")
    assert read.status_code == 200
    body = read.json()
    assert body["state"] == State.REGISTERED
    assert [(m["by"], m["text"]) for m in body["messages"]] == [("bank", "请问涉及的具体账户或交易日期？")]
    # Grouped as the page shows it, the receipt still opens the report.
    assert Client().get(f"{URL}/{receipt[:4]} {receipt[4:]}").status_code == 200

    for wrong in (other_receipt(receipt), receipt[:-1], "x" * 20, "0" * 20):
        refused = Client().get(f"{URL}/{wrong}")
        assert refused.status_code == 404, wrong
        assert "请问" not in refused.content.decode()
        assert Client().post(f"{URL}/{wrong}/messages", {"text": "补充"}).status_code == 404


def test_the_reporter_adds_text_and_files_the_case_keeps_them_and_its_handlers_are_told(bank):
    receipt = send(data={"attachments": [SimpleUploadedFile("流水.pdf", PDF, "application/pdf")]}).json()[
        "receipt"
    ]
    added = Client().post(
        f"{URL}/{receipt}/messages",
        {"text": "补充：转账发生在11月28日下午。", "attachments": [SimpleUploadedFile("截图.pdf", PDF)]},
    )
    assert added.status_code == 201, added.content
    assert added.json()["messages"][-1] == {
        "by": "reporter",
        "text": "补充：转账发生在11月28日下午。",
        "at": added.json()["messages"][-1]["at"],
        "attachments": ["截图.pdf"],
    }
    case = Case.objects.get()
    assert sorted(a.original_name for a in case.attachments.all()) == ["截图.pdf", "流水.pdf"]
    event = CaseEvent.objects.get(case=case, kind=EventKind.REPORTER_ADDED)
    assert event.data["attachments"] == ["截图.pdf"]
    assert Notification.objects.filter(recipient=bank.office, case=case).exists()

    empty = Client().post(f"{URL}/{receipt}/messages", {"text": " "})
    assert empty.status_code == 422
    assert list(empty.json()["errors"]) == ["text"]


def test_the_report_is_registered_anonymous_and_held_by_the_supervision_office(bank):
    send()
    case = Case.objects.get()
    assert case.kind == Kind.WHISTLEBLOW
    assert (case.unit, case.holder_unit, case.first_responder) == (
        bank.office_dept,
        bank.office_dept,
        bank.office,
    )
    assert set(case.flag_names) >= {Flag.ANONYMOUS, Flag.CONFIDENTIAL}
    # The routing rule for anonymous reports names the same office.
    assert default_route(case).unit == bank.office_dept
    assert CaseEvent.objects.filter(case=case, kind=EventKind.REGISTERED).count() == 1


def test_the_receipt_is_stored_only_as_a_keyed_hash(bank):
    receipt = send().json()["receipt"]
    stored = every_stored_text()
    assert receipt not in stored
    assert PublicReport.objects.get().receipt_digest not in receipt


def test_no_address_browser_or_referrer_of_the_sender_is_stored_or_logged(bank, caplog):
    caplog.set_level(logging.DEBUG)
    headers = {
        "REMOTE_ADDR": "203.0.113.77",
        "HTTP_X_FORWARDED_FOR": "198.51.100.23",
        "HTTP_USER_AGENT": "SenderBrowser/9.9",
        "HTTP_REFERER": "https://sender.example/page",
    }
    receipt = send(**headers).json()["receipt"]
    Client().post(f"{URL}/{receipt}/messages", {"text": "补充材料"}, **headers)
    Client().get(f"{URL}/{other_receipt(receipt)}", **headers)
    stored = every_stored_text()
    logged = "\n".join(r.getMessage() + repr(r.args) for r in caplog.records)
    for trace in ("203.0.113.77", "198.51.100.23", "SenderBrowser", "sender.example"):
        assert trace not in stored, trace
        assert trace not in logged, trace
    # Nor the receipt, in a line about a wrong one.
    assert receipt not in logged and other_receipt(receipt) not in logged


def test_reports_and_lookups_are_limited_per_address_with_a_documented_429(bank, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "public-submit": (2, 3600), "public-lookup": (3, 600)}
    assert send(REMOTE_ADDR="192.0.2.1").status_code == 201
    assert send(REMOTE_ADDR="192.0.2.1").status_code == 201
    refused = send(REMOTE_ADDR="192.0.2.1")
    assert refused.status_code == 429
    assert set(refused.json()) == {"detail", "errors"}
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert Case.objects.count() == 2
    # Another address is counted on its own.
    assert send(REMOTE_ADDR="192.0.2.2").status_code == 201

    guesses = [Client().get(f"{URL}/{'1' * 20}", REMOTE_ADDR="192.0.2.3").status_code for _ in range(4)]
    assert guesses == [404, 404, 404, 429]


def test_everyone_together_has_a_ceiling_on_reports(bank, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "public-submit-all": (2, 3600)}
    statuses = [send(REMOTE_ADDR=f"192.0.2.{n}").status_code for n in range(1, 4)]
    assert statuses == [201, 201, 429]


def test_a_bad_report_is_refused_field_by_field_and_nothing_is_kept(bank):
    refused = send(matter="  ", data={"contact": "x" * 201})
    assert refused.status_code == 422
    assert set(refused.json()["errors"]) == {"contact"}
    refused = send(matter="  ")
    assert refused.status_code == 422
    assert set(refused.json()["errors"]) == {"matter"}
    assert (Case.objects.count(), PublicReport.objects.count()) == (0, 0)


def test_no_one_to_take_reports_answers_503(db):
    refused = send()
    assert refused.status_code == 503
    assert Case.objects.count() == 0


@pytest.mark.parametrize("who", ["outsider", "subject", "auditor"])
def test_only_those_handling_the_case_write_to_the_reporter(bank, as_staff, who):
    send()
    case = Case.objects.get()
    answer = as_staff(getattr(bank, who)).post(
        f"/api/v1/cases/{case.number}/message_reporter", {"text": "问题"}, content_type="application/json"
    )
    assert answer.status_code in (403, 404)
    assert not CaseEvent.objects.filter(kind=EventKind.REPORTER_MESSAGED).exists()


def test_writing_to_the_reporter_is_offered_only_on_a_public_report(bank, as_staff):
    ordinary = bank.register(kind=Kind.WHISTLEBLOW, category="", demand="", subject_unit="")
    answer = as_staff(bank.office).post(
        f"/api/v1/cases/{ordinary.number}/message_reporter", {"text": "问题"}, content_type="application/json"
    )
    assert answer.status_code == 409
    assert "message_reporter" not in answer.json()["allowed_actions"]
