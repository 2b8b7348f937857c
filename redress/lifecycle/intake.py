"""Intake: the review of a registered case (R2.6), the answer on the spot to a walk-in petition (R2.7) and
the leader's instruction (R2.8)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from redress.cases.choices import OPEN_STATES, ContactMethod, EventKind, Kind, State
from redress.cases.models import CustomerContact, Instruction
from redress.deadlines import services as clocks
from redress.deadlines.choices import ClockName, StartEvent

from . import params as p
from . import permissions as who
from .machine import STAYS, Action, Change, Context

# The clocks a first answer to the customer meets, whatever form it takes.
ANSWERED = (
    ClockName.ACKNOWLEDGE_RECEIPT,
    ClockName.FIRST_CONTACT,
    ClockName.REPLY,
    ClockName.DECISION,
    ClockName.ARRIVE,
    ClockName.ANSWER_CUSTOMER,
)


def _accept(ctx: Context) -> Change:
    return Change()


def _start_acceptance_clocks(ctx: Context, case, data) -> None:
    clocks.start_clocks(case, StartEvent.ACCEPTANCE, ctx.now)


class Reject(p.Params):
    reason: p.text(
        _("reason, as told to the complainant"),
        "Why the case is not accepted, as told to the complainant",
        example="所反映的为理财产品净值正常波动，不属于银行服务过错，已向客户解释并告知可向监管部门咨询。",
    )


def _reject(ctx: Context) -> Change:
    reason = ctx.params.reason
    return Change({"rejection_reason": reason}, {"reason": reason})


class AnswerOnSpot(p.Params):
    answer: p.text(
        _("answer given"),
        "The answer given at once to a walk-in petitioner",
        example="已当面调取交易流水，向来访人说明该笔扣款为短信服务费，并为其办理关闭短信提醒。",
    )


def _answer_on_spot(ctx: Context) -> Change:
    answer = ctx.params.answer
    CustomerContact.objects.create(
        case=ctx.case, by=ctx.actor, at=ctx.now, method=ContactMethod.IN_PERSON, note=answer, is_reply=True
    )
    return Change({"closed_at": ctx.now}, {"answer": answer})


class Instruct(p.Params):
    text: p.text(
        _("instruction"),
        "The leader in charge's instruction",
        rows=4,
        example="请个人金融部三个工作日内核实，向客户当面致歉，并将整改情况报监察室。",
    )


def _instruct(ctx: Context) -> Change:
    Instruction.objects.create(case=ctx.case, by=ctx.actor, text=ctx.params.text)
    return Change({}, {"text": ctx.params.text})


ACTIONS = (
    Action(
        "accept",
        frozenset({State.REGISTERED}),
        State.ACCEPTED,
        who.reviewer,
        EventKind.ACCEPTED,
        _accept,
        meets=(ClockName.ACKNOWLEDGE_RECEIPT,),
        then=_start_acceptance_clocks,
        label=_("Accept"),
        group="review",
        style="primary",
        summary="Accept the case",
        description="Review (R2.6): the case is accepted for handling.",
    ),
    Action(
        "reject",
        frozenset({State.REGISTERED}),
        State.REJECTED,
        who.reviewer,
        EventKind.REJECTED,
        _reject,
        params=Reject,
        meets=ANSWERED,
        label=_("Do not accept"),
        group="review",
        style="danger",
        summary="Do not accept the case",
        description="Review (R2.6): not accepted, with the reason.",
    ),
    Action(
        "answer_on_spot",
        frozenset({State.REGISTERED, State.ACCEPTED}),
        State.CLOSED,
        who.supervision,
        EventKind.ANSWERED_ON_SPOT,
        _answer_on_spot,
        params=AnswerOnSpot,
        reindexes=True,
        applies=lambda case: case.kind == Kind.PETITION and case.channel == "visit",
        meets=(*ANSWERED, ClockName.RESULT_REPORT, ClockName.REPORT_TO_GROUP, ClockName.TRANSFER_OUT),
        answers_notices="all",
        label=_("Answer on the spot"),
        group="review",
        summary="Answer on the spot",
        description="A walk-in petition answered at once is closed (R2.7).",
    ),
    Action(
        "instruct",
        OPEN_STATES | {State.CLOSED},
        STAYS,
        who.leader,
        EventKind.INSTRUCTED,
        _instruct,
        params=Instruct,
        label=_("Write instruction"),
        group="review",
        summary="Instruct",
        description="The leader in charge's instruction (R2.8).",
    ),
)
