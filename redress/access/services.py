"""Authentication by bearer token, with the same refusals as a login (inactive, demo outside demo mode)."""

from __future__ import annotations

from django.conf import settings

from redress.organisation.models import Staff

from .models import ApiToken, hash_token


def staff_for_token(raw: str) -> Staff | None:
    if not raw:
        return None
    token = (
        ApiToken.objects.filter(digest=hash_token(raw), revoked=False)
        .select_related("staff", "staff__unit")
        .first()
    )
    if token is None:
        return None
    staff = token.staff
    if not staff.is_active or (staff.is_demo and not settings.DEMO_MODE):
        return None
    return staff
