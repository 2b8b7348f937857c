"""What the similarity of matters stores per case: its LSH band keys, for finding candidates by an indexed
equality lookup, not a scan. The exact score is computed from the candidates' matters themselves."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from redress.cases.models import Case


class MatterBand(models.Model):
    """One LSH band of a case's matter: cases sharing a key are candidates of each other. `received_at` is
    the case's, copied so that a rule's window is part of the same index range."""

    key = models.BigIntegerField()
    received_at = models.DateTimeField()
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("matter band")
        verbose_name_plural = _("matter bands")
        indexes = [models.Index(fields=["key", "received_at"], name="matter_band_key_idx")]

    def __str__(self) -> str:
        return f"{self.key} → {self.case_id}"
