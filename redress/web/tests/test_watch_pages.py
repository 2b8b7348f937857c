"""The daily checks page and the media item form (issue 15 item 3)."""

from __future__ import annotations

import pytest

from redress.cases.choices import State
from redress.organisation.choices import DepartmentFunction, Role, UnitKind
from redress.organisation.services import create_staff, create_unit
from redress.watch.models import DailyCheck, MediaItem

pytestmark = pytest.mark.django_db


def test_the_outlet_head_ticks_the_comment_book_on_the_daily_checks_page(client, bank):
    client.force_login(bank.outlet_head)
    page = client.get("/checks/").content.decode()
    assert "每日查看" in page and "意见簿" in page and "登记已查看" in page
    answer = client.post("/checks/", {"duty": "comment_book", "found": "客户建议增设老年人专座。"})
    assert answer.status_code == 302
    check = DailyCheck.objects.get()
    assert check.checked_by == bank.outlet_head and check.found == "客户建议增设老年人专座。"
    page = client.get("/checks/").content.decode()
    assert bank.outlet_head.name in page and "客户建议增设老年人专座。" in page and "登记已查看" not in page
    # A second tick the same day is refused with the reason, and nothing more is written.
    again = client.post("/checks/", {"duty": "comment_book"}).content.decode()
    assert "今日已由" in again and DailyCheck.objects.count() == 1


def test_the_nav_offers_daily_checks_only_to_those_on_duty(client, bank):
    client.force_login(bank.teller)
    assert 'href="/checks/"' not in client.get("/cases/mine").content.decode()
    client.force_login(bank.outlet_head)
    assert 'href="/checks/"' in client.get("/cases/mine").content.decode()


def test_the_office_registers_a_media_item_from_the_page_and_lands_on_the_case(client, bank):
    office = create_unit(
        code="A-GO",
        name="甲分行办公室",
        kind=UnitKind.DEPARTMENT,
        parent=bank.branch_a,
        function=DepartmentFunction.GENERAL_OFFICE,
    )
    create_staff(username="speaker", name="新闻发言人", unit=office, roles=[Role.SPOKESPERSON])
    client.force_login(bank.office)
    refused = client.post(
        "/media-items/new", {"source": "", "title": "", "summary": "", "category": "service_attitude"}
    )
    assert refused.status_code == 200 and "field-error" in refused.content.decode()
    assert not MediaItem.objects.exists()
    answer = client.post(
        "/media-items/new",
        {
            "source": "楚天都市报",
            "title": "网点排长队",
            "summary": "报道称等候两小时。",
            "subject_unit": "A1-1",
            "category": "service_attitude",
        },
    )
    item = MediaItem.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/cases/{item.case.number}"
    assert item.case.state == State.TRANSFERRED
    client.force_login(bank.teller)
    assert client.get("/media-items/new").status_code == 403
