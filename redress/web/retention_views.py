"""Retention for inspectors (R10.5, decision 0037): the period kept by kind, and each run with the cases it
anonymised. The supervision office and auditors only (`redress.audit.services.may_inspect`)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from redress.access.visibility import visible_to
from redress.audit.services import may_inspect
from redress.cases.choices import Kind
from redress.retention.models import AnonymisedCase, RetentionPolicy, RetentionRun
from redress.retention.services import years_for

RUNS_SHOWN = 30


@login_required
@require_GET
def retention(request: HttpRequest) -> HttpResponse:
    if not may_inspect(request.user):
        raise PermissionDenied
    policies = dict(RetentionPolicy.objects.values_list("kind", "years"))
    # The cases of each run the inspector may see (not one about themselves).
    items = AnonymisedCase.objects.filter(case__in=visible_to(request.user)).order_by("number")
    runs = RetentionRun.objects.prefetch_related(Prefetch("items", queryset=items))[:RUNS_SHOWN]
    context = {
        "periods": [(label, years_for(kind, policies)) for kind, label in Kind.choices],
        "runs": runs,
    }
    return render(request, "web/retention.html", context)
