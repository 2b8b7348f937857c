"""Reminders of verbal loss reports about to lapse (P1 四(三)3), sent by the sweeper: a day before a report
lapses, the customer gets an SMS (make the formal report) and the outlet that took it is told, once; the
case's history records it."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from redress.cases.choices import OPEN_STATES, EventKind
from redress.cases.models import CaseEvent
from redress.notifications.services import message_customer, notify
from redress.organisation.choices import Role
from redress.organisation.models import Staff
from redress.plans.models import VerbalLossReport

# How long before the lapse the reminders go.
REMIND_BEFORE = dt.timedelta(hours=24)


def remind(now: dt.datetime | None = None, *, batch: int = 200, actor: Staff) -> int:
    """Remind of every open verbal loss report lapsing within REMIND_BEFORE, once each (claimed with a
    conditional UPDATE, so two sweepers never remind twice); returns how many."""
    now = now or timezone.now()
    due = (
        VerbalLossReport.objects.filter(
            reminded_at__isnull=True,
            formal_reported_at__isnull=True,
            lapse_acknowledged_at__isnull=True,
            lapses_at__lte=now + REMIND_BEFORE,
            case__state__in=OPEN_STATES,
        )
        .select_related("case", "case__unit", "case__first_responder")
        .order_by("lapses_at")[:batch]
    )
    reminded = 0
    with translation.override(settings.LANGUAGE_CODE):
        for report in due:
            with transaction.atomic():
                if not VerbalLossReport.objects.filter(pk=report.pk, reminded_at__isnull=True).update(
                    reminded_at=now
                ):
                    continue  # another sweeper took it
                case = report.case
                lapses = timezone.localtime(report.lapses_at).strftime("%Y-%m-%d %H:%M")
                text = _(
                    "Your emergency verbal loss report of card/account %(account)s lapses at %(lapses)s: "
                    "please make the formal loss report at an outlet before then."
                ) % {"account": report.account_masked, "lapses": lapses}
                if case.complainant_phone:
                    # Kept and retried while the gateway fails; sent after commit.
                    message_customer(
                        case,
                        purpose="loss_report_lapsing",
                        phone=case.complainant_phone,
                        text=text,
                        dedupe_key=f"loss-report-lapsing:{report.pk}",
                    )
                heads = Staff.objects.filter(
                    unit=case.unit, role_grants__role=Role.OUTLET_HEAD, is_active=True
                )
                notify(
                    "loss_report_lapsing",
                    case=case,
                    recipients=[case.first_responder, *heads],
                    subject=_("Case %(number)s: the verbal loss report lapses at %(lapses)s")
                    % {"number": case.number, "lapses": lapses},
                    body=text,
                    dedupe_key=f"loss-report-lapsing:{report.pk}",
                )
                CaseEvent.objects.create(
                    case=case,
                    kind=EventKind.LOSS_REPORT_REMINDED,
                    actor=actor,
                    data={
                        "lapses_at": report.lapses_at.isoformat(),
                        "sms_to_customer": bool(case.complainant_phone),
                    },
                )
                reminded += 1
    return reminded
