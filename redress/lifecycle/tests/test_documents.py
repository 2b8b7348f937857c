"""Documents added to a case at any stage (issue 15 item 3): who may, what is recorded, and that nothing is
kept when anything fails."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from redress.api.tests.conftest import PDF, bearer_client
from redress.cases.models import Attachment, CaseEvent
from redress.common.errors import FieldErrors
from redress.lifecycle import ActionForbidden, perform
from redress.lifecycle.documents import add_documents
from redress.testing import CLASSES

pytestmark = pytest.mark.django_db


def pdf(name="回执.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def test_a_document_is_added_even_to_a_closed_case_and_recorded_in_the_history(bank):
    case = perform("accept", bank.teller, bank.register())
    case = perform("reply", bank.teller, case, {"method": "written", "content": "答复如下"})
    case = perform("close", bank.teller, case, {**CLASSES, "responsibility": "shared"})
    version = case.version
    (row,) = add_documents(bank.teller, case, [pdf()], "客户签收的处理决定告知书")
    assert row.original_name == "回执.pdf" and row.uploaded_by == bank.teller
    event = CaseEvent.objects.get(case=case, kind="document_added")
    assert event.data == {"attachments": ["回执.pdf"], "note": "客户签收的处理决定告知书"}
    case.refresh_from_db()
    assert case.version == version and case.state == "closed"


def test_who_may_not_add_documents_changes_nothing(bank):
    case = bank.register(subject_staff="subject")
    for outsider in (bank.outsider, bank.auditor):
        with pytest.raises(ActionForbidden):
            add_documents(outsider, case, [pdf()])
    assert not Attachment.objects.exists()


def test_bad_files_are_refused_field_by_field(bank):
    case = bank.register()
    with pytest.raises(FieldErrors) as refused:
        add_documents(bank.teller, case, [SimpleUploadedFile("x.exe", b"MZ\x90\x00" * 10)], "x\x00")
    assert set(refused.value.errors) == {"attachments", "note"}
    with pytest.raises(FieldErrors):
        add_documents(bank.teller, case, [])
    assert not Attachment.objects.exists() and not CaseEvent.objects.filter(kind="document_added").exists()


def test_the_api_adds_documents_as_multipart(bank):
    case = bank.register()
    client = bearer_client(bank.teller)
    answer = client.post(
        f"/api/v1/cases/{case.number}/documents",
        {"note": "补充材料", "attachments": [pdf(), pdf("流水.pdf")]},
    )
    assert answer.status_code == 200, answer.content
    assert {a.original_name for a in Attachment.objects.filter(case=case)} == {"回执.pdf", "流水.pdf"}
    assert (
        bearer_client(bank.outsider)
        .post(f"/api/v1/cases/{case.number}/documents", {"attachments": [pdf()]})
        .status_code
        == 404
    )  # a case the caller cannot see does not exist for them
    assert client.post(f"/api/v1/cases/{case.number}/documents", {}).status_code == 422


def test_the_case_page_form_adds_documents(bank):
    case = bank.register()
    client = Client()
    client.force_login(bank.teller)
    page = client.get(reverse("web:case", args=[case.number])).content.decode()
    assert reverse("web:add_documents", args=[case.number]) in page
    answer = client.post(
        reverse("web:add_documents", args=[case.number]), {"attachments": [pdf()], "note": "回执"}
    )
    assert answer.status_code == 302 and Attachment.objects.filter(case=case).count() == 1
    client.force_login(bank.auditor)
    assert (
        reverse("web:add_documents", args=[case.number])
        not in client.get(reverse("web:case", args=[case.number])).content.decode()
    )


def test_files_refused_for_another_field_are_asked_for_again_by_name(bank):
    case = bank.register()
    client = Client()
    client.force_login(bank.teller)
    answer = client.post(
        reverse("web:add_documents", args=[case.number]),
        {"attachments": [pdf()], "note": "长" * 2001},
        follow=True,
    )
    page = answer.content.decode()
    assert "请重新选择" in page and "回执.pdf" in page.split("请重新选择", 1)[1][:200]
    assert not Attachment.objects.filter(case=case).exists()
