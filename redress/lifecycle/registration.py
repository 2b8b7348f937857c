"""Registration as the first step of a case's life: the case record is written by redress.cases (its
checks, numbering, attachments and event), then, in the same transaction and in this order, it is indexed
for search and its matter stored for the similarity of matters (redress.matching.intake), its clocks start
from receipt, the escalation triggers run and its figures are added to the reports' rollup."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Model
from django.utils import translation
from django.utils.translation import gettext as _

from redress.cases.models import Case
from redress.cases.services import RegistrationData, RegistrationResult, create_case
from redress.common.errors import FieldErrors
from redress.deadlines import services as clocks
from redress.deadlines.choices import COUNTING_STATES, StartEvent
from redress.deadlines.models import Clock
from redress.escalation.triggers import current_settings
from redress.matching.intake import remember_new_case
from redress.matching.similarity import place_pending
from redress.organisation.models import Staff
from redress.plans import services as plans
from redress.plans.choices import PlanType
from redress.reports import figures

from .catalogue import perform
from .emergency import plan_accountability, plan_escalation, put_through
from .machine import holding_back
from .triggers import apply_triggers, escalate


def after_registration(
    case: Case, actor: Staff, flags: frozenset[str], held: Sequence[Model] = (), plan_type: str = ""
) -> tuple[Case, list[Clock], frozenset[str]]:
    """The emergency plan it joins (if one covers it: before the clocks, which read it), the clocks from
    receipt, then the triggers and, under a plan, the hotline's put-through to the outlet (which transfers:
    its clocks are then read again); returns the case as they left it, with its clocks and flags (the
    triggers' actions leave the clocks alone: ACTIONS_ON_THE_NEW_CASE). `held`: the registration's rows
    not yet written (its flags and event, `create_case`)."""
    plans.join(case, plan_type)
    started = clocks.start_clocks(case, StartEvent.RECEIPT, case.received_at, fresh=True, write=False)
    # The flags, the event and the clocks are written with the search entry (one statement on PostgreSQL,
    # instead of three more), before anything reads them. The case's place among the topics is written by
    # the triggers' lookup of related matters, in the same statement (one statement fewer a registration),
    # or just after the triggers if they did not look.
    remember_new_case(
        case, current_settings().similarity_threshold, defer_placement=True, together=[*held, *started]
    )
    with figures.registering(case) as done:
        with holding_back(case):
            triggered, fired = apply_triggers(case, flags)
        place_pending(case)
        case = triggered
        with translation.override(settings.LANGUAGE_CODE):
            case = plan_escalation(case, escalate)
            put = case.version
            case = put_through(case, actor, perform)
        plan_accountability(case)
    if case.version != put:
        # Put through to the outlet: the transfer's clocks run beside (or instead of) those from receipt.
        started = list(case.clocks.filter(state__in=COUNTING_STATES))
    # The figures last, once, as the triggers' actions left the case (reports/figures.py).
    figures.record_new_case(case, flags | fired, done)
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
    if data.plan_type and data.plan_type not in PlanType.values:
        # Alone, before the record's own checks: the type is the plans' to know, not the cases'.
        raise FieldErrors({"plan_type": [_("One of: %(values)s.") % {"values": ", ".join(PlanType.values)}]})

    def then(
        case: Case, actor: Staff, flags: frozenset[str], held: list[Model]
    ) -> tuple[Case, list[Clock], frozenset[str]]:
        return after_registration(case, actor, flags, held, data.plan_type)

    return create_case(actor, data, files=files, idempotency_key=idempotency_key, now=now, then=then)
