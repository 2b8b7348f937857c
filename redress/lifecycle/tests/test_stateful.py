"""The case's life driven at random (issue 16): sequences of the declared human actions, taken through
`lifecycle.perform` by any member of the test bank's cast on a few cases, with parameters drawn from each
action's own declaration. After every step the invariants of the lifecycle are checked:

- the state is one the machine declares, and it is the one the action declares as its target;
- a successful action wrote exactly its event and raised the version by one (every change leaves its
  event); a refused one changed nothing at all: the case's row, its history, clocks and every other record;
- `allowed_actions` tells the truth: what it offers is refused only over a parameter or a guard, and what
  succeeds was offered;
- the clocks agree with the state: an ended case has no live clock, a paused clock only in a working state
  and with its pause's time, reason and open record (and no other clock with any of them), at most one
  binding clock per group; a transferred case has an open transfer order to its holder, a closed or
  withdrawn one its closing time;
- the staff member complained about never sees the case (`visible_to`, `get_visible_case`) and never acts
  on it, while its first responder and its handler always see it.

Each hypothesis example runs in a savepoint rolled back at its end, so the examples do not see each other's
cases; the bank is built once per test.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any, ClassVar

import pytest
from django.db import transaction
from django.db.models import Count, Model, Q
from django.http import Http404
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from redress import lifecycle
from redress.access.visibility import get_visible_case, visible_to
from redress.cases.choices import ENDED_STATES, WORKING_STATES, EventKind, State, TransferState
from redress.cases.models import Case, CaseEvent
from redress.deadlines.choices import LIVE_STATES, ClockState
from redress.deadlines.models import Clock
from redress.lifecycle.machine import STAYS, Action
from redress.lifecycle.params import reference_of, widget_of
from redress.organisation.models import Staff
from redress.testing import Bank

pytestmark = pytest.mark.django_db

HUMAN = lifecycle.HUMAN_ACTIONS
# Actions that record without changing the case (a reveal, a legal hold): an event each and no version.
RECORDS_ONLY = sorted({a.event for a in lifecycle.ACTIONS.values() if a.records_only})
CAST = (
    "teller",
    "outlet_head",
    "subject",
    "handler",
    "branch_group",
    "province_group",
    "office",
    "outsider",
    "auditor",
    "admin",
)
# Refusals the lifecycle answers with (409, 403, 422); anything else raised by `perform` is a bug.
REFUSALS = (lifecycle.IllegalTransition, lifecycle.ActionForbidden, lifecycle.FieldErrors)


def _params(
    action: Action, bank: Bank, numbers: list[str], *, blanks: bool
) -> st.SearchStrategy[dict[str, Any]]:
    """Parameters for `action`, drawn from its declaration: each text field's example (or, with `blanks`,
    now and then a blank in its place: a refusal), references to the bank's units, people and the other
    cases, every declared choice."""
    units = [
        u.code for u in (bank.outlet_a1_1, bank.outlet_a1_2, bank.dept_a_pb, bank.branch_a, bank.outlet_b1_1)
    ]
    past = (timezone.localtime() - dt.timedelta(minutes=30)).isoformat()
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name, info in action.params.model_fields.items():
        reference, widget = reference_of(info), widget_of(info)
        optional = st.none() if not info.is_required() else st.nothing()
        if reference is not None and reference.model == "unit":
            fields[name] = st.sampled_from(units) | optional
        elif reference is not None and reference.model == "staff":
            fields[name] = st.sampled_from(CAST) | optional
        elif reference is not None:
            fields[name] = st.sampled_from(numbers)
        elif widget.kind in {"choice", "radio"}:
            fields[name] = st.sampled_from([value for value, _label in widget.choices]) | optional
        elif widget.kind in {"flag", "yes_no"}:
            fields[name] = st.booleans()
        elif widget.kind == "moment":
            # Now, a while ago, or (a refusal) before the case was received.
            fields[name] = st.sampled_from(
                [None, past, "2001-01-01T09:00:00+08:00"] if blanks else [None, past]
            )
        else:  # text, line, phone, amount
            fields[name] = st.sampled_from(
                [info.examples[0], info.examples[0], ""] if blanks else info.examples
            )
    return st.fixed_dictionaries(fields)


def _records(case_pk: int) -> dict[str, list[dict]]:
    """Everything stored about the case: its row and every row of every model that points at it (events,
    clocks, transfer orders, contacts, reports, flags, escalations…), and the records of its clocks."""
    found: dict[str, list[dict]] = {"case": list(Case.objects.filter(pk=case_pk).values())}
    for relation in Case._meta.related_objects:
        if relation.one_to_many:
            model: type[Model] = relation.related_model
            rows = model.objects.filter(**{relation.field.name: case_pk}).order_by("pk")
            found[f"{model.__name__}.{relation.field.name}"] = list(rows.values())
    for relation in Clock._meta.related_objects:
        if relation.one_to_many:
            rows = relation.related_model.objects.filter(**{f"{relation.field.name}__case": case_pk})
            found[f"clock:{relation.related_model.__name__}"] = list(rows.order_by("pk").values())
    return found


class LifecycleMachine(RuleBasedStateMachine):
    bank: ClassVar[Bank]

    def __init__(self):
        super().__init__()
        # One savepoint per example, rolled back in teardown: each sequence starts from the bare bank.
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        bank = self.bank
        self.cast = {name: Staff.objects.select_related("unit").get(username=name) for name in CAST}
        self.by_pk = {staff.pk: staff for staff in self.cast.values()}
        about_subject = {"subject_staff": bank.subject.username}
        self.cases = [
            bank.register(**about_subject),
            # A walk-in petition: the one kind that can be answered on the spot.
            bank.register(
                kind="petition", channel="visit", category="", business_category="", **about_subject
            ),
            # An anonymous report, taken by the outlet head: the one the anonymous assessment applies to.
            bank.register(
                bank.outlet_head,
                complainant_name="",
                complainant_phone="",
                complainant_anonymous=True,
                category="anonymous",
                **about_subject,
            ),
        ]
        self.numbers = [case.number for case in self.cases]
        self.pks = [case.pk for case in self.cases]

    def teardown(self):
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    # ---- steps ------------------------------------------------------------------------------------------

    def _seen_by(self, actor: Staff, index: int) -> Case | None:
        # As the API does: a case the actor may not see is a 404 before any action is looked at.
        return visible_to(actor).filter(pk=self.cases[index].pk).first()

    def _act(self, case: Case, name: str, actor_name: str, data, *, blanks: bool) -> None:
        actor = self.cast[actor_name]
        action = HUMAN[name]
        others = [n for n in self.numbers if n != case.number]
        params = data.draw(_params(action, self.bank, others, blanks=blanks))
        offered = name in lifecycle.allowed_actions(actor, case)
        before = _records(case.pk)
        try:
            after = lifecycle.perform(name, actor, case, params)
        except REFUSALS as refusal:
            assert _records(case.pk) == before, f"{name} by {actor_name} was refused but changed the case"
            if offered:
                assert isinstance(refusal, lifecycle.FieldErrors), (name, actor_name, refusal)
            assert actor_name != "subject" or not isinstance(refusal, lifecycle.FieldErrors)
            return
        assert offered, (
            f"{name} by {actor_name} succeeded in {before['case'][0]['state']} but was not offered"
        )
        assert actor_name != "subject", "the staff member complained about acted on the case"
        self._check_success(action, actor, before, after, params)

    def _check_success(self, action: Action, actor: Staff, before: dict, after: Case, params: dict) -> None:
        old = before["case"][0]
        stored = Case.objects.get(pk=old["id"])
        assert old["state"] in action.sources, (action.name, old["state"])
        expected = action.targets
        if action.name == "withdraw":
            expected = (State.WITHDRAWN,) if params["voluntary"] else (STAYS,)
        target = old["state"] if expected == (STAYS,) else expected[0]
        assert stored.state == after.state == target, (action.name, old["state"], stored.state)
        # A recorded read (the reveal) leaves the case's row as it was: its version stays.
        assert stored.version == old["version"] + (0 if action.records_only else 1), action.name
        seen = [event["id"] for event in before["CaseEvent.case"]]
        new_events = list(CaseEvent.objects.filter(case=stored).exclude(pk__in=seen))
        kind = action.event
        if action.name == "withdraw" and not params["voluntary"]:
            kind = EventKind.WITHDRAWAL_UNDER_PRESSURE
        assert [(e.kind, e.actor_id) for e in new_events] == [(kind, actor.pk)], action.name
        changes = new_events[0].data.get("changes", {})
        assert ("state" in changes) == (stored.state != old["state"]), action.name

    @rule(
        index=st.integers(0, 2),
        name=st.sampled_from(sorted(HUMAN)),
        actor=st.sampled_from(CAST),
        data=st.data(),
    )
    def anyone_tries_anything(self, index, name, actor, data):
        case = self._seen_by(self.cast[actor], index)
        if case is not None:
            self._act(case, name, actor, data, blanks=True)

    @rule(index=st.integers(0, 2), data=st.data())
    def someone_takes_an_offered_action(self, index, data):
        # The rule above is mostly refused; this one moves the case along its paths: one of the actions
        # offered to someone who sees the case, the step the procedure expects next (an action's "primary"
        # style) more often than a detour or an end.
        offered = []
        for actor in CAST:
            case = self._seen_by(self.cast[actor], index)
            if case is not None:
                for name in lifecycle.allowed_actions(self.cast[actor], case):
                    offered += [(name, actor)] * (4 if HUMAN[name].style == "primary" else 1)
        if offered:
            name, actor = data.draw(st.sampled_from(offered))
            self._act(self._seen_by(self.cast[actor], index), name, actor, data, blanks=False)

    # ---- invariants -------------------------------------------------------------------------------------

    @invariant()
    def the_lifecycles_invariants_hold(self):
        cases = list(
            Case.objects.filter(pk__in=self.pks)
            .annotate(events_written=Count("events", filter=~Q(events__kind__in=RECORDS_ONLY)))
            .prefetch_related("clocks__pauses", "transfer_orders")
        )
        for case in cases:
            self._state_and_history(case)
            self._clocks(case)
        self._visibility(cases)

    def _state_and_history(self, case: Case) -> None:
        assert case.state in State.values
        # Registration writes version 1 with its event; each transition one more of each (what only records —
        # a reveal, a legal hold — writes an event and no version).
        assert case.version == case.events_written, (case.number, case.version, case.events_written)
        assert (case.closed_at is not None) == (case.state in {State.CLOSED, State.WITHDRAWN}), case.state
        if case.state == State.TRANSFERRED:
            open_orders = [o for o in case.transfer_orders.all() if o.state == TransferState.OPEN]
            assert [o.to_unit_id for o in open_orders][-1:] == [case.holder_unit_id], case.number

    def _clocks(self, case: Case) -> None:
        clocks = list(case.clocks.all())
        live = [c for c in clocks if c.state in LIVE_STATES]
        if case.state in ENDED_STATES:
            assert not live, (case.number, case.state, [(c.name, c.state) for c in live])
        for clock in clocks:
            assert clock.state in ClockState.values
            assert clock.warn_at <= clock.due_at and clock.started_at <= clock.due_at, clock.name
            assert (clock.state == ClockState.MET) == (clock.met_at is not None), (clock.name, clock.state)
            # Paused: its time, its reason and an open pause record, all three or none.
            paused = clock.state == ClockState.PAUSED
            assert (clock.paused_at is not None) == paused and bool(clock.pause_reason) == paused, clock.name
            assert [p.ended_at for p in clock.pauses.all() if p.ended_at is None] == [None] * paused, (
                clock.name
            )
            if paused:
                assert case.state in WORKING_STATES, (case.number, case.state)
        binding = [c.group for c in live if c.binding]
        assert len(binding) == len(set(binding)), (case.number, binding)

    def _visibility(self, cases: list[Case]) -> None:
        subject = self.cast["subject"]
        pks = [case.pk for case in cases]
        assert not visible_to(subject).filter(pk__in=pks).exists()
        for case in cases:
            with pytest.raises(Http404):
                get_visible_case(subject, case.number)
            assert lifecycle.allowed_actions(subject, case) == []
        # Those the case names as its first responder and handler see it, whichever unit holds it.
        named: dict[int, set[int]] = {}
        for case in cases:
            for person in (case.first_responder_id, case.handler_id):
                if person is not None:
                    named.setdefault(person, set()).add(case.pk)
        for person, theirs in named.items():
            seen = set(visible_to(self.by_pk[person]).filter(pk__in=theirs).values_list("pk", flat=True))
            assert seen == theirs, (self.by_pk[person].username, theirs - seen)


def test_random_sequences_of_actions_keep_the_lifecycles_invariants(bank):
    # Registration's per-process caches (trigger settings, policies, the calendar) are filled outside the
    # examples' savepoints, so no cache keeps a row an example rolled back.
    bank.register()
    machine = type("Machine", (LifecycleMachine,), {"bank": bank})
    run_state_machine_as_test(
        machine,
        settings=settings(
            # A longer hunt: REDRESS_STATEFUL_EXAMPLES=500 pytest redress/lifecycle/tests/test_stateful.py
            max_examples=int(os.environ.get("REDRESS_STATEFUL_EXAMPLES", "25")),
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            database=None,
        ),
    )
