"""Legal hold (R10.5, decision 0037): a case that a dispute, an investigation or a regulator's request needs
whole is kept out of retention's anonymisation until the hold is lifted. Set and lifted by the supervision
office or legal counsel with a reason; both are events of the case, and the last of them says whether the
case is on hold (no field of the case: its history is the record)."""

from __future__ import annotations

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from redress.cases.choices import EventKind, State
from redress.cases.models import Case, CaseEvent
from redress.organisation.choices import Role
from redress.organisation.models import Staff

from . import params as p
from .machine import STAYS, Action, Change, Context

HOLD_EVENTS = (EventKind.HOLD_SET, EventKind.HOLD_LIFTED)


def may_hold(user: Staff, case: Case) -> bool:
    return user.has_role(Role.SUPERVISION_OFFICE, Role.LEGAL, Role.ADMIN)


def on_hold(case: Case) -> bool:
    last = (
        CaseEvent.objects.filter(case=case, kind__in=HOLD_EVENTS)
        .order_by("-at", "-id")
        .values_list("kind", flat=True)
        .first()
    )
    return last == EventKind.HOLD_SET


def without_holds(cases: QuerySet[Case]) -> QuerySet[Case]:
    """`cases` less those whose last hold event set a hold (one subquery, not a query per case)."""
    last = CaseEvent.objects.filter(case=OuterRef("pk"), kind__in=HOLD_EVENTS).order_by("-at", "-id")
    return cases.annotate(last_hold=Subquery(last.values("kind")[:1])).filter(
        Q(last_hold__isnull=True) | ~Q(last_hold=EventKind.HOLD_SET)
    )


class HoldReason(p.Params):
    reason: p.text(
        _("reason"),
        "Why the case must be kept whole (a dispute, an investigation, a regulator's request)",
        example="客户已向法院起诉，诉讼期间保留全部材料。",
    )


class LiftReason(p.Params):
    reason: p.text(_("reason"), "Why the case no longer needs to be kept whole", example="诉讼已终结。")


def _reason(ctx: Context) -> Change:
    return Change({}, {"reason": ctx.params.reason})


EVERY_STATE = frozenset(State.values)

ACTIONS = (
    Action(
        "set_legal_hold",
        EVERY_STATE,
        STAYS,
        may_hold,
        EventKind.HOLD_SET,
        _reason,
        params=HoldReason,
        applies=lambda case: not on_hold(case),
        records_only=True,
        label=_("Set a legal hold"),
        group="oversight",
        hint=_("The case is kept whole past its retention period until the hold is lifted."),
        summary="Set a legal hold on the case",
        description="The supervision office or legal counsel keeps the case out of retention's anonymisation "
        "(R10.5) with a reason, recorded in the case's history, until the hold is lifted.",
    ),
    Action(
        "lift_legal_hold",
        EVERY_STATE,
        STAYS,
        may_hold,
        EventKind.HOLD_LIFTED,
        _reason,
        params=LiftReason,
        applies=on_hold,
        records_only=True,
        label=_("Lift the legal hold"),
        group="oversight",
        summary="Lift the legal hold on the case",
        description="The supervision office or legal counsel lifts a legal hold with a reason; the case is "
        "anonymised by retention once its period has passed.",
    ),
)
