"""Rules of the clock actions of the case lifecycle (declared in redress.cases.lifecycle.TRANSITIONS):
pausing for appraisal or mediation, extensions approved at the right level, and new facts."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from redress.cases.choices import ContactMethod
from redress.cases.lifecycle import _Change, _Params
from redress.cases.models import Case, CustomerContact
from redress.organisation.choices import Level, Role
from redress.organisation.models import Staff

from . import services
from .choices import ClockName, ClockState, ExtensionState, PauseReason, StartEvent
from .models import Clock, Extension

# Extensions beyond the first need the higher-level institution or head office (CBIRC Order 2020 No. 3).
_HIGH_LEVELS = {Level.PROVINCE, Level.HEAD_OFFICE}


def _pause(actor: Staff, case: Case, params: dict, now: dt.datetime) -> _Change:
    p = _Params(params)
    reason = p.choice("reason", PauseReason)
    note = p.text("note", required=False)
    running = case.clocks.filter(state__in=[ClockState.RUNNING, ClockState.WARNING, ClockState.BREACHED])
    if not running.exists():
        p.add("reason", _("The case has no running clock to pause."))
    p.done()
    count = services.pause(case, reason, note, actor, now)
    return _Change({}, {"reason": reason, "note": note, "clocks": count})


def _resume(actor: Staff, case: Case, params: dict, now: dt.datetime) -> _Change:
    p = _Params(params)
    if not case.clocks.filter(state=ClockState.PAUSED).exists():
        p.add("clocks", _("No clock of this case is paused."))
    p.done()
    count = services.resume(case, now)
    return _Change({}, {"clocks": count})


def _extensible_clock(p: _Params, case: Case, name: str) -> Clock | None:
    clocks = case.clocks.filter(state__in=[ClockState.RUNNING, ClockState.WARNING, ClockState.BREACHED])
    clock = (
        clocks.filter(name=name).order_by("due_at").first()
        if name
        else clocks.filter(group="answer").order_by("due_at").first()
    )
    if clock is None:
        p.add("clock", _("No running clock of this case can be extended."))
        return None
    if services.next_extension(clock) is None:
        p.add("clock", _("The limit of this clock cannot be extended further."))
        return None
    return clock


def _request_extension(actor: Staff, case: Case, params: dict, now: dt.datetime) -> _Change:
    p = _Params(params)
    name = p.choice("clock", ClockName, required=False)
    reason = p.text("reason")
    clock = _extensible_clock(p, case, name)
    if clock is not None and clock.extension_requests.filter(state=ExtensionState.REQUESTED).exists():
        p.add("clock", _("An extension of this clock is already awaiting approval."))
    p.done()
    new_amount = services.next_extension(clock)
    request = Extension.objects.create(
        clock=clock, step=clock.extensions + 1, new_amount=new_amount, reason=reason, requested_by=actor
    )
    return _Change(
        {},
        {"clock": clock.name, "step": request.step, "new_limit": f"{new_amount.normalize():f} {clock.unit}"},
    )


def _decide_extension(actor: Staff, case: Case, params: dict, now: dt.datetime) -> _Change:
    p = _Params(params)
    approve = p.boolean("approve", required=True)
    note = p.text("note", required=False)
    method = p.choice("customer_told_method", ContactMethod, required=approve)
    request = (
        Extension.objects.filter(clock__case=case, state=ExtensionState.REQUESTED)
        .select_related("clock", "clock__policy")
        .order_by("requested_at")
        .first()
    )
    if request is None:
        p.add("approve", _("No extension is awaiting a decision."))
    else:
        if request.requested_by_id == actor.pk:
            p.add("approve", _("An extension is approved by someone other than the person who asked for it."))
        high = actor.has_role(Role.ADMIN) or (actor.unit_id is not None and actor.unit.level in _HIGH_LEVELS)
        if request.step > 1 and not high:
            p.add("approve", _("A further extension needs approval at provincial or head-office level."))
    p.done()
    Extension.objects.filter(pk=request.pk).update(
        state=ExtensionState.APPROVED if approve else ExtensionState.REFUSED,
        decided_by=actor,
        decided_at=now,
        decision_note=note,
    )
    data = {"clock": request.clock.name, "approved": approve, "note": note}
    if approve:
        clock = services.extend(request.clock, request.new_amount)
        # The customer is told of the extension and its reason (REGULATION.md); the note is the bank's
        # record, in its language whatever the approver's screen shows.
        with translation.override(settings.LANGUAGE_CODE):
            note_told = _("Extension to %(limit)s: %(reason)s") % {
                "limit": request.new_amount,
                "reason": request.reason,
            }
        CustomerContact.objects.create(case=case, by=actor, at=now, method=method, note=note_told)
        data.update({"due_at": clock.due_at.isoformat(), "customer_told_method": method})
    return _Change({}, data)


def _add_facts(actor: Staff, case: Case, params: dict, now: dt.datetime) -> _Change:
    """New facts on a repeat complaint restart the statutory clock from the day they arrive."""
    p = _Params(params)
    note = p.text("note")
    p.done()
    restarted = 0
    for event in (StartEvent.RECEIPT, StartEvent.ACCEPTANCE):
        restarted += len(services.start_clocks(case, event, now, only=[ClockName.DECISION], restart=True))
    return _Change({}, {"note": note, "restarted": restarted})


RULES = {
    "pause_clocks": _pause,
    "resume_clocks": _resume,
    "request_extension": _request_extension,
    "decide_extension": _decide_extension,
    "add_facts": _add_facts,
}
