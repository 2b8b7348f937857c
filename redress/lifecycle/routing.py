"""Routing: transfer to the unit that must act (R3.2), its acknowledgement or return (R3.3), chasing a late
handler and reporting to their head (R3.4), and escalation by hand (R5.1)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from redress.cases.choices import OPEN_STATES, EventKind, State, TransferState
from redress.cases.models import Case, Escalation, TransferOrder
from redress.cases.models import Chase as ChaseRecord
from redress.common import rows
from redress.deadlines import services as clocks
from redress.deadlines.choices import ClockName, StartEvent
from redress.notifications.services import recipients_for
from redress.organisation.choices import LEVEL_ORDER, Level, Role, level_above
from redress.organisation.models import Staff
from redress.routing.rules import default_route

from . import params as p
from . import permissions as who
from .machine import STAYS, Action, Change, Context, Guard, Tell

NOT_A_PARTY = gettext_lazy("The staff member complained about cannot handle this case (not a party rule).")
_L = gettext_lazy


def _is_subject(ctx: Context) -> bool:
    """非当事人 (P3§10, CBIRC recusal): the handler is never the staff member complained about."""
    handler = ctx.refs.get("handler")
    return handler is not None and handler.pk == ctx.case.subject_staff_id


class Transfer(p.Params):
    to_unit: p.unit_ref(
        _L("to unit"),
        "Code of the receiving unit; the case's default route (by category) when omitted",
        required=False,
        example="WH-PB",
    ) = None
    handler: p.staff_ref(
        _L("handler"),
        "Username of the handler in the receiving unit; never the staff member complained about",
        help=_L("Optional. Never the staff member complained about."),
        example="handler",
    ) = None
    note: p.text(
        _L("note"),
        "What the receiving unit is asked to do",
        required=False,
        example="客户反映信用卡分期手续费未提前告知，请个人金融部核查并答复客户。",
    ) = ""


def _receiving_unit(ctx: Context):
    """The unit named, or the case's default route for its category; (unit, why the route was chosen)."""
    if ctx.refs.get("to_unit") is not None:
        return ctx.refs["to_unit"], ""
    route = ctx.once("default_route", lambda: default_route(ctx.case))
    return (route.unit, route.reason) if route is not None else (None, "")


def _handler_outside_unit(ctx: Context) -> bool:
    unit, _why = _receiving_unit(ctx)
    handler = ctx.refs.get("handler")
    return (
        unit is not None
        and handler is not None
        and not (handler.unit and handler.unit.path.startswith(unit.path))
    )


def _transfer(ctx: Context) -> Change:
    to_unit, route_reason = _receiving_unit(ctx)
    handler = ctx.refs.get("handler")
    case = ctx.case
    order = TransferOrder.objects.create(
        case=case,
        by=ctx.actor,
        from_unit=case.holder_unit,
        to_unit=to_unit,
        note=ctx.params.note,
        handler=handler,
        created_at=ctx.now,
    )
    return Change(
        {"holder_unit": to_unit, "holder_unit_path": to_unit.path, "handler": handler},
        {
            "transfer_order": order.pk,
            "to_unit": to_unit.code,
            "note": ctx.params.note,
            "handler": handler and handler.username,
            "default_route": route_reason,
        },
    )


def _start_transfer_clocks(ctx: Context, case: Case, data: dict) -> None:
    clocks.start_clocks(case, StartEvent.TRANSFER_IN, ctx.now)
    clocks.set_transfer_deadline(case, TransferOrder.objects.get(pk=data["transfer_order"]))


def _receivers(ctx: Context, case: Case, data: dict) -> list[Staff]:
    """The named handler, and the heads and handlers of the receiving unit who sign for its orders."""
    unit_staff = recipients_for(case, roles=(Role.OUTLET_HEAD, Role.HANDLER), unit=case.holder_unit)
    return [*([ctx.refs["handler"]] if ctx.refs.get("handler") else []), *unit_staff]


def _sender(ctx: Context, case: Case, data: dict) -> list[Staff]:
    """Who issued the order sent back, and the first responder who owns the case for life."""
    order = TransferOrder.objects.filter(pk=data.get("transfer_order")).select_related("by").first()
    return [order.by if order else None, case.first_responder]


TELL_RECEIVERS = Tell(
    "transfer_received",
    _receivers,
    gettext_lazy("Case %(number)s was transferred to your unit: sign for it"),
    body_from="note",
)
TELL_SENDER = Tell(
    "transfer_bounced",
    _sender,
    gettext_lazy("Case %(number)s was sent back to your unit"),
    body_from="reason",
)


class Acknowledge(p.Params):
    handler: p.staff_ref(
        _L("handler"),
        "Username of the handler in the receiving unit (the case's handler, else the caller, when omitted); "
        "never the staff member complained about",
        example="handler",
    ) = None


def _acknowledging_handler(ctx: Context) -> Staff:
    return ctx.refs.get("handler") or (ctx.case.handler if ctx.case.handler_id else ctx.actor)


def _open_order(case: Case) -> TransferOrder | None:
    return case.transfer_orders.filter(state=TransferState.OPEN).order_by("-id").first()


def _acknowledge(ctx: Context) -> Change:
    handler = _acknowledging_handler(ctx)
    if handler.pk == ctx.case.subject_staff_id:
        ctx.refuse("handler", str(NOT_A_PARTY))
    order = _open_order(ctx.case)
    if order is not None:
        TransferOrder.MOVES.move(
            TransferOrder.objects.filter(pk=order.pk),
            "acknowledge",
            acknowledged_at=ctx.now,
            acknowledged_by=ctx.actor,
            handler=handler,
        )
    return Change({"handler": handler}, {"handler": handler.username, "transfer_order": order and order.pk})


class Bounce(p.Params):
    reason: p.text(
        _L("reason sent back"),
        "Why the receiving unit sends the case back",
        example="该笔业务为对公账户结算，不属于个人金融部职责，请转公司业务部办理。",
    )


def _bounce(ctx: Context) -> Change:
    case, reason = ctx.case, ctx.params.reason
    order = _open_order(case)
    back_to = order.from_unit if order else case.unit
    if order is not None:
        TransferOrder.MOVES.move(
            TransferOrder.objects.filter(pk=order.pk), "bounce", bounced_at=ctx.now, bounce_reason=reason
        )
    return Change(
        {"holder_unit": back_to, "holder_unit_path": back_to.path, "handler": None},
        {"reason": reason, "back_to": back_to.code, "transfer_order": order and order.pk},
    )


class Chase(p.Params):
    note: p.text(
        _L("note"),
        "What the first responder asked the handler",
        required=False,
        example="答复时限将至，请于今日下班前联系客户并反馈处理进度。",
    ) = ""


def _chase(ctx: Context) -> Change:
    ChaseRecord.objects.create(case=ctx.case, by=ctx.actor, note=ctx.params.note)
    handler = ctx.case.handler
    return Change({}, {"note": ctx.params.note, "handler": handler and handler.username})


class ReportToHead(p.Params):
    note: p.text(
        _L("note"),
        "What is reported to the head of the handler's unit (after a chase)",
        required=False,
        example="已于昨日催办，经办人仍未联系客户，请部门负责人督促处理。",
    ) = ""


def _report_to_head(ctx: Context) -> Change:
    ChaseRecord.objects.create(case=ctx.case, by=ctx.actor, note=ctx.params.note, to_head=True)
    return Change({}, {"note": ctx.params.note, "head": ctx.case.holder_unit.head_name})


class Escalate(p.Params):
    to_level: p.optional_choice(
        _L("to level"), Level, "The level it goes to; the next one up when omitted", example=Level.BRANCH
    ) = None
    reason: p.text(
        _L("reason"),
        "Why the case goes up",
        example="客户称将向媒体反映，且涉及多名客户同类问题，需分行工作小组牵头处理。",
    )


def _escalation_target(ctx: Context) -> str | None:
    return ctx.params.to_level or level_above(ctx.case.level)


def escalation_change(
    actor: Staff, case: Case, to_level: str, reason: str, trigger: str = "manual"
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Record an escalation of `case` to `to_level`; returns (case field updates, event data)."""
    to_unit = case.unit.at_level(to_level)
    escalation = rows.insert(
        Escalation(
            case=case,
            by=actor,
            from_level=case.level,
            to_level=to_level,
            to_unit=to_unit,
            reason=reason,
            trigger=trigger,
        )
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


def _escalate(ctx: Context) -> Change:
    fields, data = escalation_change(ctx.actor, ctx.case, _escalation_target(ctx), ctx.params.reason)
    return Change(fields, data)


def not_higher(case: Case, to_level: str | None) -> bool:
    return to_level is not None and LEVEL_ORDER[to_level] <= LEVEL_ORDER[case.level]


ACTIONS = (
    Action(
        "transfer",
        frozenset({State.ACCEPTED, State.IN_PROGRESS}),
        State.TRANSFERRED,
        who.reviewer,
        EventKind.TRANSFERRED,
        _transfer,
        params=Transfer,
        guards=(
            Guard(
                "to_unit",
                gettext_lazy("This field is required."),
                lambda ctx: _receiving_unit(ctx)[0] is None,
            ),
            Guard("handler", NOT_A_PARTY, _is_subject),
            Guard(
                "handler",
                gettext_lazy("The handler must belong to the receiving unit."),
                _handler_outside_unit,
            ),
            Guard(
                "to_unit",
                gettext_lazy("The case is already held by this unit."),
                lambda ctx: (
                    ctx.refs.get("to_unit") is not None and ctx.refs["to_unit"].pk == ctx.case.holder_unit_id
                ),
            ),
        ),
        meets=(ClockName.TRANSFER_OUT,),
        then=_start_transfer_clocks,
        tells=(TELL_RECEIVERS,),
        label=_L("Transfer"),
        group="routing",
        style="primary",
        hint=_L("Sends the case with a transfer order to the unit that must fix it."),
        summary="Transfer to the unit that must act",
        description="Creates a transfer order (R3.2) with its deadline; the case waits for acknowledgement.",
    ),
    Action(
        "acknowledge",
        frozenset({State.TRANSFERRED}),
        State.IN_PROGRESS,
        who.holder,
        EventKind.ACKNOWLEDGED,
        _acknowledge,
        params=Acknowledge,
        guards=(
            Guard("handler", NOT_A_PARTY, _is_subject),
            Guard(
                "handler",
                gettext_lazy("The handler must belong to the receiving unit."),
                lambda ctx: (
                    not who.in_subtree(_acknowledging_handler(ctx), ctx.case.holder_unit_path)
                    and _acknowledging_handler(ctx).pk != ctx.case.handler_id
                ),
            ),
        ),
        answers_notices="stuck",
        label=_L("Acknowledge transfer"),
        group="routing",
        style="primary",
        summary="Acknowledge a transfer",
        description="The receiving unit takes the case and names its handler.",
    ),
    Action(
        "bounce",
        frozenset({State.TRANSFERRED}),
        State.ACCEPTED,
        who.holder,
        EventKind.BOUNCED,
        _bounce,
        params=Bounce,
        answers_notices="stuck",
        tells=(TELL_SENDER,),
        label=_L("Send back"),
        group="routing",
        style="danger",
        summary="Send a transfer back",
        description="The receiving unit sends the case back (R3.3).",
    ),
    Action(
        "chase",
        frozenset({State.TRANSFERRED, State.IN_PROGRESS}),
        STAYS,
        who.first_responder,
        EventKind.CHASED,
        _chase,
        params=Chase,
        label=_L("Chase the handler"),
        group="routing",
        summary="Chase the handler",
        description="The first responder chases a late handler (R3.4).",
    ),
    Action(
        "report_to_head",
        frozenset({State.TRANSFERRED, State.IN_PROGRESS}),
        STAYS,
        who.first_responder,
        EventKind.REPORTED_TO_HEAD,
        _report_to_head,
        params=ReportToHead,
        guards=(
            Guard(
                "note",
                gettext_lazy("Chase the handler first; report to the head if the chase does not help."),
                lambda ctx: not ctx.case.chases.filter(to_head=False).exists(),
                uses_params=False,
            ),
        ),
        label=_L("Report to the handler's head"),
        group="routing",
        summary="Report to the handler's head",
        description="After a chase that did not help, the first responder reports to the head of the holding "
        "unit (R3.4).",
    ),
    Action(
        "escalate",
        OPEN_STATES,
        STAYS,
        who.any_party,
        EventKind.ESCALATED,
        _escalate,
        params=Escalate,
        guards=(
            Guard(
                "to_level",
                gettext_lazy("The case is already at the top level."),
                lambda ctx: _escalation_target(ctx) is None,
            ),
            Guard(
                "to_level",
                gettext_lazy("Escalation goes to a higher level than the case's current one."),
                lambda ctx: not_higher(ctx.case, ctx.params.to_level),
            ),
        ),
        label=_L("Escalate"),
        group="routing",
        summary="Escalate",
        description="Manual escalation to a higher level (R5.1).",
    ),
)
