"""The calendar of record (R4.2, R4.3): per jurisdiction, the days that differ from the weekend rule and the
years whose official arrangement is confirmed. Writes go through `redress.calendar.services`, which audits
them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from redress.calendar.choices import ChangeAction, DayKind
from redress.calendar.workdays import DEFAULT_TIMEZONE


class Jurisdiction(models.Model):
    """Whose official calendar: mainland China (`CN`) by default; room for Hong Kong or a province's rules."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=64)
    timezone = models.CharField(_("time zone"), max_length=64, default=DEFAULT_TIMEZONE)
    # Changed on every write to the jurisdiction's days or years; the per-process cache compares it.
    # A random value, not a counter: a rolled-back transaction must never let an old stamp come back.
    stamp = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class CalendarYear(models.Model):
    """A year whose arrangement is loaded (confirmed). A year without a row counts weekends only."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.CASCADE, related_name="years"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    source = models.CharField(_("source"), max_length=255, blank=True, default="")
    loaded_at = models.DateTimeField(_("loaded at"), auto_now=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("loaded by"), null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("confirmed year")
        verbose_name_plural = _("confirmed years")
        ordering = ["jurisdiction", "-year"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "year"], name="calendar_year_unique")]

    def __str__(self) -> str:
        return f"{self.jurisdiction.code} {self.year}"


class CalendarDay(models.Model):
    """A day that is not what the weekend rule says, or that carries a holiday's name."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=DayKind.choices)
    name = models.CharField(_("holiday"), max_length=64, blank=True, default="")
    # The year whose arrangement set this day: a New Year block or its make-up day may fall in the December
    # before, and reloading that year must replace it.
    arrangement_year = models.PositiveSmallIntegerField(_("arrangement year"))

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["jurisdiction", "date"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "date"], name="calendar_day_unique")]
        indexes = [
            models.Index(fields=["jurisdiction", "arrangement_year"], name="calendar_day_arrangement_idx")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}".rstrip()


class CalendarChange(models.Model):
    """The audit trail of the calendar: who changed what, when, from which type to which."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.CASCADE, related_name="changes"
    )
    action = models.CharField(_("action"), max_length=16, choices=ChangeAction.choices)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.PROTECT
    )
    year = models.PositiveSmallIntegerField(_("year"))
    # Empty for the row that records a whole year's load; set for each day whose type or name changed.
    date = models.DateField(_("date"), null=True, blank=True)
    old_kind = models.CharField(_("old type"), max_length=16, choices=DayKind.choices, blank=True, default="")
    new_kind = models.CharField(_("new type"), max_length=16, choices=DayKind.choices, blank=True, default="")
    old_name = models.CharField(_("old name"), max_length=64, blank=True, default="")
    new_name = models.CharField(_("new name"), max_length=64, blank=True, default="")
    note = models.TextField(_("note"), blank=True, default="")

    class Meta:
        verbose_name = _("calendar change")
        verbose_name_plural = _("calendar changes")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.date or self.year}"
