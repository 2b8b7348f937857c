"""A change of the official calendar moves the clocks that count across the changed days."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from .tasks import recompute_task


def recompute_after_calendar_change(
    sender, jurisdiction: str, first_day: dt.date, last_day: dt.date, **kwargs
) -> None:
    """Sent after the change commits: a worker recomputes when one runs, otherwise it happens at once."""
    if getattr(settings, "CELERY_BROKER_URL", ""):
        recompute_task.delay(jurisdiction, first_day.isoformat(), last_day.isoformat())
    else:
        recompute_task(jurisdiction, first_day.isoformat(), last_day.isoformat())
