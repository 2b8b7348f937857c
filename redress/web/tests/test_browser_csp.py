"""The pages under the Content-Security-Policy, in a real browser: nothing refused, the scripts work."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_no_page_breaks_the_content_security_policy(page, log_in, bank):
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    case = bank.register()
    page.goto("/login/")
    log_in(bank.teller)
    for url in [
        "/",
        "/dashboard",
        "/cases/new",
        f"/cases/{case.number}",
        f"/cases/{case.number}/print/register",
        "/notifications/",
        "/api/v1/docs",
    ]:
        response = page.goto(url)
        assert response.status == 200, url
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
    assert refused == []


def test_the_print_button_prints_through_the_static_script(page, log_in, bank):
    case = bank.register()
    log_in(bank.teller)
    page.goto(f"/cases/{case.number}/print/register")
    page.evaluate("window.print = () => { window.printed = true; }")
    page.click("button[data-print]")
    assert page.evaluate("window.printed") is True
