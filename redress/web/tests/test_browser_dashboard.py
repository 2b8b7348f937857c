"""The dashboard in a real browser with no network but Redress itself: the charts are drawn (ECharts served
by Redress), and a click on a bar opens the register showing as many cases as the bar."""

import re

import pytest
from playwright.sync_api import expect

from redress.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_click_on_a_bar_opens_the_register_of_as_many_cases(page, bank, live_server):
    outside: list[str] = []

    def only_redress(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.context.route("**/*", only_redress)
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if m.type == "error" else None)
    for _ in range(3):
        bank.register(channel="phone")
    bank.register(channel="counter")
    bank.register(actor=bank.outsider, channel="phone", subject_unit=bank.outlet_b1_1.code)

    # The office lands on the dashboard after logging in.
    page.goto("/login/")
    page.fill("#id_username", bank.office.username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard$"))
    page.select_option("#id_unit", bank.branch_a.code)
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"unit=A&"))

    chart = page.locator("[data-chart=channel]")
    expect(chart.locator("canvas")).to_have_count(1)
    # The bar of "phone": its middle, from the chart's own coordinates.
    index, count, x, y = page.evaluate(
        """() => {
            const data = JSON.parse(document.getElementById("dashboard-data").textContent);
            const figures = data.charts.find((c) => c.name === "channel").figures;
            const index = figures.findIndex((f) => f.key === "phone");
            const chart = echarts.getInstanceByDom(document.querySelector("[data-chart=channel]"));
            const [x0, y] = chart.convertToPixel({ seriesIndex: 0 }, [0, index]);
            const [x1] = chart.convertToPixel({ seriesIndex: 0 }, [figures[index].count, index]);
            return [index, figures[index].count, (x0 + x1) / 2, y];
        }"""
    )
    assert index >= 0 and count == 3
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)

    page.wait_for_url(re.compile(r"/cases/\?.*channel=phone"))
    assert "registered_in=A" in page.url
    expect(page.locator("table.register tbody tr")).to_have_count(3)
    expect(page.locator("body")).to_contain_text("共 3 件")
    assert outside == []
    assert refused == []
