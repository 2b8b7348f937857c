"""Lockout of web logins and token requests: 10 failures for an account within 15 minutes lock that
account's logins and token requests for 15 minutes; an address has a limit of its own; an administrator
unlocks; the log names no username or address."""

import datetime as dt
import logging

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from redress.testing import PASSWORD

pytestmark = pytest.mark.django_db
TOKEN_URL = "/api/v1/auth/token"


def web_login(username: str, password: str, address: str = "10.0.0.1") -> tuple[int, bool]:
    """The login page's answer status and whether it left the client logged in."""
    client = Client(REMOTE_ADDR=address)
    response = client.post(reverse("web:login"), {"username": username, "password": password})
    return response.status_code, "_auth_user_id" in client.session


def token_request(username: str, password: str, address: str = "10.0.0.1"):
    body = {"username": username, "password": password}
    return Client(REMOTE_ADDR=address).post(TOKEN_URL, body, content_type="application/json")


def test_forty_wrong_passwords_then_the_right_one_is_refused_on_the_login_page(bank):
    answers = [web_login("teller", "wrong password") for _ in range(40)]
    # Nine refused as wrong; the tenth locks, and from then on the answer is the lockout.
    assert answers == [(200, False)] * 9 + [(429, False)] * 31
    status, logged_in = web_login("teller", PASSWORD)
    assert (status, logged_in) == (429, False)


def test_the_lockout_page_says_why_in_the_users_language(bank):
    for _ in range(10):
        web_login("teller", "wrong password")
    response = Client(REMOTE_ADDR="10.0.0.1").post(
        reverse("web:login"), {"username": "teller", "password": PASSWORD}
    )
    assert response.status_code == 429 and response["Retry-After"] == "900"
    assert "登录失败次数过多" in response.content.decode()


def test_forty_wrong_passwords_then_the_right_one_gets_no_token_but_a_429_in_the_error_shape(bank):
    answers = [token_request("teller", "wrong password").status_code for _ in range(40)]
    assert answers == [401] * 9 + [429] * 31
    refused = token_request("teller", PASSWORD)
    assert refused.status_code == 429
    body = refused.json()
    assert set(body) == {"detail", "errors"} and body["errors"] == {} and "15" in body["detail"]
    assert "token" not in body


def test_the_tenth_failure_locks_and_the_ninth_does_not(bank):
    for _ in range(9):
        web_login("teller", "wrong password")
    assert web_login("teller", PASSWORD) == (302, True)
    web_login("teller", "wrong password")
    assert web_login("teller", PASSWORD) == (429, False)


def test_failures_on_the_login_page_lock_token_requests_too_and_the_other_way_round(bank):
    for _ in range(10):
        web_login("teller", "wrong password")
    assert token_request("teller", PASSWORD).status_code == 429
    for _ in range(10):
        token_request("outlet_head", "wrong password")
    assert web_login("outlet_head", PASSWORD) == (429, False)


def test_a_locked_account_is_locked_from_every_address(bank):
    for _ in range(10):
        web_login("teller", "wrong password", address="10.0.0.1")
    assert web_login("teller", PASSWORD, address="10.9.9.9") == (429, False)


def test_other_accounts_are_unaffected_even_from_the_same_address(bank):
    for _ in range(40):
        web_login("teller", "wrong password")
    assert web_login("outlet_head", PASSWORD) == (302, True)
    assert token_request("handler", PASSWORD).status_code == 200


def test_an_address_with_too_many_failures_is_refused_for_every_account_but_others_are_not(bank, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 12
    for n in range(12):
        # Spread over many names, none of them reaching the account limit.
        web_login(f"guess{n % 4}", "wrong password", address="10.6.6.6")
    assert web_login("outlet_head", PASSWORD, address="10.6.6.6") == (429, False)
    assert token_request("outlet_head", PASSWORD, address="10.6.6.6").status_code == 429
    assert web_login("outlet_head", PASSWORD, address="10.0.0.1") == (302, True)


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(bank, settings):
    settings.PROXY_COUNT = 1
    for _ in range(10):
        Client(REMOTE_ADDR="10.0.0.254", HTTP_X_FORWARDED_FOR="1.2.3.4, 172.16.0.9").post(
            reverse("web:login"), {"username": "nobody", "password": "x"}
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"172.16.0.9"}


def test_the_lock_ends_after_fifteen_minutes(bank):
    for _ in range(10):
        web_login("teller", "wrong password")
    assert web_login("teller", PASSWORD)[0] == 429
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=15, seconds=1))
    assert web_login("teller", PASSWORD) == (302, True)


def test_trying_during_the_lock_does_not_prolong_it(bank):
    for _ in range(10):
        web_login("teller", "wrong password")
    locked_at = AccessAttempt.objects.get().attempt_time
    for _ in range(5):
        assert web_login("teller", "wrong password")[0] == 429
    assert AccessAttempt.objects.get().attempt_time == locked_at


def test_an_administrator_unlocks_an_account_in_the_admin(bank):
    for _ in range(10):
        web_login("teller", "wrong password")
    admin = Client()
    admin.force_login(bank.admin)
    response = admin.post(
        reverse("admin:organisation_staff_changelist"),
        {"action": "unlock_logins", "_selected_action": [bank.teller.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert web_login("teller", PASSWORD) == (302, True)


def test_the_unlock_command_ends_a_lock(bank):
    from django.core.management import call_command

    for _ in range(10):
        token_request("teller", "wrong password")
    call_command("axes_reset_username", "teller")
    assert token_request("teller", PASSWORD).status_code == 200


def test_lockouts_and_unlocks_are_logged_with_ids_not_usernames_or_addresses(bank, caplog):
    from redress.access.lockout import unlock

    with caplog.at_level(logging.INFO):
        for _ in range(10):
            web_login("teller", "wrong password", address="10.7.7.7")
        unlock([bank.teller], by=bank.admin)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert f"staff member {bank.teller.pk} locked" in text
    assert f"staff member {bank.teller.pk} unlocked by staff member {bank.admin.pk}" in text
    assert "teller" not in text and "10.7.7.7" not in text and "wrong password" not in text
