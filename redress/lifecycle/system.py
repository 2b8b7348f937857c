"""System actions (R5.2): taken by automatic rules as the system actor, never offered to a person — flags
set with their evidence (and the earlier case of a repeat linked), and escalations fired by a rule."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import Field

from redress.cases.choices import OPEN_STATES, EventKind, Flag, State
from redress.cases.models import Case, CaseFlag
from redress.organisation.choices import LEVEL_ORDER, Level

from . import params as p
from . import permissions as who
from .machine import STAYS, Action, Change, Context, Guard
from .routing import escalation_change, not_higher


class SetFlags(p.Params):
    # {flag: evidence}; flags already on the case keep their first evidence.
    flags: dict[p.choices_of(Flag), dict[str, Any]] = Field(min_length=1)
    # The earlier case a repeat refers to (an id); an earlier case already linked stays.
    previous_case: int | None = None
    # Record nothing if every flag is already there (a group member flagged by racing registrations).
    only_new: bool = False
    # The flags the case carries, given by a caller that wrote them in this transaction (registration);
    # None: they are read.
    present: list[p.choices_of(Flag)] | None = None


def _set_flags(ctx: Context) -> Change:
    case, flags = ctx.case, ctx.params.flags
    previous = None
    if ctx.params.previous_case and case.previous_case_id is None:
        previous = Case.objects.filter(pk=ctx.params.previous_case).exclude(pk=case.pk).first()
        if previous is None:
            ctx.refuse("previous_case", _("No earlier case has this id."))
    # The machine holds the case's row lock, so nobody else adds flags to it between this read and the insert.
    if ctx.params.present is not None:
        present = set(ctx.params.present)
    else:
        present = set(CaseFlag.objects.filter(case=case, flag__in=list(flags)).values_list("flag", flat=True))
    added = [flag for flag in flags if flag not in present]
    fields = {"previous_case": previous} if previous else {}
    # A caller that only adds a flag records nothing when the flag is already there; otherwise the event
    # keeps the evidence even if nothing is new.
    noop = ctx.params.only_new and not added and not fields
    # Written with the event, by the machine.
    new_rows = [
        CaseFlag(case=case, flag=flag, set_by=ctx.actor, evidence=flags[flag] or {}) for flag in added
    ]
    return Change(fields, {"flags": added, "evidence": flags}, noop=noop, rows=new_rows)


class AutoEscalate(p.Params):
    reason: str = Field(min_length=1)
    trigger: str = Field(min_length=1, max_length=32)
    to_level: p.choices_of(Level)
    # One escalation per level on the way (逐级上报), so every level is on record.
    step_by_step: bool = False


def _auto_escalate(ctx: Context) -> Change:
    case, params = ctx.case, ctx.params
    steps = [params.to_level]
    if params.step_by_step:
        ranks = list(Level)
        steps = [lvl.value for lvl in ranks[LEVEL_ORDER[case.level] + 1 : LEVEL_ORDER[params.to_level] + 1]]
    data: dict[str, Any] = {"trigger": params.trigger, "reason": params.reason, "steps": []}
    fields: dict[str, Any] = {}
    original = case.level
    for level in steps:
        fields, step = escalation_change(ctx.actor, case, level, params.reason, params.trigger)
        case.level = level  # the next step starts where this one ended
        data["steps"].append(step)
    case.level = original  # the machine records the old value from the case
    return Change(fields, data)


ACTIONS = (
    Action(
        "set_flags",
        OPEN_STATES | {State.CLOSED},
        STAYS,
        who.system,
        EventKind.FLAG_SET,
        _set_flags,
        params=SetFlags,
        system=True,
        summary="Set flags with their evidence",
    ),
    Action(
        "auto_escalate",
        OPEN_STATES,
        STAYS,
        who.system,
        EventKind.ESCALATED,
        _auto_escalate,
        params=AutoEscalate,
        guards=(
            Guard(
                "to_level",
                gettext_lazy("Escalation goes to a higher level than the case's current one."),
                lambda ctx: not_higher(ctx.case, ctx.params.to_level),
            ),
        ),
        system=True,
        summary="Escalate by a rule",
    ),
)
