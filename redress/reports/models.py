"""The reports app's tables: each case's figures and their rollup (declared in `figures`, the part of the
app the lifecycle calls in the transaction of every registration and transition), and the record of each
unit's daily report sent."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from redress.organisation.models import Unit

from .figures import CaseFigures

__all__ = ["CaseFigures", "DailyReport", "Problem", "ProblemStatus"]


class DailyReport(models.Model):
    """A unit's daily classified report for one day, sent (P1 六、7): once per unit and day, whoever runs the
    morning's sending. A unit that should report and has no such row with anyone told is marked missing."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("date"))
    sent_at = models.DateTimeField(_("sent at"))
    # People told (bell, e-mail, SMS as each prefers) and mailboxes written to.
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        constraints = [models.UniqueConstraint(fields=["unit", "date"], name="daily_report_once")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.date}"


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("awaiting rectification")
    IN_PROGRESS = "in_progress", _("rectification in progress")
    RECTIFIED = "rectified", _("rectified")
    VERIFIED = "verified", _("rectification verified")


class Problem(models.Model):
    """A recurring problem the supervision office recorded from a hotspot (P3 第二十二条): its root cause,
    who rectifies it by when, how far the rectification has gone, and the cases it came from."""

    title = models.CharField(_("title"), max_length=200)
    # The hotspot it was recorded from: the dimension (`hotspots.DIMENSIONS`), the value as the register's
    # filter takes it and as shown, the unit whose subtree and the window it was seen over.
    dimension = models.CharField(_("dimension"), max_length=32)
    value = models.CharField(_("value"), max_length=200)
    value_label = models.CharField(_("value"), max_length=200)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    root_cause = models.TextField(_("root cause"), blank=True, default="")
    owner = models.ForeignKey(
        "organisation.Staff",
        verbose_name=_("rectification owner"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    due_date = models.DateField(_("rectification due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ProblemStatus.choices, default=ProblemStatus.OPEN
    )
    notes = models.TextField(_("notes"), blank=True, default="")
    cases = models.ManyToManyField("cases.Case", verbose_name=_("cases"), related_name="+", blank=True)
    recorded_by = models.ForeignKey(
        "organisation.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["status", "due_date"], name="problem_status_due_idx")]

    def __str__(self) -> str:
        return self.title
