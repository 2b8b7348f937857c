import datetime as dt
import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from redress.cases.models import Case
from redress.lifecycle.registration import register_case
from redress.organisation.choices import Role
from redress.organisation.services import create_staff
from redress.testing import PASSWORD

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def logged_in(client, user):
    client.force_login(user)
    return client


def page(client, url, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def export_numbers(client, **params) -> list[str]:
    response = client.get(reverse("web:export"), params)
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    return [row[0] for row in rows[1:]]


def form_data(bank, **overrides) -> dict:
    values = {
        "idempotency_key": uuid.uuid4().hex,
        "kind": "complaint",
        "channel": "counter",
        "received_at": "2026-03-02T09:30",
        "complainant_name": "李四",
        "complainant_phone": "139 0000 2222",
        "complainant_id_number": "",
        "subject_unit": bank.outlet_a1_1.code,
        "matter": "存款利息计算有误，柜台未能解释清楚。",
        "demand": "要求重新核算利息。",
        "category": "work_error",
        "amount": "120.50",
    }
    values.update(overrides)
    return values


# Login and logout


def test_login_form_logs_in_and_logout_is_a_post(client, bank):
    assert client.get(reverse("web:register")).status_code == 302
    assert client.get(reverse("web:login")).status_code == 200
    bad = client.post(reverse("web:login"), {"username": "teller", "password": "wrong"})
    assert bad.status_code == 200
    assert b"error-box" in bad.content
    good = client.post(reverse("web:login"), {"username": "teller", "password": PASSWORD})
    assert good.status_code == 302
    assert good["Location"] == reverse("web:home")
    assert client.get(reverse("web:register")).status_code == 200
    assert client.get(reverse("web:logout")).status_code == 405
    assert client.post(reverse("web:logout")).status_code == 302
    assert client.get(reverse("web:register")).status_code == 302


def test_header_shows_name_unit_and_roles(client, bank):
    html = page(logged_in(client, bank.teller), reverse("web:register"))
    assert bank.teller.name in html
    assert bank.outlet_a1_1.name in html
    assert 'name="language"' in html


# The register: visibility and masking


def test_register_lists_visible_cases_with_masked_phones(client, bank):
    mine = bank.register(complainant_phone="13812345678")
    other = bank.register(actor=bank.outsider, subject_unit=bank.outlet_b1_1.code)
    html = page(logged_in(client, bank.teller), reverse("web:register"))
    assert mine.number in html
    assert other.number not in html
    assert "138****5678" in html
    assert "13812345678" not in html


def test_subject_never_sees_the_case_naming_them(client, bank):
    about_subject = bank.register(subject_staff="subject", matter="柜员小赵态度恶劣")
    plain = bank.register(matter="柜员态度恶劣")
    logged_in(client, bank.subject)
    assert client.get(reverse("web:case", args=[about_subject.number])).status_code == 404
    assert client.get(reverse("web:case", args=["TS2099999999"])).status_code == 404
    html = page(client, reverse("web:register"))
    assert plain.number in html
    assert about_subject.number not in html
    searched = page(client, reverse("web:register"), q="态度恶劣")
    assert plain.number in searched
    assert about_subject.number not in searched
    assert export_numbers(client) == [plain.number]
    assert export_numbers(client, q="态度恶劣") == [plain.number]


def test_case_page_names_no_linked_case_the_viewer_may_not_see(client, bank):
    """A repeat of, and a group complaint with, a case naming the staff member: that case is neither named
    nor linked on the pages they can see (R10.2), while the cases they may see are."""
    from redress.lifecycle import perform

    about_subject = bank.register(
        subject_staff="subject", complainant_phone="13800000001", complainant_id_number=""
    )
    accepted = perform("accept", bank.teller, about_subject)
    perform("reply", bank.teller, accepted, {"method": "phone", "content": "已答复客户。"})
    repeat = bank.register(complainant_phone="13800000001", complainant_id_number="")
    assert Case.objects.get(pk=repeat.pk).previous_case_id == about_subject.pk
    third = bank.register(complainant_phone="13800000003", complainant_id_number="")
    fourth = bank.register(complainant_phone="13800000004", complainant_id_number="")
    logged_in(client, bank.subject)
    html = page(client, reverse("web:case", args=[repeat.number]))
    assert about_subject.number not in html
    assert "flag-repeat" not in html  # not even that there is an earlier case
    assert "不在您的查看范围内" not in html
    assert third.number in html and fourth.number in html  # the same group complaint, visible to them
    logged_in(client, bank.office)
    html = page(client, reverse("web:case", args=[repeat.number]))
    assert about_subject.number in html and third.number in html and "flag-repeat" in html


def test_outsider_sees_nothing_of_branch_a(client, bank):
    a_case = bank.register()
    b_case = bank.register(actor=bank.outsider, subject_unit=bank.outlet_b1_1.code)
    logged_in(client, bank.outsider)
    html = page(client, reverse("web:register"))
    assert b_case.number in html
    assert a_case.number not in html
    assert client.get(reverse("web:case", args=[a_case.number])).status_code == 404
    assert export_numbers(client) == [b_case.number]


# The register: filters, errors, pagination


def test_filters_narrow_the_register(client, bank):
    by_phone = bank.register(channel="phone", complainant_phone="13900001111")
    at_counter = bank.register(channel="counter")
    logged_in(client, bank.office)
    html = page(client, reverse("web:register"), channel="phone")
    assert by_phone.number in html
    assert at_counter.number not in html
    html = page(client, reverse("web:register"), phone="139-0000-1111")
    assert by_phone.number in html
    assert at_counter.number not in html
    html = page(client, reverse("web:register"), unit=bank.branch_b.code)
    assert by_phone.number not in html
    assert at_counter.number not in html


def test_bad_filters_are_shown_field_by_field(client, bank):
    bank.register()
    html = page(
        logged_in(client, bank.office), reverse("web:register"), channel="fax", received_from="yesterday"
    )
    assert html.count('class="field-error"') == 2
    assert "YYYY-MM-DD" in html
    assert "<table" not in html


def test_register_paginates_and_caps_the_count(client, bank, monkeypatch):
    from redress.web import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    now = dt.datetime.now(dt.UTC)
    numbers = [bank.register(received_at=now - dt.timedelta(hours=h)).number for h in range(1, 6)]
    logged_in(client, bank.office)
    first = page(client, reverse("web:register"))
    assert numbers[0] in first and numbers[1] in first and numbers[2] not in first
    third = page(client, reverse("web:register"), page=3)
    assert numbers[4] in third and numbers[3] not in third


def test_register_says_more_than_the_cap(client, bank, monkeypatch):
    for _ in range(3):
        bank.register()
    logged_in(client, bank.office)
    assert "共 3 件" in page(client, reverse("web:register"))
    # The view counts only as far as its page links need (page 1 and three more of 50); lower the page size
    # so three cases are "more than" that.
    import redress.web.views as views_module

    monkeypatch.setattr(views_module, "PAGE_SIZE", 1)
    monkeypatch.setattr(views_module, "PAGE_WINDOW", 1)
    assert "超过 2 件" in page(client, reverse("web:register"))


def test_register_query_count_does_not_grow_with_cases(client, bank):
    logged_in(client, bank.office)

    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as ctx:
            client.get(reverse("web:register"))
        return [q["sql"][:160] for q in ctx.captured_queries]

    for _ in range(5):
        bank.register()
    few = queries()
    for _ in range(55):
        bank.register()
    assert len(queries()) == len(few)
    assert len(few) <= 12, few


# Export


def test_export_masks_personal_data_and_names_the_file(client, bank):
    case = bank.register(
        complainant_phone="13812345678", complainant_id_number="11010519491231002X", matter="=HYPERLINK(1)"
    )
    response = logged_in(client, bank.teller).get(reverse("web:export"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="register-')
    assert response["Content-Disposition"].endswith('.xlsx"')
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[1][0] == case.number
    assert "138****5678" in rows[1]
    assert "110105********002X" in rows[1]
    assert not any("13812345678" in str(v) for v in rows[1])
    headers = list(rows[0])
    matter_cell = workbook.active.cell(row=2, column=headers.index("事由") + 1)
    assert matter_cell.value == "=HYPERLINK(1)"
    assert matter_cell.data_type == "s"


def test_export_carries_the_handling_with_an_autofilter_and_the_pages_filters(client, bank):
    from redress.lifecycle import perform

    leader = create_staff(
        username="leader", name="分管行长", unit=bank.branch_a, roles=[Role.LEADER_IN_CHARGE]
    )
    case = bank.register(extra_flags=["legal_dispute"])
    perform("instruct", leader, case, {"text": "请三个工作日内核实答复。"})
    case = perform("accept", bank.teller, case)
    case = perform("transfer", bank.teller, case, {"to_unit": "A-PB", "handler": "handler"})
    other = bank.register(channel="phone")
    response = logged_in(client, bank.office).get(reverse("web:export"), {"channel": "counter"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [case.number]  # the page's filter: not the phone case
    assert other.number not in str(rows)
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["领导批示"] == "请三个工作日内核实答复。（分管行长）"
    assert row["承办人"] == "个金部经办" and row["当前办理单位"] == "甲分行个人金融部"
    assert row["约束时限"] is not None
    assert "经济纠纷" in row["标记"]
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(len(rows[0]))}2"


def test_export_is_refused_above_the_limit(client, bank, settings):
    settings.EXPORT_MAX_ROWS = 1
    bank.register()
    bank.register()
    response = logged_in(client, bank.teller).get(reverse("web:export"), {"channel": "counter"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:register"))
    assert "channel=counter" in response["Location"]
    assert "error" in page(client, response["Location"])


# The registration form


def test_form_registers_a_case_and_redirects_to_it(client, bank):
    logged_in(client, bank.teller)
    assert client.get(reverse("web:new_case")).status_code == 200
    response = client.post(
        reverse("web:new_case"),
        {**form_data(bank), "attachments": [SimpleUploadedFile("letter.pdf", PDF)]},
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:case", args=[case.number])
    assert case.first_responder == bank.teller
    assert case.complainant_phone == "13900002222"
    # 09:30 typed at the counter is Beijing time: 01:30 UTC.
    assert case.received_at == dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)
    assert str(case.amount) == "120.50"
    assert case.attachments.count() == 1
    html = page(client, response["Location"])
    assert case.number in html
    assert 'class="message success"' in html


def test_bad_phone_rerenders_with_the_error_and_stores_nothing(client, bank):
    logged_in(client, bank.teller)
    response = client.post(reverse("web:new_case"), form_data(bank, complainant_phone="12345", matter=""))
    assert response.status_code == 200
    assert Case.objects.count() == 0
    form = response.context["form"]
    assert set(form.errors) == {"complainant_phone", "matter"}
    html = response.content.decode()
    assert 'value="12345"' in html
    assert html.count('class="field-error"') == 2


def test_unparsable_time_is_reported_with_the_other_errors(client, bank):
    logged_in(client, bank.teller)
    response = client.post(reverse("web:new_case"), form_data(bank, received_at="soon", amount="-1"))
    assert Case.objects.count() == 0
    assert set(response.context["form"].errors) == {"received_at", "amount"}


def test_the_form_takes_joint_complainants_and_reports_a_bad_count_beside_the_field(client, bank):
    logged_in(client, bank.teller)
    for typed in ("0", "two", "100000", "99999999999999999999"):
        response = client.post(reverse("web:new_case"), form_data(bank, joint_complainants=typed))
        assert Case.objects.count() == 0
        assert set(response.context["form"].errors) == {"joint_complainants"}
        assert "请输入人数" in response.content.decode()
    client.post(reverse("web:new_case"), form_data(bank, joint_complainants="3"))
    assert Case.objects.get().joint_complainants == 3
    client.post(reverse("web:new_case"), form_data(bank, joint_complainants=""))
    assert sorted(Case.objects.values_list("joint_complainants", flat=True)) == [1, 3]


def test_double_submit_with_the_same_key_creates_one_case(client, bank):
    logged_in(client, bank.teller)
    data = form_data(bank)
    first = client.post(reverse("web:new_case"), data)
    second = client.post(reverse("web:new_case"), data)
    assert Case.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_form_offers_a_fresh_key_each_time(client, bank):
    logged_in(client, bank.teller)
    keys = {client.get(reverse("web:new_case")).context["form"].initial["idempotency_key"] for _ in range(2)}
    assert len(keys) == 2


def test_auditor_may_not_register(client, bank):
    logged_in(client, bank.auditor)
    assert client.get(reverse("web:new_case")).status_code == 403
    assert client.post(reverse("web:new_case"), form_data(bank)).status_code == 403
    assert Case.objects.count() == 0


# The case page and attachments


def test_case_page_shows_fields_masked_contacts_and_history(client, bank):
    case = bank.register(complainant_id_number="11010519491231002X", complainant_confidential=True)
    html = page(logged_in(client, bank.teller), reverse("web:case", args=[case.number]))
    assert case.matter in html
    assert case.demand in html
    assert "110105********002X" in html
    assert "11010519491231002X" not in html
    assert "138****5678" in html
    assert bank.outlet_a1_1.head_phone in html
    assert bank.outlet_a1_1.enquiry_name in html
    assert 'class="flag flag-confidential"' in html
    assert 'class="timeline"' in html


def test_attachment_download_needs_the_case_to_be_visible(client, bank):
    case = register_case(
        bank.teller, bank.registration(subject_staff="subject"), files=[SimpleUploadedFile("letter.pdf", PDF)]
    ).case
    item = case.attachments.get()
    url = reverse("web:attachment", args=[case.number, item.id])
    response = logged_in(client, bank.teller).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="letter.pdf"'
    assert b"".join(response.streaming_content) == PDF
    assert client.get(reverse("web:attachment", args=[case.number, item.id + 1])).status_code == 404
    assert logged_in(client, bank.subject).get(url).status_code == 404
    assert logged_in(client, bank.outsider).get(url).status_code == 404


# Languages


def test_switching_to_english_and_back(client, bank):
    logged_in(client, bank.teller)
    chinese = page(client, reverse("web:register"))
    assert "登记簿" in chinese
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("web:register")})
    assert response.status_code == 302
    english = page(client, reverse("web:register"))
    assert ">Register<" in english
    assert "登记簿" not in english
    assert '<html lang="en">' in english
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "登记簿" in page(client, reverse("web:register"))


def test_pages_stay_chinese_for_an_english_browser_until_switched(client, bank):
    logged_in(client, bank.teller)
    html = client.get(reverse("web:register"), headers={"Accept-Language": "en-US,en;q=0.9"}).content.decode()
    assert "登记簿" in html
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("web:register"), headers={"Accept-Language": "zh-CN"}).content.decode()
    assert ">Register<" in html


def test_files_sent_with_a_form_in_error_are_asked_for_again_by_name(client, bank):
    logged_in(client, bank.teller)
    data = {**form_data(bank), "matter": "", "attachments": [SimpleUploadedFile("来信.pdf", PDF)]}
    response = client.post(reverse("web:new_case"), data)
    assert response.status_code == 200 and not Case.objects.exists()
    html = response.content.decode()
    assert "请重新选择" in html and "来信.pdf" in html


def test_the_register_takes_the_filters_figures_link_to(client, bank):
    card = bank.register(product="借记卡")
    cash = bank.register(product="现金存款")
    logged_in(client, bank.office)
    html = page(client, reverse("web:register"), customer_group="card_holder", figure="registered")
    assert card.number in html and cash.number not in html
    assert '<details class="more-filters" open>' in html
    html = page(client, reverse("web:register"), figure="nothing")
    assert html.count('class="field-error"') == 1
    assert "<table" not in html


def test_after_registering_the_clerk_is_given_the_status_pages_whole_address_to_read_out(
    client, bank, settings
):
    from redress.receipts.services import status_code

    logged_in(client, bank.teller)
    response = client.post(reverse("web:new_case"), form_data(bank), follow=True)
    case = Case.objects.get()
    said = [str(m) for m in response.context["messages"]]
    page = "http://testserver/public/status"
    assert f"投诉人查询码：{status_code(case.number)}（凭案件编号和查询码在 {page} 查询办理进度）。" in said
    settings.SITE_URL = "https://redress.bank.example"
    response = client.post(reverse("web:new_case"), form_data(bank), follow=True)
    assert any("https://redress.bank.example/public/status" in str(m) for m in response.context["messages"])
