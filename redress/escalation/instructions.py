"""Registrations put before the leader who must instruct them (P3 第八条), and chased when no instruction
comes in time — to whoever stands in when that leader is away (P3 第八条(二)).

The sweeper asks, not the registration: a registration stays as fast as it is, and the leader hears within a
sweep (a minute). Each case is asked about once and chased once (`InstructionRequest`); the notifications'
keys make a second sweeper, racing the first, tell nobody twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from redress.cases.choices import OPEN_STATES
from redress.cases.models import Case, Instruction
from redress.common import reference
from redress.notifications.services import Message, notify_many, recipients_for
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
    return _stand_in(people, _away([people], on))


def _away(groups: Iterable[list[Staff]], on: dt.date) -> dict[int, Staff]:
    """Who stands in for each of these people away on `on`, in one query."""
    ids = {person.pk for people in groups for person in people}
    absences = Absence.objects.filter(staff__in=ids, starts_on__lte=on, ends_on__gte=on)
    return {a.staff_id: a.stands_in for a in absences.select_related("stands_in")}


def _stand_in(people: list[Staff], away: dict[int, Staff]) -> list[Staff]:
    found: dict[int, Staff] = {}
    for person in people:
        present = away.get(person.pk, person)
        found.setdefault(present.pk, present)
    return list(found.values())


def _uninstructed():
    return ~Exists(Instruction.objects.filter(case=OuterRef("pk")))


def _tell(event: str, case: Case, subject: str, now: dt.datetime) -> int:
    leaders = standing_in(leaders_for(case), timezone.localdate(now))
    return notify_many([_message(event, case, subject, leaders)])


def _message(event: str, case: Case, subject: str, leaders: list[Staff]) -> Message:
    received = timezone.localtime(case.received_at)
    body = _("%(kind)s received by %(unit)s at %(at)s.") % {
        "kind": case.get_kind_display(),
        "unit": case.unit.name,
        "at": f"{received:%Y-%m-%d %H:%M}",
    }
    return Message(event, case, tuple(leaders), subject, body, f"{event}:{case.pk}")


def _ask_about(cases: list[Case], now: dt.datetime) -> None:
    """The cases put before their leaders together: their requests and notifications in one statement of
    each kind (the sweeper had spent 3–4 ms a case on them one by one)."""
    leaders = {case.pk: leaders_for(case) for case in cases}
    away = _away(leaders.values(), timezone.localdate(now))
    InstructionRequest.objects.bulk_create(
        [InstructionRequest(case=case, requested_at=now) for case in cases], ignore_conflicts=True
    )
    notify_many(
        [
            _message("instruction_requested", case, _awaits(case), _stand_in(leaders[case.pk], away))
            for case in cases
        ]
    )


def _awaits(case: Case) -> str:
    return _("Case %(number)s awaits your instruction") % {"number": case.number}


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
        try:
            # One reading of the reference tokens for the batch (redress.common.reference), not per lookup.
            with transaction.atomic(), reference.pinned():
                _ask_about(cases, now)
        except Exception:
            # One case at a time, so that one that cannot be told does not hold back the others.
            log.exception("could not put %s cases before their leaders together; one by one", len(cases))
            for case in cases:
                try:
                    with transaction.atomic():
                        _record_request(case, now)
                        _tell("instruction_requested", case, _awaits(case), now)
                except Exception:
                    # Recorded all the same, so the next pass does not try it again forever; the leader
                    # still finds the case on the list awaiting instruction.
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
