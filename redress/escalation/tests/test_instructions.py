"""A registration reaches the leader who must instruct it (P3 第八条), with a chase when no instruction comes
in time, to whoever stands in when the leader is away (P3 第八条(二)) — by the sweeper."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from redress.escalation import instructions
from redress.escalation.models import InstructionRequest
from redress.lifecycle import perform
from redress.lifecycle.sweeper import sweep
from redress.notifications.models import Notification
from redress.organisation.choices import Role
from redress.organisation.models import Absence
from redress.organisation.services import create_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def leaders(bank):
    in_charge = create_staff(
        username="leader", name="分管行长", unit=bank.branch_a, roles=[Role.LEADER_IN_CHARGE]
    )
    principal = create_staff(username="president", name="行长", unit=bank.branch_a, roles=[Role.ADMIN])
    return in_charge, principal


def told(event):
    return sorted(Notification.objects.filter(event=event).values_list("recipient__username", flat=True))


def test_a_new_registration_is_put_before_the_branch_leader_once(bank, leaders):
    case = bank.register()
    sweep()
    assert told("instruction_requested") == ["leader"]
    assert InstructionRequest.objects.filter(case=case).exists()
    sweep()  # a second pass (or a second sweeper) tells nobody again
    assert told("instruction_requested") == ["leader"]
    # Another branch's registration goes to its own leaders (here: none), never to this one.
    bank.register(actor=bank.outsider, subject_unit="B1-1")
    sweep()
    assert told("instruction_requested") == ["leader"]


def test_no_instruction_in_time_chases_once_and_an_instruction_stops_it(bank, leaders, settings):
    settings.INSTRUCTION_CHASE_HOURS = 24
    now = timezone.now()
    waiting, instructed = bank.register(), bank.register()
    sweep(now)
    perform("instruct", leaders[0], instructed, {"text": "请网点三日内答复。"})
    sweep(now + dt.timedelta(hours=23))
    assert told("instruction_chased") == []
    sweep(now + dt.timedelta(hours=25))
    assert list(Notification.objects.filter(event="instruction_chased").values_list("case", flat=True)) == [
        waiting.pk
    ]
    sweep(now + dt.timedelta(hours=50))
    assert Notification.objects.filter(event="instruction_chased").count() == 1


def test_a_leader_away_is_stood_in_for(bank, leaders):
    in_charge, principal = leaders
    today = timezone.localdate()
    Absence.objects.create(staff=in_charge, starts_on=today, ends_on=today, stands_in=principal)
    bank.register()
    sweep()
    assert told("instruction_requested") == ["president"]


def test_many_new_registrations_are_put_before_their_leaders_together(bank, leaders):
    in_charge, principal = leaders
    today = timezone.localdate()
    Absence.objects.create(staff=in_charge, starts_on=today, ends_on=today, stands_in=principal)
    cases = [bank.register(complainant_phone=f"1391111000{i}") for i in range(5)]
    with CaptureQueriesContext(connection) as ran:
        sweep()
    # One statement of each kind for the five, not five: the requests, the notifications, the absences. (From
    # 10:00 Beijing time the same pass also reminds the units of their daily checks, in other statements.)
    written = [q["sql"] for q in ran.captured_queries if q["sql"].startswith("INSERT")]
    assert sum('INTO "escalation_instructionrequest"' in sql for sql in written) == 1
    told_leaders = [sql for sql in written if 'INTO "notifications_notification"' in sql]
    assert sum("instruction_requested" in sql for sql in told_leaders) == 1, told_leaders
    assert sum('FROM "organisation_absence"' in q["sql"] for q in ran.captured_queries) == 1
    assert InstructionRequest.objects.filter(case__in=cases).count() == 5
    assert told("instruction_requested") == ["president"] * 5


def test_a_case_that_cannot_be_told_does_not_hold_back_the_others(bank, leaders, monkeypatch, caplog):
    cases = [bank.register(complainant_phone=f"1392222000{i}") for i in range(3)]
    broken = cases[1]
    real = instructions._message

    def message(event, case, subject, leaders):
        if case.pk == broken.pk:
            raise RuntimeError("cannot be told")
        return real(event, case, subject, leaders)

    monkeypatch.setattr(instructions, "_message", message)
    sweep()
    # Each case asked about once (the broken one recorded all the same, not retried every minute); the
    # others told.
    assert InstructionRequest.objects.filter(case__in=cases).count() == 3
    asked = Notification.objects.filter(event="instruction_requested")
    assert sorted(asked.values_list("case", flat=True)) == [cases[0].pk, cases[2].pk]
    assert "could not put case" in caplog.text
