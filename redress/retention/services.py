"""Retention (R10.5, decision 0037): closed cases past their kind's period are anonymised.

What goes: the complainant's name, phone, ID number, accounts and address (with their blind indexes), every
free text of the case and of the records its handling left (`ERASED_TEXT`), the flags' evidence, the texts of
its notifications, its search entry and similarity bands, its attachments' files, and the `data` of its
history's events (replaced in place by the erasure marker that keeps `redress audit verify` clean:
`common/chain.py` · `ChainedQuerySet.erase`). What stays: the case's number, kind, channel, units, classes,
states, levels, moments, amounts, flags and statistics class: every figure (`redress reports verify`) adds up
as before. A case on legal hold (`lifecycle/holds.py`) is left whole. Each run is recorded, case by case.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.apps import apps
from django.db import models, transaction
from django.utils import timezone

from redress.audit.chain import seal
from redress.cases.attachments import discard
from redress.cases.choices import ENDED_STATES
from redress.cases.models import Attachment, Case, CaseEvent
from redress.lifecycle.holds import without_holds
from redress.matching import similarity
from redress.matching.models import SearchEntry

from .models import MIN_YEARS, AnonymisedCase, RetentionPolicy, RetentionRun

log = logging.getLogger(__name__)

# A kind with no policy row is kept this long (REGULATION.md's minimum).
DEFAULT_YEARS = MIN_YEARS

# The free text and names of a case's records, by model: (the lookup from the record to its case, the text
# fields emptied, the JSON fields emptied). `test_every_text_of_a_case_is_erased_or_kept` fails when a record
# of a case gains a text field that is in neither this nor `KEPT_TEXT`.
ERASED_TEXT: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "cases.CaseFlag": ("case", (), ("evidence",)),
    "cases.TransferOrder": ("case", ("note", "bounce_reason"), ()),
    "cases.ResultReport": (
        "case",
        ("findings", "staff_handling", "lessons", "rectification", "handler_name", "handler_phone"),
        (),
    ),
    "cases.CustomerContact": ("case", ("note", "remedies"), ()),
    "cases.FollowUp": ("case", ("note",), ()),
    "cases.Escalation": ("case", ("reason",), ()),
    "cases.Instruction": ("case", ("text",), ()),
    "cases.Chase": ("case", ("note",), ()),
    "cases.Withdrawal": ("case", ("reason",), ()),
    "cases.Investigation": ("case", ("findings",), ()),
    "cases.CompensationApproval": ("case", ("approver_name", "note"), ()),
    "cases.LegalReferral": ("case", ("note",), ()),
    "cases.SafetyRecord": ("case", ("note",), ()),
    "receipts.PublicReport": ("case", ("contact",), ()),
    "receipts.ReporterMessage": ("report__case", ("text",), ()),
    "deadlines.ClockPause": ("clock__case", ("note",), ()),
    "deadlines.Extension": ("clock__case", ("reason", "decision_note"), ()),
    "escalation.SupervisionNotice": ("case", ("reason",), ()),
    "escalation.Accountability": ("case", ("note",), ()),
    "referrals.Referral": ("case", ("reply",), ()),
    # The records an emergency plan's complaint types ask for (redress/plans, decision 0035).
    "plans.AtmDirection": ("case", ("where",), ()),
    "plans.BusinessLineReport": ("case", ("note",), ()),
    "plans.WaitSoothing": ("case", ("note", "gift"), ()),
    "plans.CompensationClaim": ("case", ("reasons", "soothing"), ()),
    "plans.PlanPayout": ("case", ("agreement",), ()),
    "plans.AggressiveCustomerRecord": ("case", ("led_to", "note"), ()),
    "plans.Coordination": ("case", ("contact", "outcome"), ()),
    "plans.CrossProvinceReport": ("case", ("sister_bank", "reason"), ()),
    "notifications.Notification": ("case", ("subject", "body"), ("data",)),
    "notifications.CustomerMessage": ("case", ("address", "text", "last_error"), ()),
}
# Text fields of a case's records that are kept: codes and choices, not what anybody wrote.
KEPT_TEXT: dict[str, tuple[str, ...]] = {
    "deadlines.ClockPause": ("reason",),
}
# The case's own fields emptied.
CASE_TEXT = (
    "complainant_name",
    "complainant_phone",
    "complainant_id_number",
    "complainant_accounts",
    "complainant_address",
    "complainant_phone_index",
    "complainant_id_index",
    "matter",
    "demand",
    "rejection_reason",
)


def years_for(kind: str, policies: dict[str, int] | None = None) -> int:
    if policies is None:
        policies = dict(RetentionPolicy.objects.values_list("kind", "years"))
    return max(policies.get(kind, DEFAULT_YEARS), MIN_YEARS)


def years_before(moment: dt.datetime, years: int) -> dt.datetime:
    """The same moment `years` calendar years earlier (29 February becomes the 28th)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def years_after(moment: dt.datetime, years: int) -> dt.datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def anonymised() -> models.QuerySet[AnonymisedCase]:
    return AnonymisedCase.objects.filter(run__dry_run=False)


def anonymised_at(case: Case) -> dt.datetime | None:
    """When retention anonymised the case, or None."""
    return anonymised().filter(case=case).values_list("run__started_at", flat=True).first()


def due(now: dt.datetime) -> models.QuerySet[Case]:
    """Ended cases closed at least their kind's years before `now`, not yet anonymised, not on legal hold."""
    policies = dict(RetentionPolicy.objects.values_list("kind", "years"))
    kinds = Case._meta.get_field("kind").choices or []
    expired = models.Q()
    for kind, _label in kinds:
        expired |= models.Q(kind=kind, closed_at__lte=years_before(now, years_for(kind, policies)))
    cases = Case.objects.filter(expired, state__in=ENDED_STATES, closed_at__isnull=False)
    cases = cases.exclude(pk__in=anonymised().values("case"))
    return without_holds(cases).order_by("closed_at", "pk")


@dataclass(frozen=True)
class Erased:
    events: int
    files: int


def anonymise(case: Case, now: dt.datetime) -> Erased:
    """Empty the case's personal data and free text, in one transaction (decision 0037). The files are
    deleted from the store after the commit: a rolled-back anonymisation leaves them."""
    with transaction.atomic():
        # The version moves on: a form opened before is stale, not a write over the emptied case.
        Case.objects.filter(pk=case.pk).update(
            **dict.fromkeys(CASE_TEXT, ""), stat_facts={}, version=models.F("version") + 1, updated_at=now
        )
        for label, (to_case, texts, jsons) in ERASED_TEXT.items():
            values = {**dict.fromkeys(texts, ""), **{name: {} for name in jsons}}
            apps.get_model(label).objects.filter(**{to_case: case.pk}).update(**values)
        SearchEntry.objects.filter(case=case).delete()
        similarity.forget(case)
        events = CaseEvent.objects.filter(case=case).erase(now)
        files = list(Attachment.objects.filter(case=case).values_list("storage_name", flat=True))
        Attachment.objects.filter(case=case).update(original_name="", sha256="")
        transaction.on_commit(lambda: discard(files))
    return Erased(events, len(files))


def run(
    *, now: dt.datetime | None = None, dry_run: bool = False, started_by: str = "daily job"
) -> RetentionRun:
    """Anonymise every case due (or, with `dry_run`, only list them); the run's record names each case."""
    now = now or timezone.now()
    seal()  # every event already in its place in the chain before any is erased
    policies = dict(RetentionPolicy.objects.values_list("kind", "years"))
    record = RetentionRun.objects.create(started_at=now, dry_run=dry_run, started_by=started_by[:64])
    count = 0
    for case in due(now).iterator(chunk_size=200):
        with transaction.atomic():
            erased = Erased(0, 0) if dry_run else anonymise(case, now)
            AnonymisedCase.objects.create(
                run=record,
                case=case,
                number=case.number,
                kind=case.kind,
                closed_at=case.closed_at,
                kept_until=years_after(case.closed_at, years_for(case.kind, policies)),
                events_erased=erased.events,
                files_deleted=erased.files,
            )
        count += 1
    record.cases, record.finished_at = count, timezone.now()
    record.save(update_fields=["cases", "finished_at"])
    log.info("retention: %s cases %s", count, "due (dry run)" if dry_run else "anonymised")
    return record


def run_daily(now: dt.datetime | None = None) -> RetentionRun | None:
    """The daily job (beat's `retention`, the embedded setup's sidecar every hour): one run a day, the first
    time it is asked that day; None if today's has been made."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    runs = RetentionRun.objects.filter(dry_run=False, started_by="daily job")
    if any(timezone.localdate(moment) == today for moment in runs.values_list("started_at", flat=True)[:5]):
        return None
    return run(now=now)
