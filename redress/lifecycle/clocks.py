"""Clock actions (R4.4 and REGULATION.md): pausing for an external appraisal or a mediation, extensions
approved at the right level, and new facts that restart the statutory decision clock."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from redress.cases.choices import OPEN_STATES, WORKING_STATES, ContactMethod, EventKind
from redress.cases.models import Case, CustomerContact
from redress.deadlines import services as clocks
from redress.deadlines.choices import (
    COUNTING_STATES,
    ClockName,
    ClockState,
    ExtensionState,
    PauseReason,
    StartEvent,
)
from redress.deadlines.models import Clock, Extension
from redress.organisation.choices import Level, Role

from . import params as p
from . import permissions as who
from .machine import STAYS, Action, Change, Context, Guard

_L = gettext_lazy
# Extensions beyond the first need the higher-level institution or head office (CBIRC Order 2020 No. 3).
_HIGH_LEVELS = {Level.PROVINCE, Level.HEAD_OFFICE}


class PauseClocks(p.Params):
    reason: p.choice(_L("reason"), PauseReason, "The only pauses the law allows")
    note: p.text(
        _L("note"),
        "Details, e.g. the appraiser",
        required=False,
        example="假币争议已送人民银行武汉分行鉴定，预计十个工作日出具结论。",
    ) = ""


def _pause(ctx: Context) -> Change:
    count = clocks.pause(ctx.case, ctx.params.reason, ctx.params.note, ctx.actor, ctx.now)
    return Change({}, {"reason": ctx.params.reason, "note": ctx.params.note, "clocks": count})


def _resume(ctx: Context) -> Change:
    return Change({}, {"clocks": clocks.resume(ctx.case, ctx.now)})


class RequestExtension(p.Params):
    clock: p.optional_choice(
        _L("clock"),
        ClockName,
        "The clock to extend; the binding clock for answering the customer when omitted",
        example=ClockName.DECISION,
    ) = None
    reason: p.text(
        _L("reason"),
        "Why more time is needed (told to the customer when approved)",
        example="需调取外地分行的开户资料并与第三方支付机构核对交易，无法在原时限内作出决定。",
    )


def extensible_clock(case: Case, name: str | None) -> Clock | None:
    """The counting clock an extension request is about: the one named, else the earliest answer clock."""
    counting = case.clocks.filter(state__in=COUNTING_STATES)
    counting = counting.filter(name=name) if name else counting.filter(group="answer")
    return counting.order_by("due_at").first()


def _clock_to_extend(ctx: Context) -> Clock | None:
    return ctx.once("clock", lambda: extensible_clock(ctx.case, ctx.params.clock))


def _request_extension(ctx: Context) -> Change:
    clock = _clock_to_extend(ctx)
    new_amount = clocks.next_extension(clock)
    request = Extension.objects.create(
        clock=clock,
        step=clock.extensions + 1,
        new_amount=new_amount,
        reason=ctx.params.reason,
        requested_by=ctx.actor,
    )
    return Change(
        {},
        {"clock": clock.name, "step": request.step, "new_limit": f"{new_amount.normalize():f} {clock.unit}"},
    )


class DecideExtension(p.Params):
    approve: p.yes_no(
        _L("decision"),
        "Approve or refuse the extension awaiting a decision",
        yes=_L("approve"),
        no=_L("refuse"),
    )
    customer_told_method: p.optional_choice(
        _L("customer told by"),
        ContactMethod,
        "How the customer is told of the extension; required when approving",
        example=ContactMethod.SMS,
    ) = None
    note: p.text(
        _L("note"),
        "The decision's note",
        required=False,
        example="同意延期，请经办人当日短信告知客户延期原因及新的答复期限。",
    ) = ""


def awaiting_decision(case: Case) -> Extension | None:
    return (
        Extension.objects.filter(clock__case=case, state=ExtensionState.REQUESTED)
        .select_related("clock", "clock__policy")
        .order_by("requested_at")
        .first()
    )


def _may_approve_further(ctx: Context) -> bool:
    actor = ctx.actor
    return actor.has_role(Role.ADMIN) or (actor.unit_id is not None and actor.unit.level in _HIGH_LEVELS)


def _awaiting(ctx: Context) -> Extension | None:
    return ctx.once("extension", lambda: awaiting_decision(ctx.case))


def _decide_extension(ctx: Context) -> Change:
    request = _awaiting(ctx)
    approve, note, method = ctx.params.approve, ctx.params.note, ctx.params.customer_told_method
    Extension.MOVES.move(
        Extension.objects.filter(pk=request.pk),
        "approve" if approve else "refuse",
        decided_by=ctx.actor,
        decided_at=ctx.now,
        decision_note=note,
    )
    data = {"clock": request.clock.name, "approved": approve, "note": note}
    if approve:
        clock = clocks.extend(request.clock, request.new_amount)
        # The customer is told of the extension and its reason (REGULATION.md); the note is the bank's
        # record, in its language whatever the approver's screen shows.
        with translation.override(settings.LANGUAGE_CODE):
            note_told = _("Extension to %(limit)s: %(reason)s") % {
                "limit": request.new_amount,
                "reason": request.reason,
            }
        CustomerContact.objects.create(case=ctx.case, by=ctx.actor, at=ctx.now, method=method, note=note_told)
        data.update({"due_at": clock.due_at.isoformat(), "customer_told_method": method})
    return Change({}, data)


class AddFacts(p.Params):
    note: p.text(
        _L("note"),
        "The new facts; they restart the statutory decision clock",
        example="客户补充提交了当日ATM取款凭条和短信截图，显示扣款两次。",
    )


def _add_facts(ctx: Context) -> Change:
    """New facts on a repeat complaint restart the statutory clock from the day they arrive."""
    restarted = 0
    for event in (StartEvent.RECEIPT, StartEvent.ACCEPTANCE):
        restarted += len(
            clocks.start_clocks(ctx.case, event, ctx.now, only=[ClockName.DECISION], restart=True)
        )
    return Change({}, {"note": ctx.params.note, "restarted": restarted})


ACTIONS = (
    Action(
        "add_facts",
        OPEN_STATES,
        STAYS,
        who.any_party,
        EventKind.NEW_FACTS,
        _add_facts,
        params=AddFacts,
        label=_L("New facts received"),
        group="handling",
        hint=_L("Restarts the statutory decision clock from today."),
        summary="Add new facts",
        description="New facts on a repeat complaint restart the statutory decision clock.",
    ),
    Action(
        "pause_clocks",
        WORKING_STATES,
        STAYS,
        who.any_party,
        EventKind.CLOCKS_PAUSED,
        _pause,
        params=PauseClocks,
        guards=(
            Guard(
                "reason",
                _L("The case has no running clock to pause."),
                lambda ctx: not ctx.case.clocks.filter(state__in=COUNTING_STATES).exists(),
                uses_params=False,
            ),
        ),
        label=_L("Pause clocks"),
        group="clocks",
        hint=_L("Only for an external appraisal or a mediation, as the law allows."),
        summary="Pause the clocks",
        description="For an external appraisal or a mediation only (R4.4).",
    ),
    Action(
        "resume_clocks",
        WORKING_STATES,
        STAYS,
        who.any_party,
        EventKind.CLOCKS_RESUMED,
        _resume,
        # Offered only while a clock is paused (the guard below still refuses a race).
        applies=lambda case: case.clocks.filter(state=ClockState.PAUSED).exists(),
        guards=(
            Guard(
                "clocks",
                _L("No clock of this case is paused."),
                lambda ctx: not ctx.case.clocks.filter(state=ClockState.PAUSED).exists(),
                uses_params=False,
            ),
        ),
        label=_L("Resume clocks"),
        group="clocks",
        summary="Resume the clocks",
        description="The paused time is added to each clock's limit.",
    ),
    Action(
        "request_extension",
        WORKING_STATES,
        STAYS,
        who.any_party,
        EventKind.EXTENSION_REQUESTED,
        _request_extension,
        params=RequestExtension,
        guards=(
            Guard(
                "clock",
                _L("No running clock of this case can be extended."),
                lambda ctx: _clock_to_extend(ctx) is None,
            ),
            Guard(
                "clock",
                _L("The limit of this clock cannot be extended further."),
                lambda ctx: clocks.next_extension(_clock_to_extend(ctx)) is None,
            ),
            Guard(
                "clock",
                _L("An extension of this clock is already awaiting approval."),
                lambda ctx: (
                    _clock_to_extend(ctx).extension_requests.filter(state=ExtensionState.REQUESTED).exists()
                ),
            ),
        ),
        label=_L("Request extension"),
        group="clocks",
        summary="Request an extension",
        description="Asks for the next extension its policy allows; someone else approves it.",
    ),
    Action(
        "decide_extension",
        WORKING_STATES,
        STAYS,
        who.extension_approver,
        EventKind.EXTENSION_DECIDED,
        _decide_extension,
        params=DecideExtension,
        guards=(
            Guard(
                "customer_told_method",
                _L("This field is required."),
                lambda ctx: ctx.params.approve and not ctx.params.customer_told_method,
            ),
            Guard(
                "approve",
                _L("No extension is awaiting a decision."),
                lambda ctx: _awaiting(ctx) is None,
            ),
            Guard(
                "approve",
                _L("An extension is approved by someone other than the person who asked for it."),
                lambda ctx: _awaiting(ctx).requested_by_id == ctx.actor.pk,
            ),
            Guard(
                "approve",
                _L("A further extension needs approval at provincial or head-office level."),
                lambda ctx: _awaiting(ctx).step > 1 and not _may_approve_further(ctx),
            ),
        ),
        label=_L("Decide extension"),
        group="clocks",
        summary="Decide an extension",
        description="Approves or refuses the extension awaiting a decision; on approval the customer is "
        "told.",
    ),
)
