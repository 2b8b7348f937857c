"""The one entry point for reading cases (R10.1, R10.2). No view, endpoint, export or task builds its own
queryset of cases: they start from `visible_to(user)`.

- The supervision office, administrators and auditors see every case.
- Everyone else sees the cases accepted by, held by, or complaining about a unit in their own unit's
  subtree, and the cases where they are the first responder or the handler.
- The staff member complained about never sees the case, whatever else their roles allow; to them it
  does not exist (a lookup by number is the same 404 as a missing case).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from redress.cases.models import Case
from redress.organisation.models import Staff


def visible_to(user: Staff) -> QuerySet[Case]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Case.objects.none()
    cases = Case.objects.exclude(subject_staff=user)
    if user.sees_all_cases:
        return cases
    scope = Q(first_responder=user) | Q(handler=user)
    if user.unit_id is not None:
        path = user.unit.path
        scope |= (
            Q(unit_path__startswith=path)
            | Q(holder_unit_path__startswith=path)
            | Q(subject_unit_path__startswith=path)
        )
    return cases.filter(scope)


def get_visible_case(user: Staff, number: str) -> Case:
    """The case with this number if the user may see it; otherwise Http404, exactly as for no such case."""
    try:
        return visible_to(user).get(number=number)
    except Case.DoesNotExist:
        raise Http404("No case with this number.") from None
