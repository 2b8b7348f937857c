"""What follows a transition: the supervision notices an action answers (R5.3), as its declaration says."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from redress.cases.models import Case
from redress.escalation.models import NoticeState, SupervisionNotice
from redress.lifecycle import perform
from redress.lifecycle.registration import register_case
from redress.lifecycle.sweeper import sweep

pytestmark = pytest.mark.django_db
BJ = ZoneInfo("Asia/Shanghai")


def at(d, hh=10):
    return dt.datetime(2026, 3, d, hh, tzinfo=BJ)


def _stuck_transfer(bank):
    case = register_case(bank.teller, bank.registration(received_at=at(2)), now=at(2)).case
    case = perform("accept", bank.teller, case, now=at(2, 11))
    perform("transfer", bank.teller, case, {"to_unit": "A-PB"}, now=at(2, 12))
    sweep(at(4, 9))  # the order was not acknowledged in time: a notice about it
    return Case.objects.get(pk=case.pk)


def test_sending_a_stuck_transfer_back_answers_its_notice(bank):
    case = _stuck_transfer(bank)
    perform("bounce", bank.handler, case, {"reason": "不归本部门"}, now=at(4, 11))
    notice = SupervisionNotice.objects.get(case=case, transfer_order__isnull=False)
    assert notice.state == NoticeState.ANSWERED


def test_acknowledging_answers_only_the_stuck_transfers_notice(bank):
    case = _stuck_transfer(bank)
    sweep(at(6, 9))  # the reply clock ran out too: a second notice, about the clock
    perform("acknowledge", bank.handler, Case.objects.get(pk=case.pk), now=at(6, 10))
    states = {n.transfer_order_id is not None: n.state for n in SupervisionNotice.objects.filter(case=case)}
    assert states == {True: NoticeState.ANSWERED, False: NoticeState.OPEN}
