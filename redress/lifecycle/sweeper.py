"""The sweeper (R3.4, R4.4, R5.3, R5.4): every minute it finds what has come due — breached clocks, notices
not answered in time, warnings, transfer orders nobody acknowledged — and acts on each exactly once.

Rows are claimed with `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL (several sweepers split the work) and
inside SQLite's exclusive write transaction, and each claimed row is marked in the same transaction, so a
second run finds nothing left to do. Each kind of due thing is one entry of `DUE`: how it is found, how its
row is marked, and what follows for an open case — an event on the case's history, a supervision notice, an
escalation (a system action) and the people told — done by one function, `_respond`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from redress.calendar.deadlines import add_working_days
from redress.calendar.services import get_calendar
from redress.cases.choices import OPEN_STATES, EventKind, State
from redress.cases.models import Case, CaseEvent, TransferOrder
from redress.common import reference
from redress.deadlines.choices import ClockName, ClockState
from redress.deadlines.models import Clock
from redress.escalation import instructions, triggers
from redress.escalation import services as notices
from redress.escalation.models import Accountability, SupervisionNotice
from redress.notifications.models import Notification
from redress.organisation.choices import level_above
from redress.organisation.services import system_actor
from redress.reports import figures
from redress.watch import services as daily_checks

from . import loss_reminders
from .emergency import PLAN_CLOCKS, plan_accountability
from .triggers import escalate

log = logging.getLogger(__name__)


@dataclass
class SweepResult:
    warnings: int = 0
    breaches: int = 0
    notices: int = 0
    notice_breaches: int = 0
    stuck: int = 0
    instructions_requested: int = 0
    instructions_chased: int = 0
    loss_reports_reminded: int = 0
    replies_due_today: int = 0
    daily_checks_reminded: int = 0
    # Looked up once per sweep, not once per row.
    actor: object = None

    def as_dict(self) -> dict[str, int]:
        return {k: v for k, v in self.__dict__.items() if k != "actor"}


@dataclass
class Response:
    """What follows a due thing on an open case."""

    event: str
    reason: str
    # Who is told: the notification's event, subject, and where it goes beyond the holder's people.
    tell: str
    subject: str
    dedupe_key: str
    unit: Any = None
    # A supervision notice to issue (issue_notice's keywords), and whether the case goes up first.
    notice: dict | None = None
    escalate_first: bool = False
    trigger: str = ""
    body: str = ""
    event_data: dict = field(default_factory=dict)


def _when(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _cases_of(rows: list) -> dict[int, Case]:
    """The cases of a batch's rows, in one statement, locked as the lifecycle would lock them (their own
    rows, FOR NO KEY UPDATE, in id order), so the escalation that follows runs on each as it is (`fresh`)
    instead of reading it again; with the people the notices go to and its emergency plan's record (the
    plan's accountability asks after every escalation)."""
    ids = sorted({row.case_id for row in rows})
    cases = Case.objects.select_related(
        "unit", "holder_unit", "handler", "first_responder", "plan_membership"
    ).order_by("pk")
    if connection.vendor == "postgresql":
        cases = cases.select_for_update(of=("self",), no_key=True)
    return {case.pk: case for case in cases.filter(pk__in=ids)}


# ---- the due things ------------------------------------------------------------------------------------


def _breach(clock: Clock, case: Case, now: dt.datetime, result: SweepResult) -> Response | None:
    if not clock.binding:
        return None
    reason = _("The %(clock)s limit (%(policy)s) ran out at %(due)s.") % {
        "clock": clock.get_name_display(),
        "policy": clock.policy.name,
        "due": _when(clock.due_at),
    }
    return Response(
        EventKind.CLOCK_BREACHED,
        reason,
        "clock_breached",
        _("Supervision notice on case %(n)s") % {"n": case.number},
        f"breach:{clock.pk}",
        notice={"clock": clock},
        trigger="breached_clock",
        event_data={"clock": clock.name},
    )


def _notice_breach(notice: SupervisionNotice, case: Case, now: dt.datetime, result: SweepResult) -> Response:
    note = _("Supervision notice #%(s)d was not answered by %(due)s.") % {
        "s": notice.sequence,
        "due": _when(notice.due_at),
    }
    accountability = Accountability.objects.create(
        case=case,
        staff=case.handler,
        unit=case.holder_unit,
        rule="supervision_notice_breached",
        notice=notice,
        note=note,
    )
    return Response(
        EventKind.NOTICE_BREACHED,
        _("Supervision notice #%(s)d breached: escalated again.") % {"s": notice.sequence},
        "notice_breached",
        _("Supervision notice breached on case %(n)s") % {"n": case.number},
        f"notice:{notice.pk}",
        notice={"clock": notice.clock, "previous": notice, "transfer_order": notice.transfer_order},
        escalate_first=True,
        trigger="notice_breached",
        event_data={"notice": notice.pk, "accountability": accountability.pk, "note": note},
    )


def _warning(clock: Clock, case: Case, now: dt.datetime, result: SweepResult) -> Response:
    due = _when(clock.due_at)
    # The warning reaches the holder and, as a chase prompt (R3.4), the first responder.
    return Response(
        EventKind.CLOCK_WARNED,
        _("The %(clock)s limit runs out at %(due)s. First responder: chase the handler if needed.")
        % {"clock": clock.get_name_display(), "due": due},
        "clock_warning",
        _("Case %(n)s is due %(due)s") % {"n": case.number, "due": due},
        f"warn:{clock.pk}",
        event_data={"clock": clock.name},
    )


def _stuck(order: TransferOrder, case: Case, now: dt.datetime, result: SweepResult) -> Response | None:
    result.stuck += 1
    reason = _("Stuck: the transfer order to %(unit)s was not acknowledged by %(due)s.") % {
        "unit": order.to_unit.name,
        "due": _when(_acknowledgement_due(order)),
    }
    return Response(
        EventKind.NOTICE_ISSUED,
        reason,
        "transfer_stuck",
        _("Supervision notice on case %(n)s") % {"n": case.number},
        f"stuck:{order.pk}",
        unit=order.to_unit,
        notice={"clock": None, "transfer_order": order},
        trigger="stuck_transfer",
        event_data={"transfer_order": order.pk},
    )


def _acknowledgement_due(order: TransferOrder) -> dt.datetime:
    """When the order had to be acknowledged; worked out once per claimed order (checked, then named)."""
    if not hasattr(order, "acknowledgement_due"):
        days = triggers.current_settings().transfer_ack_working_days
        order.acknowledgement_due = add_working_days(get_calendar(), order.created_at, days).due_at
    return order.acknowledgement_due


def _moved(model, move: str, stamp: str) -> Callable[[list, dt.datetime], int]:
    """Marks claimed rows by their declared move, in one statement; returns how many moved."""

    def mark_all(rows: list, now: dt.datetime) -> int:
        return model.MOVES.move(model.objects.filter(pk__in=[r.pk for r in rows]), move, **{stamp: now})

    return mark_all


def _stuck_now(order: TransferOrder, now: dt.datetime) -> bool:
    # Claimed before they are all due: the working days allowed to acknowledge decide, per order.
    return _acknowledgement_due(order) <= now


@dataclass(frozen=True)
class Due:
    """One kind of thing the sweeper acts on: found, marked (False: not due after all), responded to."""

    name: str
    find: Callable[[dt.datetime], QuerySet]
    respond: Callable[[Any, Case, dt.datetime, SweepResult], Response | None]
    # Marks claimed rows (a batch in one statement; returns how many moved). Kinds that change no row of
    # their own say instead, row by row, whether it is due after all (`is_due`).
    mark_all: Callable[[list, dt.datetime], int] | None = None
    is_due: Callable[[Any, dt.datetime], bool] | None = None
    # The count of SweepResult a marked row adds to, whether or not its case is still open.
    counter: str = ""
    # Walked once by id (rows that are not due yet stay candidates) instead of until none is left.
    walk_once: bool = False

    def mark(self, row, now: dt.datetime) -> bool:
        if self.mark_all is not None:
            return self.mark_all([row], now) == 1
        return self.is_due(row, now)


# Breaches first (they matter most), then notice breaches, warnings and stuck transfers.
DUE = (
    Due(
        "clock breach",
        notices.due_breaches,
        _breach,
        mark_all=_moved(Clock, "breach", "breached_at"),
        counter="breaches",
    ),
    Due(
        "notice breach",
        notices.due_notice_breaches,
        _notice_breach,
        mark_all=_moved(SupervisionNotice, "breach", "breached_at"),
        counter="notice_breaches",
    ),
    Due(
        "clock warning",
        notices.due_warnings,
        _warning,
        mark_all=_moved(Clock, "warn", "warned_at"),
        counter="warnings",
    ),
    Due("stuck transfer", notices.stuck_transfer_candidates, _stuck, is_due=_stuck_now, walk_once=True),
)


def _act(due: Due, row, now: dt.datetime, result: SweepResult, cases: dict[int, Case], marked: bool) -> None:
    if not marked and not due.mark(row, now):
        return
    if due.counter:
        setattr(result, due.counter, getattr(result, due.counter) + 1)
    if due.counter == "breaches":  # a breached clock counts in the case's figures (reports/figures.py)
        figures.case_changed(row.case_id)
    case = cases.get(row.case_id) or _cases_of([row])[row.case_id]
    if case.state not in OPEN_STATES:
        return
    response = due.respond(row, case, now, result)
    if response is not None:
        # The next row of the same case in this batch starts from the case as this one left it.
        case = cases[case.pk] = _respond(case, response, now, result)
    if due.counter == "breaches" and row.name in PLAN_CLOCKS:
        # An overrun plan clock (or the escalation it caused) gives the plan's accountability (P1 六、6).
        plan_accountability(case)


def _respond(case: Case, response: Response, now: dt.datetime, result: SweepResult) -> Case:
    """The one way the sweeper answers a due thing on an open case: on the case's history, then the notice
    and the escalation, then the people told. Returns the case as it now is."""
    data = {"reason": response.reason, **response.event_data}
    work_group_level = None
    if response.escalate_first:
        case = escalate(
            case, level_above(case.level), response.reason, response.trigger, actor=result.actor, fresh=True
        )
    if response.notice is not None:
        notice = notices.issue_notice(case, reason=response.reason, now=now, **response.notice)
        result.notices += 1
        data["notice"] = notice.pk
        data["notice_level"] = notice.issued_level
        work_group_level = notice.issued_level
        if not response.escalate_first:
            case = escalate(
                case, notice.issued_level, response.reason, response.trigger, actor=result.actor, fresh=True
            )
    # The sweeper's records change no field of the case (its version stays, so nobody's open form goes
    # stale because a clock warned), but each is on the case's history like any other change.
    CaseEvent.objects.create(case=case, kind=response.event, actor=result.actor, data=data)
    notices.tell_holder(
        response.tell,
        case,
        subject=response.subject,
        body=response.body or response.reason,
        dedupe_key=response.dedupe_key,
        unit=response.unit,
        work_group_level=work_group_level,
    )
    return case


# Due clocks, notices and transfers acted on per transaction: each transaction holds its cases locked until it
# commits, and a registration whose group rule flags one of them waits for it. The surge benchmark (§10 of
# docs/performance.md) saw 200 a transaction hold cases for tens of seconds on a loaded machine and group
# registrations wait 23 s (p99); 20 keep the hold ten times shorter for three statements more per 20 rows.
PER_TRANSACTION = 20


def sweep(
    now: dt.datetime | None = None, *, batch: int = 200, per_transaction: int = PER_TRANSACTION
) -> SweepResult:
    """One pass over every kind of due thing (every due clock, notice and transfer, `per_transaction` a
    transaction; at most `batch` of the instructions and loss reports). Its reasons and notices are written in
    the bank's language, whatever the process had active."""
    with translation.override(settings.LANGUAGE_CODE):
        now = now or timezone.now()
        result = SweepResult(actor=system_actor())
        for due in DUE:
            _sweep_one_kind(due, now, per_transaction, result)
        # The registrations awaiting the leader's instruction: asked about, then chased (P3 第八条).
        result.instructions_requested = instructions.request_instructions(now, batch=batch)
        result.instructions_chased = instructions.chase_instructions(now, batch=batch)
        # Emergency verbal loss reports about to lapse: the customer and the outlet reminded (P1 四(三)3).
        result.loss_reports_reminded = loss_reminders.remind(now, batch=batch, actor=result.actor)
        result.replies_due_today = tell_replies_due_today(now)
        # The daily checks not done by the reminder time: their people on duty (P3 第九条).
        result.daily_checks_reminded = daily_checks.remind(now)
        return result


# The clocks of the reply the customer is owed: the notice says the reply is due today.
REPLY_CLOCKS = (ClockName.REPLY, ClockName.DECISION)


def due_today_key(case_id: int, day: dt.date) -> str:
    return f"reply_due_today:{case_id}:{day.isoformat()}"


def tell_replies_due_today(now: dt.datetime) -> int:
    """The holder of each case whose binding reply limit runs out today (its last day, local time) is told
    so once that day (issue 15): a case already told today is skipped before anyone is looked up, so the
    sweep every minute costs one query when nothing is new. Returns how many cases were told."""
    today = timezone.localdate(now)
    end_of_today = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time(0)))
    due = (
        Clock.objects.filter(
            name__in=REPLY_CLOCKS,
            binding=True,
            state__in=(ClockState.RUNNING, ClockState.WARNING),
            due_at__gt=now,
            due_at__lte=end_of_today,
            case__state__in=OPEN_STATES - {State.REPLIED},
        )
        .order_by("due_at")
        .values_list("case_id", "due_at")
    )
    first_due: dict[int, dt.datetime] = {}
    for case_id, due_at in due:
        first_due.setdefault(case_id, due_at)
    told_already = set(
        Notification.objects.filter(
            event="reply_due_today", dedupe_key__in=[due_today_key(pk, today) for pk in first_due]
        ).values_list("case_id", flat=True)
    )
    told = 0
    cases = Case.objects.select_related("holder_unit", "handler", "first_responder").in_bulk(
        [pk for pk in first_due if pk not in told_already]
    )
    for pk, case in cases.items():
        with transaction.atomic():
            due_at = _when(first_due[pk])
            notices.tell_holder(
                "reply_due_today",
                case,
                subject=_("The reply on case %(n)s is due today, by %(due)s")
                % {"n": case.number, "due": due_at},
                body=_("The customer must have the bank's reply by %(due)s.") % {"due": due_at},
                dedupe_key=due_today_key(pk, today),
            )
        told += 1
    return told


def _sweep_one_kind(due: Due, now: dt.datetime, batch: int, result: SweepResult) -> None:
    last = 0
    while True:
        # One reading of the reference tokens per batch (redress.common.reference), not one per lookup.
        with transaction.atomic(), reference.pinned():
            found = due.find(now)
            if due.walk_once:
                found = found.filter(pk__gt=last).order_by("pk")
            claimed = notices.claim(found, batch)
            # The claimed rows are locked and due: in one statement they all move (else row by row).
            marked = bool(claimed) and due.mark_all is not None and due.mark_all(claimed, now) == len(claimed)
            # (Stuck-transfer candidates are read case by case: most of them are not due yet.)
            cases = _cases_of(claimed) if claimed and not due.walk_once else {}
            for row in claimed:
                try:
                    # A breach changes its case's figures twice (the clock, then the escalation): worked
                    # out once, after both.
                    with transaction.atomic(), figures.held():
                        _act(due, row, now, result, cases, marked)
                except Exception:
                    # One bad row must not stop the sweep or be retried forever: mark it and go on.
                    log.exception("sweeper could not act on %s %s", due.name, row.pk)
                    # What it did to its case was rolled back: the case is read again if needed.
                    cases.pop(row.case_id, None)
                    if not due.walk_once:
                        notices.mark_failed(row, now)
        if len(claimed) < batch:
            break
        last = claimed[-1].pk
