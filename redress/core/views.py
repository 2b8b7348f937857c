"""Liveness for load balancers and `make run` (`healthz`), and what a request that fails on the bank's side
answers (`server_error`, Django's handler500): never a stack trace, and 503 with Retry-After, not 500, when
the database is away (restarted, failed over), so that clients and load balancers retry."""

from __future__ import annotations

import logging
import sys

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from redress.cases.attachments import store_answers

logger = logging.getLogger(__name__)

# Seconds a client should wait before trying again while the database is away.
RETRY_AFTER = 5


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the attachment store answer; 503 naming the one that does not."""
    down = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        down["database"] = "down"
    if not store_answers():
        down["attachments"] = "down"
    if down:
        return JsonResponse({"status": "unavailable", **down}, status=503)
    return JsonResponse({"status": "ok"})


def _database_away(exc: BaseException | None) -> bool:
    # OperationalError: the connection failed or was dropped; InterfaceError: it was already closed.
    return isinstance(exc, (OperationalError, InterfaceError))


def server_error(request: HttpRequest) -> HttpResponse:
    """The answer to an unhandled failure (Django has logged it). Reads nothing from the database: it may be
    the database that failed. The API gets its JSON shape (`{"detail", "errors"}`), a page plain HTML."""
    away = _database_away(sys.exc_info()[1])
    status = 503 if away else 500
    if away:
        detail = _(
            "The service is briefly unavailable. Nothing was saved by this request; try again in a moment."
        )
    else:
        detail = _("Something went wrong on the bank's side and it has been recorded. Try again, or tell IT.")
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": detail, "errors": {}}, status=status)
    else:
        page = loader.get_template("500.html").render({"detail": detail, "unavailable": away})
        response = HttpResponse(page, status=status)
    if away:
        response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response
