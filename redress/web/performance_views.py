"""Performance, the year-end report, hotspots, problems and the analysis report (issue 11, items 3 and 4):
thin pages over `redress.reports.performance`, `.hotspots` and `.problems`. Every count links to the
register filtered to exactly the cases behind it (the register's filters: `cases.register_query`)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from redress.cases.choices import Kind
from redress.common.errors import FieldErrors
from redress.reports import daily_report, hotspots, performance, problems, services
from redress.reports.figures import BEIJING
from redress.reports.models import Problem, ProblemStatus

from .case_views import bank_name
from .forms import units_for_filter


def register_url(**params: str) -> str:
    """The register filtered by `params` (empty ones left out)."""
    return reverse("web:register") + "?" + urlencode({k: v for k, v in params.items() if v})


def _today() -> dt.date:
    return dt.datetime.now(BEIJING).date()


def _period(request: HttpRequest, default_start: dt.date) -> tuple[dt.date, dt.date]:
    """The period asked for (`from`, `to`), by default `default_start` to today; a bad one is told."""
    start, end = default_start, _today()
    try:
        if request.GET.get("from"):
            start = dt.date.fromisoformat(request.GET["from"])
        if request.GET.get("to"):
            end = dt.date.fromisoformat(request.GET["to"])
    except ValueError:
        messages.error(request, _("Enter a date as YYYY-MM-DD."))
        return default_start, _today()
    errors = services.check_period(start, end)
    if errors:
        for field_errors in errors.values():
            for error in field_errors:
                messages.error(request, error)
        return default_start, _today()
    return start, end


def _unit(request: HttpRequest):
    """The unit asked for; by default the user's unit (the head office for those who see all); 404 if
    the user may not see it."""
    user = request.user
    code = request.GET.get("unit", "").strip().replace("\x00", "")
    if not code:
        default = user.unit if user.unit_id and not user.sees_all_cases else None
        default = default or units_for_filter(user).order_by("path").first()
        code = default.code if default else ""
    return services.visible_unit(user, code)


def _unit_options(request: HttpRequest) -> list[tuple[str, str]]:
    return [(u.code, u.name) for u in units_for_filter(request.user).order_by("path")]


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


# ---- performance and the year-end report -----------------------------------------------------------------

# The counted columns of a line: (heading, Line attribute, the register's `figure` for its cases).
COLUMNS = (
    ("complaints", None),
    ("counted", "closed_counted"),
    ("at_fault", "closed_at_fault"),
    ("replied_late", "replied_late"),
    ("repeats", "repeat_flag"),
    ("escalations", "escalated"),
    ("breaches", "breached"),
)


def _headings() -> dict[str, str]:
    return {
        "complaints": _("complaints"),
        "counted": _("counted"),
        "at_fault": _("at fault"),
        "at_fault_share": _("at-fault share"),
        "replied_late": _("replied late"),
        "on_time_rate": _("on-time rate"),
        "satisfaction_rate": _("satisfaction rate"),
        "repeats": _("repeat complaints"),
        "repeat_rate": _("repeat rate"),
        "escalations": _("escalations"),
        "breaches": _("time limit breached"),
    }


def _line(line: performance.Line, base: dict[str, str], staff: bool) -> dict:
    """A line of the table: its cells, each count with the register's link to its cases."""
    where = dict(base)
    if staff:
        where["subject_staff"] = line.key
    else:
        where["subject_unit"] = line.key
    # The unit's own line (complaints about it, none of the units under it) is no register filter: no links.
    link = (lambda figure: register_url(**where, figure=figure or "")) if not line.own else (lambda f: "")
    counts = {
        "complaints": line.complaints,
        "counted": line.counted,
        "at_fault": line.at_fault,
        "replied_late": line.sums["replied_late"],
        "repeats": line.repeats,
        "escalations": line.escalations,
        "breaches": line.breaches,
    }
    cells = [(counts[name], link(figure)) for name, figure in COLUMNS]
    rates = {
        "at_fault_share": _percent(line.at_fault_share),
        "on_time_rate": _percent(line.on_time_rate),
        "satisfaction_rate": _percent(line.satisfaction_rate),
        "repeat_rate": _percent(line.repeat_rate),
    }
    name = _("%(unit)s (itself)") % {"unit": line.name} if line.own else line.name
    return {"key": line.key, "name": name, "unit_name": line.unit_name, "cells": cells, "rates": rates}


def _performance_context(request: HttpRequest) -> dict:
    unit = _unit(request)
    start, end = _period(request, _today().replace(month=1, day=1))
    result = performance.performance(request.user, unit, start, end)
    base = {
        "kind": Kind.COMPLAINT,
        "received_from": start.isoformat(),
        "received_to": end.isoformat(),
    }
    staff_base = {**base, "subject_unit": unit.code}
    return {
        "unit": unit,
        "start": start,
        "end": end,
        "result": result,
        "headings": _headings(),
        "total": _line(result.total, base, staff=False),
        "units": [_line(line, base, staff=False) for line in result.units],
        "staff": [_line(line, staff_base, staff=True) for line in result.staff],
        "unit_options": _unit_options(request),
        "query": urlencode({"unit": unit.code, "from": start.isoformat(), "to": end.isoformat()}),
    }


@login_required
@require_GET
def performance_page(request: HttpRequest) -> HttpResponse:
    return render(request, "web/performance.html", _performance_context(request))


@login_required
@require_GET
def year_end_report(request: HttpRequest) -> HttpResponse:
    """The year-end report (通报) of the performance, as an A4 page to print."""
    context = _performance_context(request)
    context.update(bank_name=bank_name(), printed_at=timezone.now())
    return render(request, "web/print/year_end_report.html", context)


@login_required
@require_GET
def performance_xlsx(request: HttpRequest) -> HttpResponse:
    context = _performance_context(request)
    response = HttpResponse(performance_workbook(context), content_type=daily_report.XLSX)
    name = f"performance-{context['unit'].code}-{context['start']}-{context['end']}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def performance_workbook(context: dict) -> bytes:
    """The performance as an .xlsx: a sheet of the units, one of the staff; counts and rates."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    headings = context["headings"]
    order = [name for name, _f in COLUMNS]
    rates = ["at_fault_share", "on_time_rate", "satisfaction_rate", "repeat_rate"]
    book = Workbook()
    for index, (title, lines, staff) in enumerate(
        ((_("units"), context["units"], False), (_("staff"), context["staff"], True))
    ):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = title[:31]
        sheet.append(
            [
                _("Performance of %(unit)s, %(start)s to %(end)s")
                % {"unit": context["unit"].name, "start": context["start"], "end": context["end"]}
            ]
        )
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.append([])
        head = [_("rank"), _("name")] + ([_("unit")] if staff else []) + [headings[n] for n in order]
        sheet.append(head + [headings[n] for n in rates])
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        for rank, line in enumerate(lines, start=1):
            sheet.append(
                [rank, line["name"]]
                + ([line["unit_name"]] if staff else [])
                + [count for count, _link in line["cells"]]
                + [line["rates"][n] for n in rates]
            )
        if not staff:
            total = context["total"]
            sheet.append(
                ["", _("total")] + [c for c, _l in total["cells"]] + [total["rates"][n] for n in rates]
            )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---- hotspots --------------------------------------------------------------------------------------------


@login_required
@require_GET
def hotspots_page(request: HttpRequest) -> HttpResponse:
    unit = _unit(request)
    start, end = _period(request, _today() - dt.timedelta(days=29))
    before = hotspots.previous_window(start, end)
    spots = hotspots.hotspots(request.user, unit, start, end)
    sections = []
    for dimension, rows in spots.items():
        lines = [
            {
                "spot": spot,
                "link": register_url(**hotspots.register_params(unit, start, end, dimension, spot.key)),
                "previous_link": register_url(**hotspots.register_params(unit, *before, dimension, spot.key)),
                "change_rate": _percent(spot.change_rate) if spot.change_rate is not None else "",
            }
            for spot in rows
        ]
        sections.append((dimension, hotspots.DIMENSIONS[dimension], lines))
    return render(
        request,
        "web/hotspots.html",
        {
            "unit": unit,
            "start": start,
            "end": end,
            "before": before,
            "sections": sections,
            "unit_options": _unit_options(request),
            "may_record": problems.may_edit(request.user),
        },
    )


# ---- problems and the analysis report ----------------------------------------------------------------------


def _may_read(request: HttpRequest) -> None:
    if not problems.may_read(request.user):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def problem_list(request: HttpRequest) -> HttpResponse:
    """The problems and their rectification; a POST records a hotspot as a problem (the office only)."""
    _may_read(request)
    if request.method == "POST":
        if not problems.may_edit(request.user):
            raise PermissionDenied
        data = request.POST
        try:
            unit = services.visible_unit(request.user, data.get("unit", ""))
            start, end = (
                dt.date.fromisoformat(data.get("from", "")),
                dt.date.fromisoformat(data.get("to", "")),
            )
            problem = problems.record(
                request.user, unit, start, end, data.get("dimension", ""), data.get("key", ""), {}
            )
        except (ValueError, FieldErrors) as exc:
            messages.error(request, _("The hotspot could not be recorded: %(why)s") % {"why": exc})
            return redirect("web:problems")
        messages.success(request, _("Recorded as a problem."))
        return redirect("web:problem", problem.pk)
    status = request.GET.get("status", "")
    overdue = request.GET.get("overdue") == "1"
    rows = problems.listed(status if status in ProblemStatus.values else "", overdue)
    return render(
        request,
        "web/problems.html",
        {
            "problems": [(p, problems.is_overdue(p)) for p in rows],
            "statuses": ProblemStatus.choices,
            "status": status,
            "overdue": overdue,
            "may_edit": problems.may_edit(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def problem_detail(request: HttpRequest, problem_id: int) -> HttpResponse:
    _may_read(request)
    problem = get_object_or_404(Problem.objects.select_related("owner", "unit", "recorded_by"), pk=problem_id)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        if not problems.may_edit(request.user):
            raise PermissionDenied
        fields = ("title", "root_cause", "owner", "due_date", "status", "notes")
        try:
            problems.update(request.user, problem, {name: request.POST.get(name, "") for name in fields})
        except FieldErrors as exc:
            errors = exc.errors
        else:
            messages.success(request, _("Saved."))
            return redirect("web:problem", problem.pk)
    return render(
        request,
        "web/problem.html",
        {
            "problem": problem,
            "overdue": problems.is_overdue(problem),
            "cases": problems.visible_cases(request.user, problem),
            "statuses": ProblemStatus.choices,
            "errors": errors,
            "may_edit": problems.may_edit(request.user),
        },
    )


@login_required
@require_GET
def analysis_report(request: HttpRequest) -> HttpResponse:
    """The supervision office's analysis report (量化分析, 改进意见), as an A4 page to print."""
    _may_read(request)
    unit = _unit(request)
    start, end = _period(request, _today().replace(month=1, day=1))
    suggestions = request.GET.get("suggestions", "")[:5000]
    result = problems.analysis(request.user, unit, start, end, suggestions)
    context = _performance_context(request)
    context.update(
        analysis=result,
        sections=[(hotspots.DIMENSIONS[d], rows) for d, rows in result.hotspots.items()],
        problems=[(p, problems.is_overdue(p)) for p in result.problems],
        suggestions=suggestions,
        bank_name=bank_name(),
        printed_at=timezone.now(),
    )
    return render(request, "web/print/analysis_report.html", context)
