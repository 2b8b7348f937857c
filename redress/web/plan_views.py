"""Emergency plans on the pages (issue 12, R9.1, P1): the plans one may see (`/plans/`), the form declaring a
draft, and the plan's own page (`/plans/<id>`): its facts, the steps of its life (approve, activate, extend,
close), its approved statements, its duty log and its daily report; the command centre's live state is
refreshed without reloading by a static script (`plan-centre.js`, no inline script: CSP) reading
`/plans/<id>/state`. Every rule, and who may take each step, is `redress.plans.services`'; the views only
turn the services' refusals into words beside the fields."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from redress.common.errors import FieldErrors
from redress.organisation.models import Staff, Unit, WorkGroup
from redress.plans import services as plans
from redress.plans.choices import DEFAULT_LIMITS, PlanEventKind, PlanLevel, PlanState, PlanType
from redress.plans.models import DutyLog, Plan, PlanUnit
from redress.reports import services as report_services
from redress.reports.figures import beijing_day
from redress.reports.plan_daily import plan_daily
from redress.reports.plan_dashboard import dashboard

from .clocks import clock_label
from .forms import unit_choices

STATES = (PlanState.DRAFT, PlanState.APPROVED, PlanState.ACTIVE, PlanState.CLOSED)
STEPS = {
    "approve": (plans.approve, gettext_lazy("The plan is approved.")),
    "activate": (plans.activate, gettext_lazy("The plan is active: cases at its units now join it.")),
    "close": (plans.close, gettext_lazy("The plan is closed.")),
}


def _plan(request: HttpRequest, plan_id: int) -> Plan:
    plan = plans.visible_plan(request.user, plan_id)
    if plan is None:
        raise Http404
    return plan


def _covered_names(plan_list: list[Plan]) -> None:
    for plan in plan_list:
        plan.covered_names = [row.unit.name for row in plan.covered.all()]


@login_required
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    covered = Prefetch("covered", queryset=PlanUnit.objects.select_related("unit").order_by("unit_path"))
    found = list(plans.visible_plans(request.user).prefetch_related(covered).order_by("-starts_at", "id"))
    _covered_names(found)
    groups = [(label, [p for p in found if p.state == state]) for state, label in PlanState.choices]
    return render(
        request,
        "web/plan_list.html",
        {"groups": groups, "may_draft": plans.may_draft(request.user), "any": bool(found)},
    )


class UnitCodes(forms.MultipleChoiceField):
    """The covered units by code (never shown): an unknown one is named by `plans.draft`, with the others."""

    def valid_value(self, value: str) -> bool:
        return True


def _datetime_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class PlanForm(forms.Form):
    """Lenient strings: `plans.draft` says what is wrong, field by field, all at once."""

    name = forms.CharField(label=gettext_lazy("name"), required=False, max_length=128)
    event = forms.CharField(
        label=gettext_lazy("event"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What happens: a core-system cut-over, a merger, an outage."),
    )
    starts_at = forms.CharField(label=gettext_lazy("starts"), required=False, widget=_datetime_input())
    ends_at = forms.CharField(label=gettext_lazy("ends"), required=False, widget=_datetime_input())
    units = UnitCodes(
        label=gettext_lazy("units covered"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=gettext_lazy("Each with every unit under it; several may be chosen."),
    )
    arrive_hours = forms.CharField(
        label=gettext_lazy("arrive within (hours)"), required=False, initial=DEFAULT_LIMITS["arrive_hours"]
    )
    answer_hours = forms.CharField(
        label=gettext_lazy("answer the customer within (hours)"),
        required=False,
        initial=DEFAULT_LIMITS["answer_hours"],
    )
    report_hours = forms.CharField(
        label=gettext_lazy("report to the work group within (hours)"),
        required=False,
        initial=DEFAULT_LIMITS["report_hours"],
    )
    hotline = forms.CharField(label=gettext_lazy("hotline"), required=False, max_length=64)
    command_centre = forms.CharField(
        label=gettext_lazy("24-hour command centre"), required=False, max_length=64
    )
    spokesperson_phone = forms.CharField(
        label=gettext_lazy("spokesperson's number"), required=False, max_length=64
    )
    leading_department = forms.CharField(label=gettext_lazy("leading department"), required=False)

    def __init__(self, *args: Any, user: Staff, **kwargs: Any):
        super().__init__(*args, **kwargs)
        units = unit_choices(plans.coverable_units(user))
        self.fields["units"].choices = units
        self.fields["leading_department"].widget = forms.Select(choices=[("", "—"), *units])
        groups = WorkGroup.objects.filter(unit__in=plans.coverable_units(user)).select_related("unit")
        group_choices = [("", "—")] + [
            (str(g.pk), f"{g.unit.name} · {g.name}") for g in groups.order_by("unit__path", "name")
        ]
        # One work group per level (P1 二); `plans.draft` takes them as level, unit and name.
        for level, label in PlanLevel.choices:
            self.fields[f"work_group_{level}"] = forms.CharField(
                label=_("work group of the %(level)s") % {"level": label},
                required=False,
                widget=forms.Select(choices=group_choices),
            )
        for name in ("name", "event", "starts_at", "ends_at", "units"):
            self.fields[name].marked = True  # shown as required; the service judges them

    def plan_data(self) -> tuple[plans.PlanData, dict[int, str]]:
        """The declaration, and which field each of its work groups came from (to place their errors)."""
        data = self.cleaned_data
        work_groups, fields = [], {}
        for level in PlanLevel.values:
            chosen = data.get(f"work_group_{level}", "")
            if not chosen:
                continue
            group = WorkGroup.objects.select_related("unit").filter(pk=int(chosen)).first() if (
                chosen.isdigit()
            ) else None  # fmt: skip
            fields[len(work_groups)] = f"work_group_{level}"
            work_groups.append(
                {
                    "level": level,
                    "unit": group.unit.code if group else "",
                    "name": group.name if group else "",
                }
            )
        limits = {name: data[name] for name in plans.LIMIT_NAMES if str(data.get(name) or "").strip()}
        return (
            plans.PlanData(
                name=data["name"],
                event=data["event"],
                starts_at=data["starts_at"] or None,
                ends_at=data["ends_at"] or None,
                units=list(data["units"]),
                limits=limits,
                hotline=data["hotline"],
                command_centre=data["command_centre"],
                spokesperson_phone=data["spokesperson_phone"],
                leading_department=data["leading_department"],
                work_groups=work_groups,
            ),
            fields,
        )


def _field_of(name: str, work_group_fields: dict[int, str]) -> str:
    """The form field a service's error key names: `limits.arrive_hours`, `work_groups.0.name`, `units`."""
    if name.startswith("limits."):
        return name.removeprefix("limits.")
    if name.startswith("work_groups."):
        index = name.split(".")[1]
        return work_group_fields.get(int(index), "") if index.isdigit() else ""
    return name


def _place_errors(
    form: forms.Form, errors: dict[str, list[str]], fields: dict[int, str] | None = None
) -> str:
    """Each error beside its field; what belongs to none comes back as one sentence."""
    elsewhere = []
    for name, found in errors.items():
        field = _field_of(name, fields or {})
        for message in found:
            if field in form.fields:
                form.add_error(field, message)
            else:
                elsewhere.append(message)
    return " ".join(elsewhere)


@login_required
@require_http_methods(["GET", "POST"])
def new_plan(request: HttpRequest) -> HttpResponse:
    if not plans.may_draft(request.user):
        raise PermissionDenied(_("Only the supervision office and leaders declare emergency plans."))
    form = PlanForm(request.POST or None, user=request.user)
    problem = ""
    if request.method == "POST" and form.is_valid():
        data, fields = form.plan_data()
        try:
            plan = plans.draft(request.user, data)
        except FieldErrors as exc:
            problem = _place_errors(form, exc.errors, fields)
        except plans.PlanRefused as refused:
            problem = str(refused)
        else:
            messages.success(
                request, _("The plan is declared as a draft: a leader above its units approves it.")
            )
            return redirect("web:plan_centre", plan_id=plan.pk)
    return render(request, "web/plan_form.html", {"form": form, "problem": problem})


class ExtendForm(forms.Form):
    ends_at = forms.CharField(label=gettext_lazy("new end"), required=False, widget=_datetime_input())


class StatementForm(forms.Form):
    plan_type = forms.ChoiceField(label=gettext_lazy("complaint type"), choices=PlanType.choices)
    text = forms.CharField(
        label=gettext_lazy("approved wording"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class DutyLogForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    on_duty = forms.CharField(label=gettext_lazy("on duty"), required=False, max_length=200)
    received = forms.CharField(
        label=gettext_lazy("calls and complaints received"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    handled = forms.CharField(
        label=gettext_lazy("what was done"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    handover = forms.CharField(
        label=gettext_lazy("handed over to the next shift"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name in ("date", "on_duty", "received", "handled"):
            self.fields[name].marked = True


def _today_in(plan: Plan) -> dt.date:
    """Today, if the plan runs today; else its nearest day."""
    first, last = beijing_day(plan.starts_at), beijing_day(plan.ends_at)
    return min(max(timezone.localdate(), first), last)


def _in_words(state: dict) -> dict:
    """The command centre's state as the page shows it: types and clocks by their labels, outlets by name
    (the API keeps the codes)."""
    names = dict(Unit.objects.filter(code__in=state["without_duty_log"]).values_list("code", "name"))
    return {
        **state,
        "by_type": [{**row, "label": _type_label(row["plan_type"])} for row in state["by_type"]],
        "due_soon": [{**row, "clock_label": clock_label(row["clock"])} for row in state["due_soon"]],
        "breached": [{**row, "clock_label": clock_label(row["clock"])} for row in state["breached"]],
        "without_duty_log": [names.get(code, code) for code in state["without_duty_log"]],
    }


def _type_label(plan_type: str) -> str:
    return str(PlanType(plan_type).label) if plan_type in PlanType.values else plan_type


def _render_plan(
    request: HttpRequest,
    plan: Plan,
    *,
    refusal: str = "",
    forms_: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    forms_ = forms_ or {}
    steps = plans.allowed_steps(user, plan)
    covered = [row.unit for row in plan.covered.select_related("unit").order_by("unit_path")]
    statements = list(plan.statements.select_related("approved_by").order_by("plan_type", "-version"))
    current = {s.pk for s in plans.current_statements(plan)}
    context = {
        "plan": plan,
        "covered": covered,
        "work_groups": plan.work_groups.select_related("group__unit").order_by("id"),
        "state": _in_words(dashboard(user, plan)),
        "statements": plans.current_statements(plan),
        "all_statements": [(s, s.pk in current) for s in statements],
        "events": plan.events.select_related("actor"),
        "duty_log": DutyLog.objects.filter(plan=plan).select_related("unit", "by").order_by("-day", "-at"),
        "steps": steps,
        "refusal": refusal,
        "extend_form": forms_.get("extend") or ExtendForm(),
        "statement_form": forms_.get("statement") or StatementForm(),
        "duty_log_form": forms_.get("duty_log") or DutyLogForm(initial={"date": _today_in(plan)}),
        "daily_date": _today_in(plan),
        "event_kinds": dict(PlanEventKind.choices),
    }
    return render(request, "web/plan_centre.html", context, status=status)


@login_required
@require_GET
def plan_centre(request: HttpRequest, plan_id: int) -> HttpResponse:
    return _render_plan(request, _plan(request, plan_id))


@login_required
@require_GET
def plan_state(request: HttpRequest, plan_id: int) -> JsonResponse:
    state = _in_words(dashboard(request.user, _plan(request, plan_id)))
    return JsonResponse(state, encoder=DjangoJSONEncoder)


@login_required
@require_POST
def plan_step(request: HttpRequest, plan_id: int, step: str) -> HttpResponse:
    """Approve, activate or close: the service judges the state and the person; a refusal is shown in words
    and changes nothing."""
    plan = _plan(request, plan_id)
    if step not in STEPS:
        raise Http404
    take, done = STEPS[step]
    try:
        take(request.user, plan)
    except plans.PlanRefused as refused:
        return _render_plan(request, plan, refusal=str(refused), status=refused.status)
    messages.success(request, str(done))
    return redirect("web:plan_centre", plan_id=plan.pk)


def _form_refused(
    request: HttpRequest, plan: Plan, key: str, form: forms.Form, exc: Exception
) -> HttpResponse:
    if isinstance(exc, plans.PlanRefused):
        return _render_plan(request, plan, refusal=str(exc), forms_={key: form}, status=exc.status)
    problem = _place_errors(form, exc.errors)
    return _render_plan(request, plan, refusal=problem, forms_={key: form}, status=422)


@login_required
@require_POST
def extend_plan(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(request, plan_id)
    form = ExtendForm(request.POST)
    form.is_valid()
    try:
        plans.extend(request.user, plan, form.cleaned_data.get("ends_at") or None)
    except (FieldErrors, plans.PlanRefused) as exc:
        return _form_refused(request, plan, "extend", form, exc)
    messages.success(request, _("The plan's window is extended."))
    return redirect("web:plan_centre", plan_id=plan.pk)


@login_required
@require_POST
def add_statement(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(request, plan_id)
    form = StatementForm(request.POST)
    if not form.is_valid():
        return _render_plan(request, plan, forms_={"statement": form}, status=422)
    try:
        statement = plans.approve_statement(
            request.user, plan, form.cleaned_data["plan_type"], form.cleaned_data["text"]
        )
    except (FieldErrors, plans.PlanRefused) as exc:
        return _form_refused(request, plan, "statement", form, exc)
    messages.success(
        request,
        _("Version %(version)s of the statement for “%(type)s” is approved.")
        % {"version": statement.version, "type": statement.get_plan_type_display()},
    )
    return redirect("web:plan_centre", plan_id=plan.pk)


@login_required
@require_POST
def write_duty_log(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(request, plan_id)
    form = DutyLogForm(request.POST)
    if not form.is_valid():
        return _render_plan(request, plan, forms_={"duty_log": form}, status=422)
    data = form.cleaned_data
    if data["date"] is None:
        form.add_error("date", _("This field is required."))
        return _render_plan(request, plan, forms_={"duty_log": form}, status=422)
    try:
        plans.write_duty_log(
            request.user, plan, day=data["date"], on_duty=data["on_duty"], received=data["received"],
            handled=data["handled"], handover=data["handover"],
        )  # fmt: skip
    except (FieldErrors, plans.PlanRefused) as exc:
        return _form_refused(request, plan, "duty_log", form, exc)
    messages.success(request, _("The duty log entry is written."))
    return redirect("web:plan_centre", plan_id=plan.pk)


@login_required
@require_GET
def plan_daily_page(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The plan's daily classified report for one day of its window (P1 六、7): the same figures as the API's
    `GET /api/v1/plans/{id}/daily`."""
    plan = _plan(request, plan_id)
    raw = (request.GET.get("date") or "").strip()
    problem, day, date = "", None, _today_in(plan)
    if raw:
        try:
            date = dt.date.fromisoformat(raw)
        except ValueError:
            problem = _("Enter a date, e.g. 2026-03-02.")
    if not problem:
        try:
            day = plan_daily(request.user, plan, date)
        except FieldErrors as exc:
            problem = " ".join(m for found in exc.errors.values() for m in found)
    rows = []
    if day is not None:
        rows = [
            (d.unit.name, [d.totals[m] for m in report_services.DAILY_MEASURES])
            for d in [*day.units, day.province]
        ]
    return render(
        request,
        "web/plan_daily.html",
        {
            "plan": plan,
            "date": date,
            "raw": raw,
            "problem": problem,
            "day": day,
            "rows": rows[:-1],
            "province": rows[-1] if rows else None,
        },
        status=422 if problem else 200,
    )
