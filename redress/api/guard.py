"""The API's edge, before any endpoint reads the request: an address over the length limit, a body over the
size limit and a NUL anywhere (path, query string, JSON body, form fields, file names) are refused in the
API's error shape.

Django alone answers an oversized body with an HTML 400 page, and a NUL reaches PostgreSQL, which cannot
store or even compare one (a 500), whatever field carried it: so one guard for all of the API's input.
Placed after the language middleware, so its messages are in the caller's language.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

from redress.common.text import NUL, REPLACEMENT, fields_with_nul, refused_character_message

from .errors import error_body

PREFIX = "/api/"
# The longest address (path and query) the API reads. `redress serve` lets gunicorn pass longer request lines
# (its own refusal, at 4,094 bytes, is an HTML page), so the refusal is in the API's shape and documented.
MAX_ADDRESS = 8000


class ApiInputGuard:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(PREFIX):
            refusal = refuse(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)


def refuse(request: HttpRequest) -> HttpResponse | None:
    """The answer to a request the API must not read, or None."""
    if len(request.get_full_path()) > MAX_ADDRESS:
        return _answer(
            414,
            _("The address is too long: at most %(size)s characters. Send long values in a request body.")
            % {"size": f"{MAX_ADDRESS:,}"},
        )
    if NUL in request.path_info:
        return _with_nul(["path"])
    named = [name for key, values in request.GET.lists() for name in _nul_in(key, values)]
    if named:
        return _with_nul(named)
    try:
        if request.content_type == "multipart/form-data":
            named = [name for key, values in request.POST.lists() for name in _nul_in(key, values)]
            named += [key for key, files in request.FILES.lists() if any(NUL in f.name for f in files)]
        elif request.method in {"POST", "PUT", "PATCH"} and _may_hold_nul(request.body):
            named = fields_with_nul(_json(request.body))
    except RequestDataTooBig:
        return _answer(
            413,
            _("The request is too large: at most %(size)s bytes, attachments aside.")
            % {"size": f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,}"},
        )
    except SuspiciousOperation:
        # Too many form fields or files: what Django would answer with an HTML 400.
        return _answer(400, _("The request has too many fields or files."))
    except MultiPartParserError:
        # A form without its boundary, or cut short: Django's HTML 400 page, where a client reads JSON.
        return _answer(400, _("The form could not be read: send multipart/form-data with its boundary."))
    return _with_nul(named) if named else None


def _nul_in(key: str, values: list[str]) -> list[str]:
    if NUL in key:
        return [key.replace(NUL, REPLACEMENT)]
    return [key] if any(NUL in value for value in values) else []


def _may_hold_nul(body: bytes) -> bool:
    """JSON can carry a NUL only as the escape `\\u0000` (a raw one is not JSON at all): the body is decoded
    a second time, to name the field, only when the escape is there, not on every registration."""
    return b"\\u0000" in body or b"\x00" in body


def _json(body: bytes) -> object:
    try:
        return json.loads(body)
    except ValueError:
        return None  # not JSON: the endpoint answers that (400), as for any body it cannot read


def _with_nul(names: list[str]) -> HttpResponse:
    message = refused_character_message(NUL)
    return _answer(422, _("Some fields are not valid."), {name: [message] for name in names})


def _answer(status: int, detail: str, errors: dict[str, list[str]] | None = None) -> HttpResponse:
    return JsonResponse(error_body(detail, errors), status=status)


def document_refusals(schema: dict) -> dict:
    """Every operation of the OpenAPI schema names the guard's 414 (any address can be too long)."""
    refusal = {
        "description": "The address (path and query) is longer than the API reads",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
    }
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            operation.setdefault("responses", {}).setdefault("414", refusal)
    return schema
