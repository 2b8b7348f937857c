"""Group complaints, supervision notices and who is told (R5.2–R5.4, R3.4, R4.4, R8.4): the records of
escalation. The rules that act on them as the case's life goes on — the triggers at registration and the
sweeper — are in redress.lifecycle (triggers, sweeper): they run system actions, which live there.

The sweeper's queries are here: they find due warnings, breached clocks, stuck transfers and breached
notices with indexed queries, and `claim` locks a batch of them for one sweeper.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from redress.calendar.deadlines import add_working_days
from redress.calendar.services import get_calendar
from redress.cases.choices import Flag, TransferState
from redress.cases.models import Case, TransferOrder
from redress.common.rows import insert_many
from redress.deadlines.choices import ClockState
from redress.deadlines.models import Clock
from redress.notifications.services import notify, recipients_for
from redress.organisation.choices import Level, Role, level_above

from . import triggers
from .models import GroupMember, NoticeState, SupervisionNotice

log = logging.getLogger(__name__)
# A clock can run out while running or after its warning.
CLOCK_STATES_DUE = (ClockState.RUNNING, ClockState.WARNING)

# Who hears about a case at its holding unit: its heads and handlers, and the work group of that level.
_HOLDER_ROLES = (Role.OUTLET_HEAD, Role.HANDLER, Role.WORK_GROUP_LEADER)


def tell(event: str, case: Case, *, subject: str, body: str, dedupe_key: str, **who) -> int:
    recipients = recipients_for(case, **who)
    return notify(event, case=case, recipients=recipients, subject=subject, body=body, dedupe_key=dedupe_key,
                  data={"case": case.number, "event": event})  # fmt: skip


def join_group(case: Case, fired: triggers.Fired) -> None:
    """The new case joins the group(s) its matched cases are in; when they are in none, it forms one with
    them, named by the earliest. Only inserts, in id order: racing registrations neither wait on rows the
    other updates nor deadlock, and a case that lands in two groups joins them (`group_of`)."""
    if fired.groups:
        rows = [(case.pk, first) for first in fired.groups]
        rows += [(pk, min(fired.groups)) for pk in fired.ungrouped]
    else:
        first = min([*fired.ungrouped, case.pk])
        rows = [(pk, first) for pk in {case.pk, *fired.ungrouped}]
    insert_many(
        [GroupMember(case_id=pk, first_id=first) for pk, first in sorted(rows)], ignore_conflicts=True
    )


def group_of(case: Case) -> list[int]:
    """Ids of the cases in the same group complaint as `case` (itself included), or [] if it is in none:
    the members of its groups, and of the groups those members are also in."""
    groups = set(GroupMember.objects.filter(case=case).values_list("first_id", flat=True))
    seen: set[int] = set()
    members: set[int] = set()
    while groups - seen:
        new = groups - seen
        seen |= new
        found = set(GroupMember.objects.filter(first__in=new).values_list("case_id", flat=True))
        fresh, members = found - members, members | found
        groups |= set(GroupMember.objects.filter(case__in=fresh).values_list("first_id", flat=True))
    return sorted(members)


def tell_about_triggers(case: Case, by_flag: dict[str, triggers.Fired]) -> None:
    number = case.number
    if "media_threat" in by_flag:
        tell(
            "media_threat",
            case,
            subject=_("Media threat on case %(n)s") % {"n": number},
            body=str(by_flag["media_threat"].reason),
            dedupe_key=f"media_threat:{case.pk}",
            roles=(Role.SPOKESPERSON,),
            level=Level.BRANCH,
            work_group_level=Level.BRANCH,
        )
    if "skip_level" in by_flag and case.subject_unit_id:
        tell(
            "skip_level",
            case,
            subject=_("Skip-level complaint about your unit: %(n)s") % {"n": number},
            body=str(by_flag["skip_level"].reason),
            dedupe_key=f"skip_level:{case.pk}",
            roles=(Role.OUTLET_HEAD,),
            unit=case.subject_unit,
        )
    for flag in ("major", "group", "repeat", "cross_province"):
        if flag in by_flag:
            tell(
                flag,
                case,
                subject=_("Case %(n)s escalated: %(why)s") % {"n": number, "why": Flag(flag).label},
                body=str(by_flag[flag].reason),
                dedupe_key=f"{flag}:{case.pk}",
                work_group_level=case.level,
                roles=(Role.WORK_GROUP_LEADER, Role.SUPERVISION_OFFICE),
                level=case.level,
            )


# ---------------------------------------------------------------------------------------------------------
# Supervision notices


def issue_notice(
    case: Case, *, clock: Clock | None, reason: str, now: dt.datetime, previous=None, transfer_order=None
) -> SupervisionNotice | None:
    """A notice from the level above the case's current level, with a new deadline in working days."""
    level = level_above(case.level) or Level.HEAD_OFFICE
    issued_by = case.unit.at_level(level)
    rules = triggers.current_settings()
    due = add_working_days(
        get_calendar(), now, rules.notice_working_days, cutoff=case.holder_unit.close_of_business
    )
    return SupervisionNotice.objects.create(
        case=case,
        clock=clock,
        transfer_order=transfer_order,
        previous=previous,
        sequence=(previous.sequence + 1) if previous else 1,
        issued_level=level,
        issued_by_unit=issued_by,
        to_unit=case.holder_unit,
        reason=reason,
        issued_at=now,
        due_at=due.due_at,
    )


def answer_notices(case: Case, at: dt.datetime, *, stuck_only: bool = False) -> int:
    notices = SupervisionNotice.objects.filter(case=case, state=NoticeState.OPEN)
    if stuck_only:
        notices = notices.filter(transfer_order__isnull=False)
    return SupervisionNotice.MOVES.move(notices, "answer", answered_at=at)


# ---------------------------------------------------------------------------------------------------------
# The sweeper


def claim(queryset: QuerySet, batch: int) -> list:
    """Lock up to `batch` rows for this sweeper; rows another sweeper holds are skipped, not waited for."""
    if connection.vendor == "postgresql":
        return list(queryset.select_for_update(skip_locked=True, of=("self",))[:batch])
    return list(queryset[:batch])


def due_breaches(now: dt.datetime) -> QuerySet[Clock]:
    # Served by the partial index on due_at of live clocks: cost follows the due clocks, not all clocks.
    return (
        Clock.objects.filter(state__in=CLOCK_STATES_DUE, due_at__lte=now)
        .select_related("policy")
        .order_by("due_at")
    )


def due_warnings(now: dt.datetime) -> QuerySet[Clock]:
    return (
        Clock.objects.filter(state=ClockState.RUNNING, warn_at__lte=now, due_at__gt=now)
        .select_related("policy")
        .order_by("warn_at")
    )


def stuck_transfer_candidates(now: dt.datetime) -> QuerySet[TransferOrder]:
    """Open transfer orders older than a day with no notice yet; whether they are past the working days
    allowed to acknowledge is decided per order with the calendar (a cheap check on a short list)."""
    return (
        TransferOrder.objects.filter(state=TransferState.OPEN, created_at__lte=now - dt.timedelta(days=1))
        .filter(supervision_notices__isnull=True)
        .order_by("created_at")
    )


def due_notice_breaches(now: dt.datetime) -> QuerySet[SupervisionNotice]:
    return SupervisionNotice.objects.filter(state=NoticeState.OPEN, due_at__lte=now).order_by("due_at")


def tell_holder(
    event: str, case: Case, *, subject: str, body: str, dedupe_key: str, unit=None, work_group_level=None
) -> int:
    """The people a late or stuck case concerns: heads and handlers of the unit holding it (or `unit`), the
    work group of the level that issued a notice, and the first responder and handler themselves (R3.4)."""
    return tell(
        event,
        case,
        subject=subject,
        body=body,
        dedupe_key=dedupe_key,
        roles=_HOLDER_ROLES,
        unit=unit or case.holder_unit,
        work_group_level=work_group_level,
        include=[s for s in (case.first_responder, case.handler) if s is not None],
    )


def mark_failed(row, now: dt.datetime) -> None:
    if isinstance(row, Clock):
        if row.due_at <= now:
            Clock.MOVES.move(Clock.objects.filter(pk=row.pk), "breach", breached_at=now)
        else:
            Clock.MOVES.move(Clock.objects.filter(pk=row.pk), "warn", warned_at=now)
    else:
        SupervisionNotice.MOVES.move(SupervisionNotice.objects.filter(pk=row.pk), "breach", breached_at=now)
