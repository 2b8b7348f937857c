"""The daily classified report: sent each morning to the unit's work group with the workbook attached (a real
SMTP server receives it), its page and Excel download, the units whose report is missing marked."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from redress.organisation.choices import Role, WorkGroupPosition
from redress.organisation.models import WorkGroup
from redress.organisation.services import add_work_group_member, create_staff
from redress.reports import daily_report
from redress.reports.models import DailyReport

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 11, 2)


def register_on(bank, day: dt.date, n: int, **overrides) -> None:
    for i in range(n):
        values = {"complainant_phone": f"1393333{day.day:02d}{i:02d}", **overrides}
        bank.register(received_at=dt.datetime(day.year, day.month, day.day, 9 + i, tzinfo=BEIJING), **values)


def rows_of(content: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [tuple(cell for cell in row if cell is not None) for row in sheet.iter_rows(values_only=True)]


def test_the_morning_report_arrives_by_email_with_its_workbook(
    bank, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://redress.bank.test"
    bank.branch_group.email = "group-a@bank.test"
    bank.branch_group.save()
    register_on(bank, DAY, 3)
    register_on(bank, DAY + dt.timedelta(days=1), 1)  # the next day: not in this report
    with django_capture_on_commit_callbacks(execute=True):
        assert daily_report.send_reports(DAY) == 1
    [message] = smtp_server.to("group-a@bank.test")
    assert "甲分行" in message["Subject"] and "2026-11-02" in message["Subject"]
    assert (
        "https://redress.bank.test/reports/daily?unit=A&date=2026-11-02" in message.get_body().get_content()
    )
    [attached] = list(message.iter_attachments())
    assert attached.get_filename() == "daily-report-A-20261102.xlsx"
    rows = rows_of(attached.get_content())
    assert ("甲一支行", 3, 0, 3, 0) in rows  # the sub-branch's line: registered, closed, open, breached
    assert ("合计", 3, 0, 3, 0) in rows
    # Sent once: the next run (another process, the next minute) sends nothing again.
    with django_capture_on_commit_callbacks(execute=True):
        assert daily_report.send_reports(DAY) == 0
    assert len(smtp_server.to("group-a@bank.test")) == 1


def test_the_union_mailbox_gets_the_top_units_report(
    bank, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.REPORTS_UNION_MAILBOX = "union@rcc.test"
    WorkGroup.objects.create(unit=bank.head_office, name="总行投诉工作领导小组")
    register_on(bank, DAY, 2)
    with django_capture_on_commit_callbacks(execute=True):
        daily_report.send_reports(DAY)
    [message] = smtp_server.to("union@rcc.test")
    [attached] = list(message.iter_attachments())
    assert ("合计", 2, 0, 2, 0) in rows_of(attached.get_content())


def test_a_member_complained_about_gets_a_report_without_that_case(
    bank, smtp_server, django_capture_on_commit_callbacks
):
    deputy = create_staff(
        username="deputy", name="甲分行副组长", unit=bank.branch_a, roles=[Role.WORK_GROUP], password="x" * 12
    )
    deputy.email = "deputy@bank.test"
    deputy.save()
    add_work_group_member(bank.branch_a_group, deputy, WorkGroupPosition.MEMBER)
    bank.branch_group.email = "group-a@bank.test"
    bank.branch_group.save()
    register_on(bank, DAY, 2)
    register_on(bank, DAY + dt.timedelta(days=0), 1, subject_staff="deputy", complainant_phone="13944440000")
    with django_capture_on_commit_callbacks(execute=True):
        daily_report.send_reports(DAY)
    [theirs] = list(smtp_server.to("deputy@bank.test")[0].iter_attachments())
    [group] = list(smtp_server.to("group-a@bank.test")[0].iter_attachments())
    assert ("合计", 2, 0, 2, 0) in rows_of(theirs.get_content())
    assert ("合计", 3, 0, 3, 0) in rows_of(group.get_content())


def test_nothing_is_sent_before_the_mornings_time(bank, settings):
    settings.REPORTS_DAILY_TIME = dt.time(8, 0)
    early = dt.datetime(2026, 11, 3, 7, 59, tzinfo=BEIJING)
    assert daily_report.send_due(early) == 0
    assert daily_report.send_due(early + dt.timedelta(minutes=1)) == 1
    assert DailyReport.objects.get().date == DAY


def test_the_page_shows_each_childs_line_and_marks_a_missing_report(client, bank):
    WorkGroup.objects.create(
        unit=bank.branch_b, name="乙分行工作小组"
    )  # nobody in it: its report reaches no one
    register_on(bank, DAY, 2)
    daily_report.send_reports(DAY)
    client.force_login(bank.office)
    page = client.get("/reports/daily", {"unit": "P", "date": "2026-11-02"}).content.decode()
    a_line = page[page.index('data-unit="A"') :].split("</tr>")[0]
    b_line = page[page.index('data-unit="B"') :].split("</tr>")[0]
    assert ">2<" in a_line and "未报送" not in a_line
    assert 'class="missing"' in b_line and "未报送" in b_line
    workbook = client.get("/reports/daily.xlsx", {"unit": "P", "date": "2026-11-02"})
    assert workbook["Content-Type"] == daily_report.XLSX
    rows = rows_of(workbook.content)
    assert ("甲分行", 2, 0, 2, 0) in rows and ("乙分行", 0, 0, 0, 0, "未报送") in rows


def test_an_outsider_is_told_the_units_report_does_not_exist(client, bank):
    client.force_login(bank.outsider)
    assert client.get("/reports/daily", {"unit": "A", "date": "2026-11-02"}).status_code == 404
    assert client.get("/reports/daily.xlsx", {"unit": "A", "date": "2026-11-02"}).status_code == 404
    assert client.get("/reports/daily").status_code == 200  # their own unit's
