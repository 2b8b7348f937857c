"""Figures across cases (issue 11, item 7): a unit's summary by one dimension and its day. The rules, the
counting and who sees which figure are `redress.reports.services`'; a unit the caller may not see is a 404."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from redress.common.errors import FieldErrors
from redress.common.schemas import param_example
from redress.reports import daily_report, dashboard, services
from redress.reports import regulatory as regulatory_workbook

from .errors import forbidden
from .schemas import ErrorOut

router = Router(tags=["reports"])


class SummaryFilters(Schema):
    model_config = ConfigDict(populate_by_name=True)

    unit: str = Field(description="The unit's code; its figure includes its whole subtree", **{
        "json_schema_extra": param_example("WH")})  # fmt: skip
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
                    "unit": "WH",
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
    unit: str = Field(description="The unit's code", json_schema_extra=param_example("WH"))
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
                    "unit": "WH",
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
                            "unit": "WH01",
                            "name": "江汉支行",
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


class RegulatoryFilters(Schema):
    quarter: str = Field(description="The quarter, as YYYYQn", json_schema_extra=param_example("2026Q4"))
    format: str = Field(
        "json", description="`json`, or `xlsx` for the workbook", json_schema_extra=param_example("json")
    )


class ClassOut(Schema):
    code: str = Field(description="The official code; empty where the class has none")
    label: str = Field(description="The class's label path; empty for complaints not classified")


class CellOut(Schema):
    channel: ClassOut
    business_category: ClassOut
    reason: ClassOut
    count: int


class ClassCountOut(ClassOut):
    count: int


class RegulatoryOut(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "quarter": "2026Q4",
                    "from": "2026-10-01",
                    "to": "2026-12-31",
                    "rows": [
                        {
                            "channel": {"code": "", "label": "营业网点"},
                            "business_category": {"code": "", "label": "银行卡/信用卡"},
                            "reason": {"code": "", "label": "服务态度"},
                            "count": 7,
                        }
                    ],
                    "by_channel": [{"code": "", "label": "营业网点", "count": 7}],
                    "by_business_category": [{"code": "", "label": "银行卡/信用卡", "count": 7}],
                    "by_reason": [{"code": "", "label": "服务态度", "count": 7}],
                    "total": 7,
                }
            ]
        },
        populate_by_name=True,
    )

    quarter: str
    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")
    rows: list[CellOut] = Field(description="Each combination of channel × business category × reason")
    by_channel: list[ClassCountOut]
    by_business_category: list[ClassCountOut]
    by_reason: list[ClassCountOut]
    total: int = Field(description="Complaints received in the quarter; each list adds up to it")


def _class_out(item) -> dict:
    return {"code": item.code, "label": item.label} if item else {"code": "", "label": ""}


@router.get(
    "/reports/regulatory",
    response={200: RegulatoryOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    by_alias=True,
    summary="The regulatory return of a quarter (JR/T 0169-2018)",
    description="The complaints received in the quarter (Beijing days), by the regulator's channel × "
    "business category × reason and by each; `format=xlsx` answers the workbook (one sheet per dimension "
    "and one of the combinations, totals checked). The whole bank's: for the supervision office, "
    "administrators and auditors (403 for others).",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The return, or with `format=xlsx` its workbook",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/RegulatoryOut"}},
                    daily_report.XLSX: {"schema": {"type": "string", "format": "binary"}},
                },
            }
        }
    },
)
def regulatory(request: HttpRequest, filters: Query[RegulatoryFilters]):
    errors: dict[str, list[str]] = {}
    if services.parse_quarter(filters.quarter) is None:
        errors["quarter"] = [_("Enter a quarter as YYYYQn, e.g. 2026Q4.")]
    if filters.format not in ("json", "xlsx"):
        errors["format"] = [_("Choose one of: %(choices)s.") % {"choices": "json, xlsx"}]
    if errors:
        raise FieldErrors(errors)
    if not services.may_see_the_return(request.auth):
        raise forbidden()
    ret = services.regulatory_return(request.auth, filters.quarter)
    if filters.format == "xlsx":
        response = HttpResponse(regulatory_workbook.workbook(ret), content_type=daily_report.XLSX)
        response["Content-Disposition"] = f'attachment; filename="{regulatory_workbook.filename(ret)}"'
        return response
    by = {
        f"by_{name}": [{**_class_out(item), "count": count} for item, count in ret.by[dimension]]
        for name, dimension in (
            ("channel", "regulatory_channel"),
            ("business_category", "business_category"),
            ("reason", "reason"),
        )
    }
    return {
        "quarter": ret.quarter,
        "from": ret.start,
        "to": ret.end,
        "rows": [
            {
                "channel": _class_out(cell.channel),
                "business_category": _class_out(cell.business_category),
                "reason": _class_out(cell.reason),
                "count": cell.count,
            }
            for cell in ret.cells
        ],
        **by,
        "total": ret.total,
    }


# ---- the dashboard (issue 11, item 6) -----------------------------------------------------------------


class DashboardFilters(Schema):
    model_config = ConfigDict(populate_by_name=True)

    unit: str | None = Field(
        None,
        description="The unit's code (its figures include its subtree); by default the caller's unit, the "
        "head office for those who see every case",
        json_schema_extra=param_example("WH"),
    )
    start: dt.date | None = Field(
        None,
        alias="from",
        description="First day, inclusive (Beijing time); by default 89 days before `to`",
        json_schema_extra=param_example("2026-09-07"),
    )
    end: dt.date | None = Field(
        None,
        alias="to",
        description="Last day, inclusive (Beijing time); by default today",
        json_schema_extra=param_example("2026-12-05"),
    )


class FigureOut(Schema):
    model_config = ConfigDict(populate_by_name=True)

    key: str = Field(description="What the figure counts (a measure, a category, a day, a unit's code…)")
    label: str = Field(description="Its name in the caller's language")
    count: int = Field(description="How many cases")
    filters: dict[str, str] = Field(description="The register's filters that list exactly these cases")
    # Named `register` in the answer (an attribute of the parent class by that name stays unshadowed).
    register_page: str = Field(alias="register", description="The register page of these cases")
    cases: str = Field(description="The API list of these cases (`GET /api/v1/cases`)")


class RateOut(Schema):
    name: str = Field(description="on_time, satisfaction or repeat")
    title: str
    percent: float | None = Field(description="Worked out from `parts`; null when there is nothing to divide")
    parts: list[FigureOut]


class ChartOut(Schema):
    name: str
    title: str
    kind: str = Field(description="How the page draws it: bar, line or pie")
    figures: list[FigureOut]


class HeatMeasureOut(Schema):
    key: str
    label: str


class HeatRowOut(Schema):
    unit: str = Field(description="The child unit's code (the unit's own code for the cases it registered)")
    name: str
    own: bool
    cells: list[FigureOut] = Field(description="One per measure of `heat_measures`, in that order")


class DashboardOut(Schema):
    model_config = ConfigDict(populate_by_name=True)

    unit: str
    name: str
    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")
    kpis: list[FigureOut]
    rates: list[RateOut]
    charts: list[ChartOut]
    heat_measures: list[HeatMeasureOut]
    heat: list[HeatRowOut] = Field(description="The unit's children (and the unit itself) × the measures")


@router.get(
    "/reports/dashboard",
    response={200: DashboardOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    by_alias=True,
    summary="A unit's dashboard: every figure, each with the register of its cases",
    description="The cases registered in the period (Beijing days) by the unit's subtree: key figures, "
    "rates, the trend, by category / channel / business category / reason, statistics classes, satisfaction, "
    "escalations by level and each child unit × measures. Each figure carries the register's filters that "
    "list exactly its cases (its `count` is the register's count for the caller). Cases hidden from the "
    "caller are never counted. A unit the caller may not see answers 404.",
)
def dashboard_figures(request: HttpRequest, filters: Query[DashboardFilters]):
    unit, start, end = dashboard.scope(request.auth, filters.unit, filters.start, filters.end)
    board = dashboard.dashboard(request.auth, unit, start, end)
    return dashboard.as_dict(board, reverse("web:register"), reverse("api-v1:list_cases"))
