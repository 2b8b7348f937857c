"""Issuing API tokens from a username and password."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import ConfigDict

from redress.access.models import ApiToken

from .errors import ApiError
from .schemas import BODY_REFUSALS, ErrorOut

router = Router(tags=["auth"])


class Credentials(Schema):
    # A demo user (`make run`, README.md): they log in only in demo mode.
    model_config = ConfigDict(json_schema_extra={"examples": [{"username": "teller", "password": "demo"}]})

    username: str
    password: str


class TokenOut(Schema):
    token: str


@router.post("/token", auth=None, response={200: TokenOut, 401: ErrorOut, 422: ErrorOut, **BODY_REFUSALS})
def issue_token(request: HttpRequest, payload: Credentials) -> dict:
    """Exchange a username and password for a bearer token. Demo users are refused outside demo mode."""
    staff = authenticate(request, username=payload.username, password=payload.password)
    if staff is None:
        raise ApiError(401, _("Wrong username or password, or the account may not log in."))
    return {"token": ApiToken.issue(staff)}
