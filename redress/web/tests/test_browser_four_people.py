"""A complaint from registration to close as four people in the browser (issue 15): the teller registers it;
the leader finds it from the bell and instructs; the teller transfers it; the handler finds the order in the
bell and on the list to sign for, signs for it and reports; the teller finds the report from the bell and on
the list to answer, replies, follows up and closes. Each page is kept as a screenshot in
`test-artifacts/four-people/` (CI keeps the directory).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from redress.cases.choices import State
from redress.cases.models import Case
from redress.lifecycle.sweeper import sweep
from redress.organisation.choices import Role
from redress.organisation.services import create_staff
from redress.testing import CLASSES
from redress.web.tests.test_browser_loop import act, submit, tab_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shots() -> Path:
    folder = Path(__file__).resolve().parents[3] / "test-artifacts" / "four-people"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shot(tab, name: str) -> None:
    tab.screenshot(path=str(_shots() / f"{name}.png"), full_page=True)


def from_the_bell(tab, number: str, words: str) -> None:
    """The bell shows something unread; its page names the case with the words; the link opens the case."""
    tab.goto("/cases/")
    expect(tab.locator(".bell-count")).to_be_visible()
    tab.click("a.bell")
    row = tab.locator("tr.unread", has_text=number)
    expect(row).to_contain_text(words)
    row.locator(f"a[href='/cases/{number}']").click()
    tab.wait_for_url(re.compile(rf"/cases/{number}$"))


def test_four_people_each_find_the_case_from_a_notification_in_their_work_list(
    page, log_in, bank, chromium, live_server
):
    leader = create_staff(
        username="leader", name="分管行长", unit=bank.branch_a, roles=[Role.LEADER_IN_CHARGE]
    )
    teller = page
    log_in(bank.teller)

    # 1. The teller registers the complaint.
    teller.goto("/cases/new")
    teller.check("input[name=kind][value=complaint]")
    teller.fill("#id_complainant_name", "赵六")
    teller.fill("#id_complainant_phone", "13700009876")
    teller.select_option("#id_subject_unit", bank.outlet_a1_1.code)
    teller.fill("#id_matter", "借记卡年费被重复扣收，网点未作说明。")
    teller.fill("#id_demand", "要求退还并说明原因。")
    teller.select_option("#id_category", "work_error")
    shot(teller, "1-teller-registers")
    teller.click("form.case-form button[type=submit]")
    teller.wait_for_url(re.compile(r"/cases/TS\d{10}$"))
    number = teller.url.rsplit("/", 1)[-1]

    # 2. The sweeper puts it before the leader, who finds it from the bell and on the list to instruct.
    sweep()
    contexts = []
    try:
        context, boss = tab_for(chromium, live_server, leader)
        contexts.append(context)
        from_the_bell(boss, number, "待你批示")
        boss.goto("/cases/awaiting-instruction")
        expect(boss.locator(f"tr[data-case='{number}']")).to_be_visible()
        shot(boss, "2-leader-awaiting-instruction")
        boss.click(f"tr[data-case='{number}'] a.button")
        boss.fill("#id_text", "请网点三个工作日内核实，向客户说明并退还。")
        submit(boss)
        expect(boss.locator("#history")).to_contain_text("请网点三个工作日内核实")

        # 3. The teller accepts it and transfers it to personal banking, naming the handler.
        teller.goto(f"/cases/{number}")
        act(teller, "accept")
        expect(teller.locator(".message.success")).to_be_visible()
        act(teller, "transfer")
        teller.select_option("#id_to_unit", "A-PB")
        teller.select_option("#id_handler", bank.handler.username)
        teller.fill("#id_note", "请核查年费扣收情况。")
        submit(teller)

        # 4. The handler finds the order from the bell and on the list to sign for; signs for it, reports.
        context, handler = tab_for(chromium, live_server, bank.handler)
        contexts.append(context)
        from_the_bell(handler, number, "已转交你单位，请签收")
        handler.goto("/cases/to-sign-for")
        row = handler.locator(f"tr[data-case='{number}']")
        expect(row).to_be_visible()
        expect(handler.locator(".main-nav .count").first).to_have_text("1")
        shot(handler, "4-handler-to-sign-for")
        row.locator("a.button").click()
        handler.select_option("#id_handler", bank.handler.username)
        submit(handler)
        act(handler, "report")
        handler.fill("#id_findings", "系统参数错误导致重复扣收年费。")
        handler.fill("#id_staff_handling", "对系统维护人员批评教育。")
        handler.fill("#id_lessons", "参数变更须双人复核。")
        handler.fill("#id_rectification", "已退还多扣年费并修正参数。")
        handler.check("input[name=customer_satisfaction][value=satisfied]")
        handler.fill("#id_handler_name", "个金部经办")
        handler.fill("#id_handler_phone", "13912345678")
        submit(handler)

        # 5. The teller finds the report from the bell and on the list to answer; replies, follows up, closes.
        from_the_bell(teller, number, "办理结果已报送，请答复客户")
        teller.goto("/cases/to-answer")
        row = teller.locator(f"tr[data-case='{number}']")
        expect(row).to_be_visible()
        shot(teller, "5-teller-to-answer")
        row.locator("a.button").click()
        teller.select_option("#id_method", "phone")
        teller.fill("#id_content", "经核查，系统原因重复扣收年费，已退还，向您致歉。")
        submit(teller)
        teller.goto("/cases/to-follow-up")
        teller.locator(f"tr[data-case='{number}'] a.button").click()
        teller.check("input[name=satisfaction][value=satisfied]")
        submit(teller)
        act(teller, "close")
        teller.select_option("#id_business_category", CLASSES["business_category"])
        teller.select_option("#id_reason", CLASSES["reason"])
        teller.check("input[name=responsibility][value=at_fault]")
        submit(teller)
        expect(teller.locator(".badges .state")).to_have_text("已办结")
        shot(teller, "6-teller-closed")
    finally:
        for context in contexts:
            context.close()
    case = Case.objects.get(number=number)
    assert case.state == State.CLOSED and case.handler == bank.handler
    assert case.instructions.get().by == leader
