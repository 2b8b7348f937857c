"""The daily checks and media items in the API (issue 15 item 3)."""

from __future__ import annotations

import pytest

from redress.api.tests.conftest import bearer_client
from redress.organisation.choices import DepartmentFunction, Role, UnitKind
from redress.organisation.services import create_staff, create_unit

pytestmark = pytest.mark.django_db


def test_an_outlet_head_sees_and_ticks_todays_comment_book_once(bank):
    api = bearer_client(bank.outlet_head)
    listed = api.get("/api/v1/daily-checks").json()
    assert listed["unit"] == "A1-1" and [(i["duty"], i["done"]) for i in listed["items"]] == [
        ("comment_book", False)
    ]
    done = api.post(
        "/api/v1/daily-checks",
        {"duty": "comment_book", "found": "无新增留言"},
        content_type="application/json",
    )
    assert done.status_code == 200, done.content
    item = done.json()["items"][0]
    assert item["done"] and item["checked_by"] == bank.outlet_head.name and item["found"] == "无新增留言"
    again = api.post("/api/v1/daily-checks", {"duty": "comment_book"}, content_type="application/json")
    assert again.status_code == 422 and "duty" in again.json()["errors"]
    # A teller has no daily check: nothing listed, and ticking one is refused.
    assert bearer_client(bank.teller).get("/api/v1/daily-checks").json()["items"] == []
    refused = bearer_client(bank.auditor).post(
        "/api/v1/daily-checks", {"duty": "online"}, content_type="application/json"
    )
    assert refused.status_code == 403


def test_the_office_registers_a_media_item_routed_to_the_spokesperson(bank):
    office = create_unit(
        code="A-GO",
        name="甲分行办公室",
        kind=UnitKind.DEPARTMENT,
        parent=bank.branch_a,
        function=DepartmentFunction.GENERAL_OFFICE,
    )
    speaker = create_staff(username="speaker", name="新闻发言人", unit=office, roles=[Role.SPOKESPERSON])
    body = {
        "source": "楚天都市报",
        "title": "网点排长队",
        "summary": "报道称等候两小时。",
        "subject_unit": "A1-1",
    }
    answer = bearer_client(bank.office).post("/api/v1/media-items", body, content_type="application/json")
    assert answer.status_code == 201, answer.content
    assert answer.json()["state"] == "transferred" and answer.json()["spokesperson"] == speaker.name
    refused = bearer_client(bank.teller).post("/api/v1/media-items", body, content_type="application/json")
    assert refused.status_code == 403
