"""Reports of wrongdoing from the public, without a login (P3 第十六条; issue 14 item 7).

Anyone may report wrongdoing on the public page or `POST /api/v1/public/reports`: the report is registered
through the one registration service (a `whistleblow` case, channel online, anonymous and confidential,
category anonymous) by the system actor, with the supervision office's public desk as its first responder,
so the case is accepted by and held at the supervision office, where the routing rules send anonymous reports
(redress.routing.rules). The reporter gets a receipt code, shown once and stored only as its keyed hash
(redress.receipts); with it they read the bank's questions and answers and add material.

Both sides are actions of the case: the bank's `message_reporter` (a handler of the case, from the case page
or the API) and the reporter's `reporter_adds`, a system action (the reporter has no account) whose files are
stored like a registration's. Each leaves its event in the case's history.

`public_status` is the complainant's look-up of their own case with its number and status code (issue 15).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from redress.cases import attachments as store
from redress.cases.choices import Category, Channel, Kind, State
from redress.cases.models import Case
from redress.cases.services import RegistrationData
from redress.common.errors import FieldErrors
from redress.common.text import clean_text
from redress.common.validators import InvalidValue, normalise_phone
from redress.deadlines.choices import ClockName, ClockState
from redress.deadlines.models import Clock
from redress.organisation.choices import DepartmentFunction, Role
from redress.organisation.lookups import staff_member
from redress.organisation.models import Staff
from redress.organisation.services import system_actor
from redress.receipts import services as receipts
from redress.receipts.models import PublicReport

from .catalogue import perform
from .registration import register_case
from .reporter import MATERIAL_MAX


class DeskMissing(Exception):
    """No one in the bank takes public reports: no supervision office with a staff member in it."""


def public_desk() -> Staff | None:
    """Who takes reports sent by the public: REDRESS_PUBLIC_REPORTS_RESPONDER (a username), or else the first
    supervision office member of the highest supervision office in the tree."""
    configured = getattr(settings, "PUBLIC_REPORTS_RESPONDER", "")
    if configured:
        person = staff_member(configured)
        return person if person is not None and person.is_active and person.unit_id else None
    return (
        Staff.objects.filter(
            is_active=True,
            unit__function=DepartmentFunction.SUPERVISION_OFFICE,
            unit__active=True,
            role_grants__role=Role.SUPERVISION_OFFICE,
        )
        .order_by("unit__depth", "unit_id", "id")
        .first()
    )


def _clean(name: str, value: str, limit: int, errors: dict[str, list[str]]) -> str:
    try:
        return clean_text(value or "", max_length=limit)
    except InvalidValue as exc:
        errors[name] = [str(exc)]
        return ""


def report_wrongdoing(
    matter: str, contact: str = "", files: Sequence[UploadedFile] = (), *, now: dt.datetime | None = None
) -> tuple[Case, str]:
    """Register a report sent by the public; returns the case and the receipt (to be shown once, never kept).
    Raises FieldErrors (bad input), StoreFailed (the files could not be stored) or DeskMissing."""
    errors: dict[str, list[str]] = {}
    contact = _clean("contact", contact, receipts.CONTACT_MAX, errors)
    if errors:
        raise FieldErrors(errors)
    desk = public_desk()
    if desk is None:
        raise DeskMissing
    now = now or timezone.now()
    data = RegistrationData(
        kind=Kind.WHISTLEBLOW,
        channel=Channel.ONLINE,
        received_at=now,
        complainant_anonymous=True,
        complainant_confidential=True,
        category=Category.ANONYMOUS,
        matter=matter,
        first_responder=desk.username,
    )
    receipt = receipts.new_receipt()
    # The case and the hash of its receipt commit together: a report is never left without its way back.
    with transaction.atomic():
        result = register_case(system_actor(), data, files=files, now=now)
        receipts.open_report(result.case, receipt, contact)
    return result.case, receipt


def add_material(
    report: PublicReport, text: str, files: Sequence[UploadedFile] = (), *, now: dt.datetime | None = None
) -> None:
    """The reporter adds text, files or both to their report (the system action `reporter_adds`). Raises
    FieldErrors or StoreFailed; nothing is kept on any failure."""
    errors: dict[str, list[str]] = {}
    text = _clean("text", text, MATERIAL_MAX, errors)
    if not text and not files:
        errors["text"] = [_("Write something or attach a file.")]
    if files:
        problems = store.check_files(files)
        if problems:
            errors["attachments"] = problems
    if errors:
        raise FieldErrors(errors)
    actor = system_actor()
    stored = store.put_all(files) if files else []
    names = [f.name for f in stored]
    committing = False
    try:
        with transaction.atomic():
            rows = store.record(report.case, stored, actor) if stored else []
            perform(
                "reporter_adds",
                actor,
                report.case,
                {"text": text, "attachments": [a.pk for a in rows]},
                now=now,
            )
            committing = True
    except BaseException:
        if committing:
            store.discard_unrecorded(names)
        else:
            store.discard(names)
        raise


def public_status(number: str, *, code: str | None = None, phone: str | None = None) -> dict | None:
    """A complainant's case as the public status page shows it (issue 15 item 4): its number, state and the
    date a reply is due, nothing else; None unless `phone` is the phone number the complainant gave (found by
    its blind index: no number is decrypted) or `code` is the case's status code. A lookup by the complainant,
    not by staff: no visibility applies, the pair is the proof. A report of wrongdoing has its receipt
    instead, and no status."""
    number = (number or "").strip().upper()
    cases = Case.objects.filter(number=number).exclude(kind=Kind.WHISTLEBLOW)
    if phone:
        try:
            typed = normalise_phone(phone)
        except InvalidValue:
            return None
        cases = cases.filter(complainant_phone_index=Case.phone_index(typed))
    elif not (code and receipts.status_code_matches(number, code)):
        return None
    case = cases.first()
    if case is None:
        return None
    reply = (
        Clock.objects.filter(case=case, name=ClockName.REPLY)
        .exclude(state=ClockState.STOPPED)
        .order_by("due_at")
        .first()
    )
    return {
        "number": case.number,
        "state": case.state,
        "state_label": str(State(case.state).label),
        "expected_reply_date": timezone.localdate(reply.due_at) if reply is not None else None,
    }
