import re

import pytest
from playwright.sync_api import expect

from redress.cases.models import Case
from redress.matching import suggest
from redress.matching.management.commands.train_suggestions import read_labelled
from redress.matching.tests.test_suggest import LABELLED
from redress.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_register_a_case_through_the_form_and_find_it_in_the_register(page, bank):
    other = bank.register(complainant_phone="13811112222")
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
    case = Case.objects.exclude(pk=other.pk).get()
    assert case.first_responder == bank.teller
    expect(page.locator(".message.success")).to_contain_text(case.number)

    page.goto("/")
    rows = page.locator("table.register tbody tr")
    expect(rows).to_have_count(2)
    page.fill("#id_phone", "13700004321")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"phone=13700004321"))
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td.number")).to_have_text(case.number)
    expect(rows.first).to_contain_text("137****4321")


def test_the_forms_suggestions_show_no_empty_line_and_name_an_alike_case_in_the_pages_language(
    page, log_in, bank
):
    suggest.train(read_labelled(LABELLED))
    suggest.forget_model()
    log_in(bank.teller)
    page.goto("/cases/new")
    suggestions, alike = page.locator("#suggestions"), page.locator("#suggestions [data-target=alike]")
    page.fill("#id_matter", "客户反映信用卡年费被重复扣收，要求退还。")
    expect(suggestions).to_be_visible()
    # No case is like it: the "looks like" line is hidden, not shown with nothing after its label.
    expect(alike).to_be_hidden()
    earlier = bank.register(matter="客户反映网点ATM吞卡，打电话没人接，第二天领卡还要等三天。")
    page.fill("#id_matter", "ATM把我的卡吞了，机器上的电话打不通，第二天去领卡又说要等三天")
    expect(alike).to_be_visible()
    expect(alike.locator("a.chip")).to_have_text(f"{earlier.number}（已登记）")
