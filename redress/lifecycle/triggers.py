"""The escalation triggers applied to a new case (R5.2): the rules (redress.escalation.triggers) say what
fired; here the case is flagged with the evidence and its earlier case linked (`set_flags`), the members of a
group complaint join their group and are flagged, the case is escalated (`auto_escalate`) and the people who
must know are told. Every write is a system action of the catalogue, audited like a person's."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

from redress.cases.choices import OPEN_STATES
from redress.cases.models import Case
from redress.escalation import services as notices
from redress.escalation import triggers
from redress.organisation.choices import LEVEL_ORDER, Level
from redress.organisation.services import system_actor

from .catalogue import perform


def escalate(
    case: Case,
    to_level: str | None,
    reason: str,
    trigger: str,
    *,
    step_by_step: bool = False,
    actor=None,
    fresh: bool = False,
) -> Case:
    if to_level is None or LEVEL_ORDER[to_level] <= LEVEL_ORDER[case.level] or case.state not in OPEN_STATES:
        return case
    return perform(
        "auto_escalate",
        actor or system_actor(),
        case,
        {"to_level": to_level, "reason": reason, "trigger": trigger, "step_by_step": step_by_step},
        fresh=fresh,
    )


# The only actions the triggers take on the new case; neither touches its clocks (a test holds them to it),
# so registration knows the clocks it started are the case's clocks.
ACTIONS_ON_THE_NEW_CASE = ("set_flags", "auto_escalate")


def apply_triggers(case: Case, staff_flags: frozenset[str] = frozenset()) -> tuple[Case, frozenset[str]]:
    """Evaluate the triggers for a new case: flag it with the evidence, link, escalate, tell who must know.
    Returns the case as the triggers left it (its flags' transition and escalation changed its version) and
    the flags that fired (the case now carries `staff_flags` and these).

    The reasons and notices are the bank's records and letters to its staff: written in the bank's language,
    whichever language the request that registered the case was in."""
    with translation.override(settings.LANGUAGE_CODE):
        return _apply_triggers(case, staff_flags)


def _apply_triggers(case: Case, staff_flags: frozenset[str]) -> tuple[Case, frozenset[str]]:
    rules = triggers.current_settings()
    fired = triggers.evaluate(case, staff_flags, rules)
    if not fired:
        return case, frozenset()
    actor = system_actor()
    flags = {f.flag: {**f.evidence, "rules_version": rules.version} for f in fired}
    repeat = next((f for f in fired if f.flag == "repeat"), None)
    # The earlier case of a repeat is linked in the same audited transition as the flag.
    params = {
        "flags": flags,
        "previous_case": repeat.linked[0] if repeat else None,
        # Registration wrote the case's flags in this transaction: they are these.
        "present": sorted(staff_flags),
    }
    # Registration wrote the case in this transaction (the triggers run inside it): not read again.
    case = perform("set_flags", actor, case, params, fresh=True)
    # A repeat is linked through `previous_case` (set just now); the members of a group complaint through
    # the group they join (`group_of`).
    by_flag = {f.flag: f for f in fired}
    if "group" in by_flag:
        notices.join_group(case, by_flag["group"])
        _flag_group_members(case, by_flag["group"], actor, rules.version)
    # The highest target wins; media threats climb level by level so every level is on record.
    highest = max((f for f in fired if f.to_level), key=lambda f: LEVEL_ORDER[f.to_level], default=None)
    if highest is not None:
        case = escalate(
            case,
            highest.to_level,
            highest.reason,
            highest.flag,
            step_by_step=highest.step_by_step,
            actor=actor,
            fresh=True,
        )
    notices.tell_about_triggers(case, by_flag)
    return case, frozenset(by_flag)


def _flag_group_members(case: Case, fired: triggers.Fired, actor, version: int) -> None:
    evidence = {**fired.evidence, "rules_version": version, "via": case.number}
    if not fired.unflagged:
        return  # the usual case once a group exists: its members were flagged when it formed
    # In id order: two registrations joining the same group lock its earlier members in the same order.
    members = Case.objects.filter(pk__in=fired.unflagged).select_related("unit", "holder_unit").order_by("pk")
    for member in members:
        params = {"flags": {"group": evidence}, "only_new": True}
        member = perform("set_flags", actor, member, params)
        escalate(member, Level.PROVINCE, fired.reason, "group", actor=actor, fresh=True)
