"""The public's pages (issue 14 item 7): report wrongdoing without a login, get the receipt once, come back
with it to read the bank's messages and add material; a wrong receipt shows nothing; the shared limiter
answers 429; no inline script (the CSP forbids them)."""

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from redress import lifecycle
from redress.cases.models import Case
from redress.organisation.services import system_actor
from redress.receipts.models import PublicReport, ReporterMessage

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MATTER = "城东网点柜员违规为他人代办大额取现，未核实本人身份。"


def _receipt(page) -> str:
    return re.search(r'class="receipt-code"><strong>([\d ]+)</strong>', page.content.decode()).group(1)


def test_anyone_reports_wrongdoing_and_sees_the_receipt_once(bank):
    form = Client().get("/public/report")
    assert form.status_code == 200
    assert not re.search(r"<script(?![^>]*\bsrc=)", form.content.decode())
    sent = Client().post(
        "/public/report",
        {"matter": MATTER, "contact": "", "attachments": [SimpleUploadedFile("证据.pdf", PDF)]},
    )
    assert sent.status_code == 200
    receipt = _receipt(sent)
    assert len(receipt.replace(" ", "")) == 20
    case = Case.objects.get()
    assert [a.original_name for a in case.attachments.all()] == ["证据.pdf"]
    assert receipt.replace(" ", "") not in PublicReport.objects.get().receipt_digest
    # Never again: the follow-up page asks for it, it does not show it.
    assert receipt not in Client().get("/public/report/follow").content.decode()


def test_with_the_receipt_the_reporter_reads_the_banks_question_and_adds_material(bank):
    receipt = _receipt(Client().post("/public/report", {"matter": MATTER}))
    case = Case.objects.get()
    lifecycle.perform("message_reporter", bank.office, case, {"text": "请问代办发生在哪一天？"})

    page = Client().post("/public/report/follow", {"receipt": receipt})
    assert page.status_code == 200
    assert "请问代办发生在哪一天？" in page.content.decode()
    assert bank.office.name not in page.content.decode()  # the bank speaks as the bank, not as a person

    added = Client().post(
        "/public/report/follow",
        {"receipt": receipt.replace(" ", ""), "add": "1", "text": "是11月20日上午。"},
    )
    assert added.status_code == 200
    assert "是11月20日上午。" in added.content.decode()
    message = ReporterMessage.objects.get(from_bank=False)
    assert (message.text, message.author) == ("是11月20日上午。", None)
    assert case.events.filter(kind="reporter_added", actor=system_actor()).exists()


def test_a_wrong_receipt_shows_nothing_of_any_report(bank):
    receipt = _receipt(Client().post("/public/report", {"matter": MATTER})).replace(" ", "")
    lifecycle.perform("message_reporter", bank.office, Case.objects.get(), {"text": "请补充证据。"})
    wrong = receipt[:-1] + str((int(receipt[-1]) + 1) % 10)
    for typed in (wrong, "", "abc"):
        page = Client().post("/public/report/follow", {"receipt": typed, "add": "1", "text": "冒充"})
        assert page.status_code in (200, 404)
        assert "请补充证据" not in page.content.decode()
    assert not ReporterMessage.objects.filter(from_bank=False).exists()


def test_too_many_reports_from_one_address_get_the_page_with_the_reason(bank, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "public-submit": (1, 3600)}
    assert Client().post("/public/report", {"matter": MATTER}).status_code == 200
    refused = Client().post("/public/report", {"matter": MATTER})
    assert refused.status_code == 429 and refused["Retry-After"]
    assert Case.objects.count() == 1


def test_a_report_with_errors_keeps_nothing_and_asks_for_the_files_again(bank):
    page = Client().post("/public/report", {"matter": "", "attachments": [SimpleUploadedFile("a.pdf", PDF)]})
    assert page.status_code == 200
    assert "a.pdf" in page.content.decode()
    assert Case.objects.count() == 0


def test_the_pages_speak_the_banks_language(db):
    page = Client().get("/public/report").content.decode()
    assert "我要举报" in page and "Report wrongdoing" not in page


def test_the_case_page_shows_the_reporters_contact_and_messages_to_those_handling_it(bank, client):
    from redress.testing import PASSWORD

    Client().post("/public/report", {"matter": MATTER, "contact": "晚上8点后 139"})
    case = Case.objects.get()
    client.login(username=bank.office.username, password=PASSWORD)
    page = client.get(f"/cases/{case.number}").content.decode()
    assert "晚上8点后 139" in page and "回复举报人" in page
    client.login(username=bank.auditor.username, password=PASSWORD)
    assert "晚上8点后 139" not in client.get(f"/cases/{case.number}").content.decode()


def test_the_complainant_looks_up_the_state_with_the_code_the_clerk_was_shown(bank, client):
    from redress.receipts.services import status_code
    from redress.testing import PASSWORD

    case = bank.register()
    client.login(username=bank.teller.username, password=PASSWORD)
    assert status_code(case.number) in client.get(f"/cases/{case.number}").content.decode()
    client.login(username=bank.auditor.username, password=PASSWORD)
    assert status_code(case.number) not in client.get(f"/cases/{case.number}").content.decode()

    page = Client().post("/public/status", {"number": case.number, "code": status_code(case.number)})
    assert page.status_code == 200
    text = page.content.decode()
    assert "已登记" in text and case.complainant_name not in text and case.matter not in text
    wrong = Client().post("/public/status", {"number": case.number, "code": "000000000000"})
    assert wrong.status_code == 404 and "已登记" not in wrong.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)", Client().get("/public/status").content.decode())


def test_the_registration_message_gives_the_status_code(bank, client):
    from redress.receipts.services import status_code
    from redress.testing import PASSWORD

    from .test_pages import form_data

    client.login(username=bank.teller.username, password=PASSWORD)
    page = client.post("/cases/new", form_data(bank), follow=True)
    case = Case.objects.get(complainant_name="李四")
    assert status_code(case.number) in page.content.decode()
