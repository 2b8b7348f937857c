"""The body that referred a complaint to the bank (P3 第十条 回复转来部门): its name, its reference number,
the deadline it set, and the reply the bank sent back to it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from redress.cases.models import Case
from redress.deadlines.models import Clock


class Referral(models.Model):
    """One referring body per case: a complaint comes to the bank from one body at a time."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="referral")
    body = models.CharField(_("referring body"), max_length=128)
    reference = models.CharField(_("their reference"), max_length=64, blank=True, default="")
    referred_at = models.DateTimeField(_("referred on"))
    due_at = models.DateTimeField(_("their deadline"))
    # The clock counting down to the body's deadline (`referrer_reply`): warned and breached by the sweeper.
    clock = models.ForeignKey(Clock, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    reply = models.TextField(_("reply sent back"), blank=True, default="")
    replied_at = models.DateTimeField(_("replied on"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("referring body")
        verbose_name_plural = _("referring bodies")
        ordering = ["due_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.body}"

    @property
    def answered(self) -> bool:
        return self.replied_at is not None
