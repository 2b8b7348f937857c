"""The rules of emergency plans (R9.1, P1): drafting, approval by a leader of the covering level,
activation, extension and closing, each an audited event; which plan a case belongs to; the approved
statements. Time is passed in (`now`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from redress.cases.choices import Channel
from redress.cases.models import Case
from redress.common.errors import FieldErrors
from redress.common.reference import VersionedCache
from redress.common.text import NUL, kept_safely
from redress.organisation.choices import Role
from redress.organisation.models import Staff, Unit, WorkGroup

from .choices import DEFAULT_LIMITS, PlanEventKind, PlanLevel, PlanState, PlanType
from .models import DutyLog, Plan, PlanCase, PlanEvent, PlanUnit, PlanWorkGroup, Statement

# Who may draft, activate, extend and close a plan (at or above its covering unit), and who approves it.
PLANNERS = (Role.SUPERVISION_OFFICE, Role.WORK_GROUP_LEADER, Role.LEADER_IN_CHARGE, Role.ADMIN)
LEADERS = (Role.LEADER_IN_CHARGE, Role.WORK_GROUP_LEADER)
# A limit longer than this is a typing error: the plan's limits are hours, not days.
MAX_LIMIT_HOURS = Decimal(72)
# A plan covers an event (a cut-over, a merger, an outage) of days or weeks, not years.
MAX_WINDOW = dt.timedelta(days=366)
LIMIT_NAMES = tuple(DEFAULT_LIMITS)


@dataclass
class PlanData:
    """A plan as declared (API body or YAML file), before validation; the API's field names."""

    name: str = ""
    event: str = ""
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    units: list[str] = field(default_factory=list)
    limits: Mapping[str, Any] = field(default_factory=dict)
    hotline: str = ""
    command_centre: str = ""
    spokesperson_phone: str = ""
    leading_department: str = ""  # unit code
    work_groups: list[Mapping[str, str]] = field(default_factory=list)  # {"level", "unit", "name"}


class PlanRefused(Exception):
    """The plan is not in a state for this step, or the person may not take it (status, message)."""

    def __init__(self, status: int, message: str):
        self.status = status
        super().__init__(message)


def _aware(value: Any) -> dt.datetime | None:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if isinstance(value, dt.datetime):
        aware = value if timezone.is_aware(value) else timezone.make_aware(value)
        # Kept as UTC: an offset the database cannot store (beyond ±15:59) is still a moment.
        try:
            return aware.astimezone(dt.UTC)
        except OverflowError:
            return None
    return None


def covering_unit(units: list[Unit]) -> Unit:
    """The lowest unit above or at every covered unit (their common ancestor in the tree)."""
    paths = [[part for part in u.path.strip("/").split("/") if part] for u in units]
    common: list[str] = []
    for parts in zip(*paths, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return Unit.objects.get(pk=int(common[-1]))


def _validate(data: PlanData) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    cleaned: dict[str, Any] = {}
    for name in ("name", "event"):
        if not str(getattr(data, name) or "").strip():
            add(name, _("This field is required."))
    starts, ends = _aware(data.starts_at), _aware(data.ends_at)
    if starts is None:
        add("starts_at", _("Enter a date and time, e.g. 2026-03-02T09:30:00+08:00."))
    if ends is None:
        add("ends_at", _("Enter a date and time, e.g. 2026-03-02T09:30:00+08:00."))
    if starts and ends and ends <= starts:
        add("ends_at", _("The plan must end after it starts."))
    elif starts is not None and ends is not None and ends - starts > MAX_WINDOW:
        add("ends_at", _("A plan runs at most %(days)d days.") % {"days": MAX_WINDOW.days})
    cleaned["starts_at"], cleaned["ends_at"] = starts, ends
    codes = [str(c) for c in (data.units or [])]
    found = {u.code: u for u in Unit.objects.filter(code__in=[c for c in codes if _may_name(c)], active=True)}
    if not codes:
        add("units", _("Name at least one unit the plan covers."))
    for code in codes:
        if code not in found:
            add("units", _("No active unit has the code “%(code)s”.") % {"code": kept_safely(code)})
    cleaned["units"] = [found[c] for c in dict.fromkeys(codes) if c in found]
    limits = dict(DEFAULT_LIMITS)
    for key, value in (data.limits or {}).items():
        if key not in LIMIT_NAMES:
            add(f"limits.{key}", _("Not a limit of a plan; the limits are: %(names)s.")
                % {"names": ", ".join(LIMIT_NAMES)})  # fmt: skip
            continue
        try:
            hours = Decimal(str(value))
        except InvalidOperation:
            hours = Decimal(-1)
        if not hours.is_finite():  # NaN cannot even be compared with a bound
            hours = Decimal(-1)
        if isinstance(value, bool) or not (0 < hours <= MAX_LIMIT_HOURS):
            add(f"limits.{key}", _("A number of hours above 0 and at most 72."))
        else:
            limits[key] = hours
    cleaned["limits"] = limits
    cleaned["leading_department"] = None
    if data.leading_department:
        cleaned["leading_department"] = (
            Unit.objects.filter(code=data.leading_department, active=True).first()
            if _may_name(data.leading_department)
            else None
        )
        if cleaned["leading_department"] is None:
            add("leading_department", _("No active unit has the code “%(code)s”.")
                % {"code": kept_safely(data.leading_department)})  # fmt: skip
    groups = []
    for i, spec in enumerate(data.work_groups or []):
        level = str(spec.get("level", ""))
        group_unit, group_name = str(spec.get("unit", "")), str(spec.get("name", ""))
        group = (
            WorkGroup.objects.filter(unit__code=group_unit, name=group_name).first()
            if _may_name(group_unit) and _may_name(group_name)
            else None
        )
        if level not in PlanLevel.values:
            add(f"work_groups.{i}.level", _("One of: %(values)s.") % {"values": ", ".join(PlanLevel.values)})
        if group is None:
            add(f"work_groups.{i}.name", _("No work group of that unit has this name."))
        if group is not None and level in PlanLevel.values:
            groups.append((level, group))
    cleaned["work_groups"] = groups
    if errors:
        raise FieldErrors(errors)
    return cleaned


def _may_name(code: str) -> bool:
    # A NUL names nothing, and PostgreSQL refuses it even in a query: such a code is not looked up (the web
    # form's unit codes reach here unchecked; the API refuses a NUL at its edge).
    return NUL not in code


def _record(plan: Plan, kind: str, actor: Staff, at: dt.datetime, **data: Any) -> PlanEvent:
    return PlanEvent.objects.create(plan=plan, kind=kind, actor=actor, at=at, data=data)


def may_plan(staff: Staff, plan: Plan | None = None, units: Iterable[Unit] = ()) -> bool:
    """Planners at or above the covering unit (the supervision office anywhere)."""
    if not staff.is_active or not staff.has_role(*PLANNERS) or staff.unit is None:
        return False
    if staff.sees_all_cases:
        return True
    targets = [plan.unit] if plan is not None else list(units)
    return all(staff.unit.contains(u) for u in targets)


def may_approve(staff: Staff, plan: Plan) -> bool:
    """A leader of the covering level (at the covering unit or above it), not the plan's own drafter."""
    return (
        staff.is_active
        and staff.has_role(*LEADERS)
        and staff.unit is not None
        and staff.unit.contains(plan.unit)
        and staff.pk != plan.created_by_id
    )


def may_see(staff: Staff, plan: Plan) -> bool:
    """Those above the plan or inside what it covers: its work groups, its units, the supervision office."""
    if staff.sees_all_cases:
        return True
    if staff.unit is None:
        return False
    if staff.unit.contains(plan.unit):
        return True
    return any(staff.unit.path.startswith(p) for p in plan.covered.values_list("unit_path", flat=True))


def visible_plans(staff: Staff) -> QuerySet[Plan]:
    """The plans `staff` may see (`may_see`, as one query): those whose covering unit lies at or under the
    staff member's unit, and those covering a unit at or above it."""
    plans = Plan.objects.select_related("unit", "created_by", "approved_by")
    if staff.sees_all_cases:
        return plans.all()
    if staff.unit is None:
        return plans.none()
    # The paths at or above the staff member's unit: "/1/", "/1/2/", "/1/2/5/" for "/1/2/5/".
    parts = [part for part in staff.unit.path.strip("/").split("/") if part]
    above = ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
    covering = PlanUnit.objects.filter(unit_path__in=above).values("plan_id")
    return plans.filter(Q(unit__path__startswith=staff.unit.path) | Q(pk__in=covering))


def visible_plan(staff: Staff, plan_id: int) -> Plan | None:
    """The plan, if `staff` may see it; None for one missing or hidden alike (the caller answers 404)."""
    plan = (
        Plan.objects.select_related("unit", "approved_by", "created_by", "leading_department")
        .filter(pk=plan_id)
        .first()
    )
    return plan if plan is not None and may_see(staff, plan) else None


def sees_plans(staff: Staff) -> bool:
    """Whether the pages offer the plans list: to those who work with plans (planners, leaders, work groups)
    and to the staff of a unit an active plan covers now. Asked on every page, so without a query of its
    own (`shown_to` reads the per-process cache the banner reads)."""
    if staff.sees_all_cases or staff.has_role(*PLANNERS, *LEADERS, Role.WORK_GROUP):
        return True
    return bool(shown_to(staff))


def coverable_units(staff: Staff) -> QuerySet[Unit]:
    """The active units `staff` may cover with a plan (`may_plan`): the whole bank for those who see every
    case, else their own unit and those under it."""
    units = Unit.objects.filter(active=True)
    if staff.sees_all_cases:
        return units
    return units.filter(path__startswith=staff.unit.path) if staff.unit_id else units.none()


def may_draft(staff: Staff) -> bool:
    """Whether the staff member may declare plans at all (for units at or under their own)."""
    return may_plan(staff)


def allowed_steps(staff: Staff, plan: Plan) -> set[str]:
    """The steps of the plan's life `staff` may take now, as the step functions judge them: the pages offer
    these and only these."""
    steps: set[str] = set()
    planner = may_plan(staff, plan)
    if plan.state == PlanState.DRAFT and may_approve(staff, plan):
        steps.add("approve")
    if plan.state == PlanState.APPROVED and planner:
        steps.add("activate")
    if plan.state in (PlanState.DRAFT, PlanState.APPROVED, PlanState.ACTIVE) and planner:
        steps.add("extend")
    if plan.state in (PlanState.APPROVED, PlanState.ACTIVE) and planner:
        steps.add("close")
    if plan.state != PlanState.CLOSED and may_approve_statement(staff, plan):
        steps.add("statement")
    if may_write_duty_log(staff, plan):
        steps.add("duty_log")
    return steps


@transaction.atomic
def draft(actor: Staff, data: PlanData, *, now: dt.datetime | None = None) -> Plan:
    """A plan declared as a draft; every refused field at once (FieldErrors), nothing written."""
    now = now or timezone.now()
    cleaned = _validate(data)
    if not may_plan(actor, units=cleaned["units"]):
        raise PlanRefused(403, _("You are not allowed to do this."))
    limits = cleaned["limits"]
    plan = Plan.objects.create(
        name=data.name.strip(),
        event=data.event.strip(),
        starts_at=cleaned["starts_at"],
        ends_at=cleaned["ends_at"],
        unit=covering_unit(cleaned["units"]),
        leading_department=cleaned["leading_department"],
        hotline=data.hotline.strip(),
        command_centre=data.command_centre.strip(),
        spokesperson_phone=data.spokesperson_phone.strip(),
        arrive_hours=limits["arrive_hours"],
        answer_hours=limits["answer_hours"],
        report_hours=limits["report_hours"],
        created_by=actor,
    )
    PlanUnit.objects.bulk_create([PlanUnit(plan=plan, unit=u, unit_path=u.path) for u in cleaned["units"]])
    PlanWorkGroup.objects.bulk_create(
        [PlanWorkGroup(plan=plan, level=level, group=group) for level, group in cleaned["work_groups"]]
    )
    _record(plan, PlanEventKind.DRAFTED, actor, now, units=[u.code for u in cleaned["units"]])
    return plan


def _step(plan_id: int, sources: set[str]) -> Plan:
    plan = Plan.objects.select_for_update().select_related("unit").get(pk=plan_id)
    if plan.state not in sources:
        raise PlanRefused(
            409,
            _("The plan is %(state)s: this step is not possible now.") % {"state": plan.get_state_display()},
        )
    return plan


@transaction.atomic
def approve(actor: Staff, plan: Plan, *, now: dt.datetime | None = None) -> Plan:
    now = now or timezone.now()
    plan = _step(plan.pk, {PlanState.DRAFT})
    if not may_approve(actor, plan):
        raise PlanRefused(
            403, _("Only a leader of the covering unit or above, not its drafter, approves a plan.")
        )
    plan.state, plan.approved_by, plan.approved_at = PlanState.APPROVED, actor, now
    plan.save(update_fields=["state", "approved_by", "approved_at"])
    _record(plan, PlanEventKind.APPROVED, actor, now)
    return plan


@transaction.atomic
def activate(actor: Staff, plan: Plan, *, now: dt.datetime | None = None) -> Plan:
    now = now or timezone.now()
    plan = _step(plan.pk, {PlanState.APPROVED})
    if not may_plan(actor, plan):
        raise PlanRefused(403, _("You are not allowed to do this."))
    plan.state, plan.activated_at = PlanState.ACTIVE, now
    plan.save(update_fields=["state", "activated_at"])
    _record(plan, PlanEventKind.ACTIVATED, actor, now)
    return plan


@transaction.atomic
def extend(actor: Staff, plan: Plan, ends_at: dt.datetime, *, now: dt.datetime | None = None) -> Plan:
    """A later end of the window (the event lasts longer); never earlier."""
    now = now or timezone.now()
    plan = _step(plan.pk, {PlanState.DRAFT, PlanState.APPROVED, PlanState.ACTIVE})
    if not may_plan(actor, plan):
        raise PlanRefused(403, _("You are not allowed to do this."))
    ends = _aware(ends_at)
    if ends is None or ends <= plan.ends_at:
        raise FieldErrors({"ends_at": [_("An extension ends later than the plan does now.")]})
    if ends - plan.starts_at > MAX_WINDOW:
        raise FieldErrors({"ends_at": [_("A plan runs at most %(days)d days.") % {"days": MAX_WINDOW.days}]})
    before = plan.ends_at
    plan.ends_at = ends
    plan.save(update_fields=["ends_at"])
    _record(plan, PlanEventKind.EXTENDED, actor, now, before=before.isoformat(), after=ends.isoformat())
    return plan


@transaction.atomic
def close(actor: Staff, plan: Plan, *, now: dt.datetime | None = None) -> Plan:
    now = now or timezone.now()
    plan = _step(plan.pk, {PlanState.APPROVED, PlanState.ACTIVE})
    if not may_plan(actor, plan):
        raise PlanRefused(403, _("You are not allowed to do this."))
    plan.state, plan.closed_at = PlanState.CLOSED, now
    plan.save(update_fields=["state", "closed_at"])
    _record(plan, PlanEventKind.CLOSED, actor, now)
    return plan


def may_approve_statement(staff: Staff, plan: Plan) -> bool:
    """A member of one of the plan's work groups, or a leader who may approve the plan."""
    in_group = PlanWorkGroup.objects.filter(plan=plan, group__members=staff).exists()
    return staff.is_active and (in_group or (staff.has_role(*LEADERS) and staff.unit is not None
                                             and staff.unit.contains(plan.unit)))  # fmt: skip


@transaction.atomic
def approve_statement(
    actor: Staff, plan: Plan, plan_type: str, text: str, *, now: dt.datetime | None = None
) -> Statement:
    """A new version of the approved statement for one complaint type."""
    now = now or timezone.now()
    errors = {}
    if plan_type not in PlanType.values:
        errors["plan_type"] = [_("One of: %(values)s.") % {"values": ", ".join(PlanType.values)}]
    if not str(text or "").strip():
        errors["text"] = [_("This field is required.")]
    if errors:
        raise FieldErrors(errors)
    plan = Plan.objects.select_for_update().select_related("unit").get(pk=plan.pk)
    if plan.state == PlanState.CLOSED:
        raise PlanRefused(409, _("The plan is %(state)s: this step is not possible now.")
                          % {"state": plan.get_state_display()})  # fmt: skip
    if not may_approve_statement(actor, plan):
        raise PlanRefused(403, _("Only the plan's work groups approve its statements."))
    last = Statement.objects.filter(plan=plan, plan_type=plan_type).order_by("-version").first()
    statement = Statement.objects.create(
        plan=plan,
        plan_type=plan_type,
        version=(last.version + 1) if last else 1,
        text=text.strip(),
        approved_by=actor,
        approved_at=now,
    )
    _record(
        plan, PlanEventKind.STATEMENT_APPROVED, actor, now, plan_type=plan_type, version=statement.version
    )
    return statement


def current_statements(plan: Plan) -> list[Statement]:
    """The latest version of each type's statement."""
    latest: dict[str, Statement] = {}
    for statement in plan.statements.order_by("plan_type", "-version"):
        latest.setdefault(statement.plan_type, statement)
    return list(latest.values())


# ---- which plan a case belongs to ---------------------------------------------------------------------


# The active plans' covered paths, kept per process while no plan or covered unit changes (the token "plans",
# watched on their tables by migration plans/0001): every registration asks; plans change a few times a year.
_active: VersionedCache[None, list[tuple[str, Plan]]] = VersionedCache("plans")


def _active_coverage() -> list[tuple[str, Plan]]:
    return _active.get(
        None,
        lambda _: [
            (row.unit_path, row.plan)
            for row in PlanUnit.objects.filter(plan__state=PlanState.ACTIVE).select_related("plan")
        ],
    )


def active_plans_for(unit_path: str, at: dt.datetime) -> list[Plan]:
    """The active plans whose window holds `at` and that cover the unit at `unit_path`."""
    plans = {
        plan.pk: plan
        for path, plan in _active_coverage()
        if unit_path.startswith(path) and plan.starts_at <= at <= plan.ends_at
    }
    return sorted(plans.values(), key=lambda p: (p.starts_at, p.pk))


def join(case: Case, plan_type: str = "") -> PlanCase | None:
    """At registration: a case registered at a covered unit and received inside an active plan's window
    belongs to that plan (the earliest started, if two cover it), with its complaint type (`general` when none
    was given). Any other case belongs to none, whatever type was given."""
    plans = active_plans_for(case.unit_path, case.received_at)
    if not plans:
        case._state.fields_cache["plan_membership"] = None
        return None
    # During a plan the provincial hotline's complaints are taken "not landing" (不落地, P1 四(一)2).
    return PlanCase.objects.create(
        case=case,
        plan=plans[0],
        plan_type=plan_type or PlanType.GENERAL,
        not_landing=case.channel == Channel.HOTLINE,
    )


def membership(case: Case) -> PlanCase | None:
    """The case's plan record, read once per case object (None: not a plan case)."""
    try:
        return case.plan_membership
    except PlanCase.DoesNotExist:
        return None


def plan_limits(case: Case) -> dict[str, Decimal] | None:
    """The plan's limits in hours for a plan case (None otherwise); the clocks read them."""
    member = membership(case)
    if member is None:
        return None
    plan = member.plan
    return {
        "arrive_hours": plan.arrive_hours,
        "answer_hours": plan.answer_hours,
        "report_hours": plan.report_hours,
    }


def shown_to(staff: Staff, now: dt.datetime | None = None) -> list[Plan]:
    """The active plans, inside their window now, that cover the staff member's unit: every page they open
    shows each with its hotline and statements (R9.1). Nobody else's pages do."""
    if staff.unit is None:
        return []
    return active_plans_for(staff.unit.path, now or timezone.now())


def write_duty_log(
    actor: Staff, plan: Plan, *, day: dt.date, on_duty: str, received: str, handled: str, handover: str = "",
    now: dt.datetime | None = None,
) -> DutyLog:  # fmt: skip
    """An entry of the duty log of the actor's unit, which the plan covers, for a day of its window."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    for name, value in (("on_duty", on_duty), ("received", received), ("handled", handled)):
        if not str(value or "").strip():
            errors[name] = [_("This field is required.")]
    first, last = timezone.localdate(plan.starts_at), timezone.localdate(plan.ends_at)
    if not first <= day <= last:
        errors["date"] = [
            _("A day of the plan's window: %(first)s to %(last)s.") % {"first": first, "last": last}
        ]
    if errors:
        raise FieldErrors(errors)
    if not may_write_duty_log(actor, plan):
        raise PlanRefused(403, _("Only the staff of a unit the plan covers keep its duty log."))
    return DutyLog.objects.create(
        plan=plan, unit=actor.unit, day=day, on_duty=on_duty.strip(), received=received.strip(),
        handled=handled.strip(), handover=(handover or "").strip(), by=actor, at=now,
    )  # fmt: skip


def may_write_duty_log(staff: Staff, plan: Plan) -> bool:
    """The staff of a unit the plan covers keep its duty log (not auditors, who only read)."""
    return staff.is_active and not staff.is_read_only and staff_covered(staff, plan)


def staff_covered(staff: Staff, plan: Plan) -> bool:
    """Whether the staff member's unit lies in what the plan covers."""
    if staff.unit is None:
        return False
    return any(staff.unit.path.startswith(p) for p in plan.covered.values_list("unit_path", flat=True))
