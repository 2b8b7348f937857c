"""Notices shown on every page."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from redress.calendar.services import next_year_missing_warning
from redress.organisation.choices import Role
from redress.organisation.models import Staff


def today() -> dt.date:
    """The bank's date (Beijing time); tests replace it to stand on a given day."""
    return timezone.localdate()


def calendar_warning(user: Staff, on: dt.date | None = None) -> dict | None:
    """From 1 November on, when next year's holiday arrangement is not loaded (or this year's is not at all),
    the year to load and where — for those who may load it only: everyone else sees the clocks that fall in
    that year marked "unconfirmed", and a banner they can do nothing about is noise (issue 15)."""
    if not (user.is_superuser or user.has_role(Role.ADMIN)):
        return None
    year = next_year_missing_warning(on or today())
    if year is None:
        return None
    return {"year": year, "url": reverse("admin:calendar_calendaryear_load")}
