"""The stack floor: what one registration request costs before Redress does its own work.

`POST /api/v1/cases` here goes through the same server, middleware, Ninja, token authentication (one query)
and request schema (`CaseIn`, converted to `RegistrationData`) as the real endpoint. What it does next is
chosen by `REDRESS_BENCH_FLOOR`:

- `server`: a plain Django view answers 201 without Ninja, authentication or parsing: what the server, the
  middleware and the load client cost on their own.
- `parse` (default): nothing; answers 201 with a few fields. The ceiling of any registration on this stack.
- `orm-row`: stores the bare case row through the ORM as registration does (a transaction, the year's
  number from its sequence, `Case.objects.create`), without validation lookups, event, flags, clocks or
  triggers.
- `sql-row`: stores the same row with one hand-written statement (number computed inside the INSERT,
  autocommit): the least any registration that keeps a case can do.

The load client drives it exactly as it drives the real endpoint. Every other route (the token endpoint the
load client logs in with, /healthz) is Redress's own. Benchmark only: nothing outside `bench/` imports it.
"""

import functools
import os

from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI

from redress.api.auth import StaffToken
from redress.api.cases import CaseIn
from redress.cases.choices import State
from redress.cases.models import Case
from redress.cases.numbering import next_case_number

MODE = os.environ.get("REDRESS_BENCH_FLOOR", "parse")
floor = NinjaAPI(urls_namespace="bench-floor", auth=StaffToken(), docs_url=None, openapi_url=None)


def bare_case(request: HttpRequest, payload: CaseIn) -> Case:
    data, staff = payload.to_registration(), request.auth
    unit = staff.unit
    return Case(
        kind=data.kind,
        channel=data.channel,
        received_at=data.received_at,
        unit=unit,
        holder_unit=unit,
        unit_path=unit.path,
        holder_unit_path=unit.path,
        complainant_name=data.complainant_name,
        complainant_phone=data.complainant_phone,
        complainant_id_number=data.complainant_id_number,
        matter=data.matter,
        demand=data.demand,
        category=data.category,
        product=data.product,
        first_responder=staff,
        state=State.REGISTERED,
        level=unit.level,
    )


@functools.cache
def _insert_statement() -> tuple[str, list]:
    """Built once per process: the floor must not pay for building its own SQL on every request."""
    fields = [f for f in Case._meta.concrete_fields if not f.primary_key and f.name != "number"]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    holes = ", ".join(["%s"] * len(fields))
    number = "%s || lpad(nextval(%s)::text, 6, '0')"  # TS + year + the year's sequence, as numbering does
    sql = f'INSERT INTO "cases_case" ("number", {columns}) VALUES ({number}, {holes}) RETURNING "number"'
    return sql, fields


@floor.post("/cases", response={201: dict})
def registration_floor(request: HttpRequest, payload: CaseIn):
    if MODE == "parse":
        data = payload.to_registration()
        return 201, {"kind": data.kind, "channel": data.channel, "first_responder": request.auth.username}
    case = bare_case(request, payload)
    year = timezone.localtime(case.received_at).year
    if MODE == "orm-row":
        with transaction.atomic():
            case.number = next_case_number(year)
            case.save(force_insert=True)
        return 201, {"number": case.number}
    sql, fields = _insert_statement()
    params = [f"TS{year}", f"case_number_{year}_seq"]
    params += [f.get_db_prep_save(f.pre_save(case, add=True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return 201, {"number": cursor.fetchone()[0]}


@csrf_exempt
def server_floor(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"number": None}, status=201)


if MODE == "server":
    urlpatterns = [path("api/v1/cases", server_floor), path("", include("redress.urls"))]
else:
    urlpatterns = [path("api/v1/", floor.urls), path("", include("redress.urls"))]
