"""The Redress HTTP API, served under /api/v1 (schema at /api/v1/openapi.json, docs page at /api/v1/docs).

How an app adds its endpoints: the app keeps a `ninja.Router` named `router` in its own module
(e.g. `redress/calendar/api.py`) and adds ONE line to the list of mounts at the bottom of this file:

    api.add_router("/calendar", "redress.calendar.api.router")

Every router inherits the bearer-token auth (`request.auth` is the Staff member) and the error shape of
`redress.api.errors` (raise `ApiError`, `Http404`, or let `ninja.errors.ValidationError` through).
Mount by dotted path, so importing this module does not import every app's endpoints eagerly.
"""

from __future__ import annotations

from ninja import NinjaAPI

from .auth import StaffToken
from .errors import install_error_handlers
from .guard import document_refusals


class RedressAPI(NinjaAPI):
    """The API with the refusals of its edge (`guard`) in its schema: they come before any endpoint."""

    def get_openapi_schema(self, *args, **kwargs):
        return document_refusals(super().get_openapi_schema(*args, **kwargs))


api = RedressAPI(
    title="Redress API",
    version="1",
    description="Complaint and petition desk. Authenticate with POST /api/v1/auth/token, "
    "then send `Authorization: Bearer <token>`.",
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
    auth=StaffToken(),
)
install_error_handlers(api)

# Mounts: one line per app.
api.add_router("/auth", "redress.api.tokens.router")
# Before the cases: its POST /cases/suggestions would otherwise meet GET /cases/{number} first (405).
api.add_router("", "redress.api.suggestions.router")
api.add_router("", "redress.api.cases.router")
api.add_router("", "redress.api.action_endpoints.router")
api.add_router("", "redress.api.organisation.router")
api.add_router("", "redress.calendar.api.router")
api.add_router("", "redress.notifications.api.router")
api.add_router("", "redress.api.reports.router")
api.add_router("", "redress.api.plans.router")
# Without a login: reports of wrongdoing from the public, with a receipt.
api.add_router("", "redress.api.public.router")
api.add_router("", "redress.api.audit.router")
api.add_router("", "redress.api.watch.router")
