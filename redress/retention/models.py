"""Retention (R10.5, decision 0037): how long a closed case is kept whole, by kind, and the record each run
leaves of the cases it anonymised."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from redress.cases.choices import Kind
from redress.cases.models import Case

# REGULATION.md: complaint records are kept at least three years after the case is closed.
MIN_YEARS = 3


class RetentionPolicy(models.Model):
    """Years a closed case of one kind is kept whole after its close; a kind without a row keeps
    `DEFAULT_YEARS` (services.py)."""

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, unique=True)
    years = models.PositiveSmallIntegerField(
        _("years kept after close"), validators=[MinValueValidator(MIN_YEARS)]
    )

    class Meta:
        verbose_name = _("retention period")
        verbose_name_plural = _("retention periods")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(years__gte=MIN_YEARS), name="retention_at_least_minimum"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.years}"


class RetentionRun(models.Model):
    """One run of retention: when, whether it only listed what it would do, and how many cases."""

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    dry_run = models.BooleanField(_("listed only (dry run)"), default=False)
    started_by = models.CharField(_("started by"), max_length=64)
    cases = models.PositiveIntegerField(_("cases anonymised"), default=0)

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.cases}"


class AnonymisedCase(models.Model):
    """A case a run anonymised (or, in a dry run, would have): its number, kind and close stay readable."""

    run = models.ForeignKey(RetentionRun, on_delete=models.PROTECT, related_name="items")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("case number"), max_length=16)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    closed_at = models.DateTimeField(_("closed at"))
    kept_until = models.DateTimeField(_("kept whole until"))
    events_erased = models.PositiveIntegerField(_("history entries erased"), default=0)
    files_deleted = models.PositiveIntegerField(_("files deleted"), default=0)

    class Meta:
        verbose_name = _("anonymised case")
        verbose_name_plural = _("anonymised cases")
        ordering = ["run", "number"]
        indexes = [models.Index(fields=["case"], name="anonymised_case_idx")]

    def __str__(self) -> str:
        return self.number
