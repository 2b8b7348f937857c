"""Emergency plans (issue 12, R9): declared as a draft, approved, activated, extended and closed, each step
an audited event; their approved statements. The rules and who may take each step are
`redress.plans.services`'; a plan the caller may not see is a 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import ConfigDict

from redress.common.errors import ApiError
from redress.common.schemas import param_example
from redress.common.text import Text
from redress.plans import services as plans
from redress.plans.models import Plan, Statement
from redress.reports.plan_daily import plan_daily
from redress.reports.plan_dashboard import dashboard

from .reports import DailyOut, day_out
from .schemas import BODY_REFUSALS, ErrorOut

router = Router(tags=["plans"])


def plan_id_param() -> Any:
    return Path(..., description="The plan's id", example=1)


PLAN_EXAMPLE = {
    "name": "核心系统切换应急预案",
    "event": "核心系统切换，12月12日至13日全辖网点暂停营业",
    "starts_at": "2026-12-12T00:00:00+08:00",
    "ends_at": "2026-12-14T08:00:00+08:00",
    "units": ["WH"],
    "limits": {"arrive_hours": 1, "answer_hours": 4, "report_hours": 8},
    "hotline": "027-96000",
    "command_centre": "027-88880000",
    "spokesperson_phone": "027-88880001",
    "leading_department": "",
    "work_groups": [{"level": "branch", "unit": "WH", "name": "武汉分行投诉受理工作小组"}],
}


class LimitsIn(Schema):
    model_config = ConfigDict(extra="forbid")

    arrive_hours: Decimal = Field(Decimal(1), description="Arrive within, continuous hours (P1: 1)")
    answer_hours: Decimal = Field(
        Decimal(4), description="Answer the customer within, continuous hours (P1: 4)"
    )
    report_hours: Decimal = Field(Decimal(8), description="Report to the work group within (P1: 8)")


class WorkGroupIn(Schema):
    model_config = ConfigDict(extra="forbid")

    level: Text = Field(description="province, branch or sub_branch")
    unit: Text = Field(description="Code of the work group's unit")
    name: Text = Field(description="The work group's name")


class PlanIn(Schema):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [PLAN_EXAMPLE]})

    name: Text
    event: Text = Field(description="The event the plan answers (a cut-over, a merger, an outage)")
    starts_at: dt.datetime
    ends_at: dt.datetime
    units: list[Text] = Field(description="Codes of the units covered, each with its whole subtree")
    limits: LimitsIn = Field(default_factory=LimitsIn)
    hotline: Text = ""
    command_centre: Text = Field("", description="The 24-hour command centre's number")
    spokesperson_phone: Text = Field("", description="The number staff give to the press")
    leading_department: Text = Field("", description="Code of the leading department (e.g. the union)")
    work_groups: list[WorkGroupIn] = Field(default_factory=list)


class ExtendIn(Schema):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"ends_at": "2026-12-15T08:00:00+08:00"}]}
    )

    ends_at: dt.datetime = Field(description="The new end of the window, later than the current one")


class StatementIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"plan_type": "atm_unavailable", "text": "系统切换期间本行ATM暂停服务，请使用他行ATM。"}
            ]
        },
    )

    plan_type: Text = Field(description="The complaint type the statement is for")
    text: Text = Field(description="The approved wording (统一口径)")


class StatementOut(Schema):
    plan_type: str
    version: int
    text: str
    approved_by: str
    approved_at: dt.datetime


class WorkGroupOut(Schema):
    level: str
    unit: str
    name: str


class PlanEventOut(Schema):
    kind: str
    actor: str
    at: dt.datetime
    data: dict


class PlanOut(Schema):
    id: int
    name: str
    event: str
    state: str = Field(description="draft, approved, active or closed")
    starts_at: dt.datetime
    ends_at: dt.datetime
    units: list[str]
    covering_unit: str = Field(description="The unit whose leaders (or those above) approve the plan")
    limits: dict[str, str] = Field(description="arrive_hours, answer_hours, report_hours")
    hotline: str
    command_centre: str
    spokesperson_phone: str
    leading_department: str | None
    work_groups: list[WorkGroupOut]
    statements: list[StatementOut] = Field(description="The current version of each type's statement")
    approved_by: str | None
    events: list[PlanEventOut]


def statement_out(s: Statement) -> dict:
    return {
        "plan_type": s.plan_type,
        "version": s.version,
        "text": s.text,
        "approved_by": s.approved_by.username,
        "approved_at": timezone.localtime(s.approved_at),
    }


def plan_out(plan: Plan) -> dict:
    local = timezone.localtime
    return {
        "id": plan.pk,
        "name": plan.name,
        "event": plan.event,
        "state": plan.state,
        "starts_at": local(plan.starts_at),
        "ends_at": local(plan.ends_at),
        "units": [row.unit.code for row in plan.covered.select_related("unit").order_by("unit__path")],
        "covering_unit": plan.unit.code,
        "limits": {k: f"{v:g}" for k, v in plan.limit_hours().items()},
        "hotline": plan.hotline,
        "command_centre": plan.command_centre,
        "spokesperson_phone": plan.spokesperson_phone,
        "leading_department": plan.leading_department.code if plan.leading_department_id else None,
        "work_groups": [
            {"level": g.level, "unit": g.group.unit.code, "name": g.group.name}
            for g in plan.work_groups.select_related("group__unit").order_by("id")
        ],
        "statements": [statement_out(s) for s in plans.current_statements(plan)],
        "approved_by": plan.approved_by.username if plan.approved_by_id else None,
        "events": [
            {"kind": e.kind, "actor": e.actor.username, "at": local(e.at), "data": e.data}
            for e in plan.events.select_related("actor")
        ],
    }


def visible_plan(user, plan_id: int = plan_id_param()) -> Plan:
    """The plan, if the caller may see it (`plans.visible_plan`); otherwise the same 404 as for a missing
    one."""
    plan = plans.visible_plan(user, plan_id)
    if plan is None:
        raise Http404(_("No such plan."))
    return plan


def _step(step, request: HttpRequest, plan: Plan, *args):
    try:
        return step(request.auth, plan, *args)
    except plans.PlanRefused as refused:
        raise ApiError(refused.status, str(refused)) from None


STEP_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.post(
    "/plans",
    response={201: PlanOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut, **BODY_REFUSALS},
    summary="Declare an emergency plan (a draft)",
)
def create_plan(request: HttpRequest, payload: PlanIn):
    data = plans.PlanData(
        name=payload.name,
        event=payload.event,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        units=payload.units,
        limits=payload.limits.model_dump(),
        hotline=payload.hotline,
        command_centre=payload.command_centre,
        spokesperson_phone=payload.spokesperson_phone,
        leading_department=payload.leading_department,
        work_groups=[g.model_dump() for g in payload.work_groups],
    )
    try:
        plan = plans.draft(request.auth, data)
    except plans.PlanRefused as refused:
        raise ApiError(refused.status, str(refused)) from None
    return Status(201, plan_out(plan))


@router.get(
    "/plans/{plan_id}", response={200: PlanOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut}, summary="A plan"
)
def get_plan(request: HttpRequest, plan_id: int = plan_id_param()):
    return plan_out(visible_plan(request.auth, plan_id))


@router.post("/plans/{plan_id}/approve", response={200: PlanOut, **STEP_ERRORS}, summary="Approve a plan")
def approve_plan(request: HttpRequest, plan_id: int = plan_id_param()):
    return plan_out(_step(plans.approve, request, visible_plan(request.auth, plan_id)))


@router.post("/plans/{plan_id}/activate", response={200: PlanOut, **STEP_ERRORS}, summary="Activate a plan")
def activate_plan(request: HttpRequest, plan_id: int = plan_id_param()):
    return plan_out(_step(plans.activate, request, visible_plan(request.auth, plan_id)))


@router.post("/plans/{plan_id}/close", response={200: PlanOut, **STEP_ERRORS}, summary="Close a plan")
def close_plan(request: HttpRequest, plan_id: int = plan_id_param()):
    return plan_out(_step(plans.close, request, visible_plan(request.auth, plan_id)))


@router.post(
    "/plans/{plan_id}/extend",
    response={200: PlanOut, **STEP_ERRORS, **BODY_REFUSALS},
    summary="Extend a plan's window",
)
def extend_plan(request: HttpRequest, payload: ExtendIn, plan_id: int = plan_id_param()):
    return plan_out(_step(plans.extend, request, visible_plan(request.auth, plan_id), payload.ends_at))


@router.post(
    "/plans/{plan_id}/statements",
    response={201: StatementOut, **STEP_ERRORS, **BODY_REFUSALS},
    summary="Approve a new version of a type's statement",
)
def add_statement(request: HttpRequest, payload: StatementIn, plan_id: int = plan_id_param()):
    plan = visible_plan(request.auth, plan_id)
    s = _step(plans.approve_statement, request, plan, payload.plan_type, payload.text)
    return Status(201, statement_out(s))


class CountByTypeOut(Schema):
    plan_type: str
    count: int


class CountByUnitOut(Schema):
    unit: str
    name: str
    count: int


class ClockDueOut(Schema):
    number: str
    clock: str = Field(description="arrive, answer_customer, report_to_group or promised")
    due_at: dt.datetime


class PlanDashboardOut(Schema):
    plan: int
    state: str
    as_of: dt.datetime
    open_cases: int = Field(description="Open cases of the plan the caller may see")
    by_type: list[CountByTypeOut]
    by_unit: list[CountByUnitOut] = Field(description="By accepting unit")
    due_soon: list[ClockDueOut] = Field(description="The plan's clocks running out within the hour")
    breached: list[ClockDueOut]
    escalated_to_province: list[str] = Field(description="Numbers of open cases at the province or above")
    without_duty_log: list[str] = Field(
        description="Codes of the covered outlets with no duty log entry today"
    )


@router.get(
    "/plans/{plan_id}/dashboard",
    response={200: PlanDashboardOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="The command centre's live state of a plan",
)
def plan_dashboard(request: HttpRequest, plan_id: int = plan_id_param()):
    return dashboard(request.auth, visible_plan(request.auth, plan_id))


class PlanDailyFilters(Schema):
    date: dt.date = Field(description="The day (Beijing time)", json_schema_extra=param_example("2026-12-12"))


class UnitRefOut(Schema):
    code: str
    name: str


class PlanDailyOut(Schema):
    plan: int
    date: dt.date
    deadline: dt.datetime = Field(
        description="When the day's report was due: the end of the day, Beijing time"
    )
    units: list[DailyOut] = Field(description="Each covered unit's classified counts of the plan's cases")
    province: DailyOut = Field(description="The same, rolled up for the province")
    not_reported: list[UnitRefOut] = Field(
        description="The covered units and covered outlets with no duty log entry for the day by the deadline"
    )


@router.get(
    "/plans/{plan_id}/daily",
    response={200: PlanDailyOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="A plan's daily classified report",
    description="The daily report's counts (`/reports/daily`) restricted to the plan's cases, per covered "
    "unit and rolled up for the province, as the caller may see them; a unit reports a day by its duty log "
    "entry.",
)
def plan_daily_report(request: HttpRequest, filters: Query[PlanDailyFilters], plan_id: int = plan_id_param()):
    plan = visible_plan(request.auth, plan_id)
    day = plan_daily(request.auth, plan, filters.date)
    return {
        "plan": plan.pk,
        "date": day.date,
        "deadline": timezone.localtime(day.deadline),
        "units": [day_out(unit_day) for unit_day in day.units],
        "province": day_out(day.province),
        "not_reported": [{"code": u.code, "name": u.name} for u in day.not_reported],
    }


class DutyLogIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "date": "2026-12-12",
                    "on_duty": "张伟、李娜",
                    "received": "来电12个，投诉3件（ATM暂停2件、排队1件）。",
                    "handled": "均已按统一口径解释，1件应急支付3000元。",
                    "handover": "1件口头挂失待客户正式挂失。",
                }
            ]
        },
    )

    date: dt.date = Field(description="The day (Beijing time), inside the plan's window")
    on_duty: Text = Field(description="Who was on duty")
    received: Text = Field(description="Calls and complaints received")
    handled: Text = Field(description="What was done")
    handover: Text = Field("", description="What the next shift takes over")


class DutyLogOut(Schema):
    id: int
    unit: str
    date: dt.date
    on_duty: str
    received: str
    handled: str
    handover: str
    by: str
    at: dt.datetime


@router.post(
    "/plans/{plan_id}/duty_log",
    response={201: DutyLogOut, **STEP_ERRORS, **BODY_REFUSALS},
    summary="Write an entry of the caller's unit's duty log",
)
def write_duty_log(request: HttpRequest, payload: DutyLogIn, plan_id: int = plan_id_param()):
    plan = visible_plan(request.auth, plan_id)
    try:
        entry = plans.write_duty_log(
            request.auth, plan, day=payload.date, on_duty=payload.on_duty, received=payload.received,
            handled=payload.handled, handover=payload.handover,
        )  # fmt: skip
    except plans.PlanRefused as refused:
        raise ApiError(refused.status, str(refused)) from None
    return Status(201, {
        "id": entry.pk, "unit": request.auth.unit.code, "date": entry.day, "on_duty": entry.on_duty,
        "received": entry.received, "handled": entry.handled, "handover": entry.handover,
        "by": request.auth.username, "at": timezone.localtime(entry.at),
    })  # fmt: skip
