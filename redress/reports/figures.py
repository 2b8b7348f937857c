"""Each case's figures and their rollup, kept in the transaction that changes the case (R8.1).

A case contributes to exactly one bucket of the rollup — the Beijing day it was received × its registering
unit × its kind, channel, category, regulatory classes, product, customer group and unit and staff member
complained about — and to the measures its state and history make true (registered, accepted, closed as
counted, replied late, reopened, a clock breached…). `facts_of` is the one rule that turns a case into that
bucket and those measures; everything else only moves its answer around. The case's row (`CaseFigures`)
keeps its bucket and measures; the reports read the rollup's slices (`SliceFigures`, `SLICES`: a few
dimensions each, per day and per month), in which a case counts once per slice and grain (decision 0039):

- registration (`record_new_case`, called by `redress.lifecycle.registration`): the case's facts are worked
  out from the case just written and what its triggers did to it (`KNOWN_ON_THE_NEW_CASE`), with no query,
  and stored in one statement on PostgreSQL (two on SQLite): its row of `CaseFigures` and a row of
  `FigureChange`, the change the rollup is to take;
- every transition (`case_changed`, called once by `machine.run` after the action and what follows it) and a
  clock the sweeper breaches: the case's facts are worked out again from the database in one statement, with
  the facts stored for it; when they differ, the case's row is updated and the difference written as a
  `FigureChange`;
- `fold` adds the changes written so far to the rollup — the slice rows of their buckets, as deltas
  (`count = count + d`) — and deletes them, one fold at a time: before every read of the rollup
  (`services.Rollup`), so a report is exact the moment a registration commits, and in the background
  (beat's `redress.reports.fold`, the embedded sweeper's pass), so the changes never pile up. A registration
  or a transition thus only appends a row: it takes no lock on a row another writer needs (the bucket's
  and the slices' rows of a busy day, shared by every registration of a unit; decision 0039);
- `rebuild` recounts every case with the same rule and sums the slices from the cases' rows; `verify`
  names each case whose stored facts differ from a recount and each slice row that differs from the sum of
  its cases.

A new action needs nothing here: whatever it changes, the case's facts are worked out again after it.

This module sits below the lifecycle in the layers (the lifecycle calls it); the reports built on the
figures (`redress.reports.services`) sit above it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.models import Exists, F, OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from redress.cases import customer_groups
from redress.cases.choices import (
    OPEN_STATES,
    EventKind,
    Flag,
    Responsibility,
    Satisfaction,
    StatClass,
    State,
)
from redress.cases.models import Case, CaseEvent, CaseFlag, Escalation, FollowUp
from redress.deadlines.choices import ClockName
from redress.deadlines.models import Clock
from redress.organisation.choices import Level

# Days are Beijing days, whatever the server's zone (P1 六、7: the day's report is the bank's day).
BEIJING = ZoneInfo("Asia/Shanghai")

# The bucket a case counts in. Ids of related rows are plain integers (0 for none), so that the bucket is a
# unique key without NULLs and the rollup needs no join to be read; the unit's path is kept beside its id so
# a unit's figure, its subtree's, is one indexed prefix match.
DIMENSIONS = (
    "day",
    "unit_id",
    "unit_path",
    "kind",
    "channel",
    "category",
    "regulatory_channel_id",
    "business_category_id",
    "reason_id",
    "product",
    "customer_group",
    "subject_unit_id",
    "subject_staff_id",
)

# The customer groups of P1 六、4 (the rule lives with the cases: the register filters by it too).
VIP, CARD_HOLDER, CASH = customer_groups.VIP, customer_groups.CARD_HOLDER, customer_groups.CASH
CUSTOMER_GROUPS = customer_groups.CUSTOMER_GROUPS
customer_group = customer_groups.customer_group

# The events by which a case was taken on: accepted for handling, or answered on the spot.
ACCEPTING_EVENTS = (EventKind.ACCEPTED, EventKind.ANSWERED_ON_SPOT)

MEASURES: tuple[str, ...] = (
    "registered",
    "accepted",
    "rejected",
    "withdrawn",
    "open",
    "closed",
    *(f"escalated_{level}" for level in Level.values),
    "replied_on_time",
    "replied_late",
    *(f"closed_{stat_class}" for stat_class in StatClass.values),
    *(f"closed_{responsibility}" for responsibility in Responsibility.values),
    "reopened",
    *(f"follow_ups_{satisfaction}" for satisfaction in Satisfaction.values),
    "repeat_flag",
    "group_flag",
    "breached",
    *(f"breached_{clock}" for clock in ClockName.values),
)

# The case's own columns the rule reads.
CASE_COLUMNS = (
    "pk",
    "received_at",
    "unit_id",
    "unit_path",
    "kind",
    "channel",
    "category",
    "regulatory_channel_id",
    "business_category_id",
    "reason_id",
    "product",
    "complainant_vip",
    "subject_unit_id",
    "subject_staff_id",
    "state",
    "level",
    "stat_class",
    "responsibility",
)


def _counts() -> dict[str, models.Field]:
    return {name: models.IntegerField(default=0) for name in MEASURES}


def _bucket() -> dict[str, models.Field]:
    return {
        "day": models.DateField(),
        "unit_id": models.IntegerField(),
        "unit_path": models.CharField(max_length=255),
        "kind": models.CharField(max_length=16),
        "channel": models.CharField(max_length=32),
        "category": models.CharField(max_length=32),
        "regulatory_channel_id": models.IntegerField(),
        "business_category_id": models.IntegerField(),
        "reason_id": models.IntegerField(),
        "product": models.CharField(max_length=128),
        "customer_group": models.CharField(max_length=16),
        "subject_unit_id": models.IntegerField(),
        # The person complained about: their own cases are taken out of any figure they are shown (R10.1).
        "subject_staff_id": models.IntegerField(default=0),
    }


def _abstract(name: str, fields: dict[str, models.Field]) -> type[models.Model]:
    """An abstract model of `fields` (the measures are many and named from the choices: declared once)."""
    meta = type("Meta", (), {"abstract": True})
    return type(name, (models.Model,), {"__module__": __name__, "Meta": meta, **fields})


Bucket = _abstract("Bucket", _bucket())
Counts = _abstract("Counts", _counts())


class CaseFigures(Bucket, Counts):
    """What one case contributes to the rollup, as last written: the bucket and the measures. Kept so that a
    transition adds only the difference, and so that `verify` can name the case that differs."""

    case = models.OneToOneField(Case, primary_key=True, on_delete=models.CASCADE, related_name="figures")

    class Meta:
        verbose_name = _("case figures")
        verbose_name_plural = _("case figures")
        indexes = [
            models.Index(
                fields=["unit_path", "day"],
                name="case_figures_path_day_idx",
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),
            # Performance counts by the unit and the staff member complained about over a period.
            models.Index(fields=["subject_unit_id", "day"], name="case_figures_subject_day_idx"),
            models.Index(fields=["subject_staff_id", "day"], name="case_figures_staff_day_idx"),
        ]

    def __str__(self) -> str:
        return f"figures of {self.case_id}"


# The slices of the rollup: per slice the dimensions it keeps (besides the day), the others left '' or 0, so
# that its rows are bounded by days × units × values, not by cases (decision 0039). Each report reads the
# narrowest slice that has every dimension it filters or groups by (`slice_for`), whole months from the
# month grain. The registering unit's id and path go together (the path is how a subtree is matched).
UNIT = ("unit_id", "unit_path")
SLICES: dict[str, tuple[str, ...]] = {
    # The totals, the daily report's lines, the heat map, a summary by unit, day or month.
    "unit": UNIT,
    "kind": (*UNIT, "kind"),
    "channel": (*UNIT, "channel"),
    # The hotspots count complaints: their dimensions are kept by kind.
    "category": (*UNIT, "kind", "category"),
    "business_category": (*UNIT, "kind", "business_category_id"),
    "reason": (*UNIT, "kind", "reason_id"),
    "product": (*UNIT, "kind", "product"),
    "customer_group": (*UNIT, "kind", "customer_group"),
    "subject_unit": (*UNIT, "kind", "subject_unit_id"),
    # Performance: by the unit (and the staff member) complained about, whoever registered the case.
    "performance": ("kind", "subject_unit_id"),
    "staff": ("kind", "subject_unit_id", "subject_staff_id"),
    # The whole bank's, for those who see every case (the office's dashboards and hotspots, the regulatory
    # return): without the unit, a few rows a day whatever the number of units. Their rows are shared by
    # every registration in the bank, which is why no registration writes them: `fold` does.
    "bank_kind": ("kind",),
    "bank_channel": ("kind", "channel"),
    "bank_category": ("kind", "category"),
    "bank_business_category": ("kind", "business_category_id"),
    "bank_reason": ("kind", "reason_id"),
    "bank_product": ("kind", "product"),
    "bank_customer_group": ("kind", "customer_group"),
    "regulatory": ("kind", "regulatory_channel_id", "business_category_id", "reason_id"),
}
# The slices by the registering unit again, with the unit replaced by its ancestor at each of these depths
# below the head office (the province, the branch, the sub-branch): a unit's figure is then read from its own
# rows (`unit_path = <its path>`), about one a day and value, however many outlets and cases it has; without
# them a branch's was read from its outlets' rows, about one per case-day (decision 0039). A deeper unit
# reads its outlets' rows as before. Named `<slice>@<depth>`.
ANCESTOR_DEPTHS = (1, 2, 3)
SLICE_DEPTH: dict[str, int] = {}
for _depth in ANCESTOR_DEPTHS:
    for _name, _kept in list(SLICES.items()):
        if "@" not in _name and set(UNIT) <= set(_kept):
            SLICES[f"{_name}@{_depth}"] = _kept
            SLICE_DEPTH[f"{_name}@{_depth}"] = _depth


def unit_depth(path: str) -> int:
    """How far below the top of the tree the unit of this path is (the top: 0)."""
    return path.strip("/").count("/")


def ancestor(path: str, depth: int) -> tuple[int, str] | None:
    """The id and path of the unit at `depth` on the way to the unit of `path` (itself if it is at that
    depth); None if that unit is higher up. Paths are the units' ids from the top, `/1/3/4/`."""
    ids = path.strip("/").split("/")
    if len(ids) <= depth:
        return None
    return int(ids[depth]), "/" + "/".join(ids[: depth + 1]) + "/"


# A slice's row is of one day, or of one month (its `day` the first of the month).
DAY, MONTH = "day", "month"
GRAINS = (DAY, MONTH)
# What a slice keeps of a dimension it does not have.
_NONE = {name: 0 if name.endswith("_id") else "" for name in DIMENSIONS if name != "day"}
# The key of a slice's row: the slice, the grain, then every dimension.
SLICE_KEY = ("slice", "grain", *DIMENSIONS)


class SliceFigures(Bucket, Counts):
    """The rollup, in slices (SLICES × GRAINS): per slice, grain and the values of the slice's dimensions,
    the sum of the measures of its cases. A row is kept when its counts fall to zero."""

    slice = models.CharField(max_length=24)
    grain = models.CharField(max_length=8)

    class Meta:
        verbose_name = _("figures by slice")
        verbose_name_plural = _("figures by slice")
        constraints = [models.UniqueConstraint(fields=list(SLICE_KEY), name="slice_figures_key_unique")]
        indexes = [
            models.Index(
                fields=["slice", "grain", "unit_path", "day"],
                name="slice_figures_path_day_idx",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "varchar_pattern_ops", "date_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.slice} {self.grain} {self.day} {self.unit_path}"


class FigureChange(Bucket, Counts):
    """A change of the rollup not yet added to it: a bucket and the differences of its measures, written by a
    registration or a transition in place of the rollup's rows and added to them by `fold`, which deletes
    it. Only ever inserted and deleted."""

    id = models.BigAutoField(primary_key=True)

    class Meta:
        verbose_name = _("figures change")
        verbose_name_plural = _("figures changes")

    def __str__(self) -> str:
        return f"{self.day} {self.unit_path}"


def slice_for(dimensions: Iterable[str], depth: int | None = None) -> str | None:
    """The narrowest slice that has every one of `dimensions` (the day aside), among those by an ancestor at
    `depth` or, with none, those by the registering unit or none; None if none has."""
    wanted = set(dimensions) - {"day"}
    fits = [name for name, kept in SLICES.items() if SLICE_DEPTH.get(name) == depth and wanted <= set(kept)]
    return min(fits, key=lambda name: len(SLICES[name])) if fits else None


Facts = tuple[tuple, dict[str, int]]


def beijing_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(BEIJING).date()


def facts_of(row: Mapping[str, Any]) -> Facts:
    """The bucket and measures of one case, from its columns (CASE_COLUMNS) and history (`_history`)."""
    bucket = (
        beijing_day(row["received_at"]),
        row["unit_id"],
        row["unit_path"],
        row["kind"],
        row["channel"],
        row["category"],
        row["regulatory_channel_id"] or 0,
        row["business_category_id"] or 0,
        row["reason_id"] or 0,
        row["product"],
        customer_group(row["complainant_vip"], row["product"]),
        row["subject_unit_id"] or 0,
        row["subject_staff_id"] or 0,
    )
    counts = dict.fromkeys(MEASURES, 0)
    state = row["state"]
    counts["registered"] = 1
    counts["accepted"] = int(bool(row["h_accepted"]))
    counts["rejected"] = int(state == State.REJECTED)
    counts["withdrawn"] = int(state == State.WITHDRAWN)
    counts["open"] = int(state in OPEN_STATES)
    if state == State.CLOSED:
        counts["closed"] = 1
        if row["stat_class"]:
            counts[f"closed_{row['stat_class']}"] = 1
        if row["responsibility"]:
            counts[f"closed_{row['responsibility']}"] = 1
    if row["h_escalated"]:
        # By the level the case has reached (escalations only go up).
        counts[f"escalated_{row['level']}"] = 1
    if row["h_replied"]:
        late = row["h_reply_met_late"] or row[f"h_breached_{ClockName.REPLY}"]
        counts["replied_late" if late else "replied_on_time"] = 1
    counts["reopened"] = int(bool(row["h_reopened"]))
    # A case counts once, by its latest follow-up's answer: a case called back twice (after a reopening) is
    # as satisfied as the customer said last, and the rate's cases are the register's cases (decision 0033).
    for satisfaction in Satisfaction.values:
        counts[f"follow_ups_{satisfaction}"] = int(row["h_last_follow_up"] == satisfaction)
    counts["repeat_flag"] = int(bool(row["h_repeat"]))
    counts["group_flag"] = int(bool(row["h_group"]))
    for clock in ClockName.values:
        counts[f"breached_{clock}"] = int(bool(row[f"h_breached_{clock}"]))
    counts["breached"] = int(any(counts[f"breached_{clock}"] for clock in ClockName.values))
    return bucket, counts


def _history() -> dict[str, Any]:
    """What `facts_of` reads of a case's history, as annotations of a case queryset (one statement for one
    case or for all of them)."""
    case = OuterRef("pk")

    def has(model: type[models.Model], **match: Any) -> Exists:
        return Exists(model.objects.filter(case=case, **match))

    return {
        "h_accepted": has(CaseEvent, kind__in=ACCEPTING_EVENTS),
        "h_replied": has(CaseEvent, kind=EventKind.REPLIED),
        "h_reopened": has(CaseEvent, kind=EventKind.REOPENED),
        "h_escalated": has(Escalation),
        "h_reply_met_late": has(Clock, name=ClockName.REPLY, met_at__gt=F("due_at")),
        "h_repeat": has(CaseFlag, flag=Flag.REPEAT),
        "h_group": has(CaseFlag, flag=Flag.GROUP),
        "h_last_follow_up": Subquery(
            FollowUp.objects.filter(case=case).order_by("-created_at", "-pk").values("satisfaction")[:1]
        ),
        **{f"h_breached_{c}": has(Clock, name=c, breached_at__isnull=False) for c in ClockName.values},
    }


@functools.cache
def _history_names() -> tuple[str, ...]:
    # Building `_history`'s expressions took 12 ms of a registration that only wanted their names.
    return tuple(_history())


def _new_case_row(case: Case, flags: Iterable[str]) -> dict[str, Any]:
    """A case just registered, as the rule reads it: nothing has happened to it yet but its flags."""
    row = {name: getattr(case, name) for name in CASE_COLUMNS}
    row.update(dict.fromkeys(_history_names(), 0))
    row["h_repeat"], row["h_group"] = Flag.REPEAT in flags, Flag.GROUP in flags
    return row


def _stored(bucket: tuple, counts: Mapping[str, int], subject_staff_id: int | None) -> dict[str, Any]:
    return {**dict(zip(DIMENSIONS, bucket, strict=True)), **counts, "subject_staff_id": subject_staff_id or 0}


def _summed(changes: Iterable[tuple[tuple, Mapping[str, int]]]) -> dict[tuple, dict[str, int]]:
    """The differences summed per key (a bucket, or a slice row's key)."""
    summed: dict[tuple, dict[str, int]] = {}
    for key, counts in changes:
        into = summed.setdefault(key, dict.fromkeys(MEASURES, 0))
        for name in MEASURES:
            into[name] += counts[name]
    return summed


def _journal_sql(changes: Iterable[tuple[tuple, Mapping[str, int]]]) -> tuple[str, list]:
    """The INSERT of `FigureChange` rows (bucket, differences)."""
    quote = connection.ops.quote_name
    names = (*DIMENSIONS, *MEASURES)
    columns = ", ".join(quote(name) for name in names)
    row = "(" + ", ".join(["%s"] * len(names)) + ")"
    changes = list(changes)
    params = [value for bucket, counts in changes for value in (*bucket, *(counts[m] for m in MEASURES))]
    values = ", ".join([row] * len(changes))
    return f"INSERT INTO {quote(FigureChange._meta.db_table)} ({columns}) VALUES {values}", params


def _journal(changes: Iterable[tuple[tuple, Mapping[str, int]]]) -> None:
    """The changes (none all zero) written for `fold`: one statement, none if nothing changed."""
    changes = [(bucket, counts) for bucket, counts in changes if any(counts.values())]
    if changes:
        with connection.cursor() as cursor:
            cursor.execute(*_journal_sql(changes))


def _create_and_write(
    case_id: int,
    bucket: tuple,
    counts: Mapping[str, int],
    subject_staff_id: int | None,
    more: Iterable[tuple[tuple, Mapping[str, int]]] = (),
) -> None:
    """A new case's row of figures and its change of the rollup, with `more` changes (of the cases its
    triggers acted on): one statement on PostgreSQL (a data-modifying CTE: a registration's statements are
    its cost, issue 16), two on SQLite."""
    values = {"case_id": case_id, **_stored(bucket, counts, subject_staff_id)}
    summed = _summed([(bucket, counts), *more])
    changes = [(key, diff) for key, diff in summed.items() if any(diff.values())]
    if connection.vendor != "postgresql":
        CaseFigures.objects.create(**values)
        _journal(changes)
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(CaseFigures._meta.get_field(name).column) for name in values)
    places = ", ".join(["%s"] * len(values))
    journal, params = _journal_sql(changes)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH kept AS (INSERT INTO {quote(CaseFigures._meta.db_table)} ({columns}) VALUES ({places}))"
            f" {journal}",
            [*values.values(), *params],
        )


# Changes a fold takes at once.
FOLD_BATCH = 1000
# The key of the fold's lock on PostgreSQL (the two-number form of pg_advisory_xact_lock, whose keys never
# meet the band keys' single numbers, redress.matching.similarity): an arbitrary tag for "reports", 1.
_FOLD_LOCK = (0x52454452, 1)
# The key of the lock `rebuild` holds while it sums the slices afresh: every fold holds it shared, the sum
# alone (`_sum_apart`). A fold that cannot have it folds nothing and returns: the changes wait for the next
# fold, and a report read meanwhile shows the rollup as it was, never a wait of minutes.
_REBUILD_LOCK = (0x52454452, 2)


@functools.cache
def _fold_sql(vendor: str) -> tuple[tuple[str, ...], tuple]:
    """The statements of a fold of one batch, and the parameters of its slices' upsert; the rows it adds up
    are `moved`. On PostgreSQL one statement: the oldest changes deleted (exactly those the statement sees),
    summed per slice row (`_slice_select`, as `rebuild` sums the cases) and added to the rollup, and their
    number answered; its first parameter is the batch size. On SQLite, whose transactions here begin
    IMMEDIATE (no other writer commits while a fold runs), `moved` is the changes up to an id: the slices'
    upsert, then their DELETE, each with that id first. Summing and sending the slice rows from Python took
    0.76 ms a change; in the server, 0.29 ms (a fold of 621 after 640 registrations)."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(n) for n in (*DIMENSIONS, *MEASURES))

    def upsert(model: type[models.Model], key: tuple[str, ...], select: str) -> str:
        table = quote(model._meta.db_table)
        columns = ", ".join(quote(n) for n in (*key, *MEASURES))
        sets = ", ".join(f"{quote(m)} = {table}.{quote(m)} + excluded.{quote(m)}" for m in MEASURES)
        keys = ", ".join(quote(k) for k in key)
        return f"INSERT INTO {table} ({columns}) {select} ON CONFLICT ({keys}) DO UPDATE SET {sets}"

    changes = quote(FigureChange._meta.db_table)
    selects, params = [], []
    for name in SLICES:
        for grain in GRAINS:
            select, select_params = _slice_select(name, grain, "moved")
            selects.append(select)
            params += select_params
    slices = upsert(SliceFigures, SLICE_KEY, " UNION ALL ".join(selects))
    if vendor == "postgresql":
        return (
            f"WITH moved AS (DELETE FROM {changes} WHERE id IN"
            f" (SELECT id FROM {changes} ORDER BY id LIMIT %s) RETURNING {names}),"
            f" slices AS ({slices})"
            f" SELECT count(*) FROM moved",
        ), tuple(params)
    moved = f"WITH moved AS (SELECT {names} FROM {changes} WHERE id <= %s) "
    return (moved + slices, f"DELETE FROM {changes} WHERE id <= %s"), tuple(params)


def _fold_batch(batch: int) -> int:
    """One batch of the oldest changes folded (under the fold's lock); how many there were."""
    statements, params = _fold_sql(connection.vendor)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(statements[0], [batch, *params])
            return cursor.fetchone()[0]
        ids = list(FigureChange.objects.order_by("id").values_list("id", flat=True)[:batch])
        if not ids:
            return 0
        slices, delete = statements
        cursor.execute(slices, [ids[-1], *params])
        cursor.execute(delete, [ids[-1]])
    return len(ids)


def _hold_fold_lock() -> bool:
    """The fold's lock, for this transaction; False (and no lock) while `rebuild` sums the slices."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock_shared(%s, %s)", _REBUILD_LOCK)
            if not cursor.fetchone()[0]:
                return False
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", _FOLD_LOCK)
    return True


def fold(batch: int = FOLD_BATCH) -> int:
    """The changes written so far added to the rollup — the slice rows of each change's bucket — and deleted,
    oldest first, `batch` at a time; returns how many were folded. One fold at a time: a second waits for
    the first to commit, then folds what is left (on PostgreSQL a transaction-level advisory lock; SQLite's
    transactions begin IMMEDIATE, one writer at a time). Exactly the changes summed are deleted (on
    PostgreSQL one statement deletes them and adds what it deleted; on SQLite no change commits meanwhile):
    a change committed while a fold runs is the next fold's. While `rebuild` sums the slices afresh, a fold
    folds nothing (the changes are the next fold's after it)."""
    # Most reads find nothing to fold: one cheap look, no transaction or lock (a change committed just
    # after it is the next read's, as if this one had come a moment earlier).
    if not FigureChange.objects.exists():
        return 0
    folded = 0
    while True:
        with transaction.atomic():
            if not _hold_fold_lock():
                return folded
            done = _fold_batch(batch)
        folded += done
        if done < batch:
            return folded


@dataclasses.dataclass
class Registering:
    """A registration while the steps that follow it run. The actions its triggers take on the new case
    (`case_id`) leave its figures to the registration, which writes them once at its end (each action would
    otherwise read and rewrite them, 20 statements on the path where the group rule fires): `actions` are
    those actions, in order. The other cases they act on (the group rule flags earlier members) wait too
    (`others`), and all the registration's changes are written in one statement. Without a new case
    (`held`), every case acted on waits in `others`."""

    case_id: int | None
    actions: list[str] = dataclasses.field(default_factory=list)
    others: set[int] = dataclasses.field(default_factory=set)


_waiting: ContextVar[Registering | None] = ContextVar("waiting", default=None)

# The actions a registration's triggers take on the new case (`ACTIONS_ON_THE_NEW_CASE` of
# redress.lifecycle.triggers) and what each makes true of its history, beyond the columns the case in hand
# carries (its state and level as the action left them): after only these, the new case's facts are worked
# out without reading it again. After any other (an emergency plan's put-through transfers it) they are
# read, as after any transition.
KNOWN_ON_THE_NEW_CASE: dict[str, dict[str, int]] = {
    "set_flags": {},  # its flags are the registration's (`record_new_case`'s `flags`)
    "auto_escalate": {"h_escalated": 1},  # always at least one escalation: a no-op is not a transition
}


@contextlib.contextmanager
def registering(case: Case) -> Iterator[Registering]:
    """While the steps that follow a registration run; yields what they did to the new case and the other
    cases whose figures wait, which `record_new_case` then writes with the new case's."""
    waiting = Registering(case.pk)
    token = _waiting.set(waiting)
    try:
        yield waiting
    finally:
        _waiting.reset(token)


@contextlib.contextmanager
def held() -> Iterator[None]:
    """While a step changes the same cases more than once (the sweeper's breach: the clock breached, then
    the case escalated): each case's figures worked out once, at the end, and all the changes written in one
    statement; nothing if the step fails. Inside a registration or another `held`, that one writes them."""
    if _waiting.get() is not None or not settings.REPORTS_MAINTAIN_FIGURES:
        yield
        return
    waiting = Registering(None)
    token = _waiting.set(waiting)
    try:
        yield
    finally:
        _waiting.reset(token)
    _write_changes(change for case_id in sorted(waiting.others) for change in _changed(case_id))


def record_new_case(case: Case, flags: Iterable[str], done: Registering) -> None:
    """A registration's figures: the case's row and its change of the rollup (one statement on PostgreSQL,
    no read) — worked out from the case in hand and what its triggers did (`done`), unless an action
    `KNOWN_ON_THE_NEW_CASE` does not know acted on it, when they are read as after any transition (one
    statement more); with the changes of the other cases its triggers acted on."""
    if not settings.REPORTS_MAINTAIN_FIGURES:  # the benchmark's run without the rollup (settings)
        return
    changes: list[tuple[tuple, Mapping[str, int]]] = []
    for case_id in sorted(done.others - {case.pk}):
        changes += _changed(case_id)
    if all(action in KNOWN_ON_THE_NEW_CASE for action in done.actions):
        row = _new_case_row(case, flags)
        for action in done.actions:
            row.update(KNOWN_ON_THE_NEW_CASE[action])
        subject_staff_id = case.subject_staff_id
    else:
        # Its figures were never written (`case_changed` leaves the registering case to this call).
        row = _facts_row(case.pk)
        subject_staff_id = row["subject_staff_id"]
    bucket, counts = facts_of(row)
    _create_and_write(case.pk, bucket, counts, subject_staff_id, changes)


def case_changed(case_id: int, action: str = "") -> None:
    """After anything that may change what a case counts for (`action`, a transition; a breached clock):
    its facts worked out again and, if they differ from those stored, the difference written for the
    rollup."""
    if not settings.REPORTS_MAINTAIN_FIGURES:
        return
    waiting = _waiting.get()
    if waiting is None:
        _write_changes(_changed(case_id))
    elif waiting.case_id == case_id:
        waiting.actions.append(action)
    else:
        waiting.others.add(case_id)


# A case id no case has, compiled into `_FactsStatement` in the place of the case's.
_ANY_CASE = -7_000_000_001


class _FactsStatement:
    """The statement `_changed` runs after every transition — the case's columns, its history
    (`_history`) and its stored figures — compiled once per database connection and run with the case's
    id put in. The ORM took about 20 ms of Python to build its fifteen sub-queries on every call, for
    1–2 ms of the server's work (bench/profile_registration.py: 47 of a registration's 127 ms in the
    burst)."""

    def __init__(self, using: str) -> None:
        query = _recount_rows(Case.objects.using(using).filter(pk=_ANY_CASE)).query
        self.compiler = query.get_compiler(using)
        self.sql, params = self.compiler.as_sql()
        self.params = list(params)
        (self.slot,) = (i for i, value in enumerate(self.params) if value == _ANY_CASE)
        # In the order of the statement's columns, as `QuerySet.values` names them.
        self.names = list(query.selected or (*query.values_select, *query.annotation_select))
        selected = [column for column, *_ in self.compiler.select[: self.compiler.col_count]]
        # The backend's conversions of what the driver returns (SQLite's dates and booleans), as the ORM
        # applies them.
        self.converters = self.compiler.get_converters(selected)

    def row(self, case_id: int) -> dict[str, Any]:
        params = list(self.params)
        params[self.slot] = case_id
        with self.compiler.connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            found = cursor.fetchone()
        if found is None:
            raise Case.DoesNotExist(f"No case #{case_id}.")
        if self.converters:
            (found,) = self.compiler.apply_converters([found], self.converters)
        return dict(zip(self.names, found, strict=True))


# Per connection object (each thread has its own): a statement is only ever run on the connection it was
# compiled for.
_facts_statements: weakref.WeakKeyDictionary[Any, _FactsStatement] = weakref.WeakKeyDictionary()


def _facts_row(case_id: int) -> dict[str, Any]:
    wrapper = connections[DEFAULT_DB_ALIAS]
    statement = _facts_statements.get(wrapper)
    if statement is None:
        statement = _facts_statements[wrapper] = _FactsStatement(DEFAULT_DB_ALIAS)
    return statement.row(case_id)


def _changed(case_id: int) -> list[tuple[tuple, dict[str, int]]]:
    """The case's facts worked out again and stored; the differences its buckets take (none if none)."""
    row = _facts_row(case_id)
    bucket, counts = facts_of(row)
    changes = _differences(row, bucket, counts)
    if row["figures__registered"] is None:  # registered before the figures were kept: `rebuild` recounts
        CaseFigures.objects.create(case_id=case_id, **_stored(bucket, counts, row["subject_staff_id"]))
    elif changes:
        CaseFigures.objects.filter(case_id=case_id).update(**_stored(bucket, counts, row["subject_staff_id"]))
    return changes


def _differences(
    row: Mapping[str, Any], bucket: tuple, counts: Mapping[str, int]
) -> list[tuple[tuple, dict[str, int]]]:
    """What the rollup takes when the case of `row` (its figures as stored, `figures__…`) counts for `bucket`
    and `counts` from now on: nothing when they are those stored; every count when none are stored."""
    if row["figures__registered"] is None:
        return [(bucket, dict(counts))]
    old_bucket = tuple(row[f"figures__{name}"] for name in DIMENSIONS)
    old_counts = {name: row[f"figures__{name}"] for name in MEASURES}
    if old_bucket == bucket and old_counts == counts:
        return []
    if old_bucket == bucket:
        return [(bucket, {name: counts[name] - old_counts[name] for name in MEASURES})]
    return [(old_bucket, {name: -old_counts[name] for name in MEASURES}), (bucket, dict(counts))]


def _write_changes(changes: Iterable[tuple[tuple, Mapping[str, int]]]) -> None:
    """The differences summed per bucket, written for `fold` in one statement."""
    _journal(_summed(changes).items())


# ---- recount -------------------------------------------------------------------------------------------


def recount(cases: models.QuerySet[Case] | None = None) -> Iterator[tuple[int, str, int | None, Facts]]:
    """(case id, number, person complained about, facts) of every case, in id order, worked out afresh."""
    cases = Case.objects.all() if cases is None else cases
    rows = cases.order_by("pk").annotate(**_history()).values(*CASE_COLUMNS, "number", *_history())
    for row in rows.iterator(chunk_size=2000):
        yield row["pk"], row["number"], row["subject_staff_id"], facts_of(row)


# Cases `rebuild` recounts in one transaction.
REBUILD_BATCH = 5000


def rebuild(batch: int = REBUILD_BATCH) -> int:
    """Every case's figures recounted and the rollup summed afresh from them; returns the number of cases.
    Registrations, actions and report reads go on meanwhile, on any number of nodes: it takes no lock on the
    table of cases (decision 0040).

    1. The recount, `batch` cases at a time in id order, each batch its own transaction (`_recount_batch`):
       a case whose stored figures are those of the recount is left alone; one whose figures differ or are
       missing is locked as a transition locks it, read again and stored.
    2. The slices summed afresh from the cases' figures (`_sum_apart`), less the changes not yet folded,
       which the fold adds after. Folds fold nothing meanwhile.
    3. A fold: what registrations and actions wrote meanwhile.

    Stopped before its end, it leaves the slices as they were (a recount's repairs reach them at step 2):
    `verify` names the differences, and `rebuild` again repairs them."""
    done, last = 0, 0
    while True:
        with transaction.atomic():
            checked, last = _recount_batch(last, batch)
        if not checked:
            break
        done += checked
    _sum_apart()
    fold()
    return done


def _recount_rows(cases: models.QuerySet[Case]) -> models.QuerySet:
    """The rows `facts_of` reads, with the figures stored for each case (`figures__…`; None if none)."""
    stored = [f"figures__{name}" for name in (*DIMENSIONS, *MEASURES)]
    return cases.annotate(**_history()).values(*CASE_COLUMNS, *_history(), *stored)


def _recount_batch(after: int, batch: int) -> tuple[int, int]:
    """The figures of the `batch` cases after the id `after` recounted, and those that differ stored;
    returns how many cases were read and the last one's id. No change is written for the fold: the slices
    are summed afresh from the cases' figures next (`_sum_apart`)."""
    rows = list(_recount_rows(Case.objects.filter(pk__gt=after).order_by("pk"))[:batch])
    if not rows:
        return 0, after
    wrong = [row["pk"] for row in rows if _differences(row, *facts_of(row))]
    if wrong:
        # Locked as a transition locks a case (its row alone, FOR NO KEY UPDATE, in id order), then read
        # again: an action that committed since the read above has stored its own figures, and one that
        # comes now waits for this batch, then reads what it stored and writes its difference from them.
        locked = Case.objects.select_for_update(of=("self",), no_key=True).filter(pk__in=wrong).order_by("pk")
        list(locked.values_list("pk", flat=True))
        missing, repaired = [], []
        for row in _recount_rows(Case.objects.filter(pk__in=wrong).order_by("pk")):
            bucket, counts = facts_of(row)
            stored = _stored(bucket, counts, row["subject_staff_id"])
            if row["figures__registered"] is None:
                missing.append({"case_id": row["pk"], **stored})
            elif _differences(row, bucket, counts):
                repaired.append((row["pk"], stored))
        _store(missing)
        for case_id, stored in repaired:
            CaseFigures.objects.filter(case_id=case_id).update(**stored)
    return len(rows), rows[-1]["pk"]


def _sum_apart() -> None:
    """The slices summed afresh (`sum_rollups`) with no fold while it runs: on PostgreSQL the rebuild's lock,
    for its transaction (granted once the folds running have committed; later folds skip). No snapshot
    across its statements is needed: each reads the cases' figures and the changes not yet folded as one
    moment (an action writes both in one commit), and every change it does not subtract is folded after.
    SQLite has one writer at a time."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", _REBUILD_LOCK)
        sum_rollups()


def _store(rows: list[dict[str, Any]]) -> None:
    """New rows of cases' figures: on PostgreSQL one COPY (a tenth of the time of an INSERT of the same rows
    through the ORM), elsewhere a bulk insert: the missing figures of one batch of `rebuild`'s recount."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        CaseFigures.objects.bulk_create([CaseFigures(**row) for row in rows])
        return
    quote = connection.ops.quote_name
    names = list(rows[0])
    columns = ", ".join(quote(CaseFigures._meta.get_field(name).column) for name in names)
    with connection.cursor() as cursor:
        copy_sql = f"COPY {quote(CaseFigures._meta.db_table)} ({columns}) FROM STDIN"
        with cursor.cursor.copy(copy_sql) as copy:
            for row in rows:
                copy.write_row([row[name] for name in names])


def sum_rollups() -> None:
    """Every slice of the rollup summed afresh (SQL, `INSERT … SELECT … GROUP BY`), then analysed: what
    `rebuild` does once the cases' figures are recounted. Only the day rows of the slices without an ancestor
    are summed from the cases' figures; the others from day rows already summed (`_fill_plan`), which hold
    the same cases in fewer rows."""
    quote = connection.ops.quote_name
    SliceFigures.objects.all().delete()
    with connection.cursor() as cursor:
        analysed = False
        for name, grain, base, depth in _fill_plan():
            if base is not None and not analysed and connection.vendor == "postgresql":
                # The derived sums read the slices' day rows by (slice, grain): with no statistics for a
                # table filled in this transaction, the planner may scan all of it for each.
                cursor.execute(f"ANALYZE {quote(SliceFigures._meta.db_table)}")
                analysed = True
            cursor.execute(*_fill_slice_sql(name, grain, base, depth))
        if connection.vendor == "postgresql":
            # Fresh statistics for the tables just filled: without them the planner took the rollup for one
            # row until autovacuum came by, and a branch's performance report looped over the units once
            # per rollup row (2.6 s at 100,000 cases; bench/reports.py).
            tables = (CaseFigures._meta.db_table, SliceFigures._meta.db_table)
            cursor.execute(f"ANALYZE {', '.join(quote(t) for t in tables)}")


def _fill_plan() -> Iterator[tuple[str, str, str | None, int | None]]:
    """(slice, grain, what it is summed from, the ancestor's depth to take) in the order `sum_rollups` fills
    them. None: the cases' figures, one row per case. A slice's name: that slice's day rows, already filled.
    A slice by an ancestor is summed from the day rows of the same slice by the registering unit, each unit
    replaced by its ancestor; every month from the same slice's days. Sums of sums, so the rows are the
    same; `verify` sums every slice from the cases. Summed from the cases, each of the 94 statements
    scanned every case's figures (0.1–0.3 s each at 100,000 cases, the ancestors worked out from each
    case's path)."""
    for name in SLICES:
        if name not in SLICE_DEPTH:
            yield name, DAY, None, None
    for name, depth in SLICE_DEPTH.items():
        yield name, DAY, name.split("@")[0], depth
    for name in SLICES:
        yield name, MONTH, name, None


def _month_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(DATE_TRUNC('month', {column}) AS date)"
    return f"DATE({column}, 'start of month')"


def _fill_slice_sql(name: str, grain: str, base: str | None, depth: int | None) -> tuple[str, list]:
    """INSERT … SELECT of one slice at one grain, summed from the cases' figures (`base` None) or from the
    day rows of the slice `base`, their units replaced by their ancestors at `depth` if given
    (`_fill_plan`)."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in (*SLICE_KEY, *MEASURES))
    if base is None:
        select, params = _slice_select(name, grain, _kept_sql())
    else:
        source, source_params = _day_rows_sql(base, depth)
        select, params = _slice_select(name, grain, source, source_params, ancestor_done=True)
    return f"INSERT INTO {quote(SliceFigures._meta.db_table)} ({columns}) {select}", params


def _kept_sql() -> str:
    """The cases' figures less the changes not yet folded, as a source of `_slice_select`: what the slices
    hold once those changes are folded (`rebuild` sums them so, and folds after)."""
    quote = connection.ops.quote_name
    dimensions = ", ".join(quote(d) for d in DIMENSIONS)
    measures = ", ".join(quote(m) for m in MEASURES)
    negated = ", ".join(f"-{quote(m)}" for m in MEASURES)
    return (
        f"(SELECT {dimensions}, {measures} FROM {quote(CaseFigures._meta.db_table)}"
        f" UNION ALL SELECT {dimensions}, {negated} FROM {quote(FigureChange._meta.db_table)}) kept"
    )


def _day_rows_sql(name: str, depth: int | None) -> tuple[str, list]:
    """The day rows of the slice `name` as a source of `_slice_select` (every dimension and measure); with
    `depth`, each row's registering unit replaced by its ancestor at that depth and the rows without one
    left out. The ancestors are worked out once per unit (the paths of the `unit` slice's day rows, which
    has every registering unit), not once per row."""
    quote = connection.ops.quote_name
    table = quote(SliceFigures._meta.db_table)
    rest = ", ".join(f"base_rows.{quote(c)}" for c in (*DIMENSIONS, *MEASURES) if c not in UNIT)
    where = f"base_rows.{quote('slice')} = %s AND base_rows.{quote('grain')} = %s"
    if depth is None:
        units = f"base_rows.{quote('unit_id')}, base_rows.{quote('unit_path')}"
        return f"(SELECT {units}, {rest} FROM {table} base_rows WHERE {where}) day_rows", [name, DAY]
    ancestor_id, ancestor_path, exists = _ancestor_sql("paths.path", depth)
    paths = (
        f"SELECT paths.path, {ancestor_id} AS ancestor_id, {ancestor_path} AS ancestor_path FROM"
        f" (SELECT DISTINCT {quote('unit_path')} AS path FROM {table}"
        f" WHERE {quote('slice')} = %s AND {quote('grain')} = %s) paths WHERE {exists}"
    )
    units = f"ancestors.ancestor_id AS {quote('unit_id')}, ancestors.ancestor_path AS {quote('unit_path')}"
    return (
        f"(SELECT {units}, {rest} FROM {table} base_rows JOIN ({paths}) ancestors"
        f" ON ancestors.path = base_rows.{quote('unit_path')} WHERE {where}) day_rows",
        ["unit", DAY, name, DAY],
    )


def _slice_select(
    name: str, grain: str, source: str, source_params: Sequence[Any] = (), ancestor_done: bool = False
) -> tuple[str, list]:
    """SELECT of one slice's rows at one grain (SLICE_KEY, then MEASURES) summed from `source`, a table or
    a CTE with every dimension and measure (its parameters `source_params`). A slice by an ancestor takes
    each row's registering unit's ancestor, unless `ancestor_done` says the source's units already are."""
    quote = connection.ops.quote_name
    kept = SLICES[name]
    day = quote("day") if grain == DAY else _month_sql(quote("day"))
    depth = None if ancestor_done else SLICE_DEPTH.get(name)
    columns = {d: quote(d) for d in DIMENSIONS[1:]}
    where = ""
    if depth is not None:
        columns["unit_id"], columns["unit_path"], exists = _ancestor_sql(quote("unit_path"), depth)
        where = f" WHERE {exists}"
    selected, params = [], [name, grain]
    for dimension in DIMENSIONS[1:]:
        if dimension in kept:
            selected.append(columns[dimension])
        else:
            selected.append("%s")
            params.append(_NONE[dimension])
    sums = ", ".join(f"SUM({quote(m)})" for m in MEASURES)
    group = ", ".join([day, *(columns[d] for d in DIMENSIONS[1:] if d in kept)])
    sql = f"SELECT %s, %s, {day}, {', '.join(selected)}, {sums} FROM {source}{where} GROUP BY {group}"
    return sql, [*params, *source_params]


def _ancestor_sql(path: str, depth: int) -> tuple[str, str, str]:
    """SQL of `ancestor(path, depth)`: its id, its path, and whether there is one (on SQLite through the
    functions `register_sqlite_functions` adds to each connection)."""
    if connection.vendor == "postgresql":
        return (
            f"CAST(split_part({path}, '/', {depth + 2}) AS integer)",
            f"array_to_string((string_to_array({path}, '/'))[1:{depth + 2}], '/') || '/'",
            f"split_part({path}, '/', {depth + 2}) <> ''",
        )
    return (
        f"redress_ancestor_id({path}, {depth})",
        f"redress_ancestor_path({path}, {depth})",
        f"redress_ancestor_id({path}, {depth}) IS NOT NULL",
    )


def register_sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    """`ancestor` as SQL functions of a new SQLite connection (the `connection_created` signal)."""
    if connection.vendor != "sqlite":
        return

    def ancestor_id(path: str | None, depth: int) -> int | None:
        found = ancestor(path or "", depth)
        return found[0] if found else None

    def ancestor_path(path: str | None, depth: int) -> str | None:
        found = ancestor(path or "", depth)
        return found[1] if found else None

    connection.connection.create_function("redress_ancestor_id", 2, ancestor_id, deterministic=True)
    connection.connection.create_function("redress_ancestor_path", 2, ancestor_path, deterministic=True)


def verify() -> list[str]:
    """Each difference between the figures kept and a recount from the cases, named: a case whose stored
    figures differ (or are missing), and a slice row that differs from the sum of its cases' figures. Empty
    when they agree."""
    fold()
    differences: list[str] = []
    # Both in case order, walked side by side: neither is held in memory whole (tens of millions of rows).
    stored = CaseFigures.objects.order_by("case_id").values("case_id", *DIMENSIONS, *MEASURES).iterator(2000)
    kept = next(stored, None)
    for case_id, number, _subject, (bucket, counts) in recount():
        while kept is not None and kept["case_id"] < case_id:
            differences.append(f"case #{kept['case_id']}: figures kept for no such case")
            kept = next(stored, None)
        if kept is None or kept["case_id"] != case_id:
            differences.append(f"case {number}: no figures kept")
            continue
        row, kept = kept, next(stored, None)
        old_bucket = tuple(row[name] for name in DIMENSIONS)
        for name, was, now in zip(DIMENSIONS, old_bucket, bucket, strict=True):
            if was != now:
                differences.append(f"case {number}: {name} kept {was!r}, recount {now!r}")
        for name in MEASURES:
            if row[name] != counts[name]:
                differences.append(f"case {number}: {name} kept {row[name]}, recount {counts[name]}")
    while kept is not None:
        differences.append(f"case #{kept['case_id']}: figures kept for no such case")
        kept = next(stored, None)
    for name in SLICES:
        for grain in GRAINS:
            differences += _verify_slice(name, grain)
    return differences


def _verify_slice(name: str, grain: str) -> list[str]:
    """Each row of the slice at the grain that differs from the sum of its cases' figures, named. The sums
    are `_slice_select`'s over the cases' figures, whatever the grain and the ancestor: `rebuild` sums most
    slices from others' rows (`_fill_plan`), and this checks them against the cases themselves."""
    select, params = _slice_select(name, grain, connection.ops.quote_name(CaseFigures._meta.db_table))
    width = len(SLICE_KEY)
    expected: dict[tuple, tuple] = {}
    with connection.cursor() as cursor:
        cursor.execute(select, params)
        for row in cursor.fetchall():
            day = row[2] if isinstance(row[2], dt.date) else dt.date.fromisoformat(row[2])
            expected[(*row[:2], day, *row[3:width])] = row[width:]
    differences = []
    for row in SliceFigures.objects.filter(slice=name, grain=grain).values(*SLICE_KEY, *MEASURES).iterator():
        key = tuple(row[c] for c in SLICE_KEY)
        sums = expected.pop(key, None)
        for i, measure in enumerate(MEASURES):
            want = sums[i] if sums else 0
            if row[measure] != want:
                differences.append(
                    f"slice {_describe_slice(key)}: {measure} {row[measure]}, its cases {want}"
                )
    for key, sums in expected.items():
        if any(sums):
            differences.append(f"slice {_describe_slice(key)}: missing")
    return differences


def _describe_slice(key: tuple) -> str:
    return f"{key[0]} by {key[1]} " + _describe(key[2:])


def _describe(bucket: tuple) -> str:
    return " ".join(
        f"{name}={value}" for name, value in zip(DIMENSIONS, bucket, strict=True) if value not in ("", 0)
    )
