"""The work lists a clerk lives in (R3, R2.8, R7; issue 15 item 2): for each, the cases now waiting on the
user, through `visible_to`. The pages, the API and the counts beside the navigation all read them here.

- to sign for (待签收): transfer orders addressed to the user's own unit, or naming them as handler;
- awaiting instruction (待批示): open cases without the leader's instruction (leaders only);
- to answer (待回复): the user's own cases (first responder) whose answer to the customer is theirs to give
  now — handled in their own unit, or transferred with the result report back;
- to follow up (待回访): the user's own cases answered and awaiting the follow-up;
- due (即将到期 / 已超时): the live clocks of the cases the user sees, due soon or past due.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from redress.access.visibility import visible_to
from redress.cases.choices import OPEN_STATES, State, TransferState
from redress.cases.models import Case, Instruction, TransferOrder
from redress.deadlines.choices import COUNTING_STATES
from redress.deadlines.models import Clock
from redress.organisation.choices import Role
from redress.organisation.models import Staff


def _to_sign_for(user: Staff) -> Q:
    addressed = Q(handler=user)
    if user.unit_id is not None:
        addressed |= Q(holder_unit_id=user.unit_id)
    return addressed & Q(state=State.TRANSFERRED)


def to_sign_for(user: Staff) -> QuerySet[Case]:
    return visible_to(user).filter(_to_sign_for(user)).order_by("updated_at", "id")


def may_instruct(user: Staff) -> bool:
    return user.has_role(Role.LEADER_IN_CHARGE, Role.ADMIN)


def _awaiting_instruction() -> Q:
    return Q(state__in=OPEN_STATES) & ~Exists(Instruction.objects.filter(case=OuterRef("pk")))


def awaiting_instruction(user: Staff) -> QuerySet[Case]:
    if not may_instruct(user):
        return Case.objects.none()
    return visible_to(user).filter(_awaiting_instruction()).order_by("received_at", "id")


def _to_answer(user: Staff) -> Q:
    with_the_handler = TransferOrder.objects.filter(
        case=OuterRef("pk"), state__in=(TransferState.OPEN, TransferState.ACKNOWLEDGED)
    )
    return Q(first_responder=user, state__in=(State.ACCEPTED, State.IN_PROGRESS)) & ~Exists(with_the_handler)


def to_answer(user: Staff) -> QuerySet[Case]:
    return visible_to(user).filter(_to_answer(user)).order_by("received_at", "id")


def _to_follow_up(user: Staff) -> Q:
    return Q(first_responder=user, state=State.REPLIED)


def to_follow_up(user: Staff) -> QuerySet[Case]:
    return visible_to(user).filter(_to_follow_up(user)).order_by("updated_at", "id")


LISTS = {
    "to_sign_for": to_sign_for,
    "awaiting_instruction": awaiting_instruction,
    "to_answer": to_answer,
    "to_follow_up": to_follow_up,
}


def counts(user: Staff) -> dict[str, int]:
    """How many cases wait in each of the user's lists, in one query (every page's navigation shows them)."""
    lists = {
        "to_sign_for": _to_sign_for(user),
        "to_answer": _to_answer(user),
        "to_follow_up": _to_follow_up(user),
    }
    if may_instruct(user):
        lists["awaiting_instruction"] = _awaiting_instruction()
    anywhere = Q()
    for condition in lists.values():
        anywhere |= condition
    return (
        visible_to(user)
        .filter(anywhere)
        .aggregate(**{name: Count("pk", filter=condition) for name, condition in lists.items()})
    )


DUE_SOON, OVERDUE = "due_soon", "overdue"


def due(
    user: Staff,
    *,
    now: dt.datetime,
    within: dt.timedelta = dt.timedelta(hours=24),
    status: str = "",
    unit_path: str = "",
    handler: Staff | None = None,
) -> QuerySet[Clock]:
    """Live clocks (paused ones are not ticking) of the cases the user sees: due within `within` and not
    yet due (`status="due_soon"`), past due (`"overdue"`), or both (`""`); optionally only of cases held in
    a unit's subtree or by one handler. Earliest due first."""
    cases = visible_to(user)
    if unit_path:
        cases = cases.filter(holder_unit_path__startswith=unit_path)
    if handler is not None:
        cases = cases.filter(handler=handler)
    clocks = Clock.objects.filter(case__in=cases.values("pk"), state__in=COUNTING_STATES)
    if status == OVERDUE:
        clocks = clocks.filter(due_at__lte=now)
    elif status == DUE_SOON:
        clocks = clocks.filter(due_at__gt=now, due_at__lte=now + within)
    else:
        clocks = clocks.filter(due_at__lte=now + within)
    return clocks.order_by("due_at", "id")
