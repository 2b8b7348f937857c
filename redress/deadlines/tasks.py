"""Celery entry point: recomputing the clocks a calendar change touched, on a worker when one runs."""

from __future__ import annotations

import datetime as dt

from celery import shared_task


@shared_task(name="redress.deadlines.recompute", ignore_result=True)
def recompute_task(jurisdiction: str, first_day: str, last_day: str) -> int:
    from redress.calendar.services import get_calendar

    from .services import clocks_touching, recompute

    return recompute(
        clocks_touching(dt.date.fromisoformat(first_day), dt.date.fromisoformat(last_day)),
        get_calendar(jurisdiction),
    )
