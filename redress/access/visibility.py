"""The one entry point for reading cases (R10.1, R10.2). No view, endpoint, export or task builds its own
queryset of cases: they start from `visible_to(user)`.

- The supervision office, administrators and auditors see every case.
- Everyone else sees the cases accepted by, held by, or complaining about a unit in their own unit's
  subtree, and the cases where they are the first responder or the handler.
- A work group's members see the cases escalated to their group — accepted or held in the subtree of the
  group's unit, at the group's level or above — wherever their own unit is (a branch work group's deputy
  based in a department sees what the branch's group is told of, R5).
- The staff member complained about never sees the case, whatever else their roles allow; to them it
  does not exist (a lookup by number is the same 404 as a missing case).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from redress.cases.models import Case
from redress.cases.numbering import NUMBER_IN_TEXT
from redress.organisation.choices import LEVEL_ORDER
from redress.organisation.lookups import work_group_scopes
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
    for path, level in work_group_scopes(user.pk):
        scope |= (Q(unit_path__startswith=path) | Q(holder_unit_path__startswith=path)) & Q(
            level__in=levels_from(level)
        )
    return cases.filter(scope)


def levels_from(level: str) -> list[str]:
    """`level` and every level above it."""
    return [name for name, rank in LEVEL_ORDER.items() if rank >= LEVEL_ORDER[level]]


def in_work_group_scope(user: Staff, case: Case) -> bool:
    """Whether the case was escalated to a work group the user is in (the rule above, for one case)."""
    return any(
        case.level in levels_from(level)
        and (case.unit_path.startswith(path) or case.holder_unit_path.startswith(path))
        for path, level in work_group_scopes(user.pk)
    )


def get_visible_case(user: Staff, number: str) -> Case:
    """The case with this number if the user may see it; otherwise Http404, exactly as for no such case."""
    try:
        return visible_to(user).get(number=number)
    except Case.DoesNotExist:
        raise Http404("No case with this number.") from None


def hidden_numbers(user: Staff, case: Case, events: Iterable) -> frozenset[str]:
    """Numbers of other cases named in `case`'s history (a repeat's earlier case, a link) that `user` may
    not see: wherever the history is shown, neither they nor their existence appear."""
    named: set[str] = set()
    for event in events:
        named.update(NUMBER_IN_TEXT.findall(json.dumps(event.data or {}, ensure_ascii=False)))
    named.discard(case.number)
    if not named:
        return frozenset()
    visible = set(visible_to(user).filter(number__in=named).values_list("number", flat=True))
    return frozenset(named - visible)


def numbers_hidden_in(user: Staff, text: str, own: str) -> frozenset[str]:
    """The numbers of other cases written anywhere in `text` (a note, a page, an answer) that `user` may not
    see; `own` is the case the text belongs to. One query, and none when the text names no other case."""
    named = set(NUMBER_IN_TEXT.findall(text))
    named.discard(own)
    if not named:
        return frozenset()
    return frozenset(named - set(visible_to(user).filter(number__in=named).values_list("number", flat=True)))


def redact_numbers(value: Any, hidden: frozenset[str], replacement: str) -> Any:
    """`value` (event data: strings, lists, dicts) with every hidden case number replaced."""
    if not hidden:
        return value
    if isinstance(value, str):
        return NUMBER_IN_TEXT.sub(lambda m: replacement if m.group(0) in hidden else m.group(0), value)
    if isinstance(value, list):
        return [redact_numbers(v, hidden, replacement) for v in value]
    if isinstance(value, dict):
        return {k: redact_numbers(v, hidden, replacement) for k, v in value.items()}
    return value


def names_hidden(value: Any, hidden: frozenset[str]) -> bool:
    """Whether `value` (event data: strings, lists, dicts) names a hidden case anywhere."""
    if isinstance(value, str):
        return any(m.group(0) in hidden for m in NUMBER_IN_TEXT.finditer(value))
    if isinstance(value, list):
        return any(names_hidden(v, hidden) for v in value)
    if isinstance(value, dict):
        return any(names_hidden(v, hidden) for v in value.values())
    return False


def withhold_numbers(value: Any, hidden: frozenset[str]) -> Any:
    """`value` (event data) without every entry that names a hidden case, whole: a placeholder in its stead
    would still tell that such a case exists (a repeat's evidence names its earlier case, a link its
    other end)."""
    if not hidden:
        return value
    if isinstance(value, list):
        return [withhold_numbers(v, hidden) for v in value if not names_hidden(v, hidden)]
    if isinstance(value, dict):
        return {k: withhold_numbers(v, hidden) for k, v in value.items() if not names_hidden(v, hidden)}
    return value
