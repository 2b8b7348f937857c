"""A referred complaint's referring body (P3 第十条 回复转来部门): recorded with its reference and its own
deadline, counted by the clock `referrer_reply`, and answered by the reply the bank sends back to it. A
referred case does not close before its referring body is answered (the guard on `close`)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from redress.cases.choices import OPEN_STATES, Channel, EventKind
from redress.cases.models import Case
from redress.deadlines.choices import ClockName
from redress.referrals import services as referrals
from redress.referrals.models import Referral

from . import params as p
from . import permissions as who
from .machine import STAYS, Action, Change, Context, Guard

_L = gettext_lazy

# The channels by which another body passes a complaint to the bank.
REFERRAL_CHANNELS = frozenset(
    {
        Channel.SUPERIOR_REFERRAL,
        Channel.GOVERNMENT,
        Channel.REGULATOR,
        Channel.BANKING_ASSOCIATION,
        Channel.CONSUMER_ASSOCIATION,
        Channel.HQ_SERVICE_CENTRE,
    }
)


def _has_referral(case: Case) -> bool:
    return Referral.objects.filter(case=case).exists()


class RecordReferral(p.Params):
    body: p.line(
        _L("referring body"),
        "The body that referred the complaint to the bank",
        example="国家金融监督管理总局湖北监管局",
        max_length=128,
    )
    reference: p.line(
        _L("their reference"),
        "The referring body's reference number, if it gave one",
        required=False,
        example="鄂金转〔2026〕0412号",
    ) = ""
    referred_at: p.moment(_L("referred on"), "When the body referred it; now when omitted") = None
    due_at: p.deadline(
        _L("their deadline"),
        "When the body wants the bank's reply (a moment still to come)",
        days_ahead=11,
    )


def _record_referral(ctx: Context) -> Change:
    params = ctx.params
    referral = Referral.objects.create(
        case=ctx.case,
        body=params.body,
        reference=params.reference,
        referred_at=params.referred_at or ctx.now,
        due_at=params.due_at,
        recorded_by=ctx.actor,
    )
    return Change(
        {},
        {
            "body": params.body,
            "reference": params.reference,
            "due_at": params.due_at.isoformat(),
            "referral": referral.pk,
        },
    )


def _start_clock(ctx: Context, case: Case, data: dict) -> None:
    referral = Referral.objects.get(pk=data["referral"])
    referrals.start_referrer_clock(case, referral, ctx.now)


class ReplyToReferrer(p.Params):
    at: p.moment(_L("at"), "When the reply was sent to the referring body; now when omitted") = None
    reply: p.text(
        _L("reply sent back"),
        "What the bank told the referring body: the findings, the handling and the customer's answer",
        rows=5,
        example="经核查，客户反映的柜面办理超时问题属实，我行已于12月10日向客户致歉并答复，客户表示满意。",
    )


def _reply_to_referrer(ctx: Context) -> Change:
    referral = referrals.unanswered(ctx.case)
    at = ctx.params.at or ctx.now
    Referral.objects.filter(pk=referral.pk).update(
        reply=ctx.params.reply, replied_at=at, replied_by=ctx.actor
    )
    return Change({}, {"body": referral.body, "at": at.isoformat(), "reply": ctx.params.reply})


def unanswered_message(ctx: Context) -> str:
    referral = referrals.unanswered(ctx.case)
    return _(
        "The referring body (%(body)s) has not been answered: record the reply sent back to it before "
        "closing the case."
    ) % {"body": referral.body if referral else "—"}


CLOSE_GUARD = Guard(
    "referral",
    unanswered_message,
    lambda ctx: referrals.unanswered(ctx.case) is not None,
    uses_params=False,
)


ACTIONS = (
    Action(
        "record_referral",
        OPEN_STATES,
        STAYS,
        who.any_party,
        EventKind.REFERRAL_RECORDED,
        _record_referral,
        params=RecordReferral,
        guards=(
            Guard(
                "body",
                _L("This case's referring body is already recorded."),
                lambda ctx: _has_referral(ctx.case),
                uses_params=False,
            ),
        ),
        applies=lambda case: case.channel in REFERRAL_CHANNELS and not _has_referral(case),
        then=_start_clock,
        label=_L("Record the referring body"),
        group="customer",
        hint=_L("Its deadline is counted like the bank's own; the case cannot close before it is answered."),
        summary="Record the referring body",
        description="The body that referred the complaint (P3 第十条): its name, its reference number and "
        "the deadline it set for the bank's reply, counted by the clock referrer_reply.",
    ),
    Action(
        "reply_to_referrer",
        OPEN_STATES,
        STAYS,
        who.any_party,
        EventKind.REFERRER_ANSWERED,
        _reply_to_referrer,
        params=ReplyToReferrer,
        guards=(
            Guard(
                "reply",
                _L("No referring body of this case is waiting for a reply."),
                lambda ctx: referrals.unanswered(ctx.case) is None,
                uses_params=False,
            ),
        ),
        applies=lambda case: referrals.unanswered(case) is not None,
        meets=(ClockName.REFERRER_REPLY,),
        label=_L("Reply to the referring body"),
        group="customer",
        summary="Reply to the referring body",
        description="The reply sent back to the body that referred the complaint (回复转来部门); it meets "
        "the clock referrer_reply.",
    ),
)
