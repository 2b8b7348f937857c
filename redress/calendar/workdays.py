"""The business calendar as a plain object: typed days and constant-time working-day arithmetic.

No ORM here. A `BusinessCalendar` is built from the exceptions to the weekend rule (statutory holidays,
make-up working days, corrections) and the years whose arrangement is confirmed;
`redress.calendar.services.get_calendar` builds one from the database, tests build them from literal data.

Working-day arithmetic rests on an ordinal: `ordinal(d)` is the number of working days strictly before `d`,
counted from 0001-01-01 (a Monday). Monday-to-Friday days have a closed form; the exceptions shift it by a
prefix sum held in a dense array over the years that have data. Adding n working days is then two array
look-ups, not a walk over n days, and dates outside the data fall back to weekends only without special cases.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from redress.calendar.choices import WORKING_KINDS, DayKind

DEFAULT_JURISDICTION = "CN"
DEFAULT_TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class Day:
    date: dt.date
    kind: str
    name: str = ""

    @property
    def is_working_day(self) -> bool:
        return self.kind in WORKING_KINDS


def default_kind(date: dt.date) -> str:
    """The type of a day for which the calendar holds nothing: weekends rest, other days work."""
    return DayKind.REST_DAY.value if date.weekday() >= 5 else DayKind.WORKING_DAY.value


def _weekdays_before(date: dt.date) -> int:
    weeks, rest = divmod(date.toordinal() - 1, 7)
    return weeks * 5 + min(rest, 5)


def _weekday_by_index(index: int) -> dt.date:
    weeks, rest = divmod(index, 5)
    return dt.date.fromordinal(1 + weeks * 7 + rest)


class BusinessCalendar:
    """One jurisdiction's calendar: immutable once built, safe to share between threads and requests.

    `days` maps a date to its (kind, name) where it differs from the weekend rule or carries a holiday name;
    `confirmed_years` are the years whose official arrangement is loaded. Any other year counts weekends only
    and every computation that touches it is `unconfirmed`.
    """

    def __init__(
        self,
        days: Mapping[dt.date, tuple[str, str]] | Iterable[Day] = (),
        confirmed_years: Iterable[int] = (),
        *,
        jurisdiction: str = DEFAULT_JURISDICTION,
        timezone: str = DEFAULT_TIMEZONE,
        stamp: str = "",
    ):
        if isinstance(days, Mapping):
            entries = {date: Day(date, kind, name) for date, (kind, name) in days.items()}
        else:
            entries = {day.date: day for day in days}
        for day in entries.values():
            if day.kind not in DayKind.values:
                raise ValueError(f"unknown day kind {day.kind!r} on {day.date}")
        self.jurisdiction = jurisdiction
        self.timezone = ZoneInfo(timezone)
        self.stamp = stamp
        self.confirmed_years = frozenset(confirmed_years)
        self._days = entries
        self._build_index()

    def _build_index(self) -> None:
        if not self._days:
            self._span_start = self._span_len = 0
            self._delta_before: list[int] = [0]
            self._working_dates: list[dt.date] = []
            self._ordinal0 = 0
            return
        first = dt.date(min(self._days).year, 1, 1)
        last = dt.date(max(self._days).year, 12, 31)
        self._span_start = first.toordinal()
        self._span_len = last.toordinal() - self._span_start + 1
        delta_before = [0] * (self._span_len + 1)
        working_dates = []
        running = 0
        for i in range(self._span_len):
            date = dt.date.fromordinal(self._span_start + i)
            day = self._days.get(date)
            default_working = date.weekday() < 5
            working = day.is_working_day if day else default_working
            running += int(working) - int(default_working)
            delta_before[i + 1] = running
            if working:
                working_dates.append(date)
        self._delta_before = delta_before
        self._working_dates = working_dates
        self._ordinal0 = _weekdays_before(first)

    def __repr__(self) -> str:
        years = sorted(self.confirmed_years)
        return f"<BusinessCalendar {self.jurisdiction} {len(self._days)} days, confirmed {years}>"

    # Days

    def day(self, date: dt.date) -> Day:
        return self._days.get(date) or Day(date, default_kind(date))

    def is_working_day(self, date: dt.date) -> bool:
        day = self._days.get(date)
        return day.is_working_day if day else date.weekday() < 5

    def days_between(self, first: dt.date, last: dt.date) -> Iterator[Day]:
        """Every day from `first` to `last` inclusive, typed."""
        for ordinal in range(first.toordinal(), last.toordinal() + 1):
            yield self.day(dt.date.fromordinal(ordinal))

    def exceptions(self) -> Iterator[Day]:
        """The stored days, in date order."""
        return iter(sorted(self._days.values(), key=lambda day: day.date))

    def is_confirmed(self, year: int) -> bool:
        return year in self.confirmed_years

    def confirmed_between(self, first: dt.date, last: dt.date) -> bool:
        """Whether every year from `first` to `last` has its arrangement loaded."""
        return all(year in self.confirmed_years for year in range(first.year, last.year + 1))

    def with_days(self, days: Iterable[Day]) -> BusinessCalendar:
        """A copy with some days replaced (e.g. to preview a change)."""
        merged = dict(self._days)
        merged.update({day.date: day for day in days})
        return BusinessCalendar(
            merged.values(),
            self.confirmed_years,
            jurisdiction=self.jurisdiction,
            timezone=self.timezone.key,
        )

    # Working-day ordinals

    def ordinal(self, date: dt.date) -> int:
        """The number of working days strictly before `date`."""
        i = date.toordinal() - self._span_start
        if i <= 0:
            return _weekdays_before(date)
        return _weekdays_before(date) + self._delta_before[min(i, self._span_len)]

    def working_day_by_ordinal(self, ordinal: int) -> dt.date:
        """The working day with `ordinal` working days before it."""
        if ordinal < self._ordinal0:
            return _weekday_by_index(ordinal)
        offset = ordinal - self._ordinal0
        if offset < len(self._working_dates):
            return self._working_dates[offset]
        return _weekday_by_index(ordinal - self._delta_before[-1])

    def add_working_days(self, date: dt.date, n: int) -> dt.date:
        """The n-th working day after `date`, which is not counted (Civil Code art. 201); `date` for 0."""
        if n < 0:
            raise ValueError("n must not be negative")
        if n == 0:
            return date
        return self.working_day_by_ordinal(self.ordinal(date + dt.timedelta(days=1)) + n - 1)

    def next_working_day(self, date: dt.date) -> dt.date:
        """`date` itself if it is a working day, else the first working day after it."""
        return self.working_day_by_ordinal(self.ordinal(date))

    def working_days_between(self, after: dt.date, until: dt.date) -> int:
        """How many working days fall after `after` up to and including `until` (negative if reversed)."""
        return self.ordinal(until + dt.timedelta(days=1)) - self.ordinal(after + dt.timedelta(days=1))
