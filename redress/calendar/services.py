"""Writes to the calendar of record and the cached calendar that deadline code reads.

Every write is one transaction that records a `CalendarChange` per changed day, renews the jurisdiction's
stamp (so every process rebuilds its cached calendar) and sends `calendar_changed` after commit.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from django.db import transaction
from django.utils.translation import gettext as _

from redress.calendar.choices import ChangeAction, DayKind
from redress.calendar.models import CalendarChange, CalendarDay, CalendarYear, Jurisdiction
from redress.calendar.signals import calendar_changed
from redress.calendar.workdays import DEFAULT_JURISDICTION, BusinessCalendar, Day, default_kind
from redress.common import reference

# A year's notice may start the New Year block, or put its make-up day, in the last week of the December
# before (e.g. the 2024 notice: 元旦 30 Dec 2023 – 1 Jan 2024).
DECEMBER_REACH = 7
NAME_MAX = 64
MIN_YEAR, MAX_YEAR = 1949, 2200


class CalendarError(ValueError):
    """A field-by-field refusal: `errors` maps a field name to its messages. Nothing has been changed."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


@dataclass(frozen=True)
class HolidayBlock:
    name: str
    first_day: dt.date
    last_day: dt.date
    makeup_workdays: tuple[dt.date, ...] = ()

    def dates(self) -> list[dt.date]:
        return [
            dt.date.fromordinal(o) for o in range(self.first_day.toordinal(), self.last_day.toordinal() + 1)
        ]


@dataclass(frozen=True)
class Arrangement:
    """A year's arrangement as the State Council notice lists it: holiday blocks with their make-up days."""

    year: int
    holidays: tuple[HolidayBlock, ...]
    source: str = ""

    def days(self) -> dict[dt.date, tuple[str, str]]:
        days: dict[dt.date, tuple[str, str]] = {}
        for block in self.holidays:
            for date in block.dates():
                days[date] = (DayKind.HOLIDAY.value, block.name)
            for date in block.makeup_workdays:
                days[date] = (DayKind.MAKEUP_WORKDAY.value, block.name)
        return days


# Reading an arrangement


class _Errors(dict[str, list[str]]):
    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)


def _date(value: Any, field: str, errors: _Errors) -> dt.date | None:
    if isinstance(value, dt.datetime):
        errors.add(field, _("Give a date without a time (YYYY-MM-DD)."))
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    errors.add(field, _("Not a date: %(value)s (use YYYY-MM-DD).") % {"value": value})
    return None


def _in_reach(date: dt.date, year: int) -> bool:
    return date.year == year or dt.date(year, 1, 1) - dt.timedelta(days=DECEMBER_REACH) <= date < dt.date(
        year, 1, 1
    )


def parse_arrangement(data: Any, year: int | None = None) -> Arrangement:
    """Validate an arrangement given as a mapping (from YAML or JSON); raise `CalendarError` with every fault.

    `year` given by the caller (command line, URL) must agree with the file's own `year` if it has one.
    """
    errors = _Errors()
    if not isinstance(data, Mapping):
        raise CalendarError({"file": [_("The arrangement must be a mapping with 'year' and 'holidays'.")]})
    unknown = sorted(set(map(str, data)) - {"year", "source", "holidays"})
    for key in unknown:
        errors.add(key, _("Unknown field."))
    file_year = data.get("year")
    if file_year is not None and (not isinstance(file_year, int) or isinstance(file_year, bool)):
        errors.add("year", _("The year must be a whole number."))
        file_year = None
    if year is not None and file_year is not None and year != file_year:
        errors.add("year", _("The file is for %(file)s, not %(year)s.") % {"file": file_year, "year": year})
    year = year if year is not None else file_year
    if year is None:
        errors.add("year", _("The year is required."))
        raise CalendarError(errors)
    if not MIN_YEAR <= year <= MAX_YEAR:
        errors.add(
            "year", _("The year must be between %(min)s and %(max)s.") % {"min": MIN_YEAR, "max": MAX_YEAR}
        )
        raise CalendarError(errors)
    source = data.get("source") or ""
    if not isinstance(source, str) or len(source) > 255:
        errors.add("source", _("The source is a text of at most 255 characters."))
        source = ""

    raw_blocks = data.get("holidays")
    if not isinstance(raw_blocks, list) or not raw_blocks:
        errors.add("holidays", _("List at least one holiday block."))
        raise CalendarError(errors)
    reach = _("must fall in %(year)s (or, for the New Year, the last week of the December before)") % {
        "year": year
    }
    blocks: list[tuple[int, HolidayBlock]] = []
    for i, raw in enumerate(raw_blocks):
        at = f"holidays.{i}"
        if not isinstance(raw, Mapping):
            errors.add(at, _("Each holiday is a mapping with name, first_day, last_day and makeup_workdays."))
            continue
        for key in sorted(set(map(str, raw)) - {"name", "first_day", "last_day", "makeup_workdays"}):
            errors.add(f"{at}.{key}", _("Unknown field."))
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            errors.add(f"{at}.name", _("The holiday's name is required."))
        elif len(name.strip()) > NAME_MAX:
            errors.add(f"{at}.name", _("At most %(n)s characters.") % {"n": NAME_MAX})
        first = _date(raw.get("first_day"), f"{at}.first_day", errors)
        last = _date(raw.get("last_day", raw.get("first_day")), f"{at}.last_day", errors)
        for field, value in (("first_day", first), ("last_day", last)):
            if value and not _in_reach(value, year):
                errors.add(f"{at}.{field}", f"{value}: {reach}")
        if first and last and last < first:
            errors.add(f"{at}.last_day", _("The last day comes before the first day."))
        makeups: list[dt.date] = []
        raw_makeups = raw.get("makeup_workdays") or []
        if not isinstance(raw_makeups, list):
            errors.add(f"{at}.makeup_workdays", _("List the make-up working days (may be empty)."))
            raw_makeups = []
        for j, raw_day in enumerate(raw_makeups):
            field = f"{at}.makeup_workdays.{j}"
            day = _date(raw_day, field, errors)
            if day is None:
                continue
            if not _in_reach(day, year):
                errors.add(field, f"{day}: {reach}")
            if day.weekday() < 5:
                errors.add(
                    field,
                    _("%(day)s is a weekday; a make-up working day is a Saturday or Sunday.") % {"day": day},
                )
            makeups.append(day)
        if isinstance(name, str) and name.strip() and first and last and last >= first:
            blocks.append((i, HolidayBlock(name.strip(), first, last, tuple(makeups))))

    taken: dict[dt.date, str] = {}
    for i, block in sorted(blocks, key=lambda item: item[1].first_day):
        for date in block.dates():
            if date in taken:
                errors.add(
                    f"holidays.{i}.first_day",
                    _("%(name)s overlaps %(other)s on %(day)s.")
                    % {"name": block.name, "other": taken[date], "day": date},
                )
                break
            taken[date] = block.name
    seen: set[dt.date] = set()
    for i, block in blocks:
        for j, day in enumerate(block.makeup_workdays):
            field = f"holidays.{i}.makeup_workdays.{j}"
            if day in taken:
                errors.add(
                    field, _("%(day)s is inside the holiday %(name)s.") % {"day": day, "name": taken[day]}
                )
            if day in seen:
                errors.add(field, _("%(day)s is listed twice.") % {"day": day})
            seen.add(day)
    if errors:
        raise CalendarError(errors)
    return Arrangement(year, tuple(block for _i, block in blocks), source.strip())


def read_arrangement(text: str, year: int | None = None) -> Arrangement:
    """Parse a YAML (or JSON, which is YAML) arrangement file; see docs/calendar.md for the format."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CalendarError({"file": [_("Not a readable YAML file: %(error)s") % {"error": exc}]}) from exc
    return parse_arrangement(data, year)


# Writing


def _jurisdiction_for_update(code: str) -> Jurisdiction:
    try:
        # Locking the jurisdiction serialises writers, so two loads never interleave their audit trails.
        return Jurisdiction.objects.select_for_update().get(code=code)
    except Jurisdiction.DoesNotExist:
        raise CalendarError(
            {"jurisdiction": [_("Unknown jurisdiction: %(code)s.") % {"code": code}]}
        ) from None


def _touch(jurisdiction: Jurisdiction, first_day: dt.date, last_day: dt.date) -> None:
    jurisdiction.stamp = uuid.uuid4()
    Jurisdiction.objects.filter(pk=jurisdiction.pk).update(stamp=jurisdiction.stamp)
    code = jurisdiction.code
    transaction.on_commit(
        lambda: calendar_changed.send(
            sender=Jurisdiction, jurisdiction=code, first_day=first_day, last_day=last_day
        )
    )


@transaction.atomic
def load_year(
    arrangement: Arrangement, *, jurisdiction: str = DEFAULT_JURISDICTION, actor=None
) -> CalendarYear:
    """Make `arrangement` the year's calendar of record and mark the year confirmed.

    Replaces the days the year's previous load (or corrections to it) set; days of the December before that
    belong to the previous year's notice are kept unless this arrangement lists them.
    """
    place = _jurisdiction_for_update(jurisdiction)
    year = arrangement.year
    new = arrangement.days()
    old_rows = list(
        CalendarDay.objects.filter(jurisdiction=place, arrangement_year=year)
        | CalendarDay.objects.filter(jurisdiction=place, date__in=list(new))
    )
    old = {row.date: (row.kind, row.name) for row in old_rows}
    CalendarDay.objects.filter(pk__in=[row.pk for row in old_rows]).delete()
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(jurisdiction=place, date=date, kind=kind, name=name, arrangement_year=year)
            for date, (kind, name) in sorted(new.items())
        ]
    )
    confirmed, _created = CalendarYear.objects.update_or_create(
        jurisdiction=place, year=year, defaults={"source": arrangement.source, "loaded_by": actor}
    )
    changes = []
    for date in sorted(set(old) | set(new)):
        before = old.get(date, (default_kind(date), ""))
        after = new.get(date, (default_kind(date), ""))
        if before != after:
            changes.append(
                CalendarChange(
                    jurisdiction=place,
                    action=ChangeAction.YEAR_LOADED,
                    actor=actor,
                    year=year,
                    date=date,
                    old_kind=before[0],
                    new_kind=after[0],
                    old_name=before[1],
                    new_name=after[1],
                )
            )
    CalendarChange.objects.create(
        jurisdiction=place,
        action=ChangeAction.YEAR_LOADED,
        actor=actor,
        year=year,
        note=f"{arrangement.source}\n{len(arrangement.holidays)} holiday blocks, {len(changes)} days changed",
    )
    CalendarChange.objects.bulk_create(changes)
    first_day = min([dt.date(year, 1, 1), *new, *old])
    _touch(place, first_day, dt.date(year, 12, 31))
    return confirmed


@transaction.atomic
def set_day(
    date: dt.date,
    kind: str,
    name: str = "",
    *,
    jurisdiction: str = DEFAULT_JURISDICTION,
    actor=None,
    note: str = "",
) -> Day:
    """Correct one day's type (and holiday name). Setting a day back to the weekend rule removes its row."""
    errors = _Errors()
    if kind not in DayKind.values:
        errors.add("kind", _("Choose one of: %(kinds)s.") % {"kinds": ", ".join(DayKind.values)})
    if kind == DayKind.MAKEUP_WORKDAY and date.weekday() < 5:
        errors.add(
            "kind", _("%(day)s is a weekday; a make-up working day is a Saturday or Sunday.") % {"day": date}
        )
    name = (name or "").strip()
    if len(name) > NAME_MAX:
        errors.add("name", _("At most %(n)s characters.") % {"n": NAME_MAX})
    if not MIN_YEAR <= date.year <= MAX_YEAR:
        errors.add(
            "date", _("The year must be between %(min)s and %(max)s.") % {"min": MIN_YEAR, "max": MAX_YEAR}
        )
    if errors:
        raise CalendarError(errors)
    place = _jurisdiction_for_update(jurisdiction)
    row = CalendarDay.objects.filter(jurisdiction=place, date=date).first()
    before = (row.kind, row.name) if row else (default_kind(date), "")
    after = (kind, name)
    if before == after:
        return Day(date, kind, name)
    if after == (default_kind(date), ""):
        if row:
            row.delete()
    elif row:
        row.kind, row.name = after
        row.save(update_fields=["kind", "name"])
    else:
        CalendarDay.objects.create(
            jurisdiction=place, date=date, kind=kind, name=name, arrangement_year=date.year
        )
    CalendarChange.objects.create(
        jurisdiction=place,
        action=ChangeAction.DAY_CHANGED,
        actor=actor,
        year=date.year,
        date=date,
        old_kind=before[0],
        new_kind=after[0],
        old_name=before[1],
        new_name=after[1],
        note=note,
    )
    _touch(place, date, date)
    return Day(date, kind, name)


# Reading


_cache: dict[str, BusinessCalendar] = {}
_tokens: dict[str, int | None] = {}
_cache_lock = threading.Lock()


def get_calendar(jurisdiction: str = DEFAULT_JURISDICTION) -> BusinessCalendar:
    """The jurisdiction's calendar, rebuilt only when its stamp changed (no query while the calendar's
    reference token is unchanged, one small query otherwise).

    An unknown jurisdiction gets a weekends-only calendar with no confirmed year, never an error.
    """
    # The calendar's reference token changes with every write to its tables: while it is unchanged the
    # calendar built last is current, and not even its stamp is read.
    current = reference.token("calendar")
    cached = _cache.get(jurisdiction)
    if cached is not None and current is not None and _tokens.get(jurisdiction) == current:
        return cached
    row = Jurisdiction.objects.filter(code=jurisdiction).values_list("stamp", "timezone").first()
    if row is None:
        return BusinessCalendar(jurisdiction=jurisdiction)
    stamp, timezone = str(row[0]), row[1]
    if cached is not None and cached.stamp == stamp:
        _tokens[jurisdiction] = current
        return cached
    days = [
        Day(date, kind, name)
        for date, kind, name in CalendarDay.objects.filter(jurisdiction__code=jurisdiction).values_list(
            "date", "kind", "name"
        )
    ]
    years = CalendarYear.objects.filter(jurisdiction__code=jurisdiction).values_list("year", flat=True)
    calendar = BusinessCalendar(days, years, jurisdiction=jurisdiction, timezone=timezone, stamp=stamp)
    with _cache_lock:
        _cache[jurisdiction] = calendar
        _tokens[jurisdiction] = current
    return calendar


def next_year_missing_warning(today: dt.date, calendar: BusinessCalendar | None = None) -> int | None:
    """The year to warn about, or None: next year from 1 November on if it is not loaded, and the current year
    at any time if it is not."""
    calendar = calendar or get_calendar()
    if not calendar.is_confirmed(today.year):
        return today.year
    if (today.month, today.day) >= (11, 1) and not calendar.is_confirmed(today.year + 1):
        return today.year + 1
    return None
