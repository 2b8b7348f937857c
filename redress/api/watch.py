"""The daily checks (P3 第九条) and media items found by monitoring (P3 第八条(四), 第十五条) in the API."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from redress.cases.choices import Category
from redress.common.text import Text
from redress.lifecycle.media import MediaItemData, register_media_item
from redress.watch import services as checks

from .errors import forbidden
from .schemas import BODY_REFUSALS, ErrorOut

router = Router(tags=["watch"])


class CheckOut(Schema):
    duty: str = Field(description="comment_book, online or news_sites")
    label: str = Field(description="The check in the caller's language")
    done: bool
    checked_by: str | None = Field(description="Who looked (their name)")
    checked_at: dt.datetime | None
    found: str = Field(description="What was found; empty when nothing")


class ChecklistOut(Schema):
    day: dt.date
    unit: str | None = Field(description="The caller's unit (its code)")
    items: list[CheckOut] = Field(description="The caller's own duties of the day, done or not")


class CheckIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"duty": "comment_book", "found": "意见簿新增留言一条，已登记处理。"}]
        }
    )

    duty: Text = Field(description="One of the caller's duties: comment_book, online or news_sites")
    found: Text = Field("", max_length=checks.FOUND_MAX, description="What was found; empty for nothing")


def _checklist(staff) -> dict:
    day = timezone.localdate()
    mine = set(checks.my_duties(staff))
    items = [item for item in checks.checklist(staff.unit, day) if item.duty in mine] if staff.unit_id else []
    return {
        "day": day,
        "unit": staff.unit.code if staff.unit_id else None,
        "items": [
            {
                "duty": item.duty,
                "label": item.label,
                "done": item.check is not None,
                "checked_by": item.check.checked_by.name if item.check else None,
                "checked_at": item.check.checked_at if item.check else None,
                "found": item.check.found if item.check else "",
            }
            for item in items
        ],
    }


@router.get("/daily-checks", response={200: ChecklistOut, 401: ErrorOut}, summary="My daily checks")
def daily_checks(request: HttpRequest):
    """Today's checks the caller is on duty for in their unit (an outlet head: the comment book; the
    supervision office: the online channels and the government and news websites), done or not."""
    return _checklist(request.auth)


@router.post(
    "/daily-checks",
    response={200: ChecklistOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut, **BODY_REFUSALS},
    summary="Record a daily check",
)
def record_daily_check(request: HttpRequest, payload: CheckIn):
    """Ticks one of the caller's checks for today with what was found; 422 naming `duty` when it is not one
    of theirs or is done already today; 403 for read-only roles."""
    if request.auth.is_read_only:
        raise forbidden()
    checks.record_check(request.auth, payload.duty, payload.found)
    return _checklist(request.auth)


class MediaItemIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "source": "楚天都市报",
                    "title": "江汉支行营业部排长队无人管",
                    "summary": "报道称该网点周一上午仅开一个窗口，客户等候近两小时。",
                    "url": "https://news.example.com/2026/12/07/queue",
                    "published_at": "2026-12-07T08:30:00+08:00",
                    "subject_unit": "WH0101",
                    "category": "service_attitude",
                }
            ]
        }
    )

    source: Text = Field(max_length=128, description="The newspaper, website or account where it was found")
    title: Text = Field(max_length=255)
    summary: Text = Field(max_length=10_000, description="What it says about the bank")
    url: Text = Field("", max_length=500, description="Its web address, if it has one")
    published_at: dt.datetime | None = Field(None, description="When it was published, if known")
    subject_unit: Text = Field("", description="Code of the unit it is about; the finder's branch if omitted")
    category: Text = Field(Category.SERVICE_ATTITUDE, description="The procedures' category of the matter")


class MediaItemOut(Schema):
    id: int
    case: str = Field(description="The number of the case it was registered as")
    state: str = Field(description="The case's state: transferred to the spokesperson")
    spokesperson: str = Field(description="The spokesperson it was routed to (their name)")


@router.post(
    "/media-items",
    response={201: MediaItemOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut, **BODY_REFUSALS},
    summary="Register a media item found by monitoring",
)
def create_media_item(request: HttpRequest, payload: MediaItemIn):
    """The supervision office registers a report or post found by monitoring: a case of channel media,
    transferred to the spokesperson who speaks for the unit it is about (403 for anyone else; 422 naming
    `spokesperson` when the bank has none)."""
    item = register_media_item(request.auth, MediaItemData(**payload.dict()))
    return Status(
        201,
        {
            "id": item.pk,
            "case": item.case.number,
            "state": item.case.state,
            "spokesperson": item.spokesperson.name,
        },
    )
