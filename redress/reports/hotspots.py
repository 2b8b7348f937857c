"""Hotspots: the problems complained about most over a window, by category, product, business category,
reason, unit complained about and customer group, each with its change against the window just before of
the same length (R8.2; P1 六、4; P3 第七条, 第二十二条).

The counting is the summary's (`services`): complaints received in the window (Beijing days) whose
registering unit is in the unit's subtree, never one hidden from the person asking; the "unit" dimension
groups them by the child of the unit whose subtree they complain about. A case with no value in a dimension
(no product, not classified) is no hotspot of it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _L

from redress.cases.choices import Kind
from redress.organisation.models import Staff, Unit

from . import services
from .figures import CUSTOMER_GROUPS

DIMENSIONS = {
    "category": _L("category"),
    "product": _L("business line / product"),
    "business_category": _L("business category"),
    "reason": _L("reason"),
    "unit": _L("unit complained about"),
    "customer_group": _L("customer group"),
}
# The column of the figures each dimension is read from.
COLUMN = {
    "category": "category",
    "product": "product",
    "business_category": "business_category_id",
    "reason": "reason_id",
    "unit": "subject_unit_id",
    "customer_group": "customer_group",
}
TOP = 10


def register_params(unit: Unit, start: dt.date, end: dt.date, dimension: str, key: str) -> dict[str, str]:
    """The register's filters (`cases.register_query.RegisterFilter`) of exactly a hotspot's cases."""
    return {
        "kind": Kind.COMPLAINT,
        "registered_in": unit.code,
        "subject_unit" if dimension == "unit" else dimension: key,
        "received_from": start.isoformat(),
        "received_to": end.isoformat(),
    }


@dataclass(frozen=True)
class Hotspot:
    dimension: str
    key: str  # as the register's filter takes it: a category, a product, a class's code, a unit's code…
    value: str  # as stored in the figures (a class's or unit's id as text), for recording a problem
    label: str
    count: int
    previous: int

    @property
    def change(self) -> int:
        return self.count - self.previous

    @property
    def change_rate(self) -> float | None:
        """The change as a share of the previous window's count; None when it had none (a new hotspot)."""
        return round(self.change / self.previous, 4) if self.previous else None


def previous_window(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The window of the same length just before [start, end]."""
    length = (end - start).days + 1
    return start - dt.timedelta(days=length), start - dt.timedelta(days=1)


def _counts(user: Staff | None, unit: Unit, start: dt.date, end: dt.date, column: str) -> dict[object, int]:
    sources = [
        (rows.filter(kind=Kind.COMPLAINT), sign) for rows, sign in services.sources(user, unit, start, end)
    ]
    return {
        value: sums["registered"] for value, sums in services.sums(sources, column, ["registered"]).items()
    }


def _unit_lines(unit: Unit, counts: dict[object, int]) -> dict[str, tuple[str, str, int]]:
    """{child's code: (child's id, name, count)}: the counts of units complained about, by child subtree."""
    children = list(Unit.objects.filter(parent=unit).order_by("code"))
    paths = dict(Unit.objects.filter(pk__in=[k for k in counts if k]).values_list("pk", "path"))
    lines: dict[str, list] = {c.code: [str(c.pk), c.name, 0] for c in children}
    for unit_id, n in counts.items():
        path = paths.get(unit_id, "")
        child = next((c for c in children if path.startswith(c.path)), None)
        if child is not None:
            lines[child.code][2] += n
    return {code: tuple(line) for code, line in lines.items()}


def _keyed(dimension: str, counts: dict[object, int], unit: Unit) -> dict[str, tuple[str, str, int]]:
    """{key: (value, label, count)} of the non-empty values."""
    if dimension == "unit":
        return _unit_lines(unit, counts)
    merged: dict[str, int] = defaultdict(int)
    for value, n in counts.items():
        if value not in ("", 0, None):
            merged[str(value)] += n
    if dimension == "product":
        return {value: (value, value, n) for value, n in merged.items()}
    if dimension == "customer_group":
        return {value: (value, str(CUSTOMER_GROUPS.get(value, value)), n) for value, n in merged.items()}
    labels = services.labels(dimension, merged)  # {stored value: (key answered, label)}
    # One class may have several ids (one per edition of the classification) under one code: one hotspot.
    keyed: dict[str, tuple[str, str, int]] = {}
    for value, n in merged.items():
        key, label = labels[value]
        keyed[key] = (value, label, n + (keyed[key][2] if key in keyed else 0))
    return keyed


def hotspots(user: Staff | None, unit: Unit, start: dt.date, end: dt.date) -> dict[str, list[Hotspot]]:
    """Per dimension, the top values of the window with their count in the window before, most first."""
    before = previous_window(start, end)
    result: dict[str, list[Hotspot]] = {}
    for dimension, column in COLUMN.items():
        now = _keyed(dimension, _counts(user, unit, start, end, column), unit)
        then = _keyed(dimension, _counts(user, unit, *before, column), unit)
        spots = [
            Hotspot(dimension, key, value, label, n, then.get(key, ("", "", 0))[2])
            for key, (value, label, n) in now.items()
            if n
        ]
        spots.sort(key=lambda h: (-h.count, -h.change, h.label))
        result[dimension] = spots[:TOP]
    return result
