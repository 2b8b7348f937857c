"""Performance: the complaints counted against each unit and staff member over a period, ranked (R8.3;
P2 第九条(四)), and the year-end report (通报) built from them.

A complaint counts against the unit complained about (and every unit above it) and the staff member
complained about — not the unit that registered it (docs/decisions/0034-performance-hotspots-problems.md).
The rollup's slices by the unit and by the staff member complained about (`figures.SLICES`, kept in the
case's transaction) make a period's performance one grouped read of rows bounded by days × units (or
staff), not by cases:

- *complaints*: complaints received in the period (Beijing days) naming them;
- *counted*: of them, closed in the statistics class `counted` (P1 四(二));
- *at-fault share*: of those closed with a responsibility, the share found at fault;
- *on-time rate*: of those replied to, the share replied within the time limit;
- *satisfaction rate*: of the complaints followed up, the share whose latest follow-up was satisfied or
  basically satisfied (the dashboard's rate, on the same counts);
- *repeat rate*: the share flagged as a repeat complaint;
- *escalations*: those escalated (to any level); *breaches*: those with a time limit breached.

Who sees which line: never a figure built from a case hidden from the person asking (R10.1). The office,
administrators, auditors and anyone asking about a unit in their own unit's subtree see every case about the
subtree (`visible_to` shows them), less those about themselves; a member of a work group sees the cases
`visible_to` them. The person complained about thus has no line built from the cases about them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from redress.cases.choices import Kind
from redress.organisation.choices import Level
from redress.organisation.models import Staff, Unit

from . import services

# The measures a line is built from.
ESCALATED = tuple(f"escalated_{level}" for level in Level.values)
SUMMED = (
    "registered",
    "closed_counted",
    "closed_at_fault",
    "closed_not_at_fault",
    "closed_shared",
    "replied_on_time",
    "replied_late",
    "follow_ups_satisfied",
    "follow_ups_basically_satisfied",
    "follow_ups_dissatisfied",
    "repeat_flag",
    "breached",
    *ESCALATED,
)


@dataclass
class Line:
    """One unit's or staff member's figures over the period."""

    key: str  # the unit's code or the staff member's username
    name: str
    sums: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SUMMED, 0))
    own: bool = False  # the chosen unit's line for the complaints about it itself
    unit_name: str = ""  # a staff member's unit

    @property
    def complaints(self) -> int:
        return self.sums["registered"]

    @property
    def counted(self) -> int:
        return self.sums["closed_counted"]

    @property
    def at_fault(self) -> int:
        return self.sums["closed_at_fault"]

    @property
    def with_responsibility(self) -> int:
        return sum(self.sums[f"closed_{r}"] for r in ("at_fault", "not_at_fault", "shared"))

    @property
    def replied(self) -> int:
        return self.sums["replied_on_time"] + self.sums["replied_late"]

    @property
    def follow_ups(self) -> int:
        return sum(self.sums[f"follow_ups_{s}"] for s in ("satisfied", "basically_satisfied", "dissatisfied"))

    @property
    def satisfied(self) -> int:
        return self.sums["follow_ups_satisfied"] + self.sums["follow_ups_basically_satisfied"]

    @property
    def repeats(self) -> int:
        return self.sums["repeat_flag"]

    @property
    def escalations(self) -> int:
        return sum(self.sums[m] for m in ESCALATED)

    @property
    def breaches(self) -> int:
        return self.sums["breached"]

    @property
    def at_fault_share(self) -> float | None:
        return _rate(self.at_fault, self.with_responsibility)

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.sums["replied_on_time"], self.replied)

    @property
    def satisfaction_rate(self) -> float | None:
        return _rate(self.satisfied, self.follow_ups)

    @property
    def repeat_rate(self) -> float | None:
        return _rate(self.repeats, self.complaints)

    def add(self, sums: dict[str, int]) -> None:
        for name in SUMMED:
            self.sums[name] += sums[name]


def _rate(part: int, whole: int) -> float | None:
    """A share as a fraction, None when there is nothing to share (shown as a dash, not 0 %)."""
    return round(part / whole, 4) if whole else None


def rank(lines: Iterable[Line]) -> list[Line]:
    """Most complaints counted first, then most complaints, at-fault, breaches; ties by name."""
    return sorted(
        (line for line in lines if line.complaints),
        key=lambda line: (-line.counted, -line.complaints, -line.at_fault, -line.breaches, line.name),
    )


@dataclass
class Performance:
    unit: Unit
    start: dt.date
    end: dt.date
    total: Line
    units: list[Line]  # the unit's children, ranked; the unit's own line last if any
    staff: list[Line]  # the staff complained about in the subtree, ranked


def _sources(user: Staff, unit: Unit, start: dt.date, end: dt.date, by_staff: bool) -> services.Sources:
    """The rows whose sums, times their sign, are the complaints of the period about the unit's subtree the
    user may see (`services.sources_where`: the rollup's slice by the unit, or the staff member, complained
    about)."""
    subtree = Unit.objects.filter(path__startswith=unit.path).values("pk")
    where = {"subject_unit_id__in": subtree, "day__gte": start, "day__lte": end, "kind": Kind.COMPLAINT}
    if by_staff:
        where["subject_staff_id__gt"] = 0
    return services.sources_where(user, unit, where)


def performance(user: Staff, unit: Unit, start: dt.date, end: dt.date) -> Performance:
    """The unit's children and the staff complained about in its subtree, over the period, as `user` may
    see them (the unit itself is checked with `services.visible_unit` first)."""
    by_unit = services.sums(_sources(user, unit, start, end, by_staff=False), "subject_unit_id", SUMMED)
    children = list(Unit.objects.filter(parent=unit).order_by("code"))
    paths = dict(Unit.objects.filter(pk__in=list(by_unit)).values_list("pk", "path"))
    lines = {child.pk: Line(child.code, child.name) for child in children}
    own = Line(unit.code, unit.name, own=True)
    total = Line(unit.code, unit.name)
    for unit_id, counts in by_unit.items():
        path = paths.get(unit_id, "")
        child = next((c for c in children if path.startswith(c.path)), None)
        (lines[child.pk] if child else own).add(counts)
        total.add(counts)
    units = rank(lines.values())
    if own.complaints:
        units.append(own)
    by_staff = services.sums(_sources(user, unit, start, end, by_staff=True), "subject_staff_id", SUMMED)
    people = {s.pk: s for s in Staff.objects.filter(pk__in=list(by_staff)).select_related("unit")}
    staff = []
    for staff_id, counts in by_staff.items():
        person = people.get(staff_id)
        if person is None:
            continue
        line = Line(
            person.username, person.name or person.username, unit_name=person.unit.name if person.unit else ""
        )
        line.add(counts)
        staff.append(line)
    return Performance(unit, start, end, total, units, rank(staff))


def register_figures() -> None:
    """`figure=escalated` in the register: the cases escalated to any level (a performance column sums the
    levels' measures; a case is escalated at one level at a time, so the cases are the sum's)."""
    from django.db.models import Q
    from django.utils.translation import gettext_lazy

    from redress.cases.register_query import register_figure

    def narrow(cases):
        any_level = Q()
        for measure in ESCALATED:
            any_level |= Q(**{f"figures__{measure}__gt": 0})
        return cases.filter(any_level)

    register_figure("escalated", gettext_lazy("escalated"), narrow)
