"""Figures across cases (issue 11, item 7): a unit's summary by one dimension and its day. The rules, the
counting and who sees which figure are `redress.reports.services`'; a unit the caller may not see is a 404."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from pydantic import BaseModel, ConfigDict

from redress.common.errors import FieldErrors
from redress.common.schemas import param_example
from redress.reports import daily_report, dashboard, services
from redress.reports import hotspots as hotspot_rules
from redress.reports import performance as performance_rules
from redress.reports import problems as problem_rules
from redress.reports import regulatory as regulatory_workbook
from redress.reports.models import Problem

from .errors import forbidden
from .schemas import BODY_REFUSALS, ErrorOut

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
    errors = {}
    if filters.group_by not in services.GROUP_BY:
        errors["group_by"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(services.GROUP_BY)}]
    unit = services.unit_for_period(request.auth, filters.unit, filters.start, filters.end, errors)
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
    if errors := services.check_day("date", filters.date):
        raise FieldErrors(errors)
    unit = services.visible_unit(request.auth, filters.unit)
    return day_out(services.daily(request.auth, unit, filters.date))


def day_out(day: services.Day) -> dict:
    """A unit's day as the API answers it (the daily report, and an emergency plan's daily report)."""
    return {
        "unit": day.unit.code,
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


# Plain pydantic models, not Ninja's Schema: the return has a row per combination of three classes (thousands
# a quarter), and Schema's per-object validator (made to read ORM objects) took 180 of its 240 ms at 100,000
# cases. These are built from dicts.
class ClassOut(BaseModel):
    code: str = Field(description="The official code; empty where the class has none")
    label: str = Field(description="The class's label path; empty for complaints not classified")


class CellOut(BaseModel):
    channel: ClassOut
    business_category: ClassOut
    reason: ClassOut
    count: int


class ClassCountOut(ClassOut):
    count: int


class RegulatoryOut(BaseModel):
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


# ---- performance, hotspots and problems (issue 11, items 3 and 4) --------------------------------------


class PeriodFilters(Schema):
    model_config = ConfigDict(populate_by_name=True)

    unit: str = Field(description="The unit's code", json_schema_extra=param_example("WH"))
    start: dt.date = Field(
        alias="from",
        description="First day, inclusive (Beijing time)",
        json_schema_extra=param_example("2026-01-01"),
    )
    end: dt.date = Field(
        alias="to",
        description="Last day, inclusive (Beijing time)",
        json_schema_extra=param_example("2026-12-31"),
    )


class PerformanceLineOut(Schema):
    key: str = Field(description="The unit's code, or the staff member's username")
    name: str
    unit_name: str = Field("", description="A staff member's unit")
    own: bool = Field(
        False, description="True for the complaints about the unit itself (not a unit under it)"
    )
    complaints: int = Field(description="Complaints received in the period naming them")
    counted: int = Field(description="Of them, closed in the statistics class `counted`")
    at_fault: int = Field(description="Of them, closed at fault")
    at_fault_share: float | None = Field(description="At fault among those closed with a responsibility")
    on_time_rate: float | None = Field(description="Replied within the time limit among those replied to")
    satisfaction_rate: float | None = Field(
        description="Satisfied or basically satisfied among the complaints followed up, each by its latest "
        "follow-up (the dashboard's satisfaction rate)"
    )
    repeat_rate: float | None = Field(description="Repeat complaints among the complaints")
    escalations: int
    breaches: int


class PerformanceOut(Schema):
    model_config = ConfigDict(populate_by_name=True)

    unit: str
    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")
    total: PerformanceLineOut
    units: list[PerformanceLineOut] = Field(description="The unit's children, ranked (most counted first)")
    staff: list[PerformanceLineOut] = Field(description="The staff complained about in the subtree, ranked")


def _line_out(line) -> dict:
    return {
        "key": line.key,
        "name": line.name,
        "unit_name": line.unit_name,
        "own": line.own,
        **{
            name: getattr(line, name)
            for name in (
                "complaints",
                "counted",
                "at_fault",
                "at_fault_share",
                "on_time_rate",
                "satisfaction_rate",
                "repeat_rate",
                "escalations",
                "breaches",
            )
        },
    }


@router.get(
    "/reports/performance",
    response={200: PerformanceOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    by_alias=True,
    summary="Performance: complaints against each unit under a unit and each staff member, ranked",
    description="Complaints received in the period (Beijing days) counted against the unit and the staff "
    "member complained about (not the registering unit). Cases hidden from the caller are never counted: "
    "the person complained about has no line built from the cases about them. A unit the caller may not see "
    "answers 404.",
)
def performance(request: HttpRequest, filters: Query[PeriodFilters]):
    unit = services.unit_for_period(request.auth, filters.unit, filters.start, filters.end)
    result = performance_rules.performance(request.auth, unit, filters.start, filters.end)
    return {
        "unit": unit.code,
        "from": filters.start,
        "to": filters.end,
        "total": _line_out(result.total),
        "units": [_line_out(line) for line in result.units],
        "staff": [_line_out(line) for line in result.staff],
    }


class HotspotOut(Schema):
    key: str = Field(description="The value, as the register's filter of the dimension takes it")
    label: str
    count: int = Field(description="Complaints in the period")
    previous: int = Field(description="Complaints in the period of the same length just before")
    change: int
    change_rate: float | None = Field(description="The change as a share of `previous`; null when it was 0")


class HotspotsOut(Schema):
    model_config = ConfigDict(populate_by_name=True)

    unit: str
    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")
    previous_from: dt.date
    previous_to: dt.date
    dimensions: dict[str, list[HotspotOut]] = Field(
        description="Per dimension (" + ", ".join(hotspot_rules.DIMENSIONS) + "), the top values, most first"
    )


@router.get(
    "/reports/hotspots",
    response={200: HotspotsOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    by_alias=True,
    summary="Hotspots: the problems complained about most, with the change against the period before",
    description="Complaints received in the period and registered in the unit's subtree, by category, "
    "product, business category, reason, unit complained about and customer group; each with its count in "
    "the period of the same length just before. Cases hidden from the caller are never counted.",
)
def hotspots(request: HttpRequest, filters: Query[PeriodFilters]):
    unit = services.unit_for_period(request.auth, filters.unit, filters.start, filters.end)
    spots = hotspot_rules.hotspots(request.auth, unit, filters.start, filters.end)
    before = hotspot_rules.previous_window(filters.start, filters.end)
    return {
        "unit": unit.code,
        "from": filters.start,
        "to": filters.end,
        "previous_from": before[0],
        "previous_to": before[1],
        "dimensions": {
            dimension: [
                {
                    "key": s.key,
                    "label": s.label,
                    "count": s.count,
                    "previous": s.previous,
                    "change": s.change,
                    "change_rate": s.change_rate,
                }
                for s in rows
            ]
            for dimension, rows in spots.items()
        },
    }


class ProblemOut(Schema):
    id: int
    title: str
    dimension: str
    value: str = Field(description="The hotspot's value, as the register's filter of the dimension takes it")
    value_label: str
    unit: str = Field(description="The code of the unit whose hotspot it was")
    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")
    root_cause: str
    owner: str | None = Field(description="The rectification owner's username")
    due_date: dt.date | None
    status: str = Field(description="open, in_progress, rectified or verified")
    overdue: bool = Field(description="Due before today and not rectified")
    notes: str
    cases: list[str] = Field(description="The numbers of its cases the caller may see")
    recorded_by: str
    recorded_at: dt.datetime

    model_config = ConfigDict(populate_by_name=True)


class ProblemIn(Schema):
    model_config = ConfigDict(
        populate_by_name=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "unit": "WH",
                    "from": "2026-11-01",
                    "to": "2026-11-30",
                    "dimension": "product",
                    "key": "借记卡",
                    "root_cause": "借记卡挂失须往返网点，流程繁琐。",
                    "owner": "outlet_head",
                    "due_date": "2026-12-31",
                }
            ]
        },
    )

    unit: str = Field(description="The unit whose hotspot it is")
    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")
    dimension: str = Field(description="One of: " + ", ".join(hotspot_rules.DIMENSIONS))
    key: str = Field(description="The hotspot's key, as `GET /reports/hotspots` answers it")
    title: str = Field("", description="By default the dimension and the value")
    root_cause: str = ""
    owner: str | None = Field(None, description="The rectification owner's username")
    due_date: dt.date | None = None
    notes: str = ""


class ProblemChangeIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"status": "rectified", "notes": "已简化挂失流程，网点培训完成。"}]},
    )

    title: str | None = None
    root_cause: str | None = None
    owner: str | None = None
    due_date: dt.date | None = None
    status: str | None = Field(None, description="open, in_progress, rectified or verified (once rectified)")
    notes: str | None = None


def _problem_out(user, problem) -> dict:
    return {
        "id": problem.pk,
        "title": problem.title,
        "dimension": problem.dimension,
        "value": problem.value,
        "value_label": problem.value_label,
        "unit": problem.unit.code,
        "from": problem.start,
        "to": problem.end,
        "root_cause": problem.root_cause,
        "owner": problem.owner.username if problem.owner else None,
        "due_date": problem.due_date,
        "status": problem.status,
        "overdue": problem_rules.is_overdue(problem),
        "notes": problem.notes,
        "cases": list(problem_rules.visible_cases(user, problem).values_list("number", flat=True)),
        "recorded_by": problem.recorded_by.username,
        "recorded_at": problem.recorded_at,
    }


class ProblemFilters(Schema):
    status: str = Field(
        "", description="Only problems in this status", json_schema_extra=param_example("in_progress")
    )
    overdue: bool = Field(
        False,
        description="Only problems whose rectification is overdue",
        json_schema_extra=param_example(True),
    )


@router.get(
    "/reports/problems",
    response={200: list[ProblemOut], 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    by_alias=True,
    summary="The problems recorded from hotspots and their rectification",
    description="For those who see every case (the supervision office, administrators, auditors); 403 for "
    "others.",
)
def problems(request: HttpRequest, filters: Query[ProblemFilters]):
    if not problem_rules.may_read(request.auth):
        raise forbidden()
    return [_problem_out(request.auth, p) for p in problem_rules.listed(filters.status, filters.overdue)]


@router.post(
    "/reports/problems",
    response={201: ProblemOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, **BODY_REFUSALS},
    by_alias=True,
    summary="Record a hotspot as a problem, linked to its cases",
    description="The supervision office only (403 for others). The hotspot must be one of the period's "
    "(`GET /reports/hotspots`); the complaints behind it are linked to the problem.",
)
def record_problem(request: HttpRequest, body: ProblemIn):
    if not problem_rules.may_edit(request.auth):
        raise forbidden()
    unit = services.unit_for_period(request.auth, body.unit, body.start, body.end)
    problem = problem_rules.record(
        request.auth, unit, body.start, body.end, body.dimension, body.key, body.model_dump()
    )
    return 201, _problem_out(request.auth, problem)


@router.patch(
    "/reports/problems/{problem_id}",
    response={200: ProblemOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, **BODY_REFUSALS},
    by_alias=True,
    summary="Change a problem: its root cause, owner, due date, notes or rectification status",
    description="The supervision office only (403 for others). A problem is verified only once rectified.",
)
def change_problem(
    request: HttpRequest, body: ProblemChangeIn, problem_id: int = Path(..., ge=1, le=2**63 - 1, example=1)
):
    if not problem_rules.may_edit(request.auth):
        raise forbidden()
    problem = get_object_or_404(Problem, pk=problem_id)
    problem = problem_rules.update(request.auth, problem, body.model_dump(exclude_unset=True))
    return _problem_out(request.auth, problem)
