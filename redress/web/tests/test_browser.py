import re

import pytest

from redress.cases.models import Case
from redress.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_register_a_case_through_the_form_and_find_it_in_the_register(page, bank):
    page.goto("/login/")
    page.fill("#id_username", bank.teller.username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"://[^/]+/$"))
    assert "登记簿" in page.inner_text("h1")

    page.click("nav.main-nav a[href='/cases/new']")
    page.check("input[name=kind][value=complaint]")
    page.select_option("#id_channel", "phone")
    page.fill("#id_complainant_name", "王五")
    page.fill("#id_complainant_phone", "137 0000 4321")
    page.select_option("#id_subject_unit", bank.outlet_a1_1.code)
    page.fill("#id_matter", "手机银行转账失败但已扣款，客服未给答复。")
    page.fill("#id_demand", "要求尽快退回款项。")
    page.select_option("#id_category", "service_channel")
    page.click("form.case-form button[type=submit]")

    page.wait_for_url(re.compile(r"/cases/TS\d{10}$"))
    case = Case.objects.get()
    assert case.first_responder == bank.teller
    assert case.number in page.inner_text(".message.success")

    page.goto("/")
    page.fill("#id_phone", "13700004321")
    page.click("form.filters button[type=submit]")
    rows = page.locator("table.register tbody tr")
    assert rows.count() == 1
    assert rows.first.locator("td.number").inner_text() == case.number
    assert "137****4321" in rows.first.inner_text()
