"""The command centre's live state of an emergency plan (R9, P1 六): its open cases by type and unit, the
plan's clocks about to run out and run out, the cases escalated to the province, and the covered outlets
without a duty log entry today. Cases only as the person may see them (`visible_to`)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Q
from django.utils import timezone

from redress.access.visibility import visible_to
from redress.cases.choices import OPEN_STATES
from redress.deadlines.choices import ClockName, ClockState
from redress.deadlines.models import Clock
from redress.organisation.choices import LEVEL_ORDER, Level, UnitKind
from redress.organisation.models import Staff, Unit
from redress.plans.models import DutyLog, Plan

PLAN_CLOCKS = (ClockName.ARRIVE, ClockName.ANSWER_CUSTOMER, ClockName.REPORT_TO_GROUP, ClockName.PROMISED)
# A clock "about to run out" on the board: due within this.
SOON = dt.timedelta(hours=1)


def dashboard(user: Staff, plan: Plan, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    cases = visible_to(user).filter(plan_membership__plan=plan)
    open_cases = list(
        cases.filter(state__in=OPEN_STATES).values("pk", "number", "level", "unit__code", "unit__name",
                                                   "plan_membership__plan_type")
    )  # fmt: skip
    by_type = Counter(row["plan_membership__plan_type"] for row in open_cases)
    by_unit = Counter((row["unit__code"], row["unit__name"]) for row in open_cases)
    numbers = {row["pk"]: row["number"] for row in open_cases}
    clocks = Clock.objects.filter(case_id__in=list(numbers), name__in=PLAN_CLOCKS).order_by("due_at")
    due_soon = [
        {"number": numbers[c.case_id], "clock": c.name, "due_at": timezone.localtime(c.due_at)}
        for c in clocks.filter(state__in=[ClockState.RUNNING, ClockState.WARNING], due_at__lte=now + SOON)
    ]
    breached = [
        {"number": numbers[c.case_id], "clock": c.name, "due_at": timezone.localtime(c.due_at)}
        for c in clocks.filter(Q(state=ClockState.BREACHED) | Q(breached_at__isnull=False))
    ]
    province = LEVEL_ORDER[Level.PROVINCE]
    escalated = sorted(row["number"] for row in open_cases if LEVEL_ORDER[row["level"]] >= province)
    return {
        "plan": plan.pk,
        "state": plan.state,
        "as_of": timezone.localtime(now),
        "open_cases": len(open_cases),
        "by_type": [{"plan_type": t, "count": n} for t, n in sorted(by_type.items())],
        "by_unit": [{"unit": code, "name": name, "count": n} for (code, name), n in sorted(by_unit.items())],
        "due_soon": due_soon,
        "breached": breached,
        "escalated_to_province": escalated,
        "without_duty_log": without_duty_log(plan, timezone.localdate(now)),
    }


def covered_outlets(plan: Plan) -> list[Unit]:
    paths = list(plan.covered.values_list("unit_path", flat=True))
    query = Q()
    for path in paths:
        query |= Q(path__startswith=path)
    return (
        list(Unit.objects.filter(query, kind=UnitKind.OUTLET, active=True).order_by("path")) if paths else []
    )


def without_duty_log(plan: Plan, day: dt.date) -> list[str]:
    """Codes of the covered outlets with no duty log entry for `day`."""
    logged = set(DutyLog.objects.filter(plan=plan, day=day).values_list("unit_id", flat=True))
    return [u.code for u in covered_outlets(plan) if u.pk not in logged]
