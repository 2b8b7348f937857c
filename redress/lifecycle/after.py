"""What follows every transition and every registration, in this order, inside the same transaction:

1. the clocks (redress.deadlines): the clocks the action meets are met, the ones it starts are started, and
   all stop when the case ends — first, because the notices and triggers below read the clocks;
2. the supervision notices (redress.escalation): an answer to the customer answers them, a stuck transfer's
   notice is answered when the transfer moves, and an ended case leaves none open;
3. the search index (redress.matching.search): an action that wrote a result report or a reply indexes the
   case's texts again, so the register finds them once the action commits;
4. the hand-offs (the action's `tells`): the person the case now waits on is told (R11.2).

A registration is followed by its own steps (redress.lifecycle.registration): the case indexed for search,
the clocks counted from receipt, then the escalation triggers.

Outside effects (e-mail, SMS, webhooks) are queued by the notification service with transaction.on_commit.
"""

from __future__ import annotations

import datetime as dt

from redress.cases.choices import ENDED_STATES, OPEN_STATES
from redress.cases.models import Case
from redress.deadlines import services as clocks
from redress.escalation import services as notices
from redress.matching import search
from redress.notifications.services import notify

from .emergency import plan_accountability
from .machine import Action, Context, Tell


def after_transition(action: Action, ctx: Context, case: Case, data: dict) -> None:
    # A notice given earlier than it was recorded counts from when it was given.
    when = dt.datetime.fromisoformat(data["at"]) if isinstance(data.get("at"), str) else ctx.now
    if action.meets:
        clocks.meet(case, action.meets, when)
    if action.then is not None:
        action.then(ctx, case, data)
    if case.state in ENDED_STATES:
        clocks.stop_all(case, ctx.now)
    if action.answers_notices == "all" or case.state not in OPEN_STATES:
        notices.answer_notices(case, ctx.now)
    elif action.answers_notices == "stuck":
        # The stuck transfer moved: its notice is answered (a late reply still has its own clock).
        notices.answer_notices(case, ctx.now, stuck_only=True)
    # Under an emergency plan, reaching head office gives an accountability record (P1 三、3).
    plan_accountability(case)
    if action.reindexes:
        search.index_cases([case.pk])
    for tell in action.tells:
        _tell(tell, ctx, case, data)


def _tell(tell: Tell, ctx: Context, case: Case, data: dict) -> None:
    people = [p for p in tell.who(ctx, case, data) if p is not None and p.pk != ctx.actor.pk]
    if not people:
        return
    body = data.get(tell.body_from, "") if tell.body_from else ""
    notify(
        tell.event,
        case=case,
        recipients=people,
        subject=str(tell.subject) % {"number": case.number},
        body=body if isinstance(body, str) else "",
        # One notice per transition: the case's version after it is unique to it.
        dedupe_key=f"{tell.event}:{case.pk}:{case.version}",
        data={"case": case.number, "event": tell.event, "by": ctx.actor.name},
    )
