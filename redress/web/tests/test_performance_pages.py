"""The performance page, its Excel and year-end report, the hotspots, the problems and the analysis report:
they show the figures counted by hand, each count links to the register showing exactly its cases, and
those who may not see a figure do not get it."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from django.test import Client
from openpyxl import load_workbook

from redress.api.tests.conftest import bearer_client
from redress.api.tests.test_performance_hotspots import register_cases
from redress.reports.models import Problem

pytestmark = pytest.mark.django_db

NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


@pytest.fixture
def cases(bank):
    return register_cases(bank)


def signed_in(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def links_with_counts(html: str) -> list[tuple[str, int]]:
    """(href, count shown) of every count linking to the register."""
    return [
        (unescape(href), int(count))
        for href, count in re.findall(r'<a href="(/(?:cases/)?\?[^"]+)">(\d+)</a>', html)
    ]


def register_count(staff, href: str) -> int:
    """The number of cases the register finds with the link's filters (its API list, same parameters)."""
    query = href.split("?", 1)[1]
    response = bearer_client(staff).get(f"/api/v1/cases?{query}")
    assert response.status_code == 200, response.content
    return response.json()["count"]


def test_the_performance_page_ranks_units_and_staff_with_the_figures_counted_by_hand(bank, cases):
    html = signed_in(bank.office).get("/reports/performance", {"unit": "A1", **NOVEMBER}).content.decode()
    units = re.search(r'<table class="register performance" id="units">(.*?)</table>', html, re.S)[1]
    assert units.index('data-key="A1-1"') < units.index('data-key="A1-2"')
    staff = re.search(r'<table class="register performance" id="staff">(.*?)</table>', html, re.S)[1]
    assert 'data-key="subject"' in staff and "柜员小赵" in staff
    assert "50.0%" in units  # A1-1: one at fault of two closed with a responsibility


def test_the_person_complained_about_sees_no_line_about_the_cases_about_them(bank, cases):
    html = signed_in(bank.subject).get("/reports/performance", {"unit": "A1-1", **NOVEMBER}).content.decode()
    assert 'data-key="subject"' not in html
    assert signed_in(bank.outsider).get("/reports/performance", {"unit": "A1", **NOVEMBER}).status_code == 404


def test_the_excel_and_the_year_end_report_carry_the_same_lines(bank, cases):
    office = signed_in(bank.office)
    response = office.get("/reports/performance.xlsx", {"unit": "A1", **NOVEMBER})
    book = load_workbook(io.BytesIO(response.content))
    units, staff = book.worksheets
    names = [row[1] for row in units.iter_rows(min_row=4, values_only=True)]
    assert names[:2] == ["甲一支行营业部", "甲一支行东湖网点"] and len(names) == 3  # and the total
    assert units.cell(row=4, column=3).value == 3  # A1-1's complaints
    assert staff.cell(row=4, column=2).value == "柜员小赵"
    page = office.get("/reports/performance/print", {"unit": "A1", **NOVEMBER}).content.decode()
    assert "总行" in page and "@page" not in page  # headed with the bank's name; print CSS in print.css
    assert "甲一支行营业部" in page and "柜员小赵" in page


def test_the_hotspots_page_shows_the_change_and_the_office_records_a_problem(bank, cases):
    office = signed_in(bank.office)
    html = office.get("/reports/hotspots", {"unit": "A", **NOVEMBER}).content.decode()
    assert "借记卡" in html and "+2" in html
    response = office.post(
        "/reports/problems", {"unit": "A", **NOVEMBER, "dimension": "product", "key": "借记卡"}
    )
    problem = Problem.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/problems/{problem.pk}"
    assert problem.cases.count() == 3
    edited = office.post(
        f"/reports/problems/{problem.pk}",
        {
            "title": problem.title,
            "root_cause": "流程繁琐",
            "owner": "outlet_head",
            "due_date": "2026-12-31",
            "status": "in_progress",
            "notes": "",
        },
    )
    assert edited.status_code == 302
    problem.refresh_from_db()
    assert (problem.status, problem.owner, problem.root_cause) == (
        "in_progress",
        bank.outlet_head,
        "流程繁琐",
    )
    listed = office.get("/reports/problems").content.decode()
    assert problem.title in listed
    analysis = office.get(
        "/reports/analysis/print", {"unit": "A", **NOVEMBER, "suggestions": "简化挂失流程。"}
    )
    text = analysis.content.decode()
    assert "简化挂失流程。" in text and problem.title in text and "总行" in text


def test_only_those_who_see_all_read_problems_and_only_the_office_records_them(bank, cases):
    assert signed_in(bank.teller).get("/reports/problems").status_code == 403
    assert signed_in(bank.teller).get("/reports/analysis/print").status_code == 403
    auditor = signed_in(bank.auditor)
    assert auditor.get("/reports/problems").status_code == 200
    refused = auditor.post(
        "/reports/problems", {"unit": "A", **NOVEMBER, "dimension": "product", "key": "借记卡"}
    )
    assert refused.status_code == 403 and not Problem.objects.exists()


@pytest.mark.parametrize("who", ["office", "subject", "outlet_head"])
def test_every_count_links_to_the_register_showing_exactly_its_cases(bank, cases, who):
    staff = getattr(bank, who)
    client = signed_in(staff)
    unit = "A1" if who == "office" else "A1-1"
    links = []
    for page in ("/reports/performance", "/reports/hotspots"):
        html = client.get(page, {"unit": unit, **NOVEMBER}).content.decode()
        links += links_with_counts(html)
    assert len(links) > 10 and any(count > 1 for _href, count in links)
    for href, count in links:
        assert register_count(staff, href) == count, href


@pytest.mark.parametrize(
    "period", [{"from": "0001-01-01", "to": "2026-11-30"}, {"from": "9999-12-31", "to": "9999-12-31"}]
)
def test_recording_a_problem_over_a_period_at_the_calendars_ends_is_refused_without_a_500(bank, period):
    response = signed_in(bank.office).post(
        "/reports/problems", {"unit": "A", **period, "dimension": "product", "key": "借记卡"}, follow=True
    )
    assert response.status_code == 200
    assert "1900-01-01" in response.content.decode()  # why, in the message on the list of problems
    assert not Problem.objects.exists()
