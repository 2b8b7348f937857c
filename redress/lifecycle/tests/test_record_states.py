"""The states of a case's records — clocks, transfer orders, supervision notices, extension requests — move
only along their declared moves, and what the sweeper does is on the case's history."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from redress.cases.choices import EventKind, TransferState
from redress.cases.models import TransferOrder
from redress.common.states import StateWriteForbidden
from redress.deadlines.choices import ClockState, ExtensionState
from redress.deadlines.models import Clock, Extension
from redress.escalation.models import NoticeState, SupervisionNotice
from redress.lifecycle import perform
from redress.lifecycle.registration import register_case
from redress.lifecycle.sweeper import sweep

pytestmark = pytest.mark.django_db
BJ = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=10, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=BJ)


def registered(bank, when):
    return register_case(bank.teller, bank.registration(received_at=when), now=when).case


def test_a_clock_state_is_not_written_directly(bank):
    clock = bank.register().clocks.first()
    with pytest.raises(StateWriteForbidden):
        Clock.objects.filter(pk=clock.pk).update(state=ClockState.MET)
    clock.state = ClockState.MET
    with pytest.raises(StateWriteForbidden):
        clock.save()
    assert Clock.objects.get(pk=clock.pk).state == ClockState.RUNNING


def test_a_transfer_order_state_is_not_written_directly(bank):
    case = perform("accept", bank.teller, bank.register())
    case = perform("transfer", bank.teller, case, {"to_unit": "A-PB"})
    order = case.transfer_orders.get()
    with pytest.raises(StateWriteForbidden):
        TransferOrder.objects.filter(pk=order.pk).update(state=TransferState.REPORTED)
    order.state = TransferState.BOUNCED
    with pytest.raises(StateWriteForbidden):
        order.save()
    with pytest.raises(StateWriteForbidden):
        TransferOrder(case=case, by=bank.teller, from_unit=bank.outlet_a1_1, to_unit=bank.dept_a_pb,
                      state=TransferState.REPORTED).save()  # fmt: skip


def test_a_notice_and_an_extension_state_are_not_written_directly(bank):
    case = registered(bank, at(2026, 3, 2))
    sweep(at(2026, 3, 6, 9))
    notice = SupervisionNotice.objects.get(case=case)
    with pytest.raises(StateWriteForbidden):
        SupervisionNotice.objects.filter(pk=notice.pk).update(state=NoticeState.ANSWERED)
    with pytest.raises(StateWriteForbidden):
        Extension.objects.all().update(state=ExtensionState.APPROVED)


def test_a_move_changes_only_rows_in_its_source_states(bank):
    met = bank.register().clocks.first()
    assert Clock.MOVES.move(Clock.objects.filter(pk=met.pk), "meet", met_at=at(2026, 3, 2)) == 1
    assert Clock.MOVES.move(Clock.objects.filter(pk=met.pk), "breach", breached_at=at(2026, 3, 6)) == 0
    assert Clock.objects.get(pk=met.pk).state == ClockState.MET


def test_the_sweeper_records_warnings_breaches_and_notices_on_the_case(bank):
    case = registered(bank, at(2026, 3, 2))
    version = case.version
    sweep(at(2026, 3, 5, 12))  # the reply clock warns before it runs out at the end of Thursday
    # A warning is on the history but changes no field of the case: nobody's open form goes stale.
    assert case.events.filter(kind=EventKind.CLOCK_WARNED).exists()
    case.refresh_from_db()
    assert case.version == version
    sweep(at(2026, 3, 6, 9))
    kinds = list(case.events.values_list("kind", flat=True))
    assert EventKind.CLOCK_WARNED in kinds and EventKind.CLOCK_BREACHED in kinds
    breach = case.events.filter(kind=EventKind.CLOCK_BREACHED).exclude(data__notice=None).first()
    notice = SupervisionNotice.objects.get(case=case)
    assert breach.data["notice"] == notice.pk and breach.actor.is_system
    assert breach.data["reason"]


def test_a_breached_notice_is_on_the_case_with_its_accountability_record(bank):
    case = registered(bank, at(2026, 3, 2))
    case = perform("accept", bank.teller, case, now=at(2026, 3, 2, 11))
    sweep(at(2026, 3, 6, 9))
    sweep(at(2026, 3, 11, 9))
    event = case.events.get(kind=EventKind.NOTICE_BREACHED)
    assert event.data["accountability"] == case.accountabilities.get().pk


def test_a_case_state_is_not_updated_directly_either(bank):
    from redress.cases.choices import State
    from redress.cases.models import Case

    case = bank.register()
    with pytest.raises(StateWriteForbidden):
        Case.objects.filter(pk=case.pk).update(state=State.CLOSED)
    assert Case.objects.get(pk=case.pk).state == State.REGISTERED
