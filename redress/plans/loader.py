"""A plan from a YAML file (`redress plans load FILE`): the same fields as `POST /api/v1/plans`, plus who
drafted it, who approved it and its statements; all of it or nothing.

```yaml
name: 核心系统切换应急预案
event: 核心系统切换，全辖网点暂停营业
starts_at: 2026-12-12T00:00:00+08:00
ends_at: 2026-12-14T08:00:00+08:00
units: [A, B]
limits: {arrive_hours: 1, answer_hours: 4, report_hours: 8}
hotline: 027-96000
command_centre: 027-88880000
spokesperson_phone: 027-88880001
leading_department: P-UNION
work_groups: [{level: branch, unit: A, name: 甲分行投诉受理工作小组}]
drafted_by: office            # a username
approved_by: province_group   # optional: approve it too
activate: true                # optional: and activate it (needs approved_by)
statements:                   # optional: approved by a member of the plan's work groups
  - {plan_type: atm_unavailable, text: 切换期间请使用他行ATM……, approved_by: branch_group}
```
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml
from django.db import transaction
from django.utils.translation import gettext as _

from redress.common.errors import FieldErrors
from redress.organisation.models import Staff

from . import services
from .models import Plan

PLAN_FIELDS = frozenset(services.PlanData.__dataclass_fields__)
FILE_FIELDS = PLAN_FIELDS | {"drafted_by", "approved_by", "activate", "statements"}


def _staff(username: Any, field: str) -> Staff:
    found = Staff.objects.filter(username=str(username or ""), is_active=True).select_related("unit").first()
    if found is None:
        raise FieldErrors({field: [_("No active staff member has the username “%(u)s”.") % {"u": username}]})
    return found


def load(text: str, *, now: dt.datetime | None = None) -> Plan:
    """The plan the YAML text declares, drafted (and approved, activated, its statements approved as the file
    says) in one transaction. Raises FieldErrors naming the file's keys, or services.PlanRefused."""
    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise FieldErrors({"file": [_("Not a readable YAML file: %(error)s") % {"error": e}]}) from None
    if not isinstance(spec, dict):
        raise FieldErrors({"file": [_("The file declares one plan: a mapping of its fields.")]})
    unknown = sorted(set(spec) - FILE_FIELDS)
    if unknown:
        raise FieldErrors({key: [_("Not a field of a plan.")] for key in unknown})
    with transaction.atomic():
        plan = services.draft(
            _staff(spec.get("drafted_by"), "drafted_by"),
            services.PlanData(**{k: v for k, v in spec.items() if k in PLAN_FIELDS}),
            now=now,
        )
        for i, statement in enumerate(spec.get("statements") or []):
            if not isinstance(statement, dict):
                raise FieldErrors(
                    {f"statements.{i}": [_("A statement is a mapping of plan_type, text, approved_by.")]}
                )
            services.approve_statement(
                _staff(statement.get("approved_by"), f"statements.{i}.approved_by"),
                plan,
                str(statement.get("plan_type", "")),
                str(statement.get("text", "")),
                now=now,
            )
        if spec.get("approved_by"):
            plan = services.approve(_staff(spec["approved_by"], "approved_by"), plan, now=now)
            if spec.get("activate"):
                plan = services.activate(plan.created_by, plan, now=now)
    return plan
