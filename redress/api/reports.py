"""Figures across cases (issue 11, item 7): a unit's summary by one dimension and its day. The rules, the
counting and who sees which figure are `redress.reports.services`'; a unit the caller may not see is a 404."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from redress.common.errors import FieldErrors
from redress.common.schemas import param_example
from redress.reports import services

from .schemas import ErrorOut

router = Router(tags=["reports"])


class SummaryFilters(Schema):
    model_config = ConfigDict(populate_by_name=True)

    unit: str = Field(description="The unit's code; its figure includes its whole subtree", **{
        "json_schema_extra": param_example("A")})  # fmt: skip
    start: dt.date = Field(
        alias="from",
        description="First day, inclusive (Beijing time)",
        json_schema_extra=param_example("2026-12-01"),
    )
    end: dt.date = Field(
        alias="to",
        description="Last day, inclusive (Beijing time)",
        json_schema_extra=param_example("2026-12-05"),
    )
    group_by: str = Field(
        description="One of: " + ", ".join(services.GROUP_BY), json_schema_extra=param_example("kind")
    )


class RowOut(Schema):
    key: str = Field(description="The value grouped on (a kind, a channel, a unit's code, YYYY-MM-DD…)")
    label: str = Field(description="Its name in the caller's language")
    count: int


class SummaryOut(Schema):
    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "unit": "A",
                    "from": "2026-12-01",
                    "to": "2026-12-05",
                    "group_by": "kind",
                    "rows": [
                        {"key": "complaint", "label": "投诉", "count": 12},
                        {"key": "enquiry", "label": "咨询", "count": 3},
                    ],
                    "total": 15,
                }
            ]
        },
    )

    unit: str
    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")
    group_by: str
    rows: list[RowOut]
    total: int = Field(description="The sum of the rows")


class DailyFilters(Schema):
    unit: str = Field(description="The unit's code", json_schema_extra=param_example("A"))
    date: dt.date = Field(description="The day (Beijing time)", json_schema_extra=param_example("2026-12-05"))


class ChildOut(Schema):
    unit: str = Field(description="The child unit's code (the unit's own code for the cases it registered)")
    name: str
    own: bool = Field(description="True for the line of the cases the unit registered itself")
    registered: int
    closed: int
    open: int
    breached: int


class DailyOut(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "unit": "A",
                    "date": "2026-12-05",
                    "registered": 4,
                    "closed": 1,
                    "by_kind": {"complaint": 3, "enquiry": 1},
                    "by_channel": {"counter": 3, "phone": 1},
                    "by_stat_class": {"not_counted": 0, "enquiry_class": 0, "counted": 1},
                    "open": 3,
                    "breached": 0,
                    "children": [
                        {
                            "unit": "A1",
                            "name": "甲一支行",
                            "own": False,
                            "registered": 4,
                            "closed": 1,
                            "open": 3,
                            "breached": 0,
                        },
                    ],
                }
            ]
        }
    )

    unit: str
    date: dt.date
    registered: int = Field(description="Cases registered that day in the unit's subtree")
    closed: int = Field(description="Of them, closed now")
    by_kind: dict[str, int]
    by_channel: dict[str, int]
    by_stat_class: dict[str, int] = Field(description="Of them closed, by statistics class")
    open: int = Field(description="Of them, still open")
    breached: int = Field(description="Of them, with a time limit breached")
    children: list[ChildOut]


@router.get(
    "/reports/summary",
    response={200: SummaryOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    by_alias=True,
    summary="A unit's figures over a period, by one dimension",
    description="Cases registered in the period (dates inclusive, Beijing time) whose registering unit is in "
    "the unit's subtree; for `stat_class` and `responsibility`, those of them that are closed. Cases hidden "
    "from the caller are never counted. A unit the caller may not see answers 404.",
)
def summary(request: HttpRequest, filters: Query[SummaryFilters]):
    errors = services.check_period(filters.start, filters.end)
    if filters.group_by not in services.GROUP_BY:
        errors["group_by"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(services.GROUP_BY)}]
    if errors:
        raise FieldErrors(errors)
    unit = services.visible_unit(request.auth, filters.unit)
    rows, total = services.summary(request.auth, unit, filters.start, filters.end, filters.group_by)
    return {
        "unit": unit.code,
        "from": filters.start,
        "to": filters.end,
        "group_by": filters.group_by,
        "rows": [{"key": row.key, "label": row.label, "count": row.count} for row in rows],
        "total": total,
    }


@router.get(
    "/reports/daily",
    response={200: DailyOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="A unit's day: the daily classified figures with each child unit's line",
    description="The same counting as the summary, for one day. A unit the caller may not see answers 404.",
)
def daily(request: HttpRequest, filters: Query[DailyFilters]):
    unit = services.visible_unit(request.auth, filters.unit)
    day = services.daily(request.auth, unit, filters.date)
    return {
        "unit": unit.code,
        "date": day.date,
        **day.totals,
        "by_kind": day.by_kind,
        "by_channel": day.by_channel,
        "by_stat_class": day.by_stat_class,
        "children": [
            {"unit": line.code, "name": line.name, "own": own, **counts} for line, own, counts in day.children
        ],
    }
