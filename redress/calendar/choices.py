"""Named constants of the business calendar (GLOSSARY.md: 工作日 / 调休 → `working_day`, `makeup_workday`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    WORKING_DAY = "working_day", _("working day")
    REST_DAY = "rest_day", _("rest day")
    HOLIDAY = "holiday", _("statutory holiday")
    MAKEUP_WORKDAY = "makeup_workday", _("make-up working day")


WORKING_KINDS = frozenset({DayKind.WORKING_DAY.value, DayKind.MAKEUP_WORKDAY.value})


class LimitUnit(models.TextChoices):
    """How a time limit counts: the unit of `deadlines.compute_deadline`."""

    WORKING_DAYS = "working_days", _("working days")
    CALENDAR_DAYS = "calendar_days", _("calendar days")
    HOURS = "hours", _("hours")


class ChangeAction(models.TextChoices):
    SEEDED = "seeded", _("seeded from the chinesecalendar package")
    YEAR_LOADED = "year_loaded", _("year's arrangement loaded")
    DAY_CHANGED = "day_changed", _("day corrected")
