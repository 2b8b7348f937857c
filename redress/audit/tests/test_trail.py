"""Every read of a case leaves a row in the trail (R10.4): its page, its API detail and history, a print, an
attachment, each exported row; lists write nothing. The inspectors (supervision office, auditors) search it
by case and by person, on a page with an Excel export and in the API; nobody else can."""

import io

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from redress.api.tests.conftest import bearer_client
from redress.audit.models import AuditAction, AuditEntry
from redress.audit.services import AuditQuery, record_read, search
from redress.lifecycle.registration import register_case

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def trail(**filters) -> list[tuple]:
    rows = AuditEntry.objects.filter(**filters).order_by("pk")
    return [(row.actor.username, row.action, row.case.number if row.case_id else None) for row in rows]


@pytest.fixture
def case(bank):
    return register_case(bank.teller, bank.registration(), files=[SimpleUploadedFile("letter.pdf", PDF)]).case


def test_each_read_of_a_case_on_the_web_is_one_row(client, bank, case):
    client.force_login(bank.outlet_head)
    attachment = case.attachments.get()
    for url in (
        reverse("web:case", args=[case.number]),
        reverse("web:print_register", args=[case.number]),
        reverse("web:attachment", args=[case.number, attachment.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
    assert trail() == [
        ("outlet_head", AuditAction.CASE_PAGE, case.number),
        ("outlet_head", AuditAction.PRINT, case.number),
        ("outlet_head", AuditAction.ATTACHMENT, case.number),
    ]
    # Which attachment, not its file name: that may name the customer, and retention erases it.
    assert AuditEntry.objects.get(action=AuditAction.ATTACHMENT).detail == f"attachment {attachment.pk}"


def test_each_read_through_the_api_is_one_row(bank, case):
    client = bearer_client(bank.office)
    attachment = case.attachments.get()
    for url in (
        f"/api/v1/cases/{case.number}",
        f"/api/v1/cases/{case.number}/events",
        f"/api/v1/cases/{case.number}/attachments/{attachment.pk}",
    ):
        assert client.get(url).status_code == 200
    assert [action for _, action, _ in trail(case=case)] == [
        AuditAction.CASE_API,
        AuditAction.HISTORY,
        AuditAction.ATTACHMENT,
    ]


def test_a_hidden_case_read_by_number_leaves_no_row(client, bank, case):
    # A 404 reads nothing: the person complained about learns nothing and the trail holds no false read.
    client.force_login(bank.outsider)
    assert client.get(reverse("web:case", args=[case.number])).status_code == 404
    assert bearer_client(bank.outsider).get(f"/api/v1/cases/{case.number}").status_code == 404
    assert not AuditEntry.objects.exists()


def test_lists_write_nothing_and_an_export_one_row_per_case(client, bank, case):
    other = bank.register(subject_unit=bank.outlet_a1_2.code)
    client.force_login(bank.teller)
    assert client.get(reverse("web:register")).status_code == 200
    assert client.get(reverse("web:my_cases")).status_code == 200
    assert bearer_client(bank.teller).get("/api/v1/cases").status_code == 200
    assert not AuditEntry.objects.exists()
    response = client.get(reverse("web:export"))
    assert response.status_code == 200
    assert sorted(trail()) == sorted([("teller", "export", case.number), ("teller", "export", other.number)])


def test_inspectors_find_who_saw_a_case_and_what_a_person_saw(bank, case):
    other = bank.register(subject_unit=bank.outlet_a1_2.code)
    record_read(bank.handler, case, AuditAction.CASE_PAGE)
    record_read(bank.teller, case, AuditAction.PRINT)
    record_read(bank.handler, other, AuditAction.CASE_API)
    for inspector in (bank.office, bank.auditor):
        who = search(inspector, AuditQuery(case_number=case.number))
        assert sorted(row.actor.username for row in who) == ["handler", "teller"]
        what = search(inspector, AuditQuery(username="handler"))
        assert sorted(row.case.number for row in what) == sorted([case.number, other.number])


@pytest.mark.parametrize("role", ["teller", "handler", "branch_group", "admin", "outsider"])
def test_nobody_else_searches_the_trail(client, bank, case, role):
    record_read(bank.handler, case, AuditAction.CASE_PAGE)
    person = getattr(bank, role)
    assert not search(person, AuditQuery(case_number=case.number)).exists()
    client.force_login(person)
    assert client.get(reverse("web:audit_trail"), {"case_number": case.number}).status_code == 403
    assert client.get(reverse("web:audit_trail_export"), {"case_number": case.number}).status_code == 403
    assert bearer_client(person).get("/api/v1/audit", {"case": case.number}).status_code == 403


def test_an_inspector_complained_about_does_not_see_the_cases_trail(bank):
    about_office = bank.register(subject_staff="office")
    record_read(bank.handler, about_office, AuditAction.CASE_PAGE)
    assert not search(bank.office, AuditQuery(username="handler")).exists()
    assert search(bank.auditor, AuditQuery(username="handler")).count() == 1


def test_the_audit_page_lists_and_exports_the_rows(client, bank, case):
    record_read(bank.handler, case, AuditAction.CASE_PAGE)
    client.force_login(bank.auditor)
    html = client.get(reverse("web:audit_trail"), {"case_number": case.number}).content.decode()
    assert "个金部经办" in html and case.number in html
    response = client.get(reverse("web:audit_trail_export"), {"case_number": case.number})
    assert response.status_code == 200
    rows = list(
        load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True)
    )
    assert [(row[1], row[5]) for row in rows[1:]] == [("handler", case.number)]
    # The export of the trail is not a read of the case.
    assert AuditEntry.objects.count() == 1


def test_the_audit_page_names_a_wrong_period_beside_its_field(client, bank):
    client.force_login(bank.office)
    html = client.get(
        reverse("web:audit_trail"), {"since": "2026-05-02", "until": "2026-05-01"}
    ).content.decode()
    assert 'class="field-error"' in html


def test_the_api_search_pages_the_rows(bank, case):
    for _ in range(3):
        record_read(bank.handler, case, AuditAction.CASE_API)
    answer = bearer_client(bank.office).get("/api/v1/audit", {"staff": "handler", "limit": 2}).json()
    assert answer["count"] == 3 and len(answer["items"]) == 2
    assert answer["items"][0] == {
        "at": answer["items"][0]["at"],
        "staff": "handler",
        "action": "case_api",
        "case": case.number,
        "detail": "",
    }
    wrong = bearer_client(bank.office).get("/api/v1/audit", {"since": "2026-05-02", "until": "2026-05-01"})
    assert wrong.status_code == 422 and "until" in wrong.content.decode()


def test_an_administrators_change_is_in_the_trail(bank):
    # What the admin site writes for each change it saves.
    LogEntry.objects.log_actions(
        bank.admin.pk, [bank.outlet_a1_2], CHANGE, change_message="renamed", single_object=True
    )
    assert trail(action=AuditAction.CHANGE) == [("admin", "change", None)]
    assert AuditEntry.objects.get().detail.endswith(": renamed")


def test_the_inspector_reads_the_file_name_only_while_the_case_keeps_it(client, bank, case):
    """The trail stores which attachment was read, not its name (it may name the customer); the page, the API
    and the export name the file as the case keeps it, and once retention has erased it, say so (in the
    default language, zh-Hans)."""
    from django.utils import timezone

    from redress.retention.services import anonymise

    attachment = case.attachments.get()
    bearer_client(bank.outlet_head).get(f"/api/v1/cases/{case.number}/attachments/{attachment.pk}")
    api = bearer_client(bank.office)

    def shown() -> list[str]:
        body = api.get("/api/v1/audit", {"case": case.number}).json()
        return [item["detail"] for item in body["items"] if item["action"] == AuditAction.ATTACHMENT]

    assert shown() == ["附件“letter.pdf”"]
    client.force_login(bank.office)
    page = client.get(reverse("web:audit_trail"), {"case_number": case.number})
    assert "附件“letter.pdf”" in page.text
    anonymise(case, timezone.now())
    assert shown() == ["附件（文件名已按保存期限删除）"]
    assert not AuditEntry.objects.filter(detail__contains="letter.pdf").exists()
    export = client.get(reverse("web:audit_trail_export"), {"case_number": case.number})
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    assert "附件（文件名已按保存期限删除）" in [row[6] for row in sheet.iter_rows(values_only=True)]
