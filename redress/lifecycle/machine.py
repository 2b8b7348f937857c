"""The machine that runs a case's actions: what an action declaration is, and `run`, the only code that
changes a case's state.

An `Action` says everything about one action in one place: its name, the states it starts from, where it
goes (one target, or a declared choice of targets), who may take it, its parameters as one typed schema, its
guards (conditions on the case with the field and message a refusal names), the rule that writes its
records, its event, the clocks it meets and its label and group on the case page. The API's endpoints and
OpenAPI documentation, the case page's forms and buttons and `allowed_actions` are all derived from these
declarations (`redress.lifecycle.catalogue`).

`run` does, in one transaction: lock the case's row, check state and permission, validate the parameters
(every error at once), run the action's rule, write the case with a conditional update on its version (no
lost update), record the event with old and new values, then the steps that follow every transition, in
the order written in `redress.lifecycle.after`, and last the case's figures for the reports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import ValidationError

from redress.cases.choices import State
from redress.cases.models import Case, CaseEvent
from redress.common import rows
from redress.common.errors import FieldErrors, add_pydantic_errors
from redress.common.states import state_write_sql, write_state
from redress.organisation.models import Staff
from redress.reports import figures

from .params import NoParams, Params, check_moments, resolve_references

# The target of an action that leaves the case in the state it is in (an instruction, a contact…).
STAYS = "(stays)"

Permission = Callable[[Staff, Case], bool]


class LifecycleError(Exception):
    pass


class IllegalTransition(LifecycleError):
    """409: not possible in the case's state; names the state and the actions allowed now."""

    def __init__(self, action: str, state: str, allowed: list[str]):
        self.action, self.state, self.allowed = action, state, allowed
        super().__init__(
            _("“%(action)s” is not possible while the case is %(state)s. Allowed now: %(allowed)s.")
            % {"action": action, "state": State(state).label, "allowed": ", ".join(allowed) or "—"}
        )


class ActionForbidden(LifecycleError):
    def __init__(self, action: str, message: str | None = None):
        self.action = action
        super().__init__(message or _("You may not “%(action)s” this case.") % {"action": action})


class ConcurrentChange(LifecycleError):
    def __init__(self):
        super().__init__(_("Someone else changed this case a moment ago. Reload it and try again."))


@dataclass
class Context:
    """What an action's guards and rule see: who acts, on which case (locked), with which parameters."""

    actor: Staff
    case: Case
    params: Params
    now: dt.datetime
    # Parameters that name a unit, a staff member or a case, resolved to the objects (`to_unit` → Unit).
    refs: dict[str, Any] = field(default_factory=dict)
    # What guards and the rule both need (the default route, the clock an extension is about): found once.
    found: dict[str, Any] = field(default_factory=dict)

    def once(self, key: str, find: Callable[[], Any]) -> Any:
        """`find()` the first time `key` is asked for; the same answer after (a guard and the rule alike)."""
        if key not in self.found:
            self.found[key] = find()
        return self.found[key]

    def refuse(self, name: str, message: str) -> None:
        """A refusal found while the rule works out what to do (before it writes anything)."""
        raise FieldErrors({name: [message]})


@dataclass(frozen=True)
class Guard:
    """A condition the action needs, with the field its refusal is shown beside and the message.
    `fails(ctx)` is true when the action must be refused. Guards that only look at the case run even when a
    parameter is invalid, so every refusal is reported at once; the others need valid parameters."""

    field: str
    message: Any  # a lazy translation, or a callable(ctx) -> str for a message that names a value
    fails: Callable[[Context], bool]
    uses_params: bool = True

    def text(self, ctx: Context) -> str:
        return str(self.message(ctx) if callable(self.message) else self.message)


@dataclass
class Change:
    """What an action's rule decided: field updates on the case and data for the event."""

    fields: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    target: str | None = None  # one of the action's declared targets, when it declares a choice
    event: str | None = None  # overrides the declared event kind (a withdrawal under pressure)
    # Nothing to record: a rule run twice by racing callers (a flag another registration just set).
    noop: bool = False
    # New rows the transition adds (a case's flags), written with its event: in one statement on PostgreSQL,
    # and only if the case's row was (`rows.insert_if_written`). Their primary keys are not set.
    rows: list[Any] = field(default_factory=list)


Rule = Callable[[Context], Change]


@dataclass(frozen=True)
class Tell:
    """A hand-off that must reach a person (R11.2): after the action, `who(ctx, case, data)` are told
    `subject` (a lazy text with `%(number)s`), with the event's `body_from` parameter as the text. The
    actor is never told of their own action."""

    event: str
    who: Callable[[Context, Case, dict], Iterable[Staff]]
    subject: Any
    body_from: str = ""


@dataclass(frozen=True)
class Action:
    name: str
    sources: frozenset[str]
    # Where the case goes: a state, STAYS, or a tuple of them when the rule chooses (withdraw).
    target: str | tuple[str, ...]
    permission: Permission
    event: str
    rule: Rule
    params: type[Params] = NoParams
    guards: tuple[Guard, ...] = ()
    # A cheap condition on the case alone (kind, channel…) for offering the action at all.
    applies: Callable[[Case], bool] = lambda case: True
    # The clocks (by name) this action meets; when the event data has "at", counted from that moment.
    meets: tuple[str, ...] = ()
    # Further steps after the case is written and its clocks met (start clocks, set a transfer deadline).
    then: Callable[[Context, Case, dict], None] | None = None
    # Supervision notices this action answers: "all", "stuck" (a stuck transfer's) or "" (none).
    answers_notices: str = ""
    # Who must hear of it: the person the case now waits on (a transfer's receiving unit, a bounce's sender).
    tells: tuple[Tell, ...] = ()
    # It writes text the register's search reads (a result report, a reply): the case is indexed again.
    reindexes: bool = False
    # Taken by automatic rules as the system actor; no endpoint, form or button.
    system: bool = False
    # A read that is recorded, not a change (the reveal of personal data): the event is written, the case's
    # row is neither locked nor written (its version stays, so nobody's form goes stale) and no step after a
    # transition runs.
    records_only: bool = False
    # Its answer shows the complainant's phone and ID number in full (the reveal).
    reveals: bool = False
    # On the case page and in the API's documentation.
    label: Any = ""
    group: str = ""
    style: str = ""  # "primary" for the step the procedure expects next, "danger" for ends
    hint: Any = ""
    summary: str = ""
    description: str = ""
    # Fills choices of the case page's form that depend on the user and the case (web only).
    form_setup: Callable[[Any], None] | None = None

    @property
    def targets(self) -> tuple[str, ...]:
        return self.target if isinstance(self.target, tuple) else (self.target,)

    def possible_in(self, case: Case) -> bool:
        return case.state in self.sources and self.applies(case)


def can_act(user: Staff, case: Case) -> bool:
    """Nobody acts on a case about themselves, and read-only roles act on none."""
    return user.is_active and not user.is_read_only and case.subject_staff_id != user.pk


def validate(action: Action, ctx: Context, raw: Mapping[str, Any] | Params | None) -> None:
    """Parse the parameters into the action's schema, resolve the units, staff and cases they name, and
    check the guards; raise FieldErrors with every refusal at once. Sets ctx.params and ctx.refs."""
    errors: dict[str, list[str]] = {}
    params: Params | None = None
    if isinstance(raw, action.params):
        params = raw
    else:
        try:
            params = action.params.model_validate(dict(raw or {}))
        except ValidationError as exc:
            add_pydantic_errors(errors, exc.errors(include_url=False))
    if params is not None:
        ctx.params = params
        ctx.refs = resolve_references(params, ctx.actor, ctx.case, errors)
        check_moments(params, ctx.case, errors)
    for guard in action.guards:
        if guard.uses_params and (params is None or errors):
            continue
        if guard.field in errors and guard.uses_params:
            continue
        if guard.fails(ctx):
            errors.setdefault(guard.field, []).append(guard.text(ctx))
    if errors:
        raise FieldErrors(errors)


def run(
    action: Action,
    actor: Staff,
    case: Case,
    params: Mapping[str, Any] | Params | None,
    *,
    allowed: Callable[[Staff, Case], list[str]],
    after: Callable[[Action, Context, Case, dict], None],
    expected_version: int | None = None,
    now: dt.datetime | None = None,
    fresh: bool = False,
) -> Case:
    """Run `action` on `case` for `actor` (see the module's docstring). The case must come from
    visible_to(actor), or be the system's to act on. Returns the case as it now is.

    `fresh`: the caller is inside a transaction and holds `case` exactly as that transaction last wrote it
    (it registered the case, or `run` returned it) or read it under the lock taken here (the sweeper): no
    other transaction can have changed the row since, so it is not read and locked again. The UPDATE still
    requires the version the caller holds, so a wrong claim fails as a concurrent change; it cannot lose
    one."""
    # Kept: 28.66 vs 30.66 statements per burst registration without it (runs 20261204-181158, -182115).
    if fresh and not transaction.get_connection().in_atomic_block:
        raise LifecycleError("a case is fresh only inside the transaction that wrote it")
    now = now or timezone.now()
    # A fresh case's transaction is the caller's, and so is what a failure here undoes: no savepoint of
    # its own (two round trips fewer per action a registration's triggers or the sweeper take).
    with transaction.atomic(savepoint=not fresh):
        # Only the case's own row, and no stronger than the UPDATE below takes (FOR NO KEY UPDATE): locking
        # joined units would serialise every transition in a unit (and finds no row once the holder
        # changed), and a FOR UPDATE lock would also wait for, and deadlock with, transactions that only
        # insert rows pointing at this case (an event, a group member), whose foreign-key checks take FOR
        # KEY SHARE. The units are read after the lock, from their own tables.
        if fresh or action.records_only:
            locked = case
        else:
            locked = Case.objects.select_for_update(of=("self",), no_key=True).get(pk=case.pk)
            # Measured: 30.96 vs 33.96 statements per registration without it (runs 20261204-175451, -180100).
            _keep_relations(case, locked)
        if expected_version is not None and locked.version != expected_version:
            raise ConcurrentChange()
        if not action.possible_in(locked):
            raise IllegalTransition(action.name, locked.state, allowed(actor, locked))
        if not can_act(actor, locked) or not action.permission(actor, locked):
            raise ActionForbidden(action.name)
        ctx = Context(actor=actor, case=locked, params=NoParams(), now=now)
        validate(action, ctx, params)
        change = action.rule(ctx)
        if change.noop:
            return locked
        if action.records_only:
            rows.insert_with(
                CaseEvent(case=locked, kind=change.event or action.event, actor=actor, data=change.data),
                change.rows,
            )
            return locked
        target = change.target if change.target is not None else action.targets[0]
        if target not in action.targets:
            raise LifecycleError(f"{action.name} may not go to {target}")
        updates = dict(change.fields)
        if target != STAYS and target != locked.state:
            updates["state"] = target
        data = dict(change.data)
        if updates:
            data["changes"] = {
                name: [_jsonable(getattr(locked, name)), _jsonable(v)] for name, v in updates.items()
            }
        event = CaseEvent(case=locked, kind=change.event or action.event, actor=actor, data=data)
        # The row's write, the event recording it and the rows the rule adds are one statement
        # (`rows.insert_if_written`): the event and the rows are written only if the row was.
        # A case being registered (`holding_back`) whose row this action leaves as it is but for its version:
        # the version is counted here and written with the row's next write (one statement fewer).
        row_version = locked.__dict__.get(_ROW_VERSION) if fresh else None
        if row_version is None or updates:
            held = locked.version if row_version is None else row_version
            write = state_write_sql(
                Case.objects.filter(pk=locked.pk, version=held),
                version=F("version") + 1 if row_version is None else locked.version + 1,
                updated_at=now,
                **updates,
            )
            written = rows.insert_if_written(event, write, change.rows)
            if written and row_version is not None:
                locked.__dict__[_ROW_VERSION] = locked.version + 1
        else:
            written = 1
            rows.insert_with(event, change.rows)
        if written != 1:
            raise ConcurrentChange()
        # The row now holds exactly these values (plain values and model instances, no expressions):
        # set them here rather than read the row back.
        for name, value in updates.items():
            setattr(locked, name, value)
        locked.version += 1
        locked.updated_at = now
        after(action, ctx, locked, data)
        # Whatever the action and what followed it changed, the case's figures follow (reports/figures.py).
        figures.case_changed(locked.pk, action.name)
    return locked


# The version the row of a case being registered holds, while `holding_back` (see there).
_ROW_VERSION = "_row_version"


@contextmanager
def holding_back(case: Case) -> Iterator[None]:
    """While a registration's triggers act on the case it has just written (each with `fresh`): no other
    transaction can see or change its row, so an action that writes nothing of it but its version (a flag
    set) leaves the version to the next action's write (the escalation that usually follows), or to the
    write here at the end. Every action is still run and recorded as one transition, and the row ends
    exactly as if each had written it. Anything that reads the case's row again comes after."""
    case.__dict__[_ROW_VERSION] = case.version
    try:
        yield
        row_version = case.__dict__[_ROW_VERSION]
        if row_version != case.version:
            written = write_state(
                Case.objects.filter(pk=case.pk, version=row_version),
                version=case.version,
                updated_at=case.updated_at,
            )
            if written != 1:
                raise ConcurrentChange()
    finally:
        case.__dict__.pop(_ROW_VERSION, None)


_RELATIONS = [f for f in Case._meta.concrete_fields if f.many_to_one]


def _keep_relations(held: Case, locked: Case) -> None:
    """The units, people and classes the caller already loaded, kept on the locked copy where it still points
    at the same ones: the lock reads the case's row alone, and neither the rules nor the answer built from
    the returned case should read them again."""
    for relation in _RELATIONS:
        if relation.is_cached(held) and getattr(held, relation.attname) == getattr(locked, relation.attname):
            relation.set_cached_value(locked, relation.get_cached_value(held))
    # The emergency plan a case joined at registration (or none) never changes: the plan actions' `applies`
    # and the clocks read it, not again for the locked copy (redress/plans, decision 0035).
    if "plan_membership" in held._state.fields_cache:
        locked._state.fields_cache["plan_membership"] = held._state.fields_cache["plan_membership"]


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "pk"):
        return (
            getattr(value, "number", None)
            or getattr(value, "code", None)
            or getattr(value, "username", None)
            or value.pk
        )
    return value
