"""Registration as the first step of a case's life: the case record is written by redress.cases (its
checks, numbering, attachments and event), then, in the same transaction and in this order, it is indexed
for search and its matter stored for the similarity of matters (redress.matching.intake), its clocks start
from receipt, the escalation triggers run and its figures are added to the reports' rollup."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile

from redress.cases.models import Case
from redress.cases.services import RegistrationData, RegistrationResult, create_case
from redress.deadlines import services as clocks
from redress.deadlines.choices import StartEvent
from redress.deadlines.models import Clock
from redress.matching.intake import remember_new_case
from redress.organisation.models import Staff
from redress.reports import figures

from .triggers import apply_triggers


def after_registration(
    case: Case, actor: Staff, flags: frozenset[str]
) -> tuple[Case, list[Clock], frozenset[str]]:
    """The clocks from receipt, then the triggers; returns the case as they left it, with its clocks and
    flags (the triggers' actions leave the clocks alone: ACTIONS_ON_THE_NEW_CASE)."""
    remember_new_case(case)
    started = clocks.start_clocks(case, StartEvent.RECEIPT, case.received_at, fresh=True)
    version = case.version
    with figures.registering(case):
        case, fired = apply_triggers(case, flags)
    # The figures last, once, as the triggers' actions left the case (reports/figures.py).
    figures.record_new_case(case, flags | fired, acted_on=case.version != version)
    return case, sorted(started, key=lambda c: (c.due_at, c.pk)), flags | fired


def register_case(
    actor: Staff,
    data: RegistrationData,
    *,
    files: Sequence[UploadedFile] = (),
    idempotency_key: str | None = None,
    now: dt.datetime | None = None,
) -> RegistrationResult:
    """Register a case: the record written by redress.cases.services.create_case, then everything that
    follows it."""
    return create_case(
        actor, data, files=files, idempotency_key=idempotency_key, now=now, then=after_registration
    )
