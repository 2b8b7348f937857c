"""Registrations put before the leader who must instruct them (P3 第八条), and chased when no instruction
comes in time — to whoever stands in when that leader is away (P3 第八条(二)).

The sweeper asks, not the registration: a registration stays as fast as it is, and the leader hears within a
sweep (a minute). Each case is asked about once and chased once (`InstructionRequest`); the notifications'
keys make a second sweeper, racing the first, tell nobody twice.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from redress.cases.choices import OPEN_STATES
from redress.cases.models import Case, Instruction
from redress.notifications.services import notify, recipients_for
from redress.organisation.choices import LEVEL_ORDER, Level, Role
from redress.organisation.models import Absence, Staff

from .models import InstructionRequest

log = logging.getLogger(__name__)
# Only recent registrations are put before a leader: older ones are on the leader's list already.
ASK_WITHIN = dt.timedelta(days=7)


def leaders_for(case: Case) -> list[Staff]:
    """The leaders in charge who instruct the case: of its branch, or of its own level when higher."""
    level = Level.BRANCH if LEVEL_ORDER[case.level] <= LEVEL_ORDER[Level.BRANCH] else case.level
    return recipients_for(case, roles=(Role.LEADER_IN_CHARGE,), level=level)


def standing_in(people: list[Staff], on: dt.date) -> list[Staff]:
    """The people, each away one replaced by whoever stands in for them that day."""
    away = {
        a.staff_id: a.stands_in
        for a in Absence.objects.filter(staff__in=people, starts_on__lte=on, ends_on__gte=on).select_related(
            "stands_in"
        )
    }
    found: dict[int, Staff] = {}
    for person in people:
        present = away.get(person.pk, person)
        found.setdefault(present.pk, present)
    return list(found.values())


def _uninstructed():
    return ~Exists(Instruction.objects.filter(case=OuterRef("pk")))


def _tell(event: str, case: Case, subject: str, now: dt.datetime) -> int:
    leaders = standing_in(leaders_for(case), timezone.localdate(now))
    received = timezone.localtime(case.received_at)
    body = _("%(kind)s received by %(unit)s at %(at)s.") % {
        "kind": case.get_kind_display(),
        "unit": case.unit.name,
        "at": f"{received:%Y-%m-%d %H:%M}",
    }
    return notify(
        event, case=case, recipients=leaders, subject=subject, body=body, dedupe_key=f"{event}:{case.pk}"
    )


def _record_request(case: Case, now: dt.datetime) -> None:
    InstructionRequest.objects.bulk_create(
        [InstructionRequest(case=case, requested_at=now)], ignore_conflicts=True
    )


def request_instructions(now: dt.datetime, *, batch: int = 200) -> int:
    """Put the newly registered open cases without an instruction before their leaders; how many."""
    asked_about = Exists(InstructionRequest.objects.filter(case=OuterRef("pk")))
    total = 0
    while True:
        cases = list(
            Case.objects.filter(state__in=OPEN_STATES, received_at__gte=now - ASK_WITHIN)
            .filter(_uninstructed())
            .exclude(asked_about)
            .select_related("unit", "holder_unit")
            .order_by("received_at", "id")[:batch]
        )
        for case in cases:
            subject = _("Case %(number)s awaits your instruction") % {"number": case.number}
            try:
                with transaction.atomic():
                    _record_request(case, now)
                    _tell("instruction_requested", case, subject, now)
            except Exception:
                # Recorded all the same, so the next pass does not try it again forever; the leader still
                # finds the case on the list awaiting instruction.
                log.exception("could not put case %s before its leader", case.pk)
                _record_request(case, now)
        total += len(cases)
        if len(cases) < batch:
            return total


def chase_instructions(now: dt.datetime, *, batch: int = 200) -> int:
    """Chase the leaders of cases asked about longer ago than INSTRUCTION_CHASE_HOURS and still without an
    instruction; how many. Requests that need no chase any more (instructed, or the case ended) are closed."""
    due = now - dt.timedelta(hours=settings.INSTRUCTION_CHASE_HOURS)
    chased = 0
    while True:
        requests = list(
            InstructionRequest.objects.filter(chased_at=None, requested_at__lte=due)
            .select_related("case", "case__unit", "case__holder_unit")
            .order_by("requested_at")[:batch]
        )
        for request in requests:
            case = request.case
            # Closed first: a chase that fails is not retried every minute.
            InstructionRequest.objects.filter(pk=request.pk, chased_at=None).update(chased_at=now)
            if case.state not in OPEN_STATES or Instruction.objects.filter(case=case).exists():
                continue
            subject = _("Reminder: case %(number)s still awaits your instruction") % {"number": case.number}
            try:
                with transaction.atomic():
                    _tell("instruction_chased", case, subject, now)
                chased += 1
            except Exception:
                log.exception("could not chase the leader of case %s", case.pk)
        if len(requests) < batch:
            return chased
