"""In a browser: the office opens the performance page, clicks a unit's complaints and lands on the register
showing that many cases; the year-end report prints on A4 headed with the bank's name."""

import re

import pytest
from playwright.sync_api import expect

from redress.api.tests.test_performance_hotspots import register_cases

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_performance_figure_opens_the_register_with_as_many_cases(page, log_in, bank):
    register_cases(bank)
    log_in(bank.office)
    page.goto("/reports/performance?unit=A1&from=2026-11-01&to=2026-11-30")
    link = page.locator("#units tr[data-key='A1-1'] td.count a").first
    shown = int(link.inner_text())
    assert shown == 3
    link.click()
    page.wait_for_url(re.compile(r"/(cases/)?\?.*subject_unit=A1-1"))
    expect(page.locator("table.register tbody tr")).to_have_count(shown)

    page.goto("/reports/performance/print?unit=A1&from=2026-11-01&to=2026-11-30")
    expect(page.locator("header .bank")).to_have_text("总行")


def test_the_report_pages_keep_the_content_security_policy(page, log_in, bank):
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    register_cases(bank)
    log_in(bank.office)
    period = "unit=A&from=2026-11-01&to=2026-11-30"
    for url in [
        f"/reports/performance?{period}",
        f"/reports/performance/print?{period}",
        f"/reports/hotspots?{period}",
        "/reports/problems",
        f"/reports/analysis/print?{period}&suggestions=简化流程",
    ]:
        response = page.goto(url)
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
    assert refused == []
