"""The audit trail (R10.4): who read which case, and the changes made outside a case's life, in rows written
once; they and the case events form one chain (decision 0029, `redress.audit.chain`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from redress.cases.models import Case
from redress.common.chain import GENESIS, ChainedRow


class AuditAction(models.TextChoices):
    CASE_PAGE = "case_page", _("opened the case page")
    CASE_API = "case_api", _("read the case through the API")
    HISTORY = "history", _("read the case's history")
    PRINT = "print", _("printed a document of the case")
    ATTACHMENT = "attachment", _("downloaded an attachment")
    EXPORT = "export", _("exported the case in a register")
    CHANGE = "change", _("changed a record in the administration site")


class AuditEntry(ChainedRow):
    """One read of one case, or one change of a record that is not a case's (a staff member, a unit, a
    policy…). A case's own changes are its events, in the same chain."""

    CHAINED = ("at", "actor_id", "action", "case_id", "detail")

    at = models.DateTimeField(_("at"), default=timezone.now, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("what was done"), max_length=16, choices=AuditAction.choices)
    # Reads and changes of a case keep the case; a deleted case would take its trail with it, so none is.
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Which document, attachment or record: in words, as the inspector reads it.
    detail = models.CharField(_("detail"), max_length=300, blank=True, default="")

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["case", "at"], name="audit_entry_case_at_idx"),
            models.Index(fields=["actor", "at"], name="audit_entry_actor_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.action} {self.case_id}"


class ChainHead(models.Model):
    """The last sealed row's place and link: the sealer holds this row's lock while it extends the chain, so
    two sealers never give two rows one place; `verify` compares it with the last row it finds (the rows
    deleted from the end)."""

    seq = models.BigIntegerField(default=0)
    link = models.CharField(max_length=64, default=GENESIS)

    def __str__(self) -> str:
        return f"{self.seq} {self.link[:12]}"
