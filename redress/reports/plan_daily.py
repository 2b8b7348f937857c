"""An emergency plan's daily classified report (P1 六、7, R9.4): for one day, each covered unit's classified
counts of the plan's cases, rolled up for the province, and the covered units that had not reported by the
day's deadline. The counts are the daily report's own (`services.daily`), restricted to the plan's cases
(`PlanCase`): one counter, not a second one.

A unit reports a day of the plan by writing its duty log entry for that day (`plans.DutyLog`, P1 六、7): the
morning's daily report goes out by itself for the units with a work group, while the duty log is what the
unit's duty staff do; the deadline is the end of the day (Beijing time). See decision 0036."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from redress.common.errors import FieldErrors
from redress.organisation.choices import Level, UnitKind
from redress.organisation.models import Staff, Unit
from redress.plans.models import DutyLog, Plan, PlanCase

from . import services
from .figures import BEIJING, beijing_day


@dataclass
class PlanDay:
    plan: Plan
    date: dt.date
    deadline: dt.datetime
    units: list[services.Day]  # one per covered unit, each with its children's lines
    province: services.Day  # the rollup
    not_reported: list[Unit]


def deadline_of(date: dt.date) -> dt.datetime:
    """A day's report is due by the end of that day, Beijing time."""
    return dt.datetime.combine(date + dt.timedelta(days=1), dt.time(0, 0), tzinfo=BEIJING)


def reporting_units(plan: Plan) -> list[Unit]:
    """The covered units themselves and the covered outlets (the duty log's units), top first."""
    covered = list(plan.covered.select_related("unit"))
    query = Q(pk__in=[c.unit_id for c in covered])
    for row in covered:
        query |= Q(path__startswith=row.unit_path, kind=UnitKind.OUTLET, active=True)
    return list(Unit.objects.filter(query).order_by("path")) if covered else []


def not_reported(plan: Plan, date: dt.date) -> list[Unit]:
    """The reporting units with no duty log entry for `date` written by its deadline."""
    done = set(
        DutyLog.objects.filter(plan=plan, day=date, at__lt=deadline_of(date)).values_list(
            "unit_id", flat=True
        )
    )
    return [unit for unit in reporting_units(plan) if unit.pk not in done]


def province_of(plan: Plan) -> Unit:
    """The province the plan rolls up to: its covering unit's province (the covering unit itself when it
    lies above a province)."""
    return plan.unit.at_level(Level.PROVINCE) or plan.unit


def plan_daily(user: Staff | None, plan: Plan, date: dt.date) -> PlanDay:
    # A plan reports the days it runs (P1 六、7): a day outside its window has no plan cases and no duty.
    first, last = beijing_day(plan.starts_at), beijing_day(plan.ends_at)
    if not first <= date <= last:
        raise FieldErrors(
            {
                "date": [
                    _("Choose a day of the plan, from %(first)s to %(last)s.")
                    % {"first": first.isoformat(), "last": last.isoformat()}
                ]
            }
        )
    cases = PlanCase.objects.filter(plan=plan).values("case_id")
    units = [row.unit for row in plan.covered.select_related("unit").order_by("unit_path")]
    return PlanDay(
        plan=plan,
        date=date,
        deadline=deadline_of(date),
        units=[services.daily(user, unit, date, cases=cases) for unit in units],
        province=services.daily(user, province_of(plan), date, cases=cases),
        not_reported=not_reported(plan, date),
    )
