"""Figures across cases for a person: a unit's summary by one dimension, and its day (R8.1, P1 六、7).

Every figure counts the cases *registered* (received) in the period, Beijing days, whose registering unit is
in the unit's subtree; the statistics classes and responsibilities count those of them that are closed. The
figures come from the rollup kept by `redress.reports.figures`, and never include a case hidden from the
person asking (docs/decisions/0028-report-figures-and-visibility.md):

- a person whose sight covers the whole subtree (the supervision office, administrators and auditors; anyone
  asking about a unit in their own unit's subtree) gets the rollup, less the figures of the cases about
  themselves, read from those cases' own rows (they never see those cases, R10.1);
- a person who sees the unit only through a work group (escalated cases) gets the sum of the figures of the
  cases `visible_to` them;
- anyone else is told the unit does not exist (404), as for a case.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _L

from redress.access.visibility import visible_to
from redress.cases.choices import Category, Channel, Kind, Responsibility, StatClass
from redress.cases.models import ClassificationItem
from redress.common.errors import FieldErrors
from redress.common.validators import day_out_of_range
from redress.organisation.lookups import whole_bank_path, work_group_scopes
from redress.organisation.models import Staff, Unit

from .figures import ANCESTOR_DEPTHS, DAY, MONTH, CaseFigures, SliceFigures, fold, slice_for, unit_depth

# What a summary may be grouped by (issue 11, item 7).
GROUP_BY = {
    "kind": _L("kind"),
    "channel": _L("channel"),
    "category": _L("category"),
    "stat_class": _L("statistics class"),
    "responsibility": _L("responsibility"),
    "business_category": _L("business category"),
    "reason": _L("reason"),
    "unit": _L("unit"),
    "day": _L("day"),
    "month": _L("month"),
}
# The column of the figures each dimension is read from (the others are measures, or derived below).
_COLUMN = {
    "kind": "kind",
    "channel": "channel",
    "category": "category",
    "business_category": "business_category_id",
    "reason": "reason_id",
    "unit": "unit_path",
    "day": "day",
    "month": "month",  # the day, read at the month grain where whole months allow
}
# A period longer than this is refused: ten years of days is already more than any report shows.
MAX_DAYS = 3660


class Rollup:
    """The rollup's rows matching `where` (filters of the figures' columns: a period as `day__gte` and
    `day__lte`), read when summed: from the narrowest slice that has every dimension filtered or grouped by
    (`figures.slice_for`), whole months from its month rows and the days at the period's ends from its day
    rows; from the cases' own figures if no slice has them all."""

    def __init__(self, where: dict) -> None:
        self.where = dict(where)

    def filter(self, **more: object) -> Rollup:
        return Rollup({**self.where, **more})

    def rows(self, columns: Iterable[str]) -> QuerySet:
        """The rows to sum when grouped by `columns` ("month": by the day, month rows where whole months
        allow; "day": day rows only)."""
        columns = list(columns)
        by_day = "day" in columns
        where = dict(self.where)
        path = where.get("unit_path__startswith")
        if path is not None and path == whole_bank_path():
            # The whole bank's subtree is every unit: no unit to filter by, so the bank's slices fit.
            del where["unit_path__startswith"]
            path = None
        dimensions = {key.split("__")[0] for key in where} | {"day" if c == MONTH else c for c in columns}
        name = None
        if (
            path is not None
            and unit_depth(path) in ANCESTOR_DEPTHS
            and not {"unit_id", "unit_path"} & set(columns)
        ):
            # A unit at an ancestor's depth, not broken down by the units below it: its own rows in the
            # slice by that ancestor.
            name = slice_for(dimensions, unit_depth(path))
            if name is not None:
                where["unit_path"] = where.pop("unit_path__startswith")
        name = name or slice_for(dimensions)
        if name is None:
            return CaseFigures.objects.filter(**self.where)
        # The changes registrations and transitions wrote since the last fold, added first: the slices are
        # then exact up to the last commit (figures.fold; a few milliseconds when the background keeps up).
        fold()
        start, end = where.pop("day__gte", None), where.pop("day__lte", None)
        rows = SliceFigures.objects.filter(slice=name, **where)
        if by_day or start is None or end is None:
            period = {"day__gte": start, "day__lte": end}
            return rows.filter(grain=DAY, **{k: v for k, v in period.items() if v is not None})
        return rows.filter(_period(start, end))


def _first_of_next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _period(start: dt.date, end: dt.date) -> Q:
    """The rows of [start, end]: the month rows of the whole months in it, the day rows of the rest."""
    first = start if start.day == 1 else _first_of_next_month(start)
    after = _first_of_next_month(end)
    stop = after if after - dt.timedelta(days=1) == end else end.replace(day=1)
    if first >= stop:
        return Q(grain=DAY, day__gte=start, day__lte=end)
    return (
        Q(grain=MONTH, day__gte=first, day__lt=stop)
        | Q(grain=DAY, day__gte=start, day__lt=first)
        | Q(grain=DAY, day__gte=stop, day__lte=end)
    )


Sources = list[tuple[QuerySet | Rollup, int]]


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    count: int


def visible_unit(user: Staff, code: str) -> Unit:
    """The unit with this code if the user may see figures of it; Http404 otherwise, as for no such unit."""
    # A code with a NUL names no unit (and PostgreSQL could not even look it up).
    unit = Unit.objects.filter(code=code).first() if "\x00" not in code else None
    if unit is None or scope(user, unit) is None:
        raise Http404("No unit with this code.")
    return unit


def scope(user: Staff, unit: Unit) -> str | None:
    """ "whole": the user sees every case registered in the unit's subtree (but those about them);
    "work_group": some of them, through a work group; None: none."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.sees_all_cases or (user.unit_id is not None and unit.path.startswith(user.unit.path)):
        return "whole"
    if any(unit.path.startswith(path) for path, _level in work_group_scopes(user.pk)):
        return "work_group"
    return None


def seen_rows(user: Staff | None, unit: Unit, rows: QuerySet[CaseFigures]) -> QuerySet[CaseFigures]:
    """Of `rows` (cases' own figures about the unit's subtree), those built from cases the user may see: for
    one who sees the whole subtree, all but the cases about themselves; for anyone else, those `visible_to`
    shows them; no user: all (the bank's own figures, for the union's mailbox)."""
    if user is None:
        return rows
    if scope(user, unit) == "whole":
        return rows.exclude(subject_staff_id=user.pk)
    return rows.filter(case__in=visible_to(user).values("pk"))


def sources_where(user: Staff | None, unit: Unit, where: dict) -> Sources:
    """The sources whose figures, times their sign, add up to what the user may see of the rows matching
    `where`: the rollup (`Rollup`: a slice, rows bounded by days × units × values, not by cases) less the
    cases about the user, for one who sees the whole subtree; the cases' own rows for anyone else (decision
    0028)."""
    if user is not None and scope(user, unit) != "whole":
        return [(seen_rows(user, unit, CaseFigures.objects.filter(**where)), 1)]
    parts: Sources = [(Rollup(where), 1)]
    if user is not None:
        parts.append((CaseFigures.objects.filter(**where, subject_staff_id=user.pk), -1))
    return parts


def sources(
    user: Staff | None, unit: Unit, start: dt.date, end: dt.date, cases: QuerySet | None = None
) -> Sources:
    """What the user may see of the cases registered in the unit's subtree in the period (`sources_where`).
    `cases` (ids of cases) restricts them to those cases, read from each case's own figures (an emergency
    plan's daily report)."""
    where = {"unit_path__startswith": unit.path, "day__gte": start, "day__lte": end}
    if cases is not None:
        return [(seen_rows(user, unit, CaseFigures.objects.filter(**where, case__in=cases)), 1)]
    return sources_where(user, unit, where)


def grouped(rows: QuerySet | Rollup, columns: list[str], measures: Iterable[str]) -> Iterable[dict]:
    """The sums of `measures` (as `s_<measure>`) over the rows, per value of `columns` (none: one total;
    "month": the day, or the month's first day where a slice's month row is read)."""
    summed = {f"s_{m}": Sum(m) for m in measures}
    if isinstance(rows, Rollup):
        rows = rows.rows(columns)
    fields = ["day" if c == MONTH else c for c in columns]
    # One total is an aggregate: `.values()` of no column would group by every column, one row per bucket.
    if not fields:
        return [rows.aggregate(**summed)]
    return (
        {**row, **{c: row[f] for c, f in zip(columns, fields, strict=True)}}
        for row in rows.order_by().values(*fields).annotate(**summed)
    )


def sums(parts: Sources, column: str | None, measures: Iterable[str]) -> dict[object, dict[str, int]]:
    """{value of `column` (None: one total): {measure: sum}} over the sources."""
    measures = list(measures)
    found: dict[object, dict[str, int]] = defaultdict(lambda: dict.fromkeys(measures, 0))
    for rows, sign in parts:
        for row in grouped(rows, [column] if column else [], measures):
            into = found[row[column] if column else None]
            for measure in measures:
                into[measure] += sign * (row[f"s_{measure}"] or 0)
    return found


def _children(unit: Unit) -> list[Unit]:
    return list(Unit.objects.filter(parent=unit).order_by("code"))


def by_unit(
    unit: Unit, totals: dict[object, dict[str, int]], measures: list[str]
) -> list[tuple[Unit, bool, dict]]:
    """The unit's children with their subtree's sums, and the unit itself (`own`) for the cases it
    registered itself, if any: the lines add up to the unit's total."""
    children = _children(unit)
    lines = {child.pk: (child, False, dict.fromkeys(measures, 0)) for child in children}
    own = (unit, True, dict.fromkeys(measures, 0))
    for path, counts in totals.items():
        child = next((c for c in children if str(path).startswith(c.path)), None)
        target = lines[child.pk][2] if child else own[2]
        for measure in measures:
            target[measure] += counts[measure]
    result = list(lines.values())
    if any(own[2].values()):
        result.append(own)
    return result


def check_day(name: str, day: dt.date | None) -> dict[str, list[str]]:
    """The field error of a day a report may not name (`name`: its field), none if it may."""
    refused = day_out_of_range(day) if day is not None else None
    return {name: [refused]} if refused else {}


def check_period(start: dt.date, end: dt.date) -> dict[str, list[str]]:
    """Field errors of a period, none if it is good."""
    if errors := {**check_day("from", start), **check_day("to", end)}:
        return errors
    if end < start:
        return {"to": [_("The end of the period is before its start.")]}
    if (end - start).days >= MAX_DAYS:
        return {"to": [_("A period is at most %(days)d days.") % {"days": MAX_DAYS}]}
    return {}


def unit_for_period(
    user: Staff, code: str, start: dt.date, end: dt.date, errors: dict[str, list[str]] | None = None
) -> Unit:
    """What every report asks first: the period checked (FieldErrors naming each bad field, with the
    caller's own `errors` of its other fields) and the unit's figures open to `user` (Http404 otherwise)."""
    errors = {**(errors or {}), **check_period(start, end)}
    if errors:
        raise FieldErrors(errors)
    return visible_unit(user, code)


def summary(user: Staff, unit: Unit, start: dt.date, end: dt.date, group_by: str) -> tuple[list[Row], int]:
    """The unit's figures in the period grouped by one dimension (GROUP_BY): its rows and their total."""
    parts = sources(user, unit, start, end)
    if group_by in ("stat_class", "responsibility"):
        choices = StatClass if group_by == "stat_class" else Responsibility
        (closed,) = sums(parts, None, [f"closed_{value}" for value in choices.values]).values() or [{}]
        rows = [Row(v, str(choices(v).label), closed.get(f"closed_{v}", 0)) for v in choices.values]
        rows = sorted((row for row in rows if row.count), key=lambda row: (-row.count, row.key))
        return rows, sum(row.count for row in rows)
    by_value = sums(parts, _COLUMN[group_by], ["registered"])
    if group_by == "unit":
        rows = [
            Row(
                line.code, _("%(unit)s (itself)") % {"unit": line.name} if own else line.name, c["registered"]
            )
            for line, own, c in by_unit(unit, by_value, ["registered"])
        ]
        return rows, sum(row.count for row in rows)
    counts: dict[str, int] = defaultdict(int)
    for value, c in by_value.items():
        counts[_key(group_by, value)] += c["registered"]
    named = labels(group_by, counts)
    rows = [Row(*named[key], count) for key, count in counts.items() if count]
    if group_by in ("day", "month"):
        rows.sort(key=lambda row: row.key)
    else:
        rows.sort(key=lambda row: (-row.count, row.key))
    return rows, sum(row.count for row in rows)


def _key(group_by: str, value: object) -> str:
    if group_by == "day":
        return value.isoformat()
    if group_by == "month":
        return value.strftime("%Y-%m")
    return str(value)


def labels(group_by: str, counts: dict[str, int]) -> dict[str, tuple[str, str]]:
    """{key as grouped: (key as answered, label)}. A regulatory class is answered by its official code where
    it has one, else its label path (`银行卡/信用卡`); a case without one by an empty key."""
    none = _("not classified")
    if group_by in ("business_category", "reason"):
        items = {str(i.pk): i for i in ClassificationItem.objects.filter(pk__in=[int(k) for k in counts])}
        return {
            k: (items[k].code or items[k].label, items[k].label) if k in items else ("", none) for k in counts
        }
    choices = {"kind": Kind, "channel": Channel, "category": Category}.get(group_by)
    if choices is None:
        return {key: (key, key) for key in counts}
    return {key: (key, str(choices(key).label) if key in choices.values else none) for key in counts}


DAILY_MEASURES = ["registered", "closed", "open", "breached"]


@dataclass
class Day:
    """One unit's day (P1 六、7): its figures, each child's line, and the unit's own line when it
    registered cases itself."""

    unit: Unit
    date: dt.date
    totals: dict[str, int]
    by_kind: dict[str, int]
    by_channel: dict[str, int]
    by_stat_class: dict[str, int]
    children: list[tuple[Unit, bool, dict[str, int]]]


def daily(user: Staff | None, unit: Unit, date: dt.date, *, cases: QuerySet | None = None) -> Day:
    """The unit's day as `user` may see it (None: the bank's own figures, for the union's mailbox);
    `cases` (a queryset of case ids) restricts it to those cases (an emergency plan's, by `PlanCase`)."""
    parts = sources(user, unit, date, date, cases)
    totals = sums(parts, None, DAILY_MEASURES).get(None) or dict.fromkeys(DAILY_MEASURES, 0)
    by_kind = {k: c["registered"] for k, c in sums(parts, "kind", ["registered"]).items() if c["registered"]}
    by_channel = {
        k: c["registered"] for k, c in sums(parts, "channel", ["registered"]).items() if c["registered"]
    }
    classes = [f"closed_{value}" for value in StatClass.values]
    class_sums = sums(parts, None, classes).get(None) or dict.fromkeys(classes, 0)
    by_stat_class = {value: class_sums[f"closed_{value}"] for value in StatClass.values}
    lines = by_unit(unit, sums(parts, "unit_path", DAILY_MEASURES), DAILY_MEASURES)
    return Day(unit, date, totals, by_kind, by_channel, by_stat_class, lines)


# ---- the regulatory return (REGULATION.md: JR/T 0169-2018) ---------------------------------------------

REGULATORY_DIMENSIONS = ("regulatory_channel", "business_category", "reason")
QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


@dataclass(frozen=True)
class Cell:
    """One combination of the return: the three classes (None: not classified) and its count."""

    channel: ClassificationItem | None
    business_category: ClassificationItem | None
    reason: ClassificationItem | None
    count: int


@dataclass
class Return:
    quarter: str
    start: dt.date
    end: dt.date
    cells: list[Cell]
    # Per dimension: (class or None, count), largest first; each adds up to `total`.
    by: dict[str, list[tuple[ClassificationItem | None, int]]]
    total: int


def parse_quarter(text: str) -> tuple[dt.date, dt.date] | None:
    """The first and last day of `2026Q4`; None if it is not a quarter."""
    match = QUARTER.match(text or "")
    if not match or not 2000 <= int(match[1]) <= 2100:
        return None
    year, quarter = int(match[1]), int(match[2])
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1) - dt.timedelta(days=1)
    return start, end


def may_see_the_return(user: Staff) -> bool:
    """The return is the whole bank's: for those who see every case (the office, administrators, auditors)."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.sees_all_cases)


def regulatory_return(user: Staff, quarter: str) -> Return:
    """The quarter's complaints (received in it, Beijing days) by the regulator's channel × business
    category × reason, and by each of them; none about the person asking."""
    start, end = parse_quarter(quarter)
    where = {"day__gte": start, "day__lte": end, "kind": Kind.COMPLAINT}
    columns = ["regulatory_channel_id", "business_category_id", "reason_id"]
    counts: dict[tuple[int, int, int], int] = defaultdict(int)
    parts: Sources = [(Rollup(where), 1), (CaseFigures.objects.filter(**where, subject_staff_id=user.pk), -1)]
    for rows, sign in parts:
        for row in grouped(rows, columns, ["registered"]):
            counts[tuple(row[c] for c in columns)] += sign * (row["s_registered"] or 0)
    ids = {pk for key in counts for pk in key if pk}
    items = {item.pk: item for item in ClassificationItem.objects.filter(pk__in=ids)}
    cells = sorted(
        (Cell(*(items.get(pk) for pk in key), n) for key, n in counts.items() if n),
        key=lambda cell: (
            -cell.count,
            *(getattr(c, "label", "") for c in (cell.channel, cell.business_category, cell.reason)),
        ),
    )
    by: dict[str, list[tuple[ClassificationItem | None, int]]] = {}
    for dimension, attribute in zip(
        REGULATORY_DIMENSIONS, ("channel", "business_category", "reason"), strict=True
    ):
        sums: dict[int, int] = defaultdict(int)
        for cell in cells:
            item = getattr(cell, attribute)
            sums[item.pk if item else 0] += cell.count
        by[dimension] = sorted(((items.get(pk), n) for pk, n in sums.items()), key=lambda pair: -pair[1])
    total = sum(cell.count for cell in cells)
    return Return(quarter, start, end, cells, by, total)
