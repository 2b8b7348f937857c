"""The people picker's search (issue 15 item 5): staff found by name as one types, for the fields that name
a person (the staff member complained about, the one held responsible, an approver). Scoped to the caller's
part of the bank: a branch's people (and those below) find their branch's staff; the supervision office,
administrators and anyone above a branch find the whole bank. Never the inactive; at most `LIMIT` answers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from redress.lifecycle.permissions import sees_all
from redress.organisation.choices import Level
from redress.organisation.models import Staff

LIMIT = 20
QUERY_MAX = 32


def people_in_reach(user: Staff):
    """The staff this person may look up by name."""
    staff = Staff.objects.filter(is_active=True, unit__isnull=False)
    if sees_all(user) or user.unit_id is None:
        return staff
    branch = user.unit.at_level(Level.BRANCH)
    return staff.filter(unit__path__startswith=branch.path) if branch is not None else staff


@login_required
@require_GET
def search_people(request: HttpRequest) -> JsonResponse:
    """`?q=` part of a name (or the start of a username): {"people": [{"username", "name", "unit"}]}."""
    query = (request.GET.get("q") or "").strip()[:QUERY_MAX]
    if not query:
        return JsonResponse({"people": []})
    found = (
        people_in_reach(request.user)
        .filter(Q(name__icontains=query) | Q(username__istartswith=query))
        .order_by("name", "username")
        .values_list("username", "name", "unit__name")[:LIMIT]
    )
    return JsonResponse(
        {"people": [{"username": u, "name": n or u, "unit": unit or ""} for u, n, unit in found]}
    )
