"""Pages a clerk is at home in (issue 15 item 5), in Chromium: the printed register row fits ONE A4 page
headed with the bank's name (checked on the PDF Chromium prints, for a case worked through every step with a
long matter); a file goes up with its progress shown; the people picker finds staff by name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from redress.lifecycle import perform
from redress.organisation.choices import Role
from redress.organisation.services import create_staff
from redress.web.case_views import bank_name

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT = {
    "findings": "经核实，客户反映的柜台等候时间过长问题属实，当日仅开放一个窗口。",
    "staff_handling": "对当班柜员进行批评教育。",
    "lessons": "高峰时段窗口安排不足。",
    "rectification": "高峰时段增开两个窗口，并由大堂经理引导分流。",
    "customer_satisfaction": "satisfied",
    "handler_name": "李晓燕",
    "handler_phone": "02785561234",
}


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def _worked_case(bank):
    leader = create_staff(
        username="leader", name="分管行长", unit=bank.branch_a, roles=[Role.LEADER_IN_CHARGE]
    )
    matter = "客户反映：" + "办理转账业务时等候时间过长，柜员态度冷淡，大堂经理未予引导，" * 6
    case = bank.register(
        matter=matter, demand="要求网点书面道歉并改进服务，退还多收的手续费。", amount="1234567.8"
    )
    case = perform("accept", bank.teller, case)
    perform("instruct", leader, case, {"text": "请个人金融部三日内核实处理，并向客户致歉。"})
    case = perform("transfer", bank.teller, case, {"to_unit": "A-PB", "handler": "handler", "note": "请核查"})
    case = perform("acknowledge", bank.handler, case, {"handler": "handler"})
    case = perform("report", bank.handler, case, REPORT)
    case = perform(
        "reply", bank.teller, case, {"method": "phone", "content": "经核查，情况属实，已致歉并整改。"}
    )
    perform("follow_up", bank.teller, case, {"satisfaction": "satisfied", "note": "客户满意"})
    return case


def test_the_printed_register_row_is_one_a4_page_headed_with_the_banks_name(page, log_in, bank):
    case = _worked_case(bank)
    log_in(bank.teller)
    page.goto(f"/cases/{case.number}/print/register")
    assert page.inner_text("header .bank") == bank_name()
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", prefer_css_page_size=True, print_background=False)
    folder = Path(__file__).resolve().parents[3] / "test-artifacts" / "print"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "register-row.pdf").write_bytes(pdf)
    assert _pages(pdf) == 1


def test_a_file_goes_up_with_its_progress_shown_and_the_case_page_follows(page, log_in, bank, tmp_path):
    from playwright.sync_api import expect

    from redress.cases.models import Attachment

    case = bank.register()
    log_in(bank.teller)
    page.goto(f"/cases/{case.number}")
    sent = []
    page.route("**/documents", lambda route: (sent.append(route.request.headers), route.continue_()))
    letter = tmp_path / "回执.pdf"
    letter.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.set_input_files("#id_documents", str(letter))
    page.fill("#id_documents_note", "客户签收的告知书")
    page.click("form.add-documents button[type=submit]")
    expect(page.locator(".message.success")).to_be_visible()
    # Sent in the background (the progress bar's request), and the answer is the case page at its address.
    assert sent and sent[0].get("x-upload-progress") == "1"
    assert page.url.endswith(f"/cases/{case.number}") or f"/cases/{case.number}#" in page.url
    assert Attachment.objects.filter(case=case, original_name="回执.pdf").exists()
    expect(page.locator("#attachments .files")).to_contain_text("回执.pdf")


def test_the_people_picker_offers_staff_found_by_name_and_sends_the_username(page, log_in, bank):
    from playwright.sync_api import expect

    case = perform("accept", bank.teller, bank.register())
    log_in(bank.office)
    page.goto(f"/cases/{case.number}/act/hold_accountable")
    page.fill("#id_staff", bank.handler.name[:2])
    options = page.locator("#id_staff-people option")
    expect(options.first).to_have_attribute("value", "handler")
    assert bank.handler.name in options.first.get_attribute("label")
