"""The audit trail for inspectors (R10.4): the same search as the web page, for the supervision office and
auditors; 403 for everyone else."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from redress.audit.services import AuditQuery, described, may_inspect, search
from redress.common.errors import FieldErrors
from redress.common.schemas import param_example
from redress.common.text import Text

from .errors import forbidden
from .schemas import ErrorOut

router = Router(tags=["audit"])


class AuditFilter(Schema):
    case: Text = Field(
        "", max_length=32, description="Who read this case", json_schema_extra=param_example("")
    )
    staff: Text = Field(
        "",
        max_length=150,
        description="What this staff member (username) read",
        json_schema_extra=param_example("handler"),
    )
    since: dt.date | None = Field(
        None, description="From this day (inclusive)", json_schema_extra=param_example("2026-12-01")
    )
    until: dt.date | None = Field(
        None, description="To this day (inclusive)", json_schema_extra=param_example("2026-12-31")
    )
    limit: int = Field(50, ge=1, le=200, json_schema_extra=param_example(50))
    offset: int = Field(0, ge=0, le=100_000, json_schema_extra=param_example(0))


class AuditEntryOut(Schema):
    at: dt.datetime
    staff: str | None = Field(description="Username of who did it")
    action: str = Field(description="case_page, case_api, history, print, attachment, export or change")
    case: str | None = Field(description="The case's number, if the entry is about one")
    detail: str


class AuditPage(Schema):
    count: int
    items: list[AuditEntryOut]


@router.get(
    "/audit",
    response={200: AuditPage, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Search the audit trail",
    description="Who read a case, what a staff member read, in a period: the supervision office and auditors "
    "only. Entries about cases the caller may not see are left out. Newest first.",
)
def audit_trail(request: HttpRequest, filters: Query[AuditFilter]):
    if not may_inspect(request.auth):
        raise forbidden()
    if filters.since and filters.until and filters.since > filters.until:
        raise FieldErrors({"until": [_("The end of the period comes before its start.")]})
    query = AuditQuery(
        case_number=filters.case, username=filters.staff, since=filters.since, until=filters.until
    )
    rows = search(request.auth, query)
    count = rows.count()
    page = described(rows[filters.offset : filters.offset + filters.limit])
    return {
        "count": count,
        "items": [
            {
                "at": timezone.localtime(row.at),
                "staff": row.actor.username if row.actor_id else None,
                "action": row.action,
                "case": row.case.number if row.case_id else None,
                "detail": row.shown,
            }
            for row in page
        ],
    }
