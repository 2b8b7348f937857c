"""Bearer-token authentication for the API: the token resolves to an active staff member or nothing."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from redress.access.models import hash_token
from redress.access.services import staff_for_token
from redress.organisation.models import Staff


class StaffToken(HttpBearer):
    """`Authorization: Bearer <token>`; one query fetches the token, its staff member and their unit."""

    def authenticate(self, request: HttpRequest, token: str) -> Staff | None:
        staff = staff_for_token(token)
        if staff is not None:
            # Code shared with the web pages reads request.user.
            request.user = staff
            # Which of the caller's tokens this is (GET /auth/tokens marks it).
            request.token_digest = hash_token(token)
        return staff
