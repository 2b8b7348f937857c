"""The referring body's own deadline as a clock (decision 0032).

The body states a moment ("请于12月20日17时前回复"), not a number of working days: the clock `referrer_reply`
counts that moment exactly, as clock hours from when the referral was recorded, so a calendar change never
moves it (clock hours are not counted on the calendar). Its policy is one inactive row, `referring_body`,
that no case is ever judged under (`deadlines.services.active_policies` skips it): it names the rule in the
clock's descriptions and on the policy admin. Warnings and breaches are the sweeper's, like every clock's.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_CEILING, Decimal

from django.utils.translation import gettext as _

from redress.calendar.choices import LimitUnit
from redress.cases.models import Case
from redress.deadlines import services as clocks
from redress.deadlines.choices import ClockName, PolicySource, StartEvent
from redress.deadlines.models import Clock, Policy

from .models import Referral

POLICY_CODE = "referring_body"
# The warning comes a day before the body's deadline; for a shorter deadline, at three quarters of it.
WARN_HOURS_BEFORE = Decimal(24)


def referring_body_policy() -> Policy:
    policy, _created = Policy.objects.get_or_create(
        code=POLICY_CODE,
        version=1,
        defaults={
            "name": _("deadline set by the referring body"),
            "source": PolicySource.BANK,
            "basis": "P3 第十条",
            "effective_from": dt.date(2020, 1, 1),
            "active": False,  # never applied by criteria: its clocks are started by a referral alone
        },
    )
    return policy


def start_referrer_clock(case: Case, referral: Referral, at: dt.datetime) -> Clock:
    """The clock to the body's deadline. Its amount is the time left in hours, rounded up to the hundredth;
    it starts that long before the deadline (at most 36 seconds before `at`), so it is due exactly then."""
    hours = Decimal((referral.due_at - at).total_seconds()) / 3600
    amount = hours.quantize(Decimal("0.01"), rounding=ROUND_CEILING)
    started = referral.due_at - dt.timedelta(hours=float(amount))
    warn_after = amount - WARN_HOURS_BEFORE if amount > 2 * WARN_HOURS_BEFORE else None
    clock = Clock.objects.create(
        case=case,
        name=ClockName.REFERRER_REPLY,
        policy=referring_body_policy(),
        group=ClockName.REFERRER_REPLY,
        start_event=StartEvent.REFERRAL,
        amount=amount,
        unit=LimitUnit.HOURS,
        warn_percent=None,
        warn_after=warn_after,
        started_at=started,
        due_at=referral.due_at,
        warn_at=(started + dt.timedelta(hours=float(warn_after)))
        if warn_after is not None
        else started + (referral.due_at - started) * 75 / 100,
    )
    Referral.objects.filter(pk=referral.pk).update(clock=clock)
    clocks.mark_binding(case)
    return clock


def unanswered(case: Case) -> Referral | None:
    """The referring body still waiting for the bank's reply, if any."""
    return Referral.objects.filter(case=case, replied_at__isnull=True).first()
