"""Writing the trail of reads and searching it (R10.4).

A read of one case (its page, its API detail or history, a print, an attachment) is one row; an export is
one row per exported case, written in one INSERT. Lists and worklists show summaries, not a case, and write
nothing. Changes of a case are its events; changes made in the administration site are copied from Django's
change records as they are saved.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.db.models import Q, QuerySet
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from redress.access.visibility import visible_to
from redress.cases.models import Attachment, Case
from redress.organisation.choices import Role
from redress.organisation.models import Staff

from .models import AuditAction, AuditEntry

# Rows per INSERT when an export records its cases.
EXPORT_BATCH = 1000


def record_read(actor: Staff, case: Case, action: str, detail: str = "") -> None:
    """One read of one case by `actor` (who already passed the case's visibility check)."""
    AuditEntry.objects.create(actor=actor, case=case, action=action, detail=detail[:300])


def attachment_read(attachment: Attachment) -> str:
    """What the trail keeps of a read attachment: which one — never its file name, which may name the
    customer: retention erases it with the case's personal data, and the trail, sealed, could not lose it."""
    return f"attachment {attachment.pk}"


_ATTACHMENT = re.compile(r"^attachment (\d+)(?::|$)")


def described(rows: Iterable[AuditEntry]) -> list[AuditEntry]:
    """The rows with `shown`, their detail in words for the inspector: a read attachment named by the file
    name its case keeps now (rows of before 2026-12-06 also stored it), or said to be erased."""
    rows = list(rows)
    found = {row.pk: _ATTACHMENT.match(row.detail) for row in rows if row.action == AuditAction.ATTACHMENT}
    ids = {int(match.group(1)) for match in found.values() if match}
    names = dict(Attachment.objects.filter(pk__in=ids).values_list("pk", "original_name")) if ids else {}
    for row in rows:
        match = found.get(row.pk)
        if match is None:
            row.shown = row.detail
        elif name := names.get(int(match.group(1))):
            row.shown = _("attachment “%(name)s”") % {"name": name}
        else:
            row.shown = _("an attachment, its file name erased")
    return rows


def record_export(actor: Staff, case_ids: Iterable[int], detail: str = "") -> int:
    """One row per exported case, written in batches; returns how many."""
    rows = [AuditEntry(actor=actor, case_id=pk, action=AuditAction.EXPORT, detail=detail) for pk in case_ids]
    AuditEntry.objects.bulk_create(rows, batch_size=EXPORT_BATCH)
    return len(rows)


@receiver(post_save, sender=LogEntry, dispatch_uid="redress.audit.admin_change")
def _admin_change(sender, instance: LogEntry, created: bool, **kwargs) -> None:
    if created:
        what = {ADDITION: "added", CHANGE: "changed", DELETION: "deleted"}
        detail = f"{what.get(instance.action_flag, '?')} {instance.content_type} {instance.object_repr}"
        AuditEntry.objects.create(
            actor_id=instance.user_id,
            action=AuditAction.CHANGE,
            detail=f"{detail}: {instance.change_message}",
        )


def may_inspect(user: Staff) -> bool:
    """The supervision office and the auditors read the trail (R10.4); nobody else, administrators neither
    (they keep the system, not watch the staff)."""
    return (
        bool(getattr(user, "is_authenticated", False))
        and user.is_active
        and user.has_role(Role.SUPERVISION_OFFICE, Role.AUDITOR)
    )


@dataclass(frozen=True)
class AuditQuery:
    """Who saw case X, what did user Y see, in a time window; any combination."""

    case_number: str = ""
    username: str = ""
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive


def search(inspector: Staff, query: AuditQuery) -> QuerySet[AuditEntry]:
    """The trail's rows matching `query`, newest first. Only rows about cases the inspector may see (a case
    about the inspector stays out of their sight here too) and rows about no case."""
    if not may_inspect(inspector):
        return AuditEntry.objects.none()
    rows = AuditEntry.objects.filter(Q(case__isnull=True) | Q(case__in=visible_to(inspector).values("pk")))
    if query.case_number:
        rows = rows.filter(case__number=query.case_number.strip())
    if query.username:
        rows = rows.filter(actor__username=query.username.strip())
    if query.since:
        rows = rows.filter(at__date__gte=query.since)
    if query.until:
        rows = rows.filter(at__date__lte=query.until)
    return rows.select_related("actor", "actor__unit", "case").order_by("-at", "-pk")
