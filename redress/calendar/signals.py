"""Sent after a calendar change commits, so the clocks that depend on the changed days can be recomputed.

`calendar_changed` is sent with `jurisdiction` (its code), `first_day` and `last_day` (dates, inclusive). A
receiver recomputes every open clock whose period, from its start to its current due date, overlaps that
range: loading a year also changes which deadlines are `unconfirmed`, so its range is the whole year.
"""

from django.dispatch import Signal

calendar_changed = Signal()
