from django.conf import settings
from django.urls import reverse


def test_the_browser_reads_healthz_from_the_live_server(page):
    response = page.goto("/healthz")
    assert response.status == 200
    assert response.json() == {"status": "ok"}


def test_log_in_gives_the_browser_a_session(page, log_in, bank):
    login_url = reverse(settings.LOGIN_URL)
    page.goto(login_url)
    assert page.url.endswith(login_url)

    log_in(bank.teller)
    page.goto(login_url)
    # The login page sends people who already have a session on to the register.
    assert not page.url.endswith(login_url)
