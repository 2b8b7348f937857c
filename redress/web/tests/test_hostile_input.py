"""Every page, given what no form would send, answers without a 500 (issue 16: never a 500): each field its
forms name, in the query of every page and in the body of every form, set in turn to hostile values — NUL,
days at the calendar's ends, numbers past any integer, NaN, a very long text. The pages' own tests say what
each answers; this one walks them all, so a page or a field added later is walked too."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from redress.web import urls as web_urls

pytestmark = pytest.mark.django_db

HOSTILE = ["\x00", "0001-01-01", "9999-12-31", "9999-12-31T23:59", "99999999999999999999", "NaN", "投" * 3000]
# Forms whose posting ends the session or changes the language the walk reads the pages in.
NOT_POSTED = ("logout", "i18n", "language")


class _Forms(HTMLParser):
    """The forms of a page: method, action and each field's name with the value the page offers."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(
                {"method": a.get("method", "get").lower(), "action": a.get("action"), "fields": {}}
            )
        elif not self.forms or "name" not in a:
            return
        elif tag == "input" and a.get("type") not in ("file", "submit", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                self.forms[-1]["fields"].setdefault(a["name"], None)
            else:
                self.forms[-1]["fields"][a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a["name"]
            self.forms[-1]["fields"][a["name"]] = ""
        elif tag == "textarea":
            self.forms[-1]["fields"][a["name"]] = "说明"
        elif tag == "option" and self._select and not self.forms[-1]["fields"][self._select]:
            self.forms[-1]["fields"][self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def forms_of(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def page_urls(bank) -> list[str]:
    """Every page of the web app that takes no argument, or a case (by number or by id), or a problem."""
    case = bank.register()
    problem = bank.problem()
    urls = []
    for pattern in web_urls.urlpatterns:
        if not getattr(pattern, "name", None):
            continue
        for args in ((), (case.number,), (case.pk,), (problem.pk,)):
            try:
                urls.append(reverse(f"web:{pattern.name}", args=args))
            except NoReverseMatch:
                continue
    return list(dict.fromkeys(urls))


def signed_in(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def html_pages(client: Client, urls: list[str]):
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            yield url, forms_of(response.content.decode())


@pytest.mark.parametrize("role", ["office", "teller"])
def test_no_page_answers_500_to_a_hostile_value_in_any_query_field(bank, role):
    client = signed_in(getattr(bank, role))
    failed = []
    for url, forms in html_pages(client, page_urls(bank)):
        names = {name for form in forms if form["method"] == "get" for name in form["fields"]} | {
            "page",
            "sort",
        }
        for name in sorted(names):
            for value in HOSTILE:
                status = client.get(url, {name: value}).status_code
                if status >= 500:
                    failed.append((url, name, value[:12], status))
    assert not failed


@pytest.mark.parametrize("role", ["office", "admin"])
def test_no_form_answers_500_to_a_hostile_value_in_any_field(bank, role):
    client = signed_in(getattr(bank, role))
    failed, posted = [], 0
    seen = set()
    for url, forms in html_pages(client, page_urls(bank)):
        for form in forms:
            target = form["action"] or url
            key = (target, tuple(sorted(form["fields"])))
            if form["method"] != "post" or key in seen or any(word in target for word in NOT_POSTED):
                continue
            seen.add(key)
            offered = {
                k: v for k, v in form["fields"].items() if v is not None and k != "csrfmiddlewaretoken"
            }
            for name in offered:
                for value in HOSTILE:
                    status = client.post(target, {**offered, name: value}).status_code
                    posted += 1
                    if status >= 500:
                        failed.append((target, name, value[:12], status))
    assert posted > 100  # the walk reached the forms
    assert not failed


def test_no_hostile_value_in_one_field_of_an_otherwise_complete_registration_answers_500(bank):
    # The walk above posts each form as its page offers it, mostly empty: refused before anything is stored.
    # Here every other field is right, so a value that passes the checks reaches the database (a count past
    # the column's range was a 500 so).
    from redress.web.forms import RegistrationForm

    client = signed_in(bank.teller)
    complete = {
        "kind": "complaint",
        "channel": "counter",
        "received_at": "2026-03-02T09:30",
        "complainant_name": "李四",
        "complainant_phone": "139 0000 2222",
        "subject_unit": bank.outlet_a1_1.code,
        "matter": "存款利息计算有误，柜台未能解释清楚。",
        "demand": "要求重新核算利息。",
        "category": "work_error",
        "amount": "120.50",
        "joint_complainants": "1",
    }
    failed, stored = [], 0
    for name in RegistrationForm.base_fields:
        if name == "attachments":
            continue  # files: test_input.py
        for value in HOSTILE:
            before = bank_cases()
            response = client.post(reverse("web:new_case"), {**complete, name: value})
            if response.status_code >= 500:
                failed.append((name, value[:12], response.status_code))
            stored += bank_cases() - before
    assert stored > 10  # values that pass the checks were stored, not only refused
    assert not failed


def bank_cases() -> int:
    from redress.cases.models import Case

    return Case.objects.count()
