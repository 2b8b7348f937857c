"""The life of a case: the one state machine (R2.6–R2.8, R3, R5.1, R6, R7).

Every transition is declared once in TRANSITIONS with its source states, target state (None: the state
stays), permission and event. `perform()` is the only way to run one: in one transaction it locks the case
row, checks state and permission, runs the action's own rules, writes the change with a conditional update
on the case's version (no lost update), records the event with old and new values, and sends `transitioned`
so clocks and notifications can plug in. A direct write of `Case.state` raises StateWriteForbidden.

Errors: IllegalTransition (→ 409, names the state and the allowed actions), ActionForbidden (→ 403),
ActionInvalid (→ 422, field by field), ConcurrentChange (→ 409).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from redress.organisation.choices import LEVEL_ORDER, DepartmentFunction, Level, Role, level_above
from redress.organisation.models import Staff, Unit

from . import statistics
from .choices import (
    ContactMethod,
    EventKind,
    Flag,
    Kind,
    Responsibility,
    SafetyIncident,
    Satisfaction,
    State,
    TransferState,
)
from .models import (
    Case,
    CaseEvent,
    CaseFlag,
    Chase,
    CompensationApproval,
    CustomerContact,
    Escalation,
    FollowUp,
    Instruction,
    Investigation,
    LegalReferral,
    ResultReport,
    SafetyRecord,
    TransferOrder,
    Withdrawal,
)
from .validators import InvalidValue, normalise_phone, parse_amount

# Sent inside the transaction of every transition: receivers (clocks, notifications) write atomically with it
# and queue outside effects with transaction.on_commit.
transitioned = Signal()  # kwargs: case, action, actor, at, data

# The remedies a decision notice must state (CBIRC Order 2020 No. 3); appended when the text omits them.
REMEDIES_TEXT = gettext_lazy(
    "If you disagree with this decision you may apply for a review (核查) in writing within 30 days, "
    "or seek mediation, arbitration or a court judgment."
)

OPEN = frozenset({State.REGISTERED, State.ACCEPTED, State.TRANSFERRED, State.IN_PROGRESS, State.REPLIED})
WORKING = frozenset({State.ACCEPTED, State.TRANSFERRED, State.IN_PROGRESS, State.REPLIED})
REVIEWER_ROLES = frozenset(
    {
        Role.OUTLET_HEAD,
        Role.LOBBY_MANAGER,
        Role.WORK_GROUP,
        Role.WORK_GROUP_LEADER,
        Role.SUPERVISION_OFFICE,
        Role.LEADER_IN_CHARGE,
        Role.ADMIN,
    }
)


class LifecycleError(Exception):
    pass


class IllegalTransition(LifecycleError):
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


class ActionInvalid(LifecycleError):
    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


class ConcurrentChange(LifecycleError):
    def __init__(self):
        super().__init__(_("Someone else changed this case a moment ago. Reload it and try again."))


# ---------------------------------------------------------------------------------------------------------
# Who may act


def _in_subtree(user: Staff, path: str) -> bool:
    return bool(user.unit_id and path and path.startswith(user.unit.path))


def _can_act(user: Staff, case: Case) -> bool:
    return user.is_active and not user.is_read_only and case.subject_staff_id != user.pk


def _sees_all(user: Staff) -> bool:
    return user.has_role(Role.SUPERVISION_OFFICE, Role.ADMIN)


def _is_first_responder(user: Staff, case: Case) -> bool:
    return case.first_responder_id == user.pk


def _reviewer(user: Staff, case: Case) -> bool:
    """Review and route: the first responder, or a reviewer role over the accepting or holding unit."""
    if _is_first_responder(user, case) or _sees_all(user):
        return True
    return user.has_role(*REVIEWER_ROLES) and (
        _in_subtree(user, case.unit_path) or _in_subtree(user, case.holder_unit_path)
    )


def _holder(user: Staff, case: Case) -> bool:
    """Staff of the unit that holds the case now (or above it), and its handler."""
    return case.handler_id == user.pk or _in_subtree(user, case.holder_unit_path) or _sees_all(user)


def _any_party(user: Staff, case: Case) -> bool:
    return _reviewer(user, case) or _holder(user, case)


def _leader(user: Staff, case: Case) -> bool:
    return user.has_role(Role.LEADER_IN_CHARGE, Role.ADMIN)


def _supervision(user: Staff, case: Case) -> bool:
    return user.has_role(Role.SUPERVISION_OFFICE, Role.ADMIN)


def _business_line(user: Staff, case: Case) -> bool:
    """A business line's department staff (R6.3), or the supervision office recording their approval."""
    return _sees_all(user) or (user.unit_id is not None and user.unit.kind == "department")


def _system(user: Staff, case: Case) -> bool:
    """Automatic rules (escalation triggers, the sweeper) act as the system actor, nobody else."""
    return bool(getattr(user, "is_system", False))


def _extension_approver(user: Staff, case: Case) -> bool:
    return user.has_role(Role.LEADER_IN_CHARGE, Role.WORK_GROUP_LEADER, Role.SUPERVISION_OFFICE, Role.ADMIN)


def _legal_or_leader(user: Staff, case: Case) -> bool:
    return user.has_role(Role.LEGAL, Role.LEADER_IN_CHARGE, Role.SUPERVISION_OFFICE, Role.ADMIN) or _reviewer(
        user, case
    )


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str | None
    permission: Callable[[Staff, Case], bool]
    event: str
    # A cheap extra condition on the case alone (kind, channel…) for showing the action at all.
    applies: Callable[[Case], bool] = lambda case: True


def _t(action, sources, target, permission, event, applies=None) -> Transition:
    return Transition(action, frozenset(sources), target, permission, event, applies or (lambda case: True))


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        _t("accept", {State.REGISTERED}, State.ACCEPTED, _reviewer, EventKind.ACCEPTED),
        _t("reject", {State.REGISTERED}, State.REJECTED, _reviewer, EventKind.REJECTED),
        _t(
            "answer_on_spot",
            {State.REGISTERED, State.ACCEPTED},
            State.CLOSED,
            _supervision,
            EventKind.ANSWERED_ON_SPOT,
            lambda case: case.kind == Kind.PETITION and case.channel == "visit",
        ),
        _t("instruct", OPEN | {State.CLOSED}, None, _leader, EventKind.INSTRUCTED),
        _t(
            "transfer",
            {State.ACCEPTED, State.IN_PROGRESS},
            State.TRANSFERRED,
            _reviewer,
            EventKind.TRANSFERRED,
        ),
        _t("acknowledge", {State.TRANSFERRED}, State.IN_PROGRESS, _holder, EventKind.ACKNOWLEDGED),
        _t("bounce", {State.TRANSFERRED}, State.ACCEPTED, _holder, EventKind.BOUNCED),
        _t("chase", {State.TRANSFERRED, State.IN_PROGRESS}, None, _is_first_responder, EventKind.CHASED),
        _t(
            "report_to_head",
            {State.TRANSFERRED, State.IN_PROGRESS},
            None,
            _is_first_responder,
            EventKind.REPORTED_TO_HEAD,
        ),
        _t("contact", WORKING, None, _any_party, EventKind.CONTACTED),
        _t("report", {State.IN_PROGRESS}, None, _holder, EventKind.RESULT_REPORTED),
        _t("reply", {State.ACCEPTED, State.IN_PROGRESS}, State.REPLIED, _any_party, EventKind.REPLIED),
        _t("follow_up", {State.REPLIED}, None, _any_party, EventKind.FOLLOWED_UP),
        _t("escalate", OPEN, None, _any_party, EventKind.ESCALATED),
        _t("withdraw", OPEN, None, _any_party, EventKind.WITHDRAWN),
        _t("close", {State.REPLIED}, State.CLOSED, _reviewer, EventKind.CLOSED),
        _t("reopen", {State.CLOSED}, State.IN_PROGRESS, _reviewer, EventKind.REOPENED),
        _t("approve_compensation", WORKING, None, _business_line, EventKind.COMPENSATION_APPROVED),
        _t("refer_legal", WORKING, None, _legal_or_leader, EventKind.REFERRED_LEGAL),
        _t("record_safety", OPEN | {State.CLOSED}, None, _any_party, EventKind.SAFETY_RECORDED),
        _t("explain", {State.ACCEPTED, State.IN_PROGRESS}, State.REPLIED, _any_party, EventKind.EXPLAINED),
        _t("link_repeat", OPEN, None, _any_party, EventKind.REPEAT_LINKED),
        _t("reverify", WORKING, None, _holder, EventKind.REVERIFIED),
        _t(
            "assess_anonymous",
            WORKING,
            None,
            _holder,
            EventKind.ANONYMOUS_ASSESSED,
            lambda case: case.complainant_anonymous or case.category == "anonymous",
        ),
        # Automatic rules (R5.2): flags with their evidence and escalations, attributed to the system actor.
        _t("set_flags", OPEN | {State.CLOSED}, None, _system, EventKind.FLAG_SET),
        _t("auto_escalate", OPEN, None, _system, EventKind.ESCALATED),
        # Clocks (rules in redress.deadlines.actions): pauses the law allows, extensions, new facts.
        _t("pause_clocks", WORKING, None, _any_party, EventKind.CLOCKS_PAUSED),
        _t("resume_clocks", WORKING, None, _any_party, EventKind.CLOCKS_RESUMED),
        _t("request_extension", WORKING, None, _any_party, EventKind.EXTENSION_REQUESTED),
        _t("decide_extension", WORKING, None, _extension_approver, EventKind.EXTENSION_DECIDED),
        _t("add_facts", OPEN, None, _any_party, EventKind.NEW_FACTS),
    )
}


def allowed_actions(user: Staff, case: Case) -> list[str]:
    """Actions this user may take on this case in its current state (for buttons and 409 messages)."""
    if not _can_act(user, case):
        return []
    return [
        t.action
        for t in TRANSITIONS.values()
        if case.state in t.sources and t.applies(case) and t.permission(user, case)
    ]


def _actions_in_state(case: Case) -> list[str]:
    return [t.action for t in TRANSITIONS.values() if case.state in t.sources and t.applies(case)]


# ---------------------------------------------------------------------------------------------------------
# Running a transition


@dataclass
class _Change:
    """What an action's own rules decided: field updates on the case and data for the event."""

    fields: dict[str, Any]
    data: dict[str, Any]
    target: str | None = None  # overrides the declared target (withdraw under pressure stays put)
    event: str | None = None  # overrides the declared event kind
    # Nothing to record: a rule run twice by racing callers (a flag another registration just set).
    noop: bool = False


def perform(
    action: str,
    actor: Staff,
    case: Case,
    params: dict[str, Any] | None = None,
    *,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
    fresh: bool = False,
) -> Case:
    """Run `action` on `case` for `actor`. The case must come from visible_to(actor).

    `fresh`: the caller is inside a transaction and holds `case` exactly as that transaction last wrote it
    (it registered the case, or `perform` returned it): no other transaction can have changed the row since,
    so it is not read and locked again. The UPDATE still requires the version the caller holds, so a wrong
    claim fails as a concurrent change; it cannot lose one."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise IllegalTransition(action, case.state, allowed_actions(actor, case))
    if fresh and not transaction.get_connection().in_atomic_block:
        raise LifecycleError("a case is fresh only inside the transaction that wrote it")
    params = dict(params or {})
    now = now or timezone.now()
    with transaction.atomic():
        # Only the case's own row, and no stronger than the UPDATE below takes (FOR NO KEY UPDATE): locking
        # the joined units would serialise every transition in a unit, and a FOR UPDATE lock would also wait
        # for, and deadlock with, transactions that only insert rows pointing at this case (an event, a
        # link from a new group member), whose foreign-key checks take FOR KEY SHARE.
        locked = (
            case
            if fresh
            else Case.objects.select_for_update(of=("self",), no_key=True)
            .select_related("unit", "holder_unit")
            .get(pk=case.pk)
        )
        if expected_version is not None and locked.version != expected_version:
            raise ConcurrentChange()
        if locked.state not in transition.sources or not transition.applies(locked):
            raise IllegalTransition(action, locked.state, allowed_actions(actor, locked))
        if not _can_act(actor, locked) or not transition.permission(actor, locked):
            raise ActionForbidden(action)
        rule = _RULES.get(action)
        if rule is None:
            raise LifecycleError(f"no rules registered for {action}")
        change = rule(actor, locked, params, now)
        if change.noop:
            return locked
        target = change.target if change.target is not None else transition.target
        updates = dict(change.fields)
        if target is not None and target != locked.state:
            updates["state"] = target
        old = {name: _jsonable(getattr(locked, name)) for name in updates}
        written = Case.objects.filter(pk=locked.pk, version=locked.version).update(
            version=F("version") + 1, updated_at=now, **updates
        )
        if written != 1:
            raise ConcurrentChange()
        # The row now holds exactly these values (plain values and model instances, no expressions):
        # set them here rather than read the row back.
        for name, value in updates.items():
            setattr(locked, name, value)
        locked.version += 1
        locked.updated_at = now
        data = dict(change.data)
        if updates:
            data["changes"] = {name: [old[name], _jsonable(getattr(locked, name))] for name in updates}
        CaseEvent.objects.create(case=locked, kind=change.event or transition.event, actor=actor, data=data)
        transitioned.send(sender=Case, case=locked, action=action, actor=actor, at=now, data=data)
    return locked


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


# ---------------------------------------------------------------------------------------------------------
# Each action's own rules. They validate params (all errors at once), write the action's records, and say
# which case fields change.


class _Params:
    def __init__(self, params: dict[str, Any]):
        self.params = params
        self.errors: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def text(self, name: str, *, required: bool = True, max_length: int = 10_000) -> str:
        value = str(self.params.get(name) or "").strip()
        if required and not value:
            self.add(name, _("This field is required."))
        elif len(value) > max_length:
            self.add(name, _("At most %(n)d characters.") % {"n": max_length})
        return value

    def choice(self, name: str, choices, *, required: bool = True) -> str:
        value = str(self.params.get(name) or "").strip()
        if not value:
            if required:
                self.add(name, _("This field is required."))
            return ""
        if value not in choices.values:
            self.add(name, _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices.values)})
        return value

    def boolean(self, name: str, *, required: bool = False) -> bool:
        value = self.params.get(name)
        if value is None or value == "":
            if required:
                self.add(name, _("This field is required."))
            return False
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"true", "1", "yes", "on"}:
            return True
        if text in {"false", "0", "no", "off"}:
            return False
        self.add(name, _("Enter true or false."))
        return False

    def moment(self, name: str, now: dt.datetime, *, required: bool = True) -> dt.datetime:
        value = self.params.get(name)
        if value in (None, ""):
            if required:
                self.add(name, _("This field is required."))
            return now
        if isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value)
            except ValueError:
                self.add(name, _("Enter a date and time, e.g. 2026-03-02T09:30:00+08:00."))
                return now
        if not isinstance(value, dt.datetime):
            self.add(name, _("Enter a date and time, e.g. 2026-03-02T09:30:00+08:00."))
            return now
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        if value > now + dt.timedelta(minutes=1):
            self.add(name, _("This time cannot be in the future."))
        return value

    def unit(self, name: str, *, required: bool = True) -> Unit | None:
        code = str(self.params.get(name) or "").strip()
        if not code:
            if required:
                self.add(name, _("This field is required."))
            return None
        unit = Unit.objects.filter(code=code, active=True).first()
        if unit is None:
            self.add(name, _("No active unit has the code “%(code)s”.") % {"code": code})
        return unit

    def staff(self, name: str, *, required: bool = False) -> Staff | None:
        username = str(self.params.get(name) or "").strip()
        if not username:
            if required:
                self.add(name, _("This field is required."))
            return None
        staff = Staff.objects.filter(username=username, is_active=True).select_related("unit").first()
        if staff is None:
            self.add(name, _("No active staff member has the username “%(u)s”.") % {"u": username})
        return staff

    def done(self) -> None:
        if self.errors:
            raise ActionInvalid(self.errors)


def _check_handler(p: _Params, case: Case, handler: Staff | None) -> None:
    """非当事人 (P3§10, CBIRC recusal): the handler is never the staff member complained about."""
    if handler is not None and handler.pk == case.subject_staff_id:
        p.add("handler", _("The staff member complained about cannot handle this case (not a party rule)."))


def _accept(actor, case, params, now) -> _Change:
    _Params(params).done()
    return _Change({}, {})


def _reject(actor, case, params, now) -> _Change:
    p = _Params(params)
    reason = p.text("reason")
    p.done()
    return _Change({"rejection_reason": reason}, {"reason": reason})


def _answer_on_spot(actor, case, params, now) -> _Change:
    p = _Params(params)
    answer = p.text("answer")
    p.done()
    CustomerContact.objects.create(
        case=case, by=actor, at=now, method=ContactMethod.IN_PERSON, note=answer, is_reply=True
    )
    return _Change({"closed_at": now}, {"answer": answer})


def _instruct(actor, case, params, now) -> _Change:
    p = _Params(params)
    text = p.text("text")
    p.done()
    Instruction.objects.create(case=case, by=actor, text=text)
    return _Change({}, {"text": text})


def _transfer(actor, case, params, now) -> _Change:
    p = _Params(params)
    to_unit = p.unit("to_unit", required=False)
    route_reason = ""
    if to_unit is None and "to_unit" not in p.errors:
        from redress.routing.rules import default_route

        route = default_route(case)
        if route is None:
            p.add("to_unit", _("This field is required."))
        else:
            to_unit, route_reason = route.unit, route.reason
    note = p.text("note", required=False)
    handler = p.staff("handler")
    _check_handler(p, case, handler)
    if (
        to_unit is not None
        and handler is not None
        and not (handler.unit and handler.unit.path.startswith(to_unit.path))
    ):
        p.add("handler", _("The handler must belong to the receiving unit."))
    if to_unit is not None and to_unit.pk == case.holder_unit_id:
        p.add("to_unit", _("The case is already held by this unit."))
    p.done()
    order = TransferOrder.objects.create(
        case=case,
        by=actor,
        from_unit=case.holder_unit,
        to_unit=to_unit,
        note=note,
        handler=handler,
        created_at=now,
    )
    return _Change(
        {"holder_unit": to_unit, "holder_unit_path": to_unit.path, "handler": handler},
        {
            "transfer_order": order.pk,
            "to_unit": to_unit.code,
            "note": note,
            "handler": handler and handler.username,
            "default_route": route_reason,
        },
    )


def _open_order(case: Case) -> TransferOrder | None:
    return case.transfer_orders.filter(state=TransferState.OPEN).order_by("-id").first()


def _acknowledge(actor, case, params, now) -> _Change:
    p = _Params(params)
    handler = p.staff("handler") or (case.handler if case.handler_id else actor)
    _check_handler(p, case, handler)
    if (
        handler is not None
        and not _in_subtree(handler, case.holder_unit_path)
        and handler.pk != case.handler_id
    ):
        p.add("handler", _("The handler must belong to the receiving unit."))
    p.done()
    order = _open_order(case)
    if order is not None:
        TransferOrder.objects.filter(pk=order.pk).update(
            state=TransferState.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=actor, handler=handler
        )
    return _Change({"handler": handler}, {"handler": handler.username, "transfer_order": order and order.pk})


def _bounce(actor, case, params, now) -> _Change:
    p = _Params(params)
    reason = p.text("reason")
    p.done()
    order = _open_order(case)
    back_to = order.from_unit if order else case.unit
    if order is not None:
        TransferOrder.objects.filter(pk=order.pk).update(
            state=TransferState.BOUNCED, bounced_at=now, bounce_reason=reason
        )
    return _Change(
        {"holder_unit": back_to, "holder_unit_path": back_to.path, "handler": None},
        {"reason": reason, "back_to": back_to.code, "transfer_order": order and order.pk},
    )


def _chase(actor, case, params, now) -> _Change:
    p = _Params(params)
    note = p.text("note", required=False)
    p.done()
    Chase.objects.create(case=case, by=actor, note=note)
    return _Change({}, {"note": note, "handler": case.handler and case.handler.username})


def _report_to_head(actor, case, params, now) -> _Change:
    p = _Params(params)
    note = p.text("note", required=False)
    if not case.chases.filter(to_head=False).exists():
        p.add("note", _("Chase the handler first; report to the head if the chase does not help."))
    p.done()
    Chase.objects.create(case=case, by=actor, note=note, to_head=True)
    head = case.holder_unit.head_name
    return _Change({}, {"note": note, "head": head})


def _contact(actor, case, params, now) -> _Change:
    p = _Params(params)
    at = p.moment("at", now, required=False)
    method = p.choice("method", ContactMethod)
    note = p.text("note", required=False)
    p.done()
    contact = CustomerContact.objects.create(case=case, by=actor, at=at, method=method, note=note)
    return _Change({}, {"at": at.isoformat(), "method": method, "note": note, "contact": contact.pk})


def _report(actor, case, params, now) -> _Change:
    p = _Params(params)
    values = {name: p.text(name) for name in ("findings", "staff_handling", "lessons", "rectification")}
    satisfaction = p.choice("customer_satisfaction", Satisfaction)
    handled_at = p.moment("handled_at", now, required=False)
    handler_name = p.text("handler_name", max_length=64)
    phone_raw = p.text("handler_phone")
    handler_phone = ""
    if phone_raw:
        try:
            handler_phone = normalise_phone(phone_raw)
        except InvalidValue as exc:
            p.add("handler_phone", str(exc))
    p.done()
    report = ResultReport.objects.create(
        case=case,
        by=actor,
        customer_satisfaction=satisfaction,
        handled_at=handled_at,
        handler_name=handler_name,
        handler_phone=handler_phone,
        **values,
    )
    TransferOrder.objects.filter(case=case, state=TransferState.ACKNOWLEDGED).update(
        state=TransferState.REPORTED
    )
    return _Change({}, {"result_report": report.pk, "customer_satisfaction": satisfaction})


def _reply(actor, case, params, now) -> _Change:
    p = _Params(params)
    at = p.moment("at", now, required=False)
    method = p.choice("method", ContactMethod)
    content = p.text("content")
    promises = p.boolean("promises_compensation")
    if promises and not case.compensation_approvals.exists():
        p.add(
            "promises_compensation",
            _("No payout may be promised before the business line's approval is recorded."),
        )
    p.done()
    remedies = str(REMEDIES_TEXT)
    contact = CustomerContact.objects.create(
        case=case, by=actor, at=at, method=method, note=content, is_reply=True, remedies=remedies
    )
    return _Change({}, {"at": at.isoformat(), "method": method, "contact": contact.pk, "remedies": remedies})


def _follow_up(actor, case, params, now) -> _Change:
    p = _Params(params)
    satisfaction = p.choice("satisfaction", Satisfaction)
    note = p.text("note", required=False)
    p.done()
    FollowUp.objects.create(case=case, by=actor, satisfaction=satisfaction, note=note)
    return _Change({}, {"satisfaction": satisfaction, "note": note})


def escalation_change(
    actor: Staff, case: Case, to_level: str, reason: str, trigger: str = "manual"
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Record an escalation of `case` to `to_level`; returns (case field updates, event data)."""
    to_unit = case.unit.at_level(to_level)
    escalation = Escalation.objects.create(
        case=case,
        by=actor,
        from_level=case.level,
        to_level=to_level,
        to_unit=to_unit,
        reason=reason,
        trigger=trigger,
    )
    data = {
        "from_level": case.level,
        "to_level": to_level,
        "to_unit": to_unit and to_unit.code,
        "reason": reason,
        "trigger": trigger,
        "escalation": escalation.pk,
    }
    return {"level": to_level}, data


def _escalate(actor, case, params, now) -> _Change:
    p = _Params(params)
    reason = p.text("reason")
    to_level = p.choice("to_level", Level, required=False) or level_above(case.level)
    if to_level is None:
        p.add("to_level", _("The case is already at the top level."))
    elif to_level in Level.values and LEVEL_ORDER[to_level] <= LEVEL_ORDER[case.level]:
        p.add("to_level", _("Escalation goes to a higher level than the case's current one."))
    p.done()
    fields, data = escalation_change(actor, case, to_level, reason)
    return _Change(fields, data)


def _assess_anonymous(actor, case, params, now) -> _Change:
    """R6.1: an anonymous report made in good faith is verified and filed; a malicious one is analysed."""
    p = _Params(params)
    good_faith = p.boolean("good_faith", required=True)
    note = p.text("note")
    p.done()
    outcome = "verified_and_filed" if good_faith else "analysed_as_malicious"
    return _Change({}, {"good_faith": good_faith, "outcome": outcome, "note": note})


def _set_flags(actor, case, params, now) -> _Change:
    """params: {"flags": {flag: evidence dict}, "previous_case": id of the earlier case a repeat refers to,
    "only_new": record nothing if every flag is already there}; flags already on the case keep their first
    evidence, and an earlier case already linked stays."""
    p = _Params(params)
    flags = params.get("flags") or {}
    if not isinstance(flags, dict) or not flags or any(f not in Flag.values for f in flags):
        p.add("flags", _("Unknown flag: %(flags)s.") % {"flags": ", ".join(map(str, flags))})
    previous = None
    if params.get("previous_case") and case.previous_case_id is None:
        previous = Case.objects.filter(pk=params["previous_case"]).exclude(pk=case.pk).first()
        if previous is None:
            p.add("previous_case", _("No earlier case has this id."))
    p.done()
    # perform() holds the case's row lock, so nobody else adds flags to it between this read and the insert.
    present = set(CaseFlag.objects.filter(case=case, flag__in=list(flags)).values_list("flag", flat=True))
    added = [flag for flag in flags if flag not in present]
    CaseFlag.objects.bulk_create(
        [CaseFlag(case=case, flag=flag, set_by=actor, evidence=flags[flag] or {}) for flag in added]
    )
    fields = {"previous_case": previous} if previous else {}
    # A caller that only adds a flag (a group member flagged by several racing registrations) records
    # nothing when the flag is already there; otherwise the event keeps the evidence even if nothing is new.
    noop = bool(params.get("only_new")) and not added and not fields
    return _Change(fields, {"flags": added, "evidence": flags}, noop=noop)


def _auto_escalate(actor, case, params, now) -> _Change:
    """An escalation fired by a rule; `step_by_step` records one escalation per level (逐级上报)."""
    p = _Params(params)
    reason = p.text("reason")
    trigger = p.text("trigger", max_length=32)
    to_level = p.choice("to_level", Level)
    if to_level in Level.values and LEVEL_ORDER[to_level] <= LEVEL_ORDER[case.level]:
        p.add("to_level", _("Escalation goes to a higher level than the case's current one."))
    p.done()
    steps = [to_level]
    if params.get("step_by_step"):
        ranks = list(Level)
        steps = [lvl.value for lvl in ranks[LEVEL_ORDER[case.level] + 1 : LEVEL_ORDER[to_level] + 1]]
    data: dict[str, Any] = {"trigger": trigger, "reason": reason, "steps": []}
    fields: dict[str, Any] = {}
    original = case.level
    for level in steps:
        fields, step = escalation_change(actor, case, level, reason, trigger)
        case.level = level  # the next step starts where this one ended
        data["steps"].append(step)
    case.level = original  # perform() records the old value from the case
    return _Change(fields, data)


def _supervision_level(case: Case) -> str:
    """The level of the nearest supervision office above the case's unit (head office if there is none)."""
    on_path = [u.pk for u in case.unit.ancestors()] + [case.unit_id]
    levels = Unit.objects.filter(
        function=DepartmentFunction.SUPERVISION_OFFICE, parent_id__in=on_path, active=True
    ).values_list("level", flat=True)
    return min(levels, key=LEVEL_ORDER.__getitem__, default=Level.HEAD_OFFICE)


def _withdraw(actor, case, params, now) -> _Change:
    p = _Params(params)
    voluntary = p.boolean("voluntary", required=True)
    reason = p.text("reason")
    p.done()
    withdrawal = Withdrawal.objects.create(case=case, by=actor, voluntary=voluntary, reason=reason)
    if voluntary:
        return _Change(
            {"closed_at": now},
            {"voluntary": True, "reason": reason, "withdrawal": withdrawal.pk},
            target=State.WITHDRAWN,
        )
    # Under pressure or threat: the case stays on record, goes to the supervision office, and those who
    # pressured the customer are investigated (R6.7).
    investigation = Investigation.objects.create(case=case, by=actor, withdrawal=withdrawal)
    fields: dict[str, Any] = {}
    data: dict[str, Any] = {"voluntary": False, "reason": reason, "investigation": investigation.pk}
    level = _supervision_level(case)
    if LEVEL_ORDER[level] > LEVEL_ORDER[case.level]:
        # The escalation's reason is the bank's record: in its language, whatever the clerk's screen shows.
        with translation.override(settings.LANGUAGE_CODE):
            why = _("Withdrawal under pressure: %(reason)s") % {"reason": reason}
        fields, escalation = escalation_change(actor, case, level, why, "withdrawal")
        data["escalation"] = escalation
    return _Change(fields, data, target=case.state, event=EventKind.WITHDRAWAL_UNDER_PRESSURE)


def _close(actor, case, params, now) -> _Change:
    p = _Params(params)
    responsibility = p.choice("responsibility", Responsibility)
    if case.transfer_orders.exists() and not case.result_reports.exists():
        p.add("report", _("A transferred case needs its result report before it can close."))
    p.done()
    facts = statistics.facts_for(case, now=now)
    stat_class = statistics.decide(facts)
    return _Change(
        {
            "responsibility": responsibility,
            "stat_class": stat_class,
            "stat_rule": statistics.RULE_VERSION,
            "stat_facts": facts.as_dict(),
            "closed_at": now,
        },
        {"responsibility": responsibility, "stat_class": stat_class, "stat_facts": facts.as_dict()},
    )


def _reopen(actor, case, params, now) -> _Change:
    p = _Params(params)
    reason = p.text("reason")
    p.done()
    return _Change(
        {"closed_at": None, "stat_class": "", "stat_rule": "", "stat_facts": {}, "responsibility": ""},
        {"reason": reason},
    )


def _approve_compensation(actor, case, params, now) -> _Change:
    p = _Params(params)
    amount = None
    try:
        amount = parse_amount(params.get("amount"))
    except InvalidValue as exc:
        p.add("amount", str(exc))
    if amount is None and "amount" not in p.errors:
        p.add("amount", _("This field is required."))
    business_line = p.unit("business_line")
    if business_line is not None and not business_line.is_department:
        p.add("business_line", _("Name the business line's department (a unit of kind department)."))
    approver = p.text("approver_name", max_length=64)
    note = p.text("note", required=False)
    p.done()
    approval = CompensationApproval.objects.create(
        case=case, by=actor, amount=amount, business_line=business_line, approver_name=approver, note=note
    )
    return _Change(
        {},
        {
            "amount": str(amount),
            "business_line": business_line.code,
            "approver": approver,
            "approval": approval.pk,
        },
    )


def _refer_legal(actor, case, params, now) -> _Change:
    p = _Params(params)
    note = p.text("note")
    p.done()
    referral = LegalReferral.objects.create(case=case, by=actor, note=note, leadership_informed=True)
    CaseFlag.objects.get_or_create(
        case=case, flag=Flag.LEGAL_DISPUTE, defaults={"set_by": actor, "evidence": {"referral": referral.pk}}
    )
    return _Change({}, {"note": note, "referral": referral.pk})


def _record_safety(actor, case, params, now) -> _Change:
    p = _Params(params)
    incident = p.choice("incident", SafetyIncident)
    note = p.text("note")
    steps = {name: p.boolean(name) for name in ("security_called", "police_called", "video_covered")}
    p.done()
    record = SafetyRecord.objects.create(case=case, by=actor, incident=incident, note=note, **steps)
    return _Change({}, {"incident": incident, "note": note, **steps, "record": record.pk})


def _explain(actor, case, params, now) -> _Change:
    """R6.2: not the bank's fault — the rule is explained to the customer; this is the reply."""
    p = _Params(params)
    rule = p.text("rule")
    at = p.moment("at", now, required=False)
    method = p.choice("method", ContactMethod)
    p.done()
    remedies = str(REMEDIES_TEXT)
    contact = CustomerContact.objects.create(
        case=case, by=actor, at=at, method=method, note=rule, is_reply=True, remedies=remedies
    )
    return _Change(
        {"responsibility": Responsibility.NOT_AT_FAULT},
        {"rule": rule, "method": method, "contact": contact.pk, "remedies": remedies},
    )


def _link_repeat(actor, case, params, now) -> _Change:
    p = _Params(params)
    number = p.text("previous_case", max_length=16)
    previous = None
    if number:
        from redress.access.visibility import visible_to

        previous = visible_to(actor).filter(number=number).exclude(pk=case.pk).first()
        if previous is None:
            p.add("previous_case", _("No case you can see has the number “%(n)s”.") % {"n": number})
    p.done()
    CaseFlag.objects.get_or_create(
        case=case,
        flag=Flag.REPEAT,
        defaults={"set_by": actor, "evidence": {"previous_case": previous.number}},
    )
    return _Change({"previous_case": previous}, {"previous_case": previous.number})


def _reverify(actor, case, params, now) -> _Change:
    p = _Params(params)
    note = p.text("note")
    if case.previous_case_id is None:
        p.add("note", _("Only a repeat complaint linked to an earlier case is re-verified."))
    p.done()
    return _Change({}, {"note": note, "previous_case": case.previous_case.number})


Rule = Callable[[Staff, Case, dict, dt.datetime], "_Change"]
_RULES: dict[str, Rule] = {
    "accept": _accept,
    "reject": _reject,
    "answer_on_spot": _answer_on_spot,
    "instruct": _instruct,
    "transfer": _transfer,
    "acknowledge": _acknowledge,
    "bounce": _bounce,
    "chase": _chase,
    "report_to_head": _report_to_head,
    "contact": _contact,
    "report": _report,
    "reply": _reply,
    "follow_up": _follow_up,
    "escalate": _escalate,
    "withdraw": _withdraw,
    "close": _close,
    "reopen": _reopen,
    "approve_compensation": _approve_compensation,
    "refer_legal": _refer_legal,
    "record_safety": _record_safety,
    "explain": _explain,
    "link_repeat": _link_repeat,
    "reverify": _reverify,
    "assess_anonymous": _assess_anonymous,
    "set_flags": _set_flags,
    "auto_escalate": _auto_escalate,
}


def register_rules(rules: dict[str, Rule]) -> None:
    """Let the app that owns an action's data supply its rules (e.g. the clocks' actions from deadlines).
    The transition itself — states, permission, event — stays declared above."""
    unknown = set(rules) - set(TRANSITIONS)
    if unknown:
        raise ValueError(f"no declared transition for {sorted(unknown)}")
    _RULES.update(rules)


def missing_rules() -> set[str]:
    return set(TRANSITIONS) - set(_RULES)
