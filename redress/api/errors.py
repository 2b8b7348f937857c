"""One JSON shape for every refusal: `{"detail": "<summary>", "errors": {"<field>": ["<message>", ...]}}`.

Field names are the API's own (`complainant.phone`, `amount`, `limit`), whether the refusal came from a
service (RegistrationInvalid, OrganisationError) or from the request's schema (pydantic). Messages are
translated into the request's language (Accept-Language; zh-Hans by default).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from redress.cases.lifecycle import ActionForbidden, ActionInvalid, IllegalTransition
from redress.cases.register import RegisterFilterInvalid
from redress.cases.services import RegistrationInvalid
from redress.organisation.services import OrganisationError

# Where a value came from in ninja's error `loc`; not part of the field's name.
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}
# Names of the endpoint parameters that carry a whole schema (their fields are what clients name).
_SCHEMA_PARAMS = {"payload", "filters", "data"}


class ApiError(Exception):
    """Raise from an endpoint to refuse with a status, a summary and optional field errors."""

    def __init__(self, status: int, detail: str, errors: Mapping[str, list[str]] | None = None):
        self.status = status
        self.detail = detail
        self.errors = dict(errors or {})
        super().__init__(detail)


class Conflict(ApiError):
    """409: the case is not in a state for this action, or it changed since the caller read it. The body
    names the case's current state, version and the actions the caller may take now."""

    def __init__(self, detail: str, state: str, allowed: list[str], version: int | None = None):
        super().__init__(409, detail)
        self.extra = {"state": state, "allowed_actions": list(allowed), "version": version}


def forbidden() -> ApiError:
    return ApiError(403, _("You are not allowed to do this."))


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


def pydantic_message(error: Mapping[str, Any]) -> str:
    """A translated message for one pydantic error, chosen by its type (pydantic's own text is English)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind.startswith("datetime"):
        return _("Enter a valid date/time.")
    if kind.startswith("date"):
        return _("Enter a valid date.")
    if kind.startswith("int"):
        return _("Enter a whole number.")
    if kind.startswith(("decimal", "float")):
        return _("Enter a number.")
    if kind in {"less_than_equal", "less_than"}:
        limit = ctx.get("le", ctx.get("lt"))
        return _("Ensure this value is less than or equal to %(limit_value)s.") % {"limit_value": limit}
    if kind in {"greater_than_equal", "greater_than"}:
        limit = ctx.get("ge", ctx.get("gt"))
        return _("Ensure this value is greater than or equal to %(limit_value)s.") % {"limit_value": limit}
    if kind in {"literal_error", "enum"}:
        return _("Select a valid choice. %(value)s is not one of the available choices.") % {
            "value": error.get("input")
        }
    if kind in {"list_type", "tuple_type", "set_type"}:
        return _("Enter a list of values.")
    if kind == "json_invalid":
        return _("Enter a valid JSON.")
    if kind in {"string_too_long"}:
        return _("At most %(max)s characters.") % {"max": ctx.get("max_length")}
    if kind in {"string_too_short"}:
        return _("This field is required.")
    return _("Enter a valid value.")


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

    api.add_exception_handler(RegistrationInvalid, invalid)
    api.add_exception_handler(OrganisationError, invalid)
    api.add_exception_handler(RegisterFilterInvalid, invalid)
    api.add_exception_handler(ActionInvalid, invalid)
    api.add_exception_handler(IllegalTransition, illegal)
    api.add_exception_handler(ActionForbidden, action_forbidden)
    api.add_exception_handler(ValidationError, schema_invalid)
    api.add_exception_handler(ApiError, api_error)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(HttpError, http_error)
