from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeadlinesConfig(AppConfig):
    name = "redress.deadlines"
    label = "deadlines"
    verbose_name = _("time limits")

    def ready(self) -> None:
        # The calendar (below the clocks) announces a change; the clocks that touch it are recomputed.
        from redress.calendar.signals import calendar_changed

        from .calendar_changes import recompute_after_calendar_change

        calendar_changed.connect(recompute_after_calendar_change, dispatch_uid="deadlines.calendar_changed")
