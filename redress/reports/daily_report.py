"""The daily classified report (P1 六、7; R8.1): per unit and day, the classified counts with each child
unit's line and the total rolled up, as a page, an Excel workbook and, each morning, an e-mail with the
workbook to the unit's work group (and the union's mailbox for the top of the tree).

Who reports: every unit with a work group (the procedures' reporting line: outlets report through their
sub-branch's and branch's groups). A unit that should have reported a day and whose report reached nobody
(no row in `DailyReport` with anyone told: no member with a way to be told, or the morning's run has not
reached it) is marked missing on its parent's report.

Each recipient gets the figures they may see (`services.daily` for that person): the member of a work group
complained about in one of the day's cases gets a report without it, and a member based elsewhere the cases
escalated to the group; most groups get one version.
"""

from __future__ import annotations

import datetime as dt
import io
import logging

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from redress.cases.choices import Channel, Kind, StatClass
from redress.notifications.services import notify
from redress.organisation.models import Staff, Unit

from . import services
from .figures import BEIJING
from .models import DailyReport

logger = logging.getLogger(__name__)

EVENT = "report.daily"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def reporting_units() -> list[Unit]:
    """The units that send a daily report: those with a work group."""
    return list(Unit.objects.filter(work_groups__isnull=False, active=True).distinct().order_by("path"))


def missing_units(units: list[Unit], date: dt.date) -> set[int]:
    """Ids of those of `units` that should have reported `date` and whose report reached nobody."""
    expected = set(
        Unit.objects.filter(pk__in=[u.pk for u in units], work_groups__isnull=False).values_list(
            "pk", flat=True
        )
    )
    sent = set(
        DailyReport.objects.filter(unit_id__in=expected, date=date, recipients__gt=0).values_list(
            "unit_id", flat=True
        )
    )
    return expected - sent


def line_name(unit: Unit, own: bool) -> str:
    return _("%(unit)s (itself)") % {"unit": unit.name} if own else unit.name


def workbook(day: services.Day, missing: set[int]) -> bytes:
    """The day's report as an .xlsx: the lines (each child, the unit's own cases) and the total, the units
    missing their report marked; then the day's cases by kind, by channel and, closed, by statistics class."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("daily report")[:31]
    bold = Font(bold=True)
    sheet.append(
        [_("Daily classified report of %(unit)s, %(date)s") % {"unit": day.unit.name, "date": day.date}]
    )
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    headers = [
        _("unit"),
        _("registered"),
        _("closed"),
        _("still open"),
        _("time limit breached"),
        _("report sent"),
    ]
    sheet.append(headers)
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for unit, own, counts in day.children:
        mark = _("missing") if (not own and unit.pk in missing) else ""
        sheet.append([line_name(unit, own), *(counts[m] for m in services.DAILY_MEASURES), mark])
    sheet.append([_("total"), *(day.totals[m] for m in services.DAILY_MEASURES), ""])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for title, counts, choices in (
        (_("by kind"), day.by_kind, Kind),
        (_("by channel"), day.by_channel, Channel),
        (_("closed, by statistics class"), day.by_stat_class, StatClass),
    ):
        sheet.append([])
        sheet.append([title])
        sheet.cell(sheet.max_row, 1).font = bold
        for value, label in choices.choices:
            if counts.get(value):
                sheet.append([str(label), counts[value]])
    sheet.column_dimensions["A"].width = 36
    for column in "BCDEF":
        sheet.column_dimensions[column].width = 14
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def filename(unit: Unit, date: dt.date) -> str:
    return f"daily-report-{unit.code}-{date:%Y%m%d}.xlsx"


def _subject(unit: Unit, date: dt.date) -> str:
    return _("Daily classified report of %(unit)s, %(date)s") % {"unit": unit.name, "date": date}


def _body(day: services.Day) -> str:
    text = _("Registered: %(registered)d; closed: %(closed)d; still open: %(open)d; breached: %(breached)d.")
    text %= day.totals
    if settings.SITE_URL:
        text += f"\n\n{settings.SITE_URL}/reports/daily?unit={day.unit.code}&date={day.date:%Y-%m-%d}"
    return text


def _members(unit: Unit) -> list[Staff]:
    return list(
        Staff.objects.filter(work_group_memberships__group__unit=unit, is_active=True)
        .select_related("unit")
        .distinct()
        .order_by("pk")
    )


def send_report(unit: Unit, date: dt.date, *, now: dt.datetime | None = None) -> int | None:
    """Send `unit`'s report of `date` once (None if it was already sent): each member of its work groups told
    with the figures they may see, the workbook attached to the e-mails; the union's mailbox too for a unit
    at the top of the tree. Returns how many were told."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            record = DailyReport.objects.create(unit=unit, date=date, sent_at=now)
            missing = missing_units(
                [line for line, _own, _c in services.daily(None, unit, date).children], date
            )
            versions: dict[tuple, tuple[services.Day, list[Staff]]] = {}
            for person in _members(unit):
                day = services.daily(person, unit, date)
                key = repr((day.totals, day.by_kind, day.by_channel, day.by_stat_class, day.children))
                versions.setdefault(key, (day, []))[1].append(person)
            told = 0
            for number, (day, people) in enumerate(versions.values()):
                told += notify(
                    EVENT,
                    recipients=people,
                    subject=_subject(unit, date),
                    body=_body(day),
                    dedupe_key=f"daily-report:{unit.pk}:{date:%Y-%m-%d}:{number}",
                    data={"unit": unit.code, "date": f"{date:%Y-%m-%d}"},
                    attachments=[(filename(unit, date), workbook(day, missing), XLSX)],
                )
            mailbox = settings.REPORTS_UNION_MAILBOX if unit.parent_id is None else ""
            if mailbox:
                day = services.daily(None, unit, date)
                message = (_subject(unit, date), _body(day), workbook(day, missing))
                transaction.on_commit(lambda: _to_mailbox(mailbox, unit, date, *message), robust=True)
                told += 1
            record.recipients = told
            record.save(update_fields=["recipients"])
            return told
    except IntegrityError:  # sent already (by another process, or an earlier run)
        return None


def _to_mailbox(address: str, unit: Unit, date: dt.date, subject: str, body: str, content: bytes) -> None:
    message = EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[address])
    message.attach(filename(unit, date), content, XLSX)
    mailers.default.send_messages([message])


def send_reports(date: dt.date, *, now: dt.datetime | None = None) -> int:
    """Every reporting unit's report of `date`, lowest units first (so a parent's report knows which of its
    children's went out), in the bank's language; returns how many were sent now."""
    sent = 0
    done = set(DailyReport.objects.filter(date=date).values_list("unit_id", flat=True))
    with translation.override(settings.LANGUAGE_CODE):
        for unit in sorted(reporting_units(), key=lambda u: -u.path.count("/")):
            if unit.pk not in done and send_report(unit, date, now=now) is not None:
                sent += 1
    return sent


def send_due(now: dt.datetime | None = None) -> int:
    """Yesterday's reports (Beijing days), once the morning's time (REPORTS_DAILY_TIME) has come: for the
    embedded sidecar, which calls it every minute; sends nothing already sent."""
    now = now or timezone.now()
    local = now.astimezone(BEIJING)
    if local.time() < settings.REPORTS_DAILY_TIME:
        return 0
    return send_reports(local.date() - dt.timedelta(days=1), now=now)
