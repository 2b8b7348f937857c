"""Authentication by bearer token, with the same refusals as a login (inactive, demo outside demo mode)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import OuterRef, StringAgg, Subquery, Value

from redress.organisation.models import Staff, StaffRole

from .models import ApiToken, hash_token


def staff_for_token(raw: str) -> Staff | None:
    if not raw:
        return None
    # The staff member's roles ride along with the token: one statement authenticates a request.
    roles = (
        StaffRole.objects.filter(staff=OuterRef("staff"))
        .order_by()
        .values("staff")
        .annotate(all=StringAgg("role", delimiter=Value(",")))
        .values("all")
    )
    token = (
        ApiToken.objects.filter(digest=hash_token(raw), revoked=False)
        .select_related("staff", "staff__unit")
        .annotate(staff_roles=Subquery(roles))
        .first()
    )
    if token is None:
        return None
    staff = token.staff
    staff.__dict__["roles"] = frozenset(r for r in (token.staff_roles or "").split(",") if r)
    if not staff.is_active or (staff.is_demo and not settings.DEMO_MODE):
        return None
    return staff
