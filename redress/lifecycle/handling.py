"""Handling: contacts with the customer and the result report of the unit that fixed the matter (R7.1)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from redress.cases.choices import WORKING_STATES, ContactMethod, EventKind, Satisfaction, State
from redress.cases.models import CustomerContact, ResultReport, TransferOrder
from redress.deadlines.choices import ClockName

from . import params as p
from . import permissions as who
from .machine import STAYS, Action, Change, Context, Tell

_AT = (
    "When it happened, ISO 8601 with its UTC offset (e.g. 2026-03-02T09:30:00+08:00); "
    "now when omitted. Not in the future."
)


class Contact(p.Params):
    at: p.moment(_("at"), _AT) = None
    method: p.choice(_("method"), ContactMethod, "How the customer was reached", example=ContactMethod.PHONE)
    note: p.text(
        _("note"),
        "What was said",
        required=False,
        example="已电话联系客户，说明正在核查转账延迟原因，承诺两个工作日内给予答复。",
    ) = ""


def _contact(ctx: Context) -> Change:
    at = ctx.params.at or ctx.now
    method, note = ctx.params.method, ctx.params.note
    contact = CustomerContact.objects.create(case=ctx.case, by=ctx.actor, at=at, method=method, note=note)
    return Change({}, {"at": at.isoformat(), "method": method, "note": note, "contact": contact.pk})


class Report(p.Params):
    """The result report (R7.1); a transferred case needs one before it can close."""

    findings: p.text(
        _("matter and findings"),
        "The matter and what was found",
        rows=4,
        example="经调阅监控和业务流水，客户反映的柜台等候时间过长属实，当日仅开两个窗口。",
    )
    staff_handling: p.text(
        _("handling of the responsible persons"),
        "How the responsible staff were dealt with",
        example="对当班柜员进行批评教育，扣减当月服务质量考核分。",
    )
    lessons: p.text(
        _("lessons learned"), "Lessons learned", example="高峰时段窗口安排不足，未及时启动弹性排班。"
    )
    rectification: p.text(
        _("rectification"),
        "What changes, and by when",
        example="自下周起每日上午十点至十二点增开一个窗口，由大堂经理负责分流引导。",
    )
    customer_satisfaction: p.choice(
        _("customer's satisfaction"),
        Satisfaction,
        "The customer's satisfaction",
        radio=True,
        example=Satisfaction.BASICALLY_SATISFIED,
    )
    handled_at: p.moment(_("handled at"), "When it was handled. " + _AT) = None
    handler_name: p.line(_("handler"), "Name of the handler who signs the report", example="李晓燕")
    handler_phone: p.phone(_("handler's phone"), "The handler's phone number", example="02785561234")


def _report(ctx: Context) -> Change:
    values = ctx.params.model_dump()
    report = ResultReport.objects.create(
        case=ctx.case,
        by=ctx.actor,
        customer_satisfaction=values["customer_satisfaction"],
        handled_at=values["handled_at"] or ctx.now,
        handler_name=values["handler_name"],
        handler_phone=values["handler_phone"],
        **{name: values[name] for name in ("findings", "staff_handling", "lessons", "rectification")},
    )
    TransferOrder.MOVES.move(TransferOrder.objects.filter(case=ctx.case), "report")
    return Change({}, {"result_report": report.pk, "customer_satisfaction": values["customer_satisfaction"]})


ACTIONS = (
    Action(
        "contact",
        WORKING_STATES,
        STAYS,
        who.any_party,
        EventKind.CONTACTED,
        _contact,
        params=Contact,
        # Under an emergency plan, reaching the customer is also the arrival (P1 五: 1 hour).
        meets=(ClockName.FIRST_CONTACT, ClockName.ARRIVE),
        label=_("Record contact"),
        group="customer",
        hint=_("Meets the first-contact clock."),
        summary="Contact the customer",
        description="A contact with the customer; meets the first-contact clock.",
    ),
    Action(
        "report",
        frozenset({State.IN_PROGRESS}),
        STAYS,
        who.holder,
        EventKind.RESULT_REPORTED,
        _report,
        params=Report,
        reindexes=True,
        # Under an emergency plan the result goes to the plan's work group with it (P1 五: 8 hours).
        meets=(ClockName.RESULT_REPORT, ClockName.REPORT_TO_GROUP),
        # The first responder answers the customer with it (R3.5, R7.1).
        tells=(
            Tell(
                "result_reported",
                lambda ctx, case, data: [case.first_responder],
                _("The result report of case %(number)s is in: answer the customer"),
            ),
        ),
        label=_("File result report"),
        group="handling",
        style="primary",
        summary="File the result report",
        description="The result report (R7.1).",
    ),
)
