"""Problems recorded from hotspots and their rectification (P3 第二十二条), and the supervision office's
analysis report (量化分析, 改进意见).

The supervision office records a hotspot as a problem: the cases behind the hotspot when it is recorded (those
the office sees) are linked to it, and it gets a root cause, a rectification owner, a due date and a status
that moves open → in progress → rectified → verified (or back, when a rectification is found wanting; only
a rectified problem can be verified). Those who see every case (the office, administrators, auditors) read
the problems; only the supervision office records and edits them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from redress.access.visibility import visible_to
from redress.cases.models import Case
from redress.cases.register_query import RegisterFilter
from redress.common.errors import FieldErrors
from redress.common.text import NUL, clean_text
from redress.common.validators import InvalidValue
from redress.organisation.choices import Role
from redress.organisation.models import Staff, Unit

from . import hotspots as hotspot_rules
from . import performance as performance_rules
from . import services
from .figures import BEIJING
from .hotspots import Hotspot
from .models import Problem, ProblemStatus


def may_read(user: Staff) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.sees_all_cases)


def may_edit(user: Staff) -> bool:
    return may_read(user) and user.has_role(Role.SUPERVISION_OFFICE)


def cases_behind(
    user: Staff, unit: Unit, start: dt.date, end: dt.date, dimension: str, key: str
) -> QuerySet[Case]:
    """The complaints the user sees behind a hotspot: those the register shows with the hotspot's filters
    (the figure's link), so the problem's cases are the figure's."""
    params = hotspot_rules.register_params(unit, start, end, dimension, key)
    return RegisterFilter.from_params(params).apply(visible_to(user))


def record(
    user: Staff, unit: Unit, start: dt.date, end: dt.date, dimension: str, key: str, data: Mapping
) -> Problem:
    """A hotspot of the window recorded as a problem, linked to its cases. Field errors if the hotspot is not
    one of the window's or a field is wrong; nothing is written then."""
    errors: dict[str, list[str]] = services.check_period(start, end)
    if errors:
        raise FieldErrors(errors)
    if dimension not in hotspot_rules.DIMENSIONS:
        errors["dimension"] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(hotspot_rules.DIMENSIONS)}
        ]
        raise FieldErrors(errors)
    spot = _find(user, unit, start, end, dimension, key)
    if spot is None:
        raise FieldErrors({"key": [_("This is not a hotspot of the period.")]})
    fields = _fields(data, errors, creating=True)
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        problem = Problem.objects.create(
            title=fields.pop("title", "") or f"{hotspot_rules.DIMENSIONS[dimension]}：{spot.label}",
            dimension=dimension,
            value=spot.key,
            value_label=spot.label,
            unit=unit,
            start=start,
            end=end,
            recorded_by=user,
            **fields,
        )
        problem.cases.set(
            cases_behind(user, unit, start, end, dimension, spot.key).values_list("pk", flat=True)
        )
    return problem


def _find(user: Staff, unit: Unit, start: dt.date, end: dt.date, dimension: str, key: str) -> Hotspot | None:
    for spot in hotspot_rules.hotspots(user, unit, start, end)[dimension]:
        if spot.key == key:
            return spot
    return None


def _fields(data: Mapping, errors: dict[str, list[str]], creating: bool = False) -> dict[str, Any]:
    """The editable fields given in `data`, checked; errors by field."""
    fields: dict[str, Any] = {}
    for name in ("title", "root_cause", "notes"):
        if data.get(name) is not None:
            try:
                fields[name] = clean_text(str(data[name]))
            except InvalidValue as exc:
                errors[name] = [str(exc)]
    if "title" in fields and len(fields["title"]) > 200:
        errors["title"] = [_("At most %(n)d characters.") % {"n": 200}]
    if not creating and "title" in fields and not fields["title"]:
        errors["title"] = [_("This field is required.")]
    if data.get("owner"):
        # A NUL names nobody, and PostgreSQL refuses it even in a query.
        owner = (
            Staff.objects.filter(username=data["owner"], is_active=True).first()
            if NUL not in str(data["owner"])
            else None
        )
        if owner is None:
            errors["owner"] = [_("No staff member with this username.")]
        fields["owner"] = owner
    elif "owner" in data and not creating:
        fields["owner"] = None
    if data.get("due_date"):
        try:
            due = (
                data["due_date"]
                if isinstance(data["due_date"], dt.date)
                else dt.date.fromisoformat(str(data["due_date"]))
            )
            fields["due_date"] = due
        except ValueError:
            errors["due_date"] = [_("Enter a date as YYYY-MM-DD.")]
    elif "due_date" in data and not creating:
        fields["due_date"] = None
    if data.get("status"):
        if data["status"] not in ProblemStatus.values:
            errors["status"] = [
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(ProblemStatus.values)}
            ]
        else:
            fields["status"] = data["status"]
    return fields


def update(user: Staff, problem: Problem, data: Mapping) -> Problem:
    """The problem's root cause, owner, due date, notes, title or status changed; a problem is verified only
    once rectified. Field errors and nothing changed otherwise."""
    errors: dict[str, list[str]] = {}
    fields = _fields(data, errors)
    if fields.get("status") == ProblemStatus.VERIFIED and problem.status not in (
        ProblemStatus.RECTIFIED,
        ProblemStatus.VERIFIED,
    ):
        errors["status"] = [_("A problem is verified only once it is rectified.")]
    if errors:
        raise FieldErrors(errors)
    for name, value in fields.items():
        setattr(problem, name, value)
    problem.save()
    return problem


def today() -> dt.date:
    return timezone.now().astimezone(BEIJING).date()


def is_overdue(problem: Problem, on: dt.date | None = None) -> bool:
    """Its rectification is due before today and not done yet."""
    done = (ProblemStatus.RECTIFIED, ProblemStatus.VERIFIED)
    return bool(problem.due_date and problem.due_date < (on or today()) and problem.status not in done)


def listed(status: str = "", overdue: bool = False) -> list[Problem]:
    problems = Problem.objects.select_related("owner", "unit").order_by("-recorded_at", "-pk")
    if status:
        problems = problems.filter(status=status)
    rows = list(problems)
    if overdue:
        rows = [p for p in rows if is_overdue(p)]
    return rows


def visible_cases(user: Staff, problem: Problem) -> QuerySet[Case]:
    """The problem's cases the user may see (never one about them)."""
    return visible_to(user).filter(pk__in=problem.cases.values("pk")).order_by("received_at")


@dataclass
class Analysis:
    """The supervision office's analysis report: the period's figures, its hotspots with their change, the
    problems and how far their rectification has gone, and the office's suggestions."""

    unit: Unit
    start: dt.date
    end: dt.date
    performance: performance_rules.Performance
    hotspots: dict[str, list[Hotspot]]
    problems: list[Problem]
    suggestions: str


def analysis(user: Staff, unit: Unit, start: dt.date, end: dt.date, suggestions: str = "") -> Analysis:
    return Analysis(
        unit,
        start,
        end,
        performance_rules.performance(user, unit, start, end),
        hotspot_rules.hotspots(user, unit, start, end),
        [p for p in listed() if p.unit.path.startswith(unit.path) or unit.path.startswith(p.unit.path)],
        suggestions,
    )
