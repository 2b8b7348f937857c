"""No page of the demo shows a raw identifier, a Python structure or an untranslated English word in zh-Hans
(issue 15): pages speak the bank's language — people and units by name, rules in words.

The demo bank is crawled as four of its people: the register and its work lists, the due list's two tabs,
the registration form, the notifications, and three case pages of every state. Each page's visible text (and
the titles and labels a screen reader speaks) is read: a word in Latin letters must be one of the few the
bank writes itself (file types, the product name, the language switch, UTC), a case number, or a word the
complainant wrote in the case's own text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils import timezone

from redress.cases.models import Case
from redress.core.demo import load_demo
from redress.organisation.models import Staff, Unit
from redress.plans.models import Plan

pytestmark = pytest.mark.django_db

ALLOWED = {"Redress", "English", "Excel", "PDF", "pdf", "Word", "UTC", "ATM", "POS", "APP", "VIP"}
PAGES = [
    "/cases/",
    "/cases/mine",
    "/cases/to-sign-for",
    "/cases/to-answer",
    "/cases/to-follow-up",
    "/cases/awaiting-instruction",
    "/cases/due-soon",
    "/cases/due-soon?status=overdue",
    "/cases/new",
    "/notifications/",
    "/reports/performance",
    "/reports/performance/print",
    "/reports/hotspots",
    "/reports/problems",
    "/reports/analysis/print",
    "/plans/",
    "/plans/new",
]
PEOPLE = ("office", "teller", "handler", "leader")
STRUCTURE = re.compile(r"[\[{]'|'[\]}]|\bNone\b|\bTrue\b|\bFalse\b|\{\"|\[\{")


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "title"):
            self.hidden += 1
        self.parts += [v for name, v in attrs if name in ("title", "placeholder", "aria-label", "alt") and v]

    def handle_endtag(self, tag):
        if tag in ("script", "style", "title"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def test_no_page_of_the_demo_shows_an_identifier_a_structure_or_english(settings):
    settings.DEMO_MODE = True
    load_demo(cases=120)
    written = set()  # Latin words complainants wrote themselves (an "ATM", a product name)
    for matter, demand in Case.objects.values_list("matter", "demand"):
        written |= set(re.findall(r"[A-Za-z][A-Za-z0-9_.\-]+", f"{matter} {demand}"))
    identifiers = set(Unit.objects.values_list("code", flat=True)) | set(
        Staff.objects.values_list("username", flat=True)
    )
    cases = [n for state in Case.objects.values_list("state", flat=True).distinct() for n in
             Case.objects.filter(state=state).values_list("number", flat=True)[:3]]  # fmt: skip
    # The demo's cut-over plan: its page (facts, steps, statements, duty log, command centre), a day's report.
    plan = Plan.objects.get()
    day = timezone.localtime(plan.starts_at).date().isoformat()
    plan_pages = [f"/plans/{plan.pk}", f"/plans/{plan.pk}/daily?date={day}"]
    problems: dict[str, str] = {}
    for username in PEOPLE:
        client = Client()
        client.force_login(Staff.objects.get(username=username))
        for url in [*PAGES, *(f"/cases/{n}" for n in cases), *plan_pages]:
            answer = client.get(url)
            if answer.status_code != 200:
                assert answer.status_code in (403, 404), (url, username, answer.status_code)
                continue
            text = visible_text(answer.content.decode())
            if STRUCTURE.search(text):
                problems[f"structure: {STRUCTURE.search(text).group()}"] = f"{url} as {username}"
            for word in set(re.findall(r"[A-Za-z_][A-Za-z0-9_.\-]{2,}", text)):
                if word in ALLOWED or word in written or re.fullmatch(r"TS\d{10}", word):
                    continue
                kind = "identifier" if word in identifiers else "English"
                problems.setdefault(f"{kind}: {word}", f"{url} as {username}")
    assert not problems, "\n".join(f"{k} — {v}" for k, v in sorted(problems.items()))
