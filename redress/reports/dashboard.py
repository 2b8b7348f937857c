"""The dashboard (issue 11, item 6): a unit's figures over a period, each with the register of its cases.

Every number shown — a bar, a slice, a point, a cell of the heat table, a key figure — is a count of cases,
and carries the register's filters that select exactly those cases (decision 0033): the unit's subtree as
the reports count it (`registered_in`), the period's Beijing days (`received_from`/`received_to`), the
dimension's value and, for a measure other than "registered", `figure=<measure>`. Opened by the same person,
the register (page, API list or Excel) counts what the figure says: both are scoped by what that person may
see (decision 0028).

The counts come from the rollup's slices (`services.Rollup`), less the cases about the person asking, through
`services`. A case counts in every measure at most once — the follow-ups too, by the latest answer — so
each count is a count of cases.

The rates are worked out from the counts shown beside them, so a reader can check them:
- on time: replied on time ÷ (replied on time + replied late) — among the period's cases replied to;
- satisfaction: (cases satisfied + cases basically satisfied) ÷ cases followed up, each case by its latest
  follow-up's answer — the same rate as performance's (`reports.performance`);
- repeat: cases flagged as repeats ÷ cases registered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from redress.cases.choices import Satisfaction, StatClass
from redress.cases.register_query import UNCLASSIFIED
from redress.common.errors import FieldErrors
from redress.organisation.choices import Level
from redress.organisation.models import Staff, Unit

from . import services
from .figures import BEIJING, MEASURES
from .measures import label as measure_label

# Past this many days the trend is by month, not by day.
DAILY_TREND_DAYS = 92
# The dimensions drawn as bar charts, each a filter of the register of the same name.
BY = ("category", "channel", "business_category", "reason")
# The heat table's columns: each a measure a case counts in at most once, so the cell is a count of cases.
HEAT_MEASURES = (
    "registered",
    "open",
    "closed_counted",
    "closed_at_fault",
    "replied_late",
    "breached",
    "reopened",
    "repeat_flag",
)
KPI_MEASURES = ("registered", "open", "closed", "replied_late", "breached", "repeat_flag")
ESCALATED = tuple(f"escalated_{level}" for level in Level.values)
FOLLOW_UPS = tuple(f"follow_ups_{value}" for value in Satisfaction.values)
STAT_CLASSES = tuple(f"closed_{value}" for value in StatClass.values)


@dataclass(frozen=True)
class Figure:
    """One number and the register's filters that list exactly its cases."""

    key: str
    label: str
    count: int
    filters: dict[str, str]


@dataclass
class Chart:
    name: str
    title: str
    kind: str  # "bar", "line" or "pie": how the page draws it
    figures: list[Figure]


@dataclass
class Rate:
    name: str
    title: str
    percent: float | None  # None when there is nothing to divide by
    parts: list[Figure]  # the counts it is worked out from


@dataclass
class HeatRow:
    unit: Unit
    own: bool  # the cases the unit registered itself, beside its children's lines
    label: str
    cells: list[Figure]


@dataclass
class Dashboard:
    unit: Unit
    start: dt.date
    end: dt.date
    kpis: list[Figure]
    rates: list[Rate]
    charts: list[Chart]
    heat_measures: list[tuple[str, str]]
    heat: list[HeatRow] = field(default_factory=list)


def dashboard(user: Staff, unit: Unit, start: dt.date, end: dt.date) -> Dashboard:
    """The unit's dashboard for the period as `user` may see it (the unit checked by `visible_unit`)."""
    base = {"registered_in": unit.code, "received_from": start.isoformat(), "received_to": end.isoformat()}

    def figure(key: str, label: str, count: int, **filters: str) -> Figure:
        return Figure(key, label, count, {**base, **filters})

    def measure(name: str, count: int, **filters: str) -> Figure:
        narrowed = filters if name == "registered" else {**filters, "figure": name}
        return figure(name, measure_label(name), count, **narrowed)

    sources = services.sources(user, unit, start, end)
    totals = services.sums(sources, None, MEASURES).get(None) or dict.fromkeys(MEASURES, 0)

    kpis = [measure(name, totals[name]) for name in KPI_MEASURES]
    on_time = [measure(name, totals[name]) for name in ("replied_on_time", "replied_late")]
    satisfaction = [measure(name, totals[name]) for name in FOLLOW_UPS]
    repeat = [measure(name, totals[name]) for name in ("repeat_flag", "registered")]
    rates = [
        Rate(
            "on_time",
            _("replied on time"),
            _percent(on_time[0].count, on_time[0].count + on_time[1].count),
            on_time,
        ),
        Rate(
            "satisfaction",
            _("satisfaction"),
            _percent(satisfaction[0].count + satisfaction[1].count, sum(f.count for f in satisfaction)),
            satisfaction,
        ),
        Rate("repeat", _("repeat complaints"), _percent(repeat[0].count, repeat[1].count), repeat),
    ]

    charts = [_trend(user, unit, start, end, figure)]
    titles = {
        "category": _("by category"),
        "channel": _("by channel"),
        "business_category": _("by business category"),
        "reason": _("by reason"),
    }
    for dimension in BY:
        rows, _total = services.summary(user, unit, start, end, dimension)
        # One bar per key: a class two classification editions share (by its official code) is one filter.
        merged: dict[str, list] = {}
        for row in rows:
            merged.setdefault(row.key, [row.label, 0])[1] += row.count
        bars = [figure(k, label, n, **{dimension: k or UNCLASSIFIED}) for k, (label, n) in merged.items()]
        charts.append(Chart(dimension, titles[dimension], "bar", bars))
    # In the pies each slice is named by its class or answer alone: the chart's title says the rest.
    classes = [
        figure(name, str(StatClass(name[len("closed_") :]).label), totals[name], figure=name)
        for name in STAT_CLASSES
        if totals[name]
    ]
    charts.append(Chart("stat_class", _("closed, by statistics class"), "pie", classes))
    answers = [
        Figure(f.key, str(Satisfaction(f.key[len("follow_ups_") :]).label), f.count, f.filters)
        for f in satisfaction
        if f.count
    ]
    charts.append(Chart("satisfaction", _("follow-ups by satisfaction"), "pie", answers))
    charts.append(
        Chart(
            "escalated",
            _("escalations by level reached"),
            "bar",
            [measure(name, totals[name]) for name in ESCALATED],
        )
    )

    heat = []
    by_path = services.sums(sources, "unit_path", HEAT_MEASURES)
    for line, own, counts in services.by_unit(unit, by_path, list(HEAT_MEASURES)):
        # The unit's own line: the cases it registered itself, not its children's.
        where = {"registering_unit": line.code} if own else {"registered_in": line.code}
        cells = [measure(name, counts[name], **where) for name in HEAT_MEASURES]
        name = _("%(unit)s (itself)") % {"unit": line.name} if own else line.name
        heat.append(HeatRow(line, own, name, cells))
    return Dashboard(
        unit,
        start,
        end,
        kpis,
        rates,
        charts,
        [(name, measure_label(name)) for name in HEAT_MEASURES],
        heat,
    )


def _trend(user: Staff, unit: Unit, start: dt.date, end: dt.date, figure) -> Chart:
    """Cases registered per day (per month past DAILY_TREND_DAYS), every day or month of the period shown."""
    by_month = (end - start).days >= DAILY_TREND_DAYS
    rows, _total = services.summary(user, unit, start, end, "month" if by_month else "day")
    counts = {row.key: row.count for row in rows}
    figures = []
    day = start
    while day <= end:
        if by_month:
            key = day.strftime("%Y-%m")
            first = max(start, day.replace(day=1))
            following = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
            last = min(end, following - dt.timedelta(days=1))
            day = following
        else:
            key, first, last = day.isoformat(), day, day
            day += dt.timedelta(days=1)
        figures.append(
            figure(
                key, key, counts.get(key, 0), received_from=first.isoformat(), received_to=last.isoformat()
            )
        )
    title = _("cases registered per month") if by_month else _("cases registered per day")
    return Chart("trend", title, "line", figures)


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# ---- defaults and the dashboard as JSON (the API's answer and the page's charts read the same) ---------

DEFAULT_DAYS = 90


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last DEFAULT_DAYS Beijing days, today included."""
    return today - dt.timedelta(days=DEFAULT_DAYS - 1), today


def scope(
    user: Staff, code: str | None, start: dt.date | None, end: dt.date | None
) -> tuple[Unit, dt.date, dt.date]:
    """The unit and period asked for, defaults filled in: FieldErrors for a bad period, Http404 for a unit
    the user may not see (as for a case)."""
    # Before the defaults: a default period reaches 30 days past the day given.
    if errors := {**services.check_day("from", start), **services.check_day("to", end)}:
        raise FieldErrors(errors)
    if end is None:
        end = start + dt.timedelta(days=DEFAULT_DAYS - 1) if start else dt.datetime.now(BEIJING).date()
    start = start or default_period(end)[0]
    if not code:
        default = default_unit(user)
        code = default.code if default else ""
    return services.unit_for_period(user, code, start, end), start, end


def default_unit(user: Staff) -> Unit | None:
    """The unit a person's dashboard opens on: their own unit, the head office for those who see all."""
    if user.sees_all_cases or user.unit_id is None:
        return Unit.objects.filter(parent__isnull=True).order_by("path").first()
    return user.unit


def figure_dict(figure: Figure, register: str, cases: str) -> dict:
    query = urlencode(figure.filters)
    return {
        "key": figure.key,
        "label": figure.label,
        "count": figure.count,
        "filters": figure.filters,
        "register": f"{register}?{query}",
        "cases": f"{cases}?{query}",
    }


def as_dict(board: Dashboard, register: str, cases: str) -> dict:
    """Every figure of the board with its links: `register` (the page) and `cases` (the API list) are the
    paths the filters are appended to."""

    def out(figures: list[Figure]) -> list[dict]:
        return [figure_dict(f, register, cases) for f in figures]

    return {
        "unit": board.unit.code,
        "name": board.unit.name,
        "from": board.start,
        "to": board.end,
        "kpis": out(board.kpis),
        "rates": [
            {"name": r.name, "title": r.title, "percent": r.percent, "parts": out(r.parts)}
            for r in board.rates
        ],
        "charts": [
            {"name": c.name, "title": c.title, "kind": c.kind, "figures": out(c.figures)}
            for c in board.charts
        ],
        "heat_measures": [{"key": key, "label": label} for key, label in board.heat_measures],
        "heat": [
            {"unit": row.unit.code, "name": row.label, "own": row.own, "cells": out(row.cells)}
            for row in board.heat
        ],
    }
