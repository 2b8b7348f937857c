"""The command centre page of an emergency plan (`/plans/<id>`): the plan's live state, refreshed without
reloading by a static script (`plan-centre.js`, no inline script: CSP) that reads `/plans/<id>/state`."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from redress.plans import services as plans
from redress.plans.models import Plan
from redress.reports.plan_dashboard import dashboard


def _plan(request: HttpRequest, plan_id: int) -> Plan:
    plan = Plan.objects.select_related("unit").filter(pk=plan_id).first()
    if plan is None or not plans.may_see(request.user, plan):
        raise Http404
    return plan


@login_required
@require_GET
def plan_centre(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(request, plan_id)
    return render(
        request,
        "web/plan_centre.html",
        {"plan": plan, "state": dashboard(request.user, plan), "statements": plans.current_statements(plan)},
    )


@login_required
@require_GET
def plan_state(request: HttpRequest, plan_id: int) -> JsonResponse:
    return JsonResponse(dashboard(request.user, _plan(request, plan_id)), encoder=DjangoJSONEncoder)
