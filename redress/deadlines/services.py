"""Every case's clocks (R4.4): started, met, paused, extended and recomputed here, and nowhere else.

The clocks follow the case: `receivers.py` calls these functions from the registration and lifecycle
signals, inside the same transaction as the change that moved them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from redress.calendar.choices import LimitUnit
from redress.calendar.deadlines import compute_deadline
from redress.calendar.services import get_calendar
from redress.calendar.workdays import BusinessCalendar
from redress.cases.models import Case, TransferOrder
from redress.common.reference import VersionedCache
from redress.common.rows import insert_many
from redress.plans.services import plan_limits

from .choices import (
    COUNTING_STATES,
    DEFAULT_WARN_PERCENT,
    LIVE_STATES,
    ClockName,
    ClockState,
    PauseReason,
    StartEvent,
)
from .models import Clock, ClockPause, Policy
from .policies import PLAN_LIMITS, InvalidPolicy, effective_on, group_of, meets, validate_criteria

# The policy the plan's clocks come under (deadlines.policies.SHIPPED).
EMERGENCY_POLICY = "bank.emergency"
ANSWER_CLOCKS = (ClockName.FIRST_CONTACT, ClockName.REPLY, ClockName.DECISION)


_policies: VersionedCache[None, list[Policy]] = VersionedCache("policies")


def active_policies() -> list[Policy]:
    """The active policy versions, newest version of each code first; cached while they are unchanged."""
    return _policies.get(
        None, lambda _: list(Policy.objects.filter(active=True).order_by("code", "-version"))
    )


def applicable_policies(case: Case) -> list[Policy]:
    """The policy versions in force on the day the case was received that match it."""
    received = timezone.localdate(case.received_at)
    chosen: dict[str, Policy] = {}
    for policy in active_policies():
        if policy.effective_from > received:
            continue
        if policy.code in chosen or not effective_on(policy, received):
            continue
        chosen[policy.code] = policy
    return [p for p in chosen.values() if _matches(p, case)]


def _matches(policy: Policy, case: Case) -> bool:
    # The criteria checked once per policy version this process holds (active_policies keeps the same objects
    # while the policies are unchanged), not once per case: 0.2 ms of every registration.
    if "_criteria_errors" not in policy.__dict__:
        policy.__dict__["_criteria_errors"] = validate_criteria(policy.criteria)
    if errors := policy.__dict__["_criteria_errors"]:
        # Named, so whoever reads the error knows which version to retire and replace in the admin.
        raise InvalidPolicy(f"policy {policy.code} v{policy.version}: {' '.join(errors)}")
    return meets(policy.criteria, case)


def cutoff_for(case: Case) -> dt.time | None:
    """Close of business of the unit holding the case (None: periods end at 24:00)."""
    return case.holder_unit.close_of_business


@dataclass(frozen=True)
class Computed:
    due_at: dt.datetime
    warn_at: dt.datetime
    unconfirmed: bool


def compute(
    calendar: BusinessCalendar,
    *,
    started_at: dt.datetime,
    amount: Decimal,
    adjustment: Decimal,
    unit: str,
    roll_forward: bool,
    warn_percent: int | None,
    warn_after: Decimal | None,
    cutoff: dt.time | None,
) -> Computed:
    """Due time and warning point of one clock: pure, constant time."""
    total = amount + adjustment
    if unit != LimitUnit.HOURS:
        total = Decimal(int(total))
    due = compute_deadline(calendar, started_at, float(total), unit, cutoff=cutoff, roll_forward=roll_forward)
    if warn_after is not None and warn_after + adjustment < total:
        warn = compute_deadline(
            calendar, started_at, float(warn_after + adjustment), unit, cutoff=cutoff, roll_forward=False
        ).due_at
    else:
        percent = warn_percent or DEFAULT_WARN_PERCENT
        warn = started_at + (due.due_at - started_at) * percent / 100
    return Computed(due.due_at, min(warn, due.due_at), due.unconfirmed)


def _recompute_one(clock: Clock, calendar: BusinessCalendar, cutoff: dt.time | None) -> Computed:
    return compute(
        calendar,
        started_at=clock.started_at,
        amount=clock.amount,
        adjustment=clock.adjustment,
        unit=clock.unit,
        roll_forward=clock.roll_forward,
        warn_percent=clock.warn_percent,
        warn_after=clock.warn_after,
        cutoff=cutoff,
    )


def start_clocks(
    case: Case,
    event: str,
    at: dt.datetime,
    *,
    only: Sequence[str] | None = None,
    restart: bool = False,
    fresh: bool = False,
    write: bool = True,
) -> list[Clock]:
    """Start the clocks whose policies say they start at `event`; a live clock of the same policy and name is
    left alone unless `restart`, which stops it and starts a new one from `at`. `fresh` says the case has no
    clocks yet (registration), which saves the queries for existing ones; with `fresh`, `write=False` returns
    the new clocks unwritten, for the caller to write (registration writes them with its search entry)."""
    if not write and not fresh:
        raise TypeError("start_clocks leaves clocks unwritten only for a case being registered (fresh)")
    calendar = get_calendar()
    cutoff = cutoff_for(case)
    live = {} if fresh else {(c.policy_id, c.name): c for c in case.clocks.filter(state__in=LIVE_STATES)}
    created = []
    limits: dict[str, Decimal] | None = None
    for policy in applicable_policies(case):
        for target in policy.targets:
            if target.get("start", StartEvent.RECEIPT) != event or (only and target["clock"] not in only):
                continue
            existing = live.get((policy.pk, target["clock"]))
            if existing is not None:
                if not restart:
                    continue
                stopped = Clock.objects.filter(pk=existing.pk)
                Clock.MOVES.move(stopped, "stop", **_leave_pause(stopped, at))
            amount = Decimal(str(target["amount"]))
            if target["clock"] in PLAN_LIMITS:
                # A plan clock lasts the plan's own limit (R9.1: the values are the plan's data).
                limits = limits or plan_limits(case)
                if limits is not None:
                    amount = limits[PLAN_LIMITS[target["clock"]]]
            warn_after = target.get("warn_after")
            clock = Clock(
                case=case,
                name=target["clock"],
                policy=policy,
                group=group_of(target["clock"]),
                start_event=event,
                amount=amount,
                unit=target["unit"],
                roll_forward=bool(target.get("roll_forward", False)),
                warn_percent=target.get("warn_percent"),
                warn_after=Decimal(str(warn_after)) if warn_after is not None else None,
                started_at=at,
            )
            computed = _recompute_one(clock, calendar, cutoff)
            clock.due_at, clock.warn_at, clock.unconfirmed = (
                computed.due_at,
                computed.warn_at,
                computed.unconfirmed,
            )
            created.append(clock)
    if fresh:
        earliest: dict[str, Clock] = {}
        for clock in sorted(created, key=lambda c: c.due_at):
            clock.binding = earliest.setdefault(clock.group, clock) is clock
        # A registration's clocks: one plain INSERT (bulk_create's 2 ms of Python, most of the clocks' cost).
        if write:
            insert_many(created)
    else:
        Clock.objects.bulk_create(created)
        mark_binding(case)
    return created


def start_promised(case: Case, name: str, at: dt.datetime, due_at: dt.datetime) -> Clock:
    """A clock to a moment promised to the customer (an emergency plan's promised completion): counted in
    continuous hours from `at`, under the emergency policy that sets the plan's clocks; a live one of the
    same name is stopped (the newer promise binds)."""
    policy = next(p for p in active_policies() if p.code == EMERGENCY_POLICY)
    live = Clock.objects.filter(case=case, name=name, state__in=LIVE_STATES)
    Clock.MOVES.move(live, "stop", **_leave_pause(live, at))
    hours = Decimal(str(round((due_at - at).total_seconds() / 3600, 2)))
    clock = Clock(
        case=case,
        name=name,
        policy=policy,
        group=group_of(name),
        start_event=StartEvent.RECEIPT,
        amount=hours,
        unit=LimitUnit.HOURS,
        warn_percent=DEFAULT_WARN_PERCENT,
        started_at=at,
    )
    computed = _recompute_one(clock, get_calendar(), None)
    clock.due_at, clock.warn_at, clock.unconfirmed = computed.due_at, computed.warn_at, computed.unconfirmed
    clock.save()
    mark_binding(case)
    return clock


def mark_binding(case: Case) -> None:
    """Within each group of live clocks, the earliest due binds (R4.1: the earliest applicable limit)."""
    clocks = list(case.clocks.filter(state__in=LIVE_STATES).order_by("due_at", "id"))
    first_of_group: dict[str, int] = {}
    for clock in clocks:
        first_of_group.setdefault(clock.group, clock.pk)
    binding = set(first_of_group.values())
    Clock.objects.filter(pk__in=[c.pk for c in clocks if c.pk in binding]).update(binding=True)
    Clock.objects.filter(pk__in=[c.pk for c in clocks if c.pk not in binding]).update(binding=False)


def _leave_pause(clocks: QuerySet[Clock], at: dt.datetime) -> dict:
    """A paused clock that is met or stopped is no longer paused: its pause's record ends `at`, crediting
    nothing (the clock no longer counts). Returns the fields the move clears on the clocks. A stopped clock
    kept its `paused_at` and its pause stayed open when new facts restarted a paused statutory clock (the
    lifecycle's state-machine test)."""
    ClockPause.objects.filter(clock__in=clocks.filter(state=ClockState.PAUSED), ended_at__isnull=True).update(
        ended_at=at
    )
    return {"paused_at": None, "pause_reason": ""}


def meet(case: Case, names: Iterable[str], at: dt.datetime) -> int:
    met = case.clocks.filter(name__in=list(names))
    return Clock.MOVES.move(met, "meet", met_at=at, **_leave_pause(met, at))


def stop_all(case: Case, at: dt.datetime) -> int:
    """The procedure ended (closed, not accepted, withdrawn): every live clock stops `at`."""
    return Clock.MOVES.move(case.clocks.all(), "stop", **_leave_pause(case.clocks.all(), at))


def pause(case: Case, reason: str, note: str, by, at: dt.datetime) -> int:
    """Pause every running clock of the case for an external appraisal or a mediation."""
    if reason not in PauseReason.values:
        raise ValueError(reason)
    clocks = list(case.clocks.filter(state__in=COUNTING_STATES))
    for clock in clocks:
        ClockPause.objects.create(clock=clock, reason=reason, note=note, started_at=at, by=by)
    rows = Clock.objects.filter(pk__in=[c.pk for c in clocks])
    return Clock.MOVES.move(rows, "pause", paused_at=at, pause_reason=reason)


def _paused_amount(clock: Clock, calendar: BusinessCalendar, start: dt.datetime, end: dt.datetime) -> Decimal:
    """How much of the clock's unit the pause took: hours, calendar days or working days."""
    if clock.unit == LimitUnit.HOURS:
        return Decimal(str(round((end - start).total_seconds() / 3600, 2)))
    first = timezone.localdate(start)
    last = timezone.localdate(end)
    if clock.unit == LimitUnit.CALENDAR_DAYS:
        return Decimal((last - first).days)
    return Decimal(calendar.working_days_between(first, last))


def resume(case: Case, at: dt.datetime) -> int:
    calendar = get_calendar()
    cutoff = cutoff_for(case)
    resumed = 0
    for clock in case.clocks.filter(state=ClockState.PAUSED):
        credit = _paused_amount(clock, calendar, clock.paused_at, at)
        ClockPause.objects.filter(clock=clock, ended_at__isnull=True).update(ended_at=at, credited=credit)
        clock.adjustment += credit
        computed = _recompute_one(clock, calendar, cutoff)
        Clock.MOVES.move(
            Clock.objects.filter(pk=clock.pk),
            "resume",
            paused_at=None,
            pause_reason="",
            adjustment=clock.adjustment,
            due_at=computed.due_at,
            warn_at=computed.warn_at,
            unconfirmed=computed.unconfirmed,
            # A clock given more time may warn and breach again.
            warned_at=None,
            breached_at=None,
        )
        resumed += 1
    mark_binding(case)
    return resumed


def extend(clock: Clock, new_amount: Decimal) -> Clock:
    calendar = get_calendar()
    clock.amount = new_amount
    computed = _recompute_one(clock, calendar, cutoff_for(clock.case))
    fields = {
        "amount": new_amount,
        "extensions": clock.extensions + 1,
        "due_at": computed.due_at,
        "warn_at": computed.warn_at,
        "unconfirmed": computed.unconfirmed,
        "warned_at": None,
        "breached_at": None,
    }
    row = Clock.objects.filter(pk=clock.pk)
    if clock.state == ClockState.PAUSED:
        row.update(**fields)  # a paused clock stays paused; its new limit counts when it resumes
    else:
        Clock.MOVES.move(row, "extend", **fields)
    clock.refresh_from_db()
    mark_binding(clock.case)
    return clock


def next_extension(clock: Clock) -> Decimal | None:
    """The next total an approval may extend the clock to, from its policy target; None if none is left."""
    for target in clock.policy.targets:
        if target["clock"] == clock.name:
            for total in target.get("extensions", []):
                if Decimal(str(total)) > clock.amount:
                    return Decimal(str(total))
    return None


def effective_state(clock: Clock, now: dt.datetime) -> str:
    """The state as of `now`: stored states for met/paused/stopped, time decides running/warning/breached."""
    if clock.state in {ClockState.MET, ClockState.PAUSED, ClockState.STOPPED}:
        return clock.state
    if now >= clock.due_at:
        return ClockState.BREACHED
    if now >= clock.warn_at:
        return ClockState.WARNING
    return ClockState.RUNNING


def met_late(clock: Clock) -> bool:
    return clock.state == ClockState.MET and clock.met_at is not None and clock.met_at >= clock.due_at


def breached_binding_answer(case: Case, now: dt.datetime) -> list[str]:
    """Statistics (R7.4): the binding clocks for answering the customer that ran past their limit."""
    names = []
    for clock in case.clocks.filter(group="answer", binding=True).select_related("policy"):
        if met_late(clock) or effective_state(clock, now) == ClockState.BREACHED:
            names.append(clock.name)
    return names


def binding_answer_due(case: Case) -> dt.datetime | None:
    clock = case.clocks.filter(state__in=LIVE_STATES, group="answer", binding=True).order_by("due_at").first()
    return clock.due_at if clock else None


def set_transfer_deadline(case: Case, order: TransferOrder | None) -> None:
    """A transfer order carries the deadline the receiving unit must answer by: the binding answer clock."""
    if order is not None:
        TransferOrder.objects.filter(pk=order.pk).update(due_at=binding_answer_due(case))


def describe(clock: Clock, now: dt.datetime) -> dict:
    """One clock as the API and pages show it."""
    return {
        "clock": clock.name,
        "due_at": clock.due_at,
        "warn_at": clock.warn_at,
        "state": effective_state(clock, now),
        "policy": f"{clock.policy.code} v{clock.policy.version}",
        "policy_name": clock.policy.name,
        "limit": f"{clock.amount.normalize():f} {clock.unit}",
        "limit_amount": clock.amount,
        "limit_unit": clock.unit,
        "policy_version": clock.policy.version,
        "binding": clock.binding,
        "unconfirmed": clock.unconfirmed,
        "met_at": clock.met_at,
        "started_at": clock.started_at,
    }


def case_deadlines(case: Case, now: dt.datetime | None = None) -> list[dict]:
    now = now or timezone.now()
    clocks = [c for c in case.clocks.all() if c.state != ClockState.STOPPED]
    return [describe(c, now) for c in sorted(clocks, key=lambda c: (c.due_at, c.pk))]


def recompute(clocks: QuerySet[Clock], calendar: BusinessCalendar | None = None, batch: int = 5000) -> int:
    """Recompute due and warning times of many clocks (after a calendar change).

    On PostgreSQL, day-counted clocks are recomputed without bringing them into Python: a period depends on
    its start's local date and its limit, so each distinct (date, limit, cut-off) is computed once and one
    UPDATE joins the clocks to those results. Clock hours, and SQLite, go row by row in batches.
    """
    calendar = calendar or get_calendar()
    if connection.vendor == "postgresql":
        days = clocks.exclude(unit=LimitUnit.HOURS)
        return _recompute_by_key(days, calendar) + _recompute_rows(
            clocks.filter(unit=LimitUnit.HOURS), calendar, batch
        )
    return _recompute_rows(clocks, calendar, batch)


def _recompute_by_key(clocks: QuerySet[Clock], calendar: BusinessCalendar) -> int:
    from django.db.models.functions import TruncDate

    keys = list(
        clocks.order_by()
        .annotate(day=TruncDate("started_at", tzinfo=calendar.timezone))
        .values_list(
            "day",
            "amount",
            "adjustment",
            "unit",
            "roll_forward",
            "warn_after",
            "case__holder_unit__close_of_business",
        )
        .distinct()
    )
    if not keys:
        return 0
    results = []
    for day, amount, adjustment, unit, roll, after, cutoff in keys:
        # Only the start's local date matters for a day count; a percentage warning is finished in SQL.
        start = dt.datetime.combine(day, dt.time(12), tzinfo=calendar.timezone)
        c = compute(
            calendar,
            started_at=start,
            amount=amount,
            adjustment=adjustment,
            unit=unit,
            roll_forward=roll,
            warn_percent=None,
            warn_after=after,
            cutoff=cutoff,
        )
        results.append((day, amount, adjustment, unit, roll, after, cutoff, c.due_at, c.unconfirmed,
                        c.warn_at if after is not None else None))  # fmt: skip
    ids_sql, ids_params = clocks.order_by().values("id").query.sql_with_params()
    columns = list(zip(*results, strict=True))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE deadlines_clock AS c
               SET due_at = v.due_at,
                   unconfirmed = v.unconfirmed,
                   warn_at = COALESCE(
                       v.warn_at,
                       LEAST(
                           c.started_at
                           + (v.due_at - c.started_at)
                             * (COALESCE(c.warn_percent, {DEFAULT_WARN_PERCENT})::float8 / 100),
                           v.due_at
                       ))
              FROM unnest(%s::date[], %s::numeric[], %s::numeric[], %s::varchar[], %s::boolean[],
                          %s::numeric[], %s::time[], %s::timestamptz[], %s::boolean[], %s::timestamptz[])
                   AS v(day, amount, adjustment, unit, roll, warn_after, cutoff, due_at, unconfirmed,
                        warn_at),
                   cases_case AS k, organisation_unit AS u
             WHERE c.id IN ({ids_sql})
               AND k.id = c.case_id AND u.id = k.holder_unit_id
               AND (c.started_at AT TIME ZONE %s)::date = v.day
               AND c.amount = v.amount AND c.adjustment = v.adjustment AND c.unit = v.unit
               AND c.roll_forward = v.roll AND c.warn_after IS NOT DISTINCT FROM v.warn_after
               AND u.close_of_business IS NOT DISTINCT FROM v.cutoff
               -- A clock the change did not move is not rewritten.
               AND ((c.due_at, c.unconfirmed) IS DISTINCT FROM (v.due_at, v.unconfirmed)
                    OR (v.warn_at IS NOT NULL AND c.warn_at IS DISTINCT FROM v.warn_at))
            """,
            [*[list(col) for col in columns], *ids_params, calendar.timezone.key],
        )
        return cursor.rowcount


def _recompute_rows(clocks: QuerySet[Clock], calendar: BusinessCalendar, batch: int) -> int:
    total = 0
    fields = (
        "id",
        "started_at",
        "amount",
        "adjustment",
        "unit",
        "roll_forward",
        "warn_percent",
        "warn_after",
        "case__holder_unit__close_of_business",
    )
    rows = clocks.order_by().values_list(*fields)
    pending: list[tuple[int, dt.datetime, dt.datetime, bool]] = []
    # Day-counted periods depend on the start's local date, not its time: most clocks share a few dates.
    memo: dict[tuple, tuple[dt.datetime, bool, dt.datetime | None]] = {}
    for row in rows.iterator(chunk_size=batch):
        cid, started, amount, adjustment, unit, roll, percent, after, cutoff = row
        if unit == LimitUnit.HOURS:
            c = compute(
                calendar,
                started_at=started,
                amount=amount,
                adjustment=adjustment,
                unit=unit,
                roll_forward=roll,
                warn_percent=percent,
                warn_after=after,
                cutoff=cutoff,
            )
            due_at, warn_at, unconfirmed = c.due_at, c.warn_at, c.unconfirmed
        else:
            local_day = started.astimezone(calendar.timezone).date()
            key = (local_day, amount, adjustment, unit, roll, after, cutoff)
            hit = memo.get(key)
            if hit is None:
                c = compute(
                    calendar,
                    started_at=started,
                    amount=amount,
                    adjustment=adjustment,
                    unit=unit,
                    roll_forward=roll,
                    warn_percent=percent,
                    warn_after=after,
                    cutoff=cutoff,
                )
                hit = memo[key] = (c.due_at, c.unconfirmed, c.warn_at if after is not None else None)
            due_at, unconfirmed, warn_at = hit
            if warn_at is None:
                warn_at = min(started + (due_at - started) * (percent or 75) / 100, due_at)
        pending.append((cid, due_at, warn_at, unconfirmed))
        if len(pending) >= batch:
            total += _write(pending)
            pending = []
    if pending:
        total += _write(pending)
    return total


def _write(rows: list[tuple[int, dt.datetime, dt.datetime, bool]]) -> int:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    """
                    UPDATE deadlines_clock AS c
                       SET due_at = v.due_at, warn_at = v.warn_at, unconfirmed = v.unconfirmed
                      FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[], %s::boolean[])
                           AS v(id, due_at, warn_at, unconfirmed)
                     WHERE c.id = v.id
                    """,
                    [[r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], [r[3] for r in rows]],
                )
                return cursor.rowcount
        objs = [Clock(pk=cid, due_at=due, warn_at=warn, unconfirmed=unc) for cid, due, warn, unc in rows]
        Clock.objects.bulk_update(objs, ["due_at", "warn_at", "unconfirmed"], batch_size=500)
        return len(objs)


def clocks_touching(first_day: dt.date, last_day: dt.date) -> QuerySet[Clock]:
    """Live day-counted clocks whose period (start to due) overlaps the changed days."""
    start = timezone.make_aware(dt.datetime.combine(first_day, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min))
    return Clock.objects.filter(state__in=LIVE_STATES, started_at__lt=end, due_at__gte=start).exclude(
        unit=LimitUnit.HOURS
    )
