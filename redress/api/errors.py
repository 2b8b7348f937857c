"""One JSON shape for every refusal: `{"detail": "<summary>", "errors": {"<field>": ["<message>", ...]}}`.

Field names are the API's own (`complainant.phone`, `amount`, `limit`), whether the refusal came from a
service (FieldErrors, FieldErrors) or from the request's schema (pydantic). Messages are
translated into the request's language (Accept-Language; zh-Hans by default).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from redress.cases.attachments import StoreFailed
from redress.common.errors import ApiError, FieldErrors, forbidden, pydantic_message
from redress.common.ratelimit import RateLimited
from redress.lifecycle import ActionForbidden, IllegalTransition

# Where a value came from in ninja's error `loc`; not part of the field's name.
# The API's refusals are the shared ones (any app's router raises them); named here for the API's modules.
__all__ = ["ApiError", "Conflict", "error_body", "forbidden", "install_error_handlers", "validation_errors"]

_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}
# Names of the endpoint parameters that carry a whole schema (their fields are what clients name).
_SCHEMA_PARAMS = {"payload", "filters", "data"}


class Conflict(ApiError):
    """409: the case is not in a state for this action, or it changed since the caller read it. The body
    names the case's current state, version and the actions the caller may take now."""

    def __init__(self, detail: str, state: str, allowed: list[str], version: int | None = None):
        super().__init__(409, detail)
        self.extra = {"state": state, "allowed_actions": list(allowed), "version": version}


def error_body(
    detail: str, errors: Mapping[str, Iterable[str]] | None = None, **extra: Any
) -> dict[str, Any]:
    body = {"detail": detail, "errors": {k: [str(m) for m in v] for k, v in (errors or {}).items()}}
    body.update(extra)
    return body


def field_name(loc: Iterable[Any]) -> str:
    """`("body", "payload", "complainant", "phone")` → `complainant.phone`."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in _SCHEMA_PARAMS:
        parts = parts[1:]
    return ".".join(parts) or "body"


def validation_errors(errors: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        messages = fields.setdefault(field_name(error.get("loc", ())), [])
        message = pydantic_message(error)
        if message not in messages:
            messages.append(message)
    return fields


def install_error_handlers(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, detail: str, errors=None, **extra) -> HttpResponse:
        return api.create_response(request, error_body(detail, errors, **extra), status=status)

    def invalid(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 422, _("Some fields are not valid."), exc.errors)

    def schema_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return respond(request, 422, _("Some fields are not valid."), validation_errors(exc.errors))

    def api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return respond(request, exc.status, exc.detail, exc.errors, **getattr(exc, "extra", {}))

    def rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
        response = respond(request, 429, exc.detail)
        response["Retry-After"] = str(exc.retry_after)
        return response

    def store_failed(request: HttpRequest, exc: StoreFailed) -> HttpResponse:
        # Not the caller's fault and nothing was kept: the same request (same Idempotency-Key) may be sent
        # again once the attachment store is back.
        return respond(request, 503, exc.detail, exc.errors)

    def illegal(request: HttpRequest, exc: IllegalTransition) -> HttpResponse:
        return respond(request, 409, str(exc), state=exc.state, allowed_actions=exc.allowed)

    def action_forbidden(request: HttpRequest, exc: ActionForbidden) -> HttpResponse:
        return respond(request, 403, str(exc))

    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        # The same body whatever the reason: a case the caller may not see looks exactly like none at all.
        return respond(request, 404, _("Not found."))

    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc, AuthenticationError):
            detail = _("Send a valid token: Authorization: Bearer <token>.")
        elif isinstance(exc, AuthorizationError):
            detail = _("You are not allowed to do this.")
        elif exc.status_code == 400:
            # Ninja's only 400 is a body it cannot parse.
            detail = _("Enter a valid JSON.")
        else:
            detail = str(exc)
        return respond(request, exc.status_code, detail)

    api.add_exception_handler(FieldErrors, invalid)
    api.add_exception_handler(IllegalTransition, illegal)
    api.add_exception_handler(ActionForbidden, action_forbidden)
    api.add_exception_handler(ValidationError, schema_invalid)
    api.add_exception_handler(ApiError, api_error)
    api.add_exception_handler(RateLimited, rate_limited)
    api.add_exception_handler(StoreFailed, store_failed)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(HttpError, http_error)
