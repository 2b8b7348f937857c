"""The daily checks the procedures require (who looked, when, what was found) and the media items found by
monitoring, each registered as a case routed to the spokesperson."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from redress.cases.models import Case
from redress.organisation.models import Unit

from .choices import CheckDuty


class DailyCheck(models.Model):
    """One duty of one unit on one day, done: by whom, when, and what was found ("" for nothing)."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    duty = models.CharField(_("check"), max_length=16, choices=CheckDuty.choices)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(_("checked at"))
    found = models.TextField(_("what was found"), blank=True, default="")

    class Meta:
        verbose_name = _("daily check")
        verbose_name_plural = _("daily checks")
        ordering = ["-day", "unit_id", "duty"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "day", "duty"], name="daily_check_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.day} {self.duty}"


class MediaItem(models.Model):
    """A report or post about the bank found by monitoring (P3 第八条(四), 第十五条): where, what, and the
    case it was registered as, routed to the spokesperson."""

    source = models.CharField(_("where it was found"), max_length=128)
    title = models.CharField(_("title"), max_length=255)
    url = models.URLField(_("address"), max_length=500, blank=True, default="")
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    found_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    found_at = models.DateTimeField(_("found at"))
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="media_item")
    spokesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("spokesperson")
    )

    class Meta:
        verbose_name = _("media item")
        verbose_name_plural = _("media items")
        ordering = ["-found_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source}: {self.title}"
