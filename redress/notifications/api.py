"""The caller's own notifications in the API (R11.2): what the bell shows on the pages."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest
from ninja import Field, Path, Query, Router, Schema

from redress.cases.register_query import MAX_OFFSET
from redress.common.schemas import ErrorOut, param_example

from .models import Notification
from .services import case_numbers_seen, mark_read, own_notifications

router = Router(tags=["notifications"])


class NotificationQuery(Schema):
    unread: bool = Field(False, description="Only those not read yet", json_schema_extra=param_example(True))
    limit: int = Field(50, ge=1, le=200, json_schema_extra=param_example(20))
    offset: int = Field(0, ge=0, le=MAX_OFFSET, json_schema_extra=param_example(0))


class NotificationOut(Schema):
    id: int
    kind: str = Field(description="What happened, e.g. transfer_received, clock_breached, media_threat")
    case: str | None = Field(description="The case's number, while the caller may still see the case")
    text: str
    created_at: dt.datetime
    read: bool


class NotificationPage(Schema):
    count: int
    items: list[NotificationOut]


def _out(notification: Notification, numbers: dict[int, str]) -> dict:
    text = notification.subject if not notification.body else f"{notification.subject}\n{notification.body}"
    return {
        "id": notification.id,
        "kind": notification.event,
        "case": numbers.get(notification.case_id),
        "text": text,
        "created_at": notification.created_at,
        "read": notification.read_at is not None,
    }


@router.get(
    "/notifications",
    response={200: NotificationPage, 401: ErrorOut, 422: ErrorOut},
    summary="My notifications",
)
def list_notifications(request: HttpRequest, query: Query[NotificationQuery]):
    """The caller's own notifications, newest first (`unread=true`: only those not read yet)."""
    rows = own_notifications(request.auth, unread_only=query.unread)
    page = list(rows[query.offset : query.offset + query.limit])
    numbers = case_numbers_seen(request.auth, page)
    return {"count": rows.count(), "items": [_out(n, numbers) for n in page]}


@router.post(
    "/notifications/{notification_id}/read",
    response={200: NotificationOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Mark one of my notifications read",
)
def read_notification(
    request: HttpRequest,
    notification_id: int = Path(..., ge=1, le=2**63 - 1, example=1),
):
    """Someone else's notification answers 404, like a missing one. Marking it again changes nothing."""
    found = own_notifications(request.auth).filter(id=notification_id).first()
    if found is None:
        raise Http404
    mark_read(request.auth, [found.id])
    found.refresh_from_db(fields=["read_at"])
    return _out(found, case_numbers_seen(request.auth, [found]))
