"""The edges a bank's IT checks: CSP with no inline script, no-store on everything with personal data, the
idle session timeout, and production settings that pass `check --deploy`."""

import datetime as dt
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from redress.access.middleware import _SEEN
from redress.api.tests.conftest import bearer_client

pytestmark = pytest.mark.django_db
REDRESS = Path(sys.executable).with_name("redress")
TEMPLATE_ROOTS = sorted(Path(django_settings.BASE_DIR).glob("*/templates"))


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_no_store(response) -> None:
    assert "no-store" in response["Cache-Control"], response["Cache-Control"]


def test_the_case_page_carries_a_csp_without_inline_script_and_no_store(bank):
    case = bank.register()
    response = logged_in(bank.teller).get(reverse("web:case", args=[case.number]))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert_no_store(response)
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("page", ["print_register", "register", "my_cases"])
def test_other_pages_with_cases_are_not_stored_either(bank, page):
    case = bank.register()
    args = [case.number] if page == "print_register" else []
    response = logged_in(bank.teller).get(reverse(f"web:{page}", args=args))
    assert response.status_code == 200
    assert_no_store(response)


def test_api_answers_are_not_stored(bank):
    case = bank.register()
    client = bearer_client(bank.teller)
    for url in ["/api/v1/cases", f"/api/v1/cases/{case.number}", f"/api/v1/cases/{case.number}/events"]:
        response = client.get(url)
        assert response.status_code == 200
        assert_no_store(response)
    refused = Client().get("/api/v1/cases")
    assert refused.status_code == 401
    assert_no_store(refused)


def test_exports_are_not_stored(bank):
    bank.register()
    response = logged_in(bank.office).get(reverse("web:export"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    assert_no_store(response)


def test_no_template_has_an_inline_script_handler_or_style():
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
    handler = re.compile(r"\son[a-z]+\s*=", re.I)
    inline_style = re.compile(r"<style\b|\sstyle\s*=|javascript:", re.I)
    found = []
    for root in TEMPLATE_ROOTS:
        for template in root.rglob("*.html"):
            text = template.read_text(encoding="utf-8")
            for pattern in (inline_script, handler, inline_style):
                found += [f"{template.relative_to(root)}: {m.group(0)}" for m in pattern.finditer(text)]
    assert TEMPLATE_ROOTS and found == []


def test_the_print_button_works_from_a_static_script(bank):
    case = bank.register()
    html = logged_in(bank.teller).get(reverse("web:print_register", args=[case.number])).content.decode()
    assert "data-print" in html and "web/print.js" in html


# ---- idle timeout ----------------------------------------------------------------------------------------


def session_of(client: Client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_sessions_end_after_thirty_idle_minutes_by_default():
    assert django_settings.SESSION_IDLE_MINUTES == 30
    assert django_settings.SESSION_COOKIE_AGE == 30 * 60


def test_an_idle_session_is_logged_out(bank):
    client = logged_in(bank.teller)
    assert client.get(reverse("web:register")).status_code == 200
    Session.objects.filter(pk=session_of(client).pk).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get(reverse("web:register"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("web:login"))


def test_activity_moves_the_end_on_but_at_most_once_a_minute(bank):
    client = logged_in(bank.teller)
    soon = timezone.now() + dt.timedelta(minutes=5)
    Session.objects.filter(pk=session_of(client).pk).update(expire_date=soon)
    # Right after the login: no write.
    client.get(reverse("web:register"))
    assert session_of(client).expire_date == soon
    # A minute later: the session is saved again, ending thirty minutes from now.
    session = client.session
    session[_SEEN] = session[_SEEN] - 61
    session.save()
    Session.objects.filter(pk=session_of(client).pk).update(expire_date=soon)
    response = client.get(reverse("web:register"))
    assert response.status_code == 200
    ends = session_of(client).expire_date
    assert abs(ends - (timezone.now() + dt.timedelta(minutes=30))) < dt.timedelta(seconds=30)


# ---- production settings ---------------------------------------------------------------------------------

PRODUCTION = {
    "REDRESS_HTTPS": "1",
    "REDRESS_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "REDRESS_ALLOWED_HOSTS": "redress.bank.example",
    # Production sends its email (check --deploy refuses the console backend).
    "REDRESS_EMAIL_HOST": "smtp.bank.example",
}


def check_deploy(tmp_path, **environment) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDRESS_")}
    env |= {"REDRESS_DATA_DIR": str(tmp_path), "REDRESS_SECRET_KEY": secrets.token_urlsafe(50), **environment}
    env |= {name: os.environ[name] for name in ("REDRESS_FIELD_KEYS", "REDRESS_FIELD_INDEX_KEY")}
    return subprocess.run(
        [str(REDRESS), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_documented_production_settings_pass_check_deploy(tmp_path):
    result = check_deploy(tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_check_deploy_fails_without_them(tmp_path):
    result = check_deploy(tmp_path)
    assert result.returncode != 0
    for warning in ["security.W004", "security.W008", "security.W012", "security.W016"]:
        assert warning in result.stderr + result.stdout


def test_behind_the_proxy_plain_http_is_redirected_and_https_gets_hsts(bank, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    plain = Client().get(reverse("web:login"))
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    secure = Client(headers={"X-Forwarded-Proto": "https"}).get(reverse("web:login"))
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert Client().get("/healthz").status_code == 200


def settings_in(tmp_path, names: list[str], **environment) -> subprocess.CompletedProcess:
    code = "from django.conf import settings; print(" + ", ".join(f"settings.{n}" for n in names) + ")"
    env = {**os.environ, "REDRESS_DATA_DIR": str(tmp_path), **environment}
    return subprocess.run(
        [str(REDRESS), "shell", "-c", code], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_the_timeouts_and_limits_are_configurable(tmp_path):
    names = ["SESSION_COOKIE_AGE", "API_TOKEN_DAYS", "AXES_FAILURE_LIMIT", "AXES_COOLOFF_TIME"]
    result = settings_in(
        tmp_path,
        names,
        REDRESS_SESSION_IDLE_MINUTES="45",
        REDRESS_API_TOKEN_DAYS="7",
        REDRESS_LOGIN_FAILURE_LIMIT="5",
        REDRESS_LOGIN_LOCKOUT_MINUTES="60",
    )
    assert result.returncode == 0, result.stderr
    # The last line: `shell` first says how many objects it imported.
    assert result.stdout.strip().splitlines()[-1].split() == ["2700", "7", "5", "1:00:00"]


@pytest.mark.parametrize(
    "variable", ["REDRESS_SESSION_IDLE_MINUTES", "REDRESS_API_TOKEN_DAYS", "REDRESS_LOGIN_FAILURE_LIMIT"]
)
def test_a_timeout_or_limit_of_zero_stops_start_up_with_its_name(tmp_path, variable):
    result = settings_in(tmp_path, ["DEBUG"], **{variable: "0"})
    assert result.returncode != 0 and f"{variable}=0" in result.stderr
