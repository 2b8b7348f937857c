"""Acting on triggers, supervision notices and the sweeper (R5.2–R5.4, R3.4, R4.4, R8.4).

The sweeper finds due warnings, breached clocks and breached notices with indexed queries and acts on each
exactly once: rows are claimed with `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL (several sweepers split
the work) and inside SQLite's exclusive write transaction; each claimed row is marked in the same
transaction, so a second run finds nothing left to do.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from redress.calendar.deadlines import add_working_days
from redress.calendar.services import get_calendar
from redress.cases import lifecycle
from redress.cases.choices import OPEN_STATES, Flag, TransferState
from redress.cases.models import Case, TransferOrder
from redress.deadlines.choices import ClockState
from redress.deadlines.models import Clock
from redress.organisation.choices import LEVEL_ORDER, Level, Role, level_above
from redress.organisation.services import system_actor

from . import triggers
from .models import Accountability, GroupMember, NoticeState, SupervisionNotice

log = logging.getLogger(__name__)

# Who hears about a case at its holding unit: its heads and handlers, and the work group of that level.
_HOLDER_ROLES = (Role.OUTLET_HEAD, Role.HANDLER, Role.WORK_GROUP_LEADER)


def _tell(event: str, case: Case, *, subject: str, body: str, dedupe_key: str, **who) -> int:
    from redress.notifications.services import notify, recipients_for

    recipients = recipients_for(case, **who)
    return notify(event, case=case, recipients=recipients, subject=subject, body=body, dedupe_key=dedupe_key,
                  data={"case": case.number, "event": event})  # fmt: skip


def _escalate(
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
    return lifecycle.perform(
        "auto_escalate",
        actor or system_actor(),
        case,
        {"to_level": to_level, "reason": reason, "trigger": trigger, "step_by_step": step_by_step},
        fresh=fresh,
    )


# ---------------------------------------------------------------------------------------------------------
# Triggers at registration


def apply_triggers(case: Case, staff_flags: frozenset[str] = frozenset()) -> list[triggers.Fired]:
    """Evaluate the triggers for a new case: flag it with the evidence, link, escalate, tell who must know.

    The reasons and notices are the bank's records and letters to its staff: written in the bank's language,
    whichever language the request that registered the case was in."""
    with translation.override(settings.LANGUAGE_CODE):
        return _apply_triggers(case, staff_flags)


def _apply_triggers(case: Case, staff_flags: frozenset[str]) -> list[triggers.Fired]:
    rules = triggers.current_settings()
    fired = triggers.evaluate(case, staff_flags, rules)
    if not fired:
        return []
    actor = system_actor()
    flags = {f.flag: {**f.evidence, "rules_version": rules.version} for f in fired}
    repeat = next((f for f in fired if f.flag == "repeat"), None)
    # The earlier case of a repeat is linked in the same audited transition as the flag.
    params = {"flags": flags, "previous_case": repeat.linked[0] if repeat else None}
    # Registration wrote the case in this transaction (the triggers run inside it): not read again. The
    # transitions act on the registering object itself, so its caller holds the new level, version and links.
    case = lifecycle.perform("set_flags", actor, case, params, fresh=True)
    # A repeat is linked through `previous_case` (set just now); the members of a group complaint through
    # the group they join (`group_of`).
    by_flag = {f.flag: f for f in fired}
    if "group" in by_flag:
        _join_group(case, by_flag["group"])
        _flag_group_members(case, by_flag["group"], actor, rules.version)
    # The highest target wins; media threats climb level by level so every level is on record.
    highest = max((f for f in fired if f.to_level), key=lambda f: LEVEL_ORDER[f.to_level], default=None)
    if highest is not None:
        case = _escalate(
            case,
            highest.to_level,
            highest.reason,
            highest.flag,
            step_by_step=highest.step_by_step,
            actor=actor,
            fresh=True,
        )
    _tell_about_triggers(case, by_flag)
    return fired


def _join_group(case: Case, fired: triggers.Fired) -> None:
    """The new case joins the group(s) its matched cases are in; when they are in none, it forms one with
    them, named by the earliest. Only inserts, in id order: racing registrations neither wait on rows the
    other updates nor deadlock, and a case that lands in two groups joins them (`group_of`)."""
    if fired.groups:
        rows = [(case.pk, first) for first in fired.groups]
        rows += [(pk, min(fired.groups)) for pk in fired.ungrouped]
    else:
        first = min([*fired.ungrouped, case.pk])
        rows = [(pk, first) for pk in {case.pk, *fired.ungrouped}]
    GroupMember.objects.bulk_create(
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


def _flag_group_members(case: Case, fired: triggers.Fired, actor, version: int) -> None:
    evidence = {**fired.evidence, "rules_version": version, "via": case.number}
    if not fired.unflagged:
        return  # the usual case once a group exists: its members were flagged when it formed
    # In id order: two registrations joining the same group lock its earlier members in the same order.
    members = Case.objects.filter(pk__in=fired.unflagged).select_related("unit", "holder_unit").order_by("pk")
    for member in members:
        params = {"flags": {"group": evidence}, "only_new": True}
        member = lifecycle.perform("set_flags", actor, member, params)
        _escalate(member, Level.PROVINCE, fired.reason, "group", actor=actor, fresh=True)


def _tell_about_triggers(case: Case, by_flag: dict[str, triggers.Fired]) -> None:
    number = case.number
    if "media_threat" in by_flag:
        _tell(
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
        _tell(
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
            _tell(
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
    return notices.update(state=NoticeState.ANSWERED, answered_at=at)


# ---------------------------------------------------------------------------------------------------------
# The sweeper


@dataclass
class SweepResult:
    warnings: int = 0
    breaches: int = 0
    notices: int = 0
    notice_breaches: int = 0
    stuck: int = 0
    # Looked up once per sweep, not once per row.
    actor: object = None

    def as_dict(self) -> dict[str, int]:
        return {k: v for k, v in self.__dict__.items() if k != "actor"}


def _claim(queryset: QuerySet, batch: int) -> list:
    """Lock up to `batch` rows for this sweeper; rows another sweeper holds are skipped, not waited for."""
    if connection.vendor == "postgresql":
        return list(queryset.select_for_update(skip_locked=True, of=("self",))[:batch])
    return list(queryset[:batch])


def due_breaches(now: dt.datetime) -> QuerySet[Clock]:
    # Served by the partial index on due_at of live clocks: cost follows the due clocks, not all clocks.
    return (
        Clock.objects.filter(state__in=[ClockState.RUNNING, ClockState.WARNING], due_at__lte=now)
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


def _tell_holder(
    event: str, case: Case, *, subject: str, body: str, dedupe_key: str, unit=None, work_group_level=None
) -> int:
    """The people a late or stuck case concerns: heads and handlers of the unit holding it (or `unit`), the
    work group of the level that issued a notice, and the first responder and handler themselves (R3.4)."""
    return _tell(
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


def _act_on_breach(clock: Clock, now: dt.datetime, result: SweepResult) -> None:
    Clock.objects.filter(pk=clock.pk).update(state=ClockState.BREACHED, breached_at=now)
    result.breaches += 1
    case = Case.objects.select_related("unit", "holder_unit").get(pk=clock.case_id)
    if case.state not in OPEN_STATES or not clock.binding:
        return
    reason = _("The %(clock)s limit (%(policy)s) ran out at %(due)s.") % {
        "clock": clock.get_name_display(),
        "policy": clock.policy.name,
        "due": timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M"),
    }
    notice = issue_notice(case, clock=clock, reason=reason, now=now)
    result.notices += 1
    case = _escalate(case, notice.issued_level, reason, "breached_clock", actor=result.actor)
    _tell_holder(
        "clock_breached",
        case,
        subject=_("Supervision notice on case %(n)s") % {"n": case.number},
        body=reason,
        dedupe_key=f"breach:{clock.pk}",
        work_group_level=notice.issued_level,
    )


def _act_on_stuck_transfer(order: TransferOrder, now: dt.datetime, result: SweepResult) -> None:
    rules = triggers.current_settings()
    ack_due = add_working_days(get_calendar(), order.created_at, rules.transfer_ack_working_days).due_at
    if ack_due > now:
        return
    case = Case.objects.select_related("unit", "holder_unit").get(pk=order.case_id)
    if case.state not in OPEN_STATES:
        return
    reason = _("Stuck: the transfer order to %(unit)s was not acknowledged by %(due)s.") % {
        "unit": order.to_unit.name,
        "due": timezone.localtime(ack_due).strftime("%Y-%m-%d %H:%M"),
    }
    notice = issue_notice(case, clock=None, reason=reason, now=now, transfer_order=order)
    result.notices += 1
    result.stuck += 1
    case = _escalate(case, notice.issued_level, reason, "stuck_transfer", actor=result.actor)
    _tell_holder(
        "transfer_stuck",
        case,
        subject=_("Supervision notice on case %(n)s") % {"n": case.number},
        body=reason,
        dedupe_key=f"stuck:{order.pk}",
        unit=order.to_unit,
        work_group_level=notice.issued_level,
    )


def _act_on_warning(clock: Clock, now: dt.datetime, result: SweepResult) -> None:
    Clock.objects.filter(pk=clock.pk).update(state=ClockState.WARNING, warned_at=now)
    result.warnings += 1
    case = Case.objects.select_related("unit", "holder_unit").get(pk=clock.case_id)
    if case.state not in OPEN_STATES:
        return
    due = timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M")
    # The warning reaches the holder and, as a chase prompt (R3.4), the first responder.
    _tell_holder(
        "clock_warning",
        case,
        subject=_("Case %(n)s is due %(due)s") % {"n": case.number, "due": due},
        body=_("The %(clock)s limit runs out at %(due)s. First responder: chase the handler if needed.")
        % {"clock": clock.get_name_display(), "due": due},
        dedupe_key=f"warn:{clock.pk}",
    )


def _act_on_notice_breach(notice: SupervisionNotice, now: dt.datetime, result: SweepResult) -> None:
    SupervisionNotice.objects.filter(pk=notice.pk).update(state=NoticeState.BREACHED, breached_at=now)
    result.notice_breaches += 1
    case = Case.objects.select_related("unit", "holder_unit", "handler").get(pk=notice.case_id)
    if case.state not in OPEN_STATES:
        return
    Accountability.objects.create(
        case=case,
        staff=case.handler,
        unit=case.holder_unit,
        rule="supervision_notice_breached",
        notice=notice,
        note=_("Supervision notice #%(s)d was not answered by %(due)s.")
        % {"s": notice.sequence, "due": timezone.localtime(notice.due_at).strftime("%Y-%m-%d %H:%M")},
    )
    reason = _("Supervision notice #%(s)d breached: escalated again.") % {"s": notice.sequence}
    case = _escalate(case, level_above(case.level), reason, "notice_breached", actor=result.actor)
    follow = issue_notice(
        case,
        clock=notice.clock,
        reason=reason,
        now=now,
        previous=notice,
        transfer_order=notice.transfer_order,
    )
    result.notices += 1
    _tell_holder(
        "notice_breached",
        case,
        subject=_("Supervision notice breached on case %(n)s") % {"n": case.number},
        body=reason,
        dedupe_key=f"notice:{notice.pk}",
        work_group_level=follow.issued_level,
    )


def sweep(now: dt.datetime | None = None, *, batch: int = 200) -> SweepResult:
    """One pass: breaches first (they matter most), then notice breaches, warnings and stuck transfers. Its
    reasons and notices are written in the bank's language, whatever the process had active."""
    with translation.override(settings.LANGUAGE_CODE):
        return _sweep(now, batch)


def _sweep(now: dt.datetime | None, batch: int) -> SweepResult:
    now = now or timezone.now()
    result = SweepResult(actor=system_actor())
    for finder, act in (
        (due_breaches, _act_on_breach),
        (due_notice_breaches, _act_on_notice_breach),
        (due_warnings, _act_on_warning),
    ):
        while True:
            with transaction.atomic():
                claimed = _claim(finder(now), batch)
                for row in claimed:
                    try:
                        with transaction.atomic():
                            act(row, now, result)
                    except Exception:
                        # One bad row must not stop the sweep or be retried forever: mark it and go on.
                        log.exception("sweeper could not act on %s %s", type(row).__name__, row.pk)
                        _mark_failed(row, now)
            if len(claimed) < batch:
                break
    # Stuck transfers are not all due yet when claimed, so walk them once by id instead of until none is left.
    last = 0
    while True:
        with transaction.atomic():
            claimed = _claim(stuck_transfer_candidates(now).filter(pk__gt=last).order_by("pk"), batch)
            for order in claimed:
                try:
                    with transaction.atomic():
                        _act_on_stuck_transfer(order, now, result)
                except Exception:
                    log.exception("sweeper could not act on transfer order %s", order.pk)
        if len(claimed) < batch:
            break
        last = claimed[-1].pk
    return result


def _mark_failed(row, now: dt.datetime) -> None:
    if isinstance(row, Clock):
        if row.due_at <= now:
            Clock.objects.filter(pk=row.pk).update(state=ClockState.BREACHED, breached_at=now)
        else:
            Clock.objects.filter(pk=row.pk).update(state=ClockState.WARNING, warned_at=now)
    else:
        SupervisionNotice.objects.filter(pk=row.pk).update(state=NoticeState.BREACHED, breached_at=now)
