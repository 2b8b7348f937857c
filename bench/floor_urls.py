"""The stack floor: what one registration request costs before Redress does any of its own work.

`POST /api/v1/cases` here goes through the same server, middleware, Ninja, token authentication (one
query) and request schema (`CaseIn`, converted to `RegistrationData`) as the real endpoint, then answers
201 with a few fields and stores nothing. The load client drives it exactly as it drives the real endpoint,
so its throughput is the ceiling any registration can reach on this stack and machine. Every other route
(the token endpoint the load client logs in with, /healthz) is Redress's own.
"""

from django.http import HttpRequest
from django.urls import include, path
from ninja import NinjaAPI

from redress.api.auth import StaffToken
from redress.api.cases import CaseIn

floor = NinjaAPI(urls_namespace="bench-floor", auth=StaffToken(), docs_url=None, openapi_url=None)


@floor.post("/cases", response={201: dict})
def parse_only(request: HttpRequest, payload: CaseIn):
    data = payload.to_registration()
    return 201, {"kind": data.kind, "channel": data.channel, "first_responder": request.auth.username}


urlpatterns = [path("api/v1/", floor.urls), path("", include("redress.urls"))]
