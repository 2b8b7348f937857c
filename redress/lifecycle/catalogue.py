"""Every action of a case's life, in the order the case page offers them, and the two questions asked of
them everywhere: `perform` (run one) and `allowed_actions` (which a user may take now)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from redress.cases.models import Case
from redress.common.reference import pinned
from redress.organisation.models import Staff

from . import (
    categories,
    clocks,
    emergency,
    handling,
    holds,
    intake,
    oversight,
    personal,
    referral,
    reply_close,
    reporter,
    routing,
    system,
)
from .after import after_transition
from .machine import Action, IllegalTransition, Params, can_act, run

ACTIONS: dict[str, Action] = {
    action.name: action
    for stage in (
        intake.ACTIONS,
        routing.ACTIONS,
        handling.ACTIONS,
        personal.ACTIONS,
        reply_close.ACTIONS,
        referral.ACTIONS,
        categories.ACTIONS,
        emergency.ACTIONS,
        reporter.ACTIONS,
        oversight.ACTIONS,
        holds.ACTIONS,
        clocks.ACTIONS,
        system.ACTIONS,
    )
    for action in stage
}
# The actions people take: each has its API endpoint, its form and its button. System actions have none.
HUMAN_ACTIONS: dict[str, Action] = {name: a for name, a in ACTIONS.items() if not a.system}

# The groups of the case page's action panel, in order.
GROUPS = ("review", "routing", "customer", "handling", "oversight", "clocks", "close")


def allowed_actions(user: Staff, case: Case) -> list[str]:
    """Actions this user may take on this case in its current state (for buttons and 409 messages)."""
    if not can_act(user, case):
        return []
    with pinned():  # the permissions' cached lookups read the reference tokens once for all the actions
        return [a.name for a in ACTIONS.values() if a.possible_in(case) and a.permission(user, case)]


def perform(
    action: str,
    actor: Staff,
    case: Case,
    params: Mapping[str, Any] | Params | None = None,
    *,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
    fresh: bool = False,
) -> Case:
    """Run the action named `action` on `case` for `actor` (redress.lifecycle.machine.run). Errors:
    IllegalTransition (→ 409), ActionForbidden (→ 403), FieldErrors (→ 422), ConcurrentChange (→ 409)."""
    declared = ACTIONS.get(action)
    if declared is None:
        raise IllegalTransition(action, case.state, allowed_actions(actor, case))
    return run(
        declared,
        actor,
        case,
        params,
        allowed=allowed_actions,
        after=after_transition,
        expected_version=expected_version,
        now=now,
        fresh=fresh,
    )
