"""One case through the whole loop in the browser, as three people: the teller who takes it, the branch's
personal-banking handler who fixes it, and the teller again who calls back and closes it (R3, R7)."""

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from redress.cases.choices import StatClass, State
from redress.cases.models import Case
from redress.testing import CLASSES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tab_for(chromium, live_server, staff):
    """A second browser (own cookies) logged in as `staff`, beside the `page` fixture's."""
    context = chromium.new_context(base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(10_000)
    client = Client()
    client.force_login(staff)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    return context, context.new_page()


def act(tab, action: str) -> None:
    tab.click(f"#actions [data-action={action}]")


def submit(tab) -> None:
    tab.click("form.action-form button[type=submit]")
    tab.wait_for_url(re.compile(r"/cases/TS\d{10}$"))
    expect(tab.locator(".message.success")).to_be_visible()


def my_cases_row(teller, number: str):
    teller.goto("/cases/mine")
    return teller.locator(f"tr[data-case='{number}']")


def test_one_case_through_the_whole_loop_as_three_people(page, log_in, bank, chromium, live_server):
    teller = page
    log_in(bank.teller)

    # The teller registers the complaint and accepts it.
    teller.goto("/cases/new")
    teller.check("input[name=kind][value=complaint]")
    teller.fill("#id_complainant_name", "王五")
    teller.fill("#id_complainant_phone", "13700004321")
    teller.select_option("#id_subject_unit", bank.outlet_a1_1.code)
    teller.fill("#id_matter", "理财产品赎回款未按约定到账。")
    teller.fill("#id_demand", "要求尽快到账并说明原因。")
    teller.select_option("#id_category", "service_product")
    teller.click("form.case-form button[type=submit]")
    teller.wait_for_url(re.compile(r"/cases/TS\d{10}$"))
    number = teller.url.rsplit("/", 1)[-1]
    case_url = f"/cases/{number}"
    expect(my_cases_row(teller, number)).to_contain_text("已登记")

    teller.goto(case_url)
    act(teller, "accept")
    expect(teller.locator(".message.success")).to_be_visible()
    expect(teller.locator(".badges .state")).to_have_text("已受理")
    expect(teller.locator("#clocks table tbody tr").first).to_be_visible()

    # …and transfers it to the branch's personal-banking department.
    act(teller, "transfer")
    teller.select_option("#id_to_unit", "A-PB")
    teller.fill("#id_note", "请个金部核查赎回款到账情况。")
    submit(teller)
    expect(teller.locator("#transfer-orders")).to_contain_text("甲分行个人金融部")
    row = my_cases_row(teller, number)
    expect(row).to_contain_text("已转办")
    expect(row).to_contain_text("甲分行个人金融部")

    # The handler acknowledges, files the result report and replies to the customer.
    context, handler = tab_for(chromium, live_server, bank.handler)
    try:
        handler.goto(case_url)
        act(handler, "acknowledge")
        handler.select_option("#id_handler", bank.handler.username)
        submit(handler)
        expect(my_cases_row(teller, number)).to_contain_text("处理中")

        act(handler, "report")
        handler.fill("#id_findings", "系统批处理延迟，款项次日到账。")
        handler.fill("#id_staff_handling", "对运营岗位提示整改。")
        handler.fill("#id_lessons", "加强批处理监控。")
        handler.fill("#id_rectification", "增加到账提醒短信。")
        handler.check("input[name=customer_satisfaction][value=satisfied]")
        handler.fill("#id_handler_phone", "13912345678")
        submit(handler)
        expect(handler.locator("#result-reports")).to_contain_text("加强批处理监控")

        act(handler, "reply")
        handler.select_option("#id_method", "phone")
        handler.fill("#id_content", "经核查，款项已到账，向您致歉。")
        submit(handler)
        expect(handler.locator("#contacts")).to_contain_text("仲裁")
    finally:
        context.close()
    expect(my_cases_row(teller, number)).to_contain_text("已答复")

    # The teller calls the customer back and closes the case with a responsibility.
    teller.goto(case_url)
    act(teller, "follow_up")
    teller.check("input[name=satisfaction][value=satisfied]")
    submit(teller)
    act(teller, "close")
    teller.select_option("#id_business_category", CLASSES["business_category"])
    teller.select_option("#id_reason", CLASSES["reason"])
    teller.check("input[name=responsibility][value=at_fault]")
    submit(teller)

    expect(teller.locator(".badges .state")).to_have_text("已办结")
    expect(teller.locator("#statistics")).to_contain_text("网点化解（不纳入统计）")
    expect(teller.locator("#history")).to_contain_text("已答复 → 已办结")
    expect(my_cases_row(teller, number)).to_have_count(0)
    case = Case.objects.get(number=number)
    assert case.state == State.CLOSED
    assert case.stat_class == StatClass.NOT_COUNTED
    assert case.responsibility == "at_fault"
    assert case.handler == bank.handler
