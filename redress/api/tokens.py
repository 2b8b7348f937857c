"""API tokens: issued for a username and password, listed and revoked by their owner (and by
administrators, anyone's). Token requests count towards the login lockout (redress.access.lockout)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import authenticate
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from pydantic import ConfigDict

from redress.access.lockout import lockout_message
from redress.access.models import ApiToken
from redress.access.tokens import may_manage_tokens_of_others, revoke_token, tokens_for
from redress.common.schemas import param_example
from redress.common.text import Text
from redress.organisation.lookups import staff_member

from .errors import ApiError, forbidden
from .schemas import BODY_REFUSALS, ErrorOut

router = Router(tags=["auth"])

_LOCKED_DOC = (
    "429: too many failed token requests or logins for this account (or from this address) within the "
    "lockout time: the account's token requests and logins are refused until it has passed (the "
    "`Retry-After` header, in seconds) or an administrator unlocks it."
)


# A demo user (`make run`, README.md), whose published password works only in demo mode (bandit: B105).
DEMO_PASSWORD = "demo"  # nosec B105
DEMO_LOGIN = {"username": "teller", "password": DEMO_PASSWORD}


class Credentials(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [DEMO_LOGIN]})

    username: str
    password: str


class IssuedOut(Schema):
    token: str = Field(description="The bearer token; shown only this once")
    key: str = Field(description="The token's identifier in GET /auth/tokens (not a secret)")
    expires_at: dt.datetime


class TokenOut(Schema):
    key: str = Field(description="Identifies the token; the secret itself is never shown again")
    staff: str = Field(description="The owner's username")
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None = Field(description="Kept to the minute")
    revoked: bool
    revoked_at: dt.datetime | None
    revoked_because: str = Field(
        description="owner, administrator, password_changed, deactivated; empty while not revoked"
    )
    current: bool = Field(description="Whether this is the token the request was made with")


class TokenFilters(Schema):
    staff: Text | None = Field(
        None,
        description="Administrators: another staff member's username (all staff when omitted); "
        "others see only their own tokens",
        json_schema_extra=param_example("teller"),
    )


# The key is the start of the stored digest: enough to tell a person's tokens apart, useless as a secret.
KEY_LENGTH = 12


def token_out(token: ApiToken, request: HttpRequest) -> dict:
    return {
        "key": token.digest[:KEY_LENGTH],
        "staff": token.staff.username,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "revoked": token.revoked,
        "revoked_at": token.revoked_at,
        "revoked_because": token.revoked_because,
        "current": token.digest == getattr(request, "token_digest", None),
    }


@router.post(
    "/token",
    auth=None,
    response={200: IssuedOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut, **BODY_REFUSALS},
    description="Exchange a username and password for a bearer token, valid for REDRESS_API_TOKEN_DAYS "
    "days (30 unless configured) or until revoked; a password change or deactivation revokes all of the "
    "account's tokens. Demo users are refused outside demo mode. " + _LOCKED_DOC,
)
def issue_token(request: HttpRequest, payload: Credentials) -> dict:
    staff = authenticate(request, username=payload.username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        # The lockout middleware answers the same way; raised here so the view's own answer agrees.
        raise ApiError(429, lockout_message())
    if staff is None:
        raise ApiError(401, _("Wrong username or password, or the account may not log in."))
    token, raw = ApiToken.issue_row(staff)
    return {"token": raw, "key": token.digest[:KEY_LENGTH], "expires_at": token.expires_at}


@router.get(
    "/tokens",
    response={200: list[TokenOut], 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="API tokens",
    description="The caller's tokens, newest first (at most 500), with when each expires and was last used; "
    "administrators may name another staff member (`staff`) or see everyone's. Secrets are never shown.",
)
def list_tokens(request: HttpRequest, filters: Query[TokenFilters]) -> list[dict]:
    owner = None
    if filters.staff and filters.staff != request.auth.username:
        if not may_manage_tokens_of_others(request.auth):
            raise forbidden()
        owner = staff_member(filters.staff)
        if owner is None:
            return []
    tokens = tokens_for(request.auth, owner)[:500]
    return [token_out(t, request) for t in tokens]


@router.delete(
    "/tokens/{key}",
    response={200: TokenOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Revoke an API token",
    description="Revoke one of the caller's tokens (administrators: anyone's) at once; it opens nothing "
    "from then on. Revoking a revoked token answers the same. Another person's token is 404 for others.",
)
def revoke(
    request: HttpRequest,
    key: str = Path(..., min_length=KEY_LENGTH, max_length=KEY_LENGTH, example="0123456789ab"),
) -> dict:
    token = tokens_for(request.auth).filter(digest__startswith=key.lower()).first()
    if token is None:
        raise Http404
    return token_out(revoke_token(request.auth, token.pk), request)
