"""How clocks read on a page: due time, time left or overdue by, state and its colour.

The clocks' rules (due times, states) are the deadlines app's; this only words them.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from redress.deadlines.choices import LIVE_STATES, ClockName, ClockState
from redress.deadlines.models import Clock
from redress.deadlines.services import case_deadlines, effective_state

_BINDING_FIELDS = ("id", "case_id", "name", "due_at", "warn_at", "state", "unconfirmed", "binding", "met_at")


def binding_clocks() -> Prefetch:
    """One query for a whole page of cases: their live binding clocks, earliest due first."""
    return Prefetch(
        "clocks",
        queryset=Clock.objects.filter(binding=True, state__in=LIVE_STATES)
        .order_by("due_at", "id")
        .only(*_BINDING_FIELDS),
        to_attr="live_binding_clocks",
    )


def span(delta: dt.timedelta) -> str:
    """A duration as days and hours, or hours and minutes when under a day."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


def time_left(due_at: dt.datetime, now: dt.datetime, state: str, met_at: dt.datetime | None = None) -> str:
    if state == ClockState.MET:
        if met_at is not None and met_at >= due_at:
            return _("met %(span)s late") % {"span": span(met_at - due_at)}
        return _("met in time")
    if state == ClockState.PAUSED:
        return _("paused")
    if now >= due_at:
        return _("overdue by %(span)s") % {"span": span(now - due_at)}
    return _("%(span)s left") % {"span": span(due_at - now)}


def limit_words(amount, unit: str) -> str:
    """A time limit as people say it: 10 个工作日, 60 个自然日, 24 小时."""
    n = f"{amount.normalize():f}" if hasattr(amount, "normalize") else str(amount)
    count = int(amount) if int(amount) == amount else 2
    words = {
        "working_days": ngettext("%(n)s working day", "%(n)s working days", count),
        "calendar_days": ngettext("%(n)s calendar day", "%(n)s calendar days", count),
        "hours": ngettext("%(n)s hour", "%(n)s hours", count),
    }.get(unit)
    return words % {"n": n} if words else f"{n} {unit}"


def clock_label(name: str) -> str:
    return str(ClockName(name).label) if name in ClockName.values else name


def state_label(state: str) -> str:
    return str(ClockState(state).label) if state in ClockState.values else state


def case_clocks(case, now: dt.datetime) -> list[dict]:
    """`case_deadlines` rows with what the page adds: labels, time left and the pending extensions."""
    rows = []
    for row in case_deadlines(case, now):
        state = row["state"]
        late = state == ClockState.MET and row["met_at"] is not None and row["met_at"] >= row["due_at"]
        rows.append(
            {
                **row,
                "label": clock_label(row["clock"]),
                "state_label": _("met late") if late else state_label(state),
                # A limit met late counts as breached for the statistics (R7.4): shown in the breach colour.
                "css": "breached" if late else state,
                "time_left": time_left(row["due_at"], now, state, row["met_at"]),
                "limit_words": limit_words(row["limit_amount"], row["limit_unit"]),
            }
        )
    return rows


def summary(clock: Clock | None, now: dt.datetime) -> dict | None:
    """A list row's binding clock: due, state, label and time left."""
    if clock is None:
        return None
    state = effective_state(clock, now)
    return {
        "clock": clock.name,
        "label": clock_label(clock.name),
        "due_at": clock.due_at,
        "state": state,
        "state_label": state_label(state),
        "time_left": time_left(clock.due_at, now, state),
        "unconfirmed": clock.unconfirmed,
    }
