"""Calendar endpoints: a deadline calculator for transparency, the typed days, and loading a year (admins)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from pydantic import ConfigDict

from redress.calendar.choices import LimitUnit
from redress.calendar.deadlines import compute_deadline
from redress.calendar.services import CalendarError, get_calendar, load_year, parse_arrangement
from redress.calendar.workdays import DEFAULT_JURISDICTION
from redress.common.errors import ApiError, forbidden
from redress.common.schemas import BODY_REFUSALS, ErrorOut, param_example
from redress.organisation.choices import Role

router = Router(tags=["calendar"])

# A listing of typed days is for a screen or a check, not a dump: two years at most per request.
MAX_DAYS_LISTED = 731
# The years a period may start in. From 1901: before it the time zone database gives Beijing its local mean
# time, +08:05:43, an offset no ISO 8601 reader takes (year 277 was answered so). To 2999: the longest limit
# counted from there stays far inside the date range (9999 overflowed, and year 1 underflowed: 500s).
FIRST_START_YEAR, LAST_START_YEAR = 1901, 2999


def _invalid(errors: dict[str, list[str]]) -> ApiError:
    return ApiError(422, _("Some fields are not valid."), errors)


class DeadlineQuery(Schema):
    start: dt.datetime = Field(
        description="ISO date-time in the years 1901–2999; without an offset it is read as Beijing time",
        json_schema_extra=param_example("2026-09-30T16:30:00+08:00"),
    )
    # The example counts 3 working days over the National Day holiday (the calendar's own case).
    working_days: int | None = Field(None, ge=0, le=100_000, json_schema_extra=param_example(3))
    calendar_days: int | None = Field(None, ge=0, le=100_000)
    hours: float | None = Field(None, ge=0, le=100_000)
    cutoff: dt.time | None = Field(
        None,
        description="close of business, e.g. 17:00; default 24:00",
        json_schema_extra=param_example("17:00"),
    )
    roll_forward: bool = Field(
        False,
        description="calendar days only: a last day off runs to the next working day",
        json_schema_extra=param_example(False),
    )
    jurisdiction: str = Field(DEFAULT_JURISDICTION, json_schema_extra=param_example(DEFAULT_JURISDICTION))


class CalendarDeadlineOut(Schema):
    due_at: dt.datetime
    due_date: dt.date | None
    unconfirmed: bool


@router.get("/calendar/deadline", response={200: CalendarDeadlineOut, 401: ErrorOut, 422: ErrorOut})
def deadline(request: HttpRequest, filters: Query[DeadlineQuery]):
    """When a limit counted from `start` falls due: give exactly one of working_days, calendar_days, hours."""
    given = {
        unit: amount
        for unit, amount in (
            (LimitUnit.WORKING_DAYS, filters.working_days),
            (LimitUnit.CALENDAR_DAYS, filters.calendar_days),
            (LimitUnit.HOURS, filters.hours),
        )
        if amount is not None
    }
    if len(given) != 1:
        message = _("Give exactly one of working_days, calendar_days and hours.")
        raise _invalid({unit.value: [message] for unit in LimitUnit})
    errors: dict[str, list[str]] = {}
    if not FIRST_START_YEAR <= filters.start.year <= LAST_START_YEAR:
        errors["start"] = [
            _("Give a start in the years %(first)s to %(last)s.")
            % {"first": FIRST_START_YEAR, "last": LAST_START_YEAR}
        ]
    if filters.cutoff is not None and filters.cutoff.tzinfo is not None:
        # A close of business is a time of day where the unit is (`00:00:00Z` was a 500).
        errors["cutoff"] = [_("Give the close of business as a local time without an offset, e.g. 17:00.")]
    elif filters.cutoff == dt.time(0):
        errors["cutoff"] = [_("Leave the cut-off out for 24:00.")]
    if errors:
        raise _invalid(errors)
    calendar = get_calendar(filters.jurisdiction)
    start = filters.start
    if start.tzinfo is None:
        start = start.replace(tzinfo=calendar.timezone)
    ((unit, amount),) = given.items()
    result = compute_deadline(
        calendar, start, amount, unit, cutoff=filters.cutoff, roll_forward=filters.roll_forward
    )
    return {"due_at": result.due_at, "due_date": result.due_date, "unconfirmed": result.unconfirmed}


class DaysQuery(Schema):
    from_: dt.date = Field(alias="from", json_schema_extra=param_example("2026-09-28"))
    to: dt.date = Field(json_schema_extra=param_example("2026-10-11"))
    jurisdiction: str = Field(DEFAULT_JURISDICTION, json_schema_extra=param_example(DEFAULT_JURISDICTION))


class DayOut(Schema):
    date: dt.date
    kind: str
    name: str
    working_day: bool
    confirmed: bool


@router.get("/calendar/days", response={200: list[DayOut], 401: ErrorOut, 422: ErrorOut})
def days(request: HttpRequest, filters: Query[DaysQuery]):
    """Every day from `from` to `to` inclusive, typed; `confirmed` is false in a year with no arrangement."""
    if filters.to < filters.from_:
        raise _invalid({"to": [_("The end comes before the start.")]})
    if (filters.to - filters.from_).days >= MAX_DAYS_LISTED:
        raise _invalid({"to": [_("At most %(n)s days at a time.") % {"n": MAX_DAYS_LISTED}]})
    calendar = get_calendar(filters.jurisdiction)
    return [
        {
            "date": day.date,
            "kind": day.kind,
            "name": day.name,
            "working_day": day.is_working_day,
            "confirmed": calendar.is_confirmed(day.date.year),
        }
        for day in calendar.days_between(filters.from_, filters.to)
    ]


class HolidayIn(Schema):
    name: str
    first_day: dt.date
    last_day: dt.date | None = None
    makeup_workdays: list[dt.date] = []


class ArrangementIn(Schema):
    # A year's notice as the State Council publishes it (two of its holidays, with their make-up days).
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "source": "国务院办公厅关于2027年部分节假日安排的通知",
                    "holidays": [
                        {"name": "元旦", "first_day": "2027-01-01", "last_day": "2027-01-03"},
                        {
                            "name": "国庆节",
                            "first_day": "2027-10-01",
                            "last_day": "2027-10-07",
                            "makeup_workdays": ["2027-09-26", "2027-10-09"],
                        },
                    ],
                }
            ]
        }
    )

    source: str = ""
    holidays: list[HolidayIn]


class YearOut(Schema):
    jurisdiction: str
    year: int
    source: str
    days: int


@router.put(
    "/calendar/years/{year}",
    response={200: YearOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut, **BODY_REFUSALS},
)
def put_year(
    request: HttpRequest,
    payload: ArrangementIn,
    year: int = Path(..., example=2027),
    jurisdiction: str = Query(DEFAULT_JURISDICTION, example=DEFAULT_JURISDICTION),
):
    """Load a year's arrangement (the notice's holiday blocks and make-up days) and confirm it (admins)."""
    staff = request.auth
    if not staff.has_role(Role.ADMIN):
        raise forbidden()
    data = {
        "year": year,
        "source": payload.source,
        "holidays": [
            {key: value for key, value in holiday.dict().items() if value is not None}
            for holiday in payload.holidays
        ],
    }
    try:
        arrangement = parse_arrangement(data, year)
        load_year(arrangement, jurisdiction=jurisdiction, actor=staff)
    except CalendarError as exc:
        raise _invalid(exc.errors) from exc
    return {
        "jurisdiction": jurisdiction,
        "year": year,
        "source": arrangement.source,
        "days": len(arrangement.days()),
    }
