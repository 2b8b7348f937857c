"""The measures of the figures in the bank's words, and each as a filter of the register (`figure=`).

A figure on a report links to the register of exactly the cases behind it (decision 0033): a case counts in
a measure when its row of figures has it above zero. The cases app sits below the reports in the layers and
cannot name the measures itself; `register_all` (called by ReportsConfig.ready) hands them to it.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from redress.cases.choices import Responsibility, Satisfaction, StatClass
from redress.cases.models import Case
from redress.cases.register_query import register_figure
from redress.deadlines.choices import ClockName
from redress.organisation.choices import Level

from .figures import MEASURES

_PLAIN = {
    "registered": lambda: _("registered"),
    "accepted": lambda: _("accepted"),
    "rejected": lambda: _("not accepted"),
    "withdrawn": lambda: _("withdrawn"),
    "open": lambda: _("still open"),
    "closed": lambda: _("closed"),
    "replied_on_time": lambda: _("replied on time"),
    "replied_late": lambda: _("replied late"),
    "reopened": lambda: _("reopened"),
    "repeat_flag": lambda: _("repeat complaints"),
    "group_flag": lambda: _("group complaints"),
    "breached": lambda: _("time limit breached"),
}


def label(measure: str) -> str:
    """A measure in the bank's words, in the active language."""
    if measure in _PLAIN:
        return _PLAIN[measure]()
    rest = measure.split("_", 1)[1] if "_" in measure else ""
    if measure.startswith("escalated_"):
        return _("escalated to the %(level)s") % {"level": Level(rest).label}
    if measure.startswith("follow_ups_"):
        return _("followed up, last answer: %(satisfaction)s") % {
            "satisfaction": Satisfaction(rest[4:]).label
        }
    if measure.startswith("breached_"):
        return _("time limit breached: %(clock)s") % {"clock": ClockName(rest).label}
    if measure.startswith("closed_") and rest in StatClass.values:
        return _("closed, %(class)s") % {"class": StatClass(rest).label}
    if measure.startswith("closed_") and rest in Responsibility.values:
        return _("closed, %(responsibility)s") % {"responsibility": Responsibility(rest).label}
    raise ValueError(measure)


lazy_label = lazy(label, str)


def _narrowing(measure: str):
    def narrow(cases: QuerySet[Case]) -> QuerySet[Case]:
        return cases.filter(**{f"figures__{measure}__gt": 0})

    return narrow


def register_all() -> None:
    for measure in MEASURES:
        register_figure(measure, lazy_label(measure), _narrowing(measure))
