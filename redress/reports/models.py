"""The reports app's tables: each case's figures and their daily rollup (declared in `figures`, the part of
the app the lifecycle calls in the transaction of every registration and transition), and the record of
each unit's daily report sent."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from redress.organisation.models import Unit

from .figures import CaseFigures, DailyFigures

__all__ = ["CaseFigures", "DailyFigures", "DailyReport"]


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
