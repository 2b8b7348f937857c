"""The daily classified report's page and its Excel download (issue 11, item 2): any unit the user may see,
any day; the figures and the marks are `redress.reports`'."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from redress.cases.choices import Channel, Kind, StatClass
from redress.common.errors import FieldErrors
from redress.common.validators import day_out_of_range
from redress.organisation.choices import Role
from redress.reports import daily_report, dashboard, services
from redress.reports.figures import BEIJING

from . import views
from .forms import units_for_filter

# Who lands on the dashboard after logging in: those who oversee cases rather than work them (issue 11, item
# 6); tellers and handlers keep the register and their work lists.
DASHBOARD_ROLES = (Role.LEADER_IN_CHARGE, Role.SUPERVISION_OFFICE, Role.WORK_GROUP, Role.WORK_GROUP_LEADER)
# The heat table's shades: a cell's share of its column's largest value, in this many steps.
HEAT_STEPS = 5


def _unit_and_date(request: HttpRequest):
    """The unit and day asked for; by default the user's unit (the head office for those who see all) and
    yesterday. A unit the user may not see is a 404, as for a case."""
    user = request.user
    code = request.GET.get("unit", "").strip().replace("\x00", "")
    if not code:
        default = user.unit if user.unit_id and not user.sees_all_cases else None
        default = default or units_for_filter(user).order_by("path").first()
        code = default.code if default else ""
    unit = services.visible_unit(user, code)
    yesterday = dt.datetime.now(BEIJING).date() - dt.timedelta(days=1)
    try:
        date = dt.date.fromisoformat(request.GET["date"]) if request.GET.get("date") else yesterday
    except ValueError:
        messages.error(request, _("Enter a date as YYYY-MM-DD."))
        date = yesterday
    if (refused := day_out_of_range(date)) is not None:
        messages.error(request, refused)
        date = yesterday
    return unit, date


@login_required
@require_GET
def daily(request: HttpRequest) -> HttpResponse:
    unit, date = _unit_and_date(request)
    day = services.daily(request.user, unit, date)
    missing = daily_report.missing_units([line for line, _own, _c in day.children], date)
    lines = [
        {
            "unit": line,
            "name": daily_report.line_name(line, own),
            "counts": [counts[m] for m in services.DAILY_MEASURES],
            "missing": not own and line.pk in missing,
        }
        for line, own, counts in day.children
    ]
    return render(
        request,
        "web/daily_report.html",
        {
            "unit": unit,
            "date": date,
            "day": day,
            "lines": lines,
            "totals": [day.totals[m] for m in services.DAILY_MEASURES],
            "breakdowns": [
                (_("by kind"), _labelled(day.by_kind, Kind)),
                (_("by channel"), _labelled(day.by_channel, Channel)),
                (_("closed, by statistics class"), _labelled(day.by_stat_class, StatClass)),
            ],
            "unit_options": [(u.code, u.name) for u in units_for_filter(request.user).order_by("path")],
        },
    )


def _labelled(counts: dict[str, int], choices: type[Kind | Channel | StatClass]) -> list[tuple[str, int]]:
    return [(str(label), counts[value]) for value, label in choices.choices if counts.get(value)]


@login_required
@require_GET
def daily_xlsx(request: HttpRequest) -> HttpResponse:
    unit, date = _unit_and_date(request)
    day = services.daily(request.user, unit, date)
    missing = daily_report.missing_units([line for line, _own, _c in day.children], date)
    response = HttpResponse(daily_report.workbook(day, missing), content_type=daily_report.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{daily_report.filename(unit, date)}"'
    return response


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Each person's landing page: the dashboard for leaders, the office and work groups; the register for
    everyone else."""
    if request.user.has_role(*DASHBOARD_ROLES):
        return redirect("web:dashboard")
    return views.register(request)


@login_required
@require_GET
def dashboard_page(request: HttpRequest) -> HttpResponse:
    """A unit's dashboard: the charts are drawn by static/web/dashboard.js from the figures in the page
    (json_script); every number is also a link in the page's tables, for reading without the charts."""
    user = request.user
    errors: dict[str, list[str]] = {}
    dates = {}
    for name in ("from", "to"):
        raw = request.GET.get(name, "").strip()
        try:
            dates[name] = dt.date.fromisoformat(raw) if raw else None
        except ValueError:
            errors[name] = [_("Enter a date as YYYY-MM-DD.")]
            dates[name] = None
    try:
        unit, start, end = dashboard.scope(
            user, request.GET.get("unit", "").replace("\x00", "").strip(), dates["from"], dates["to"]
        )
    except FieldErrors as exc:
        errors.update(exc.errors)
        unit, start, end = dashboard.scope(
            user, request.GET.get("unit", "").replace("\x00", "").strip(), None, None
        )
    for messages_ in errors.values():
        for message in messages_:
            messages.error(request, message)
    board = dashboard.dashboard(user, unit, start, end)
    data = dashboard.as_dict(board, reverse("web:register"), reverse("api-v1:list_cases"))
    return render(
        request,
        "web/dashboard.html",
        {
            "board": board,
            "data": data,
            "heat": _heat(data),
            "unit_options": [(u.code, u.name) for u in units_for_filter(user).order_by("path")],
        },
    )


def _heat(data: dict) -> list[dict]:
    """The heat table's rows, each cell with its shade (0: none, HEAT_STEPS: its column's largest)."""
    rows = data["heat"]
    tops = [
        max((row["cells"][i]["count"] for row in rows), default=0) for i in range(len(data["heat_measures"]))
    ]
    return [
        {
            **row,
            "cells": [
                {**cell, "shade": -(-HEAT_STEPS * cell["count"] // top) if top else 0}
                for cell, top in zip(row["cells"], tops, strict=True)
            ],
        }
        for row in rows
    ]
