"""Reply and close: the decision notice with its remedies, the explanation that it is not the bank's fault
(R6.2), the follow-up call (R7.2), closing with the statistics class (R7.4), reopening, and withdrawal (R6.7).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from redress.cases import statistics
from redress.cases.choices import (
    OPEN_STATES,
    ContactMethod,
    Dimension,
    EventKind,
    Kind,
    Responsibility,
    Satisfaction,
    State,
)
from redress.cases.models import Case, CustomerContact, FollowUp, Investigation, Withdrawal
from redress.deadlines import services as clocks
from redress.deadlines.choices import ClockName, StartEvent
from redress.organisation.choices import LEVEL_ORDER, DepartmentFunction, Level
from redress.organisation.models import Unit
from redress.plans.choices import PlanFault

from . import params as p
from . import permissions as who
from .emergency import CLOSE_GUARDS, REPLY_GUARDS, record_plan_fault, statistics_class
from .handling import _AT
from .machine import STAYS, Action, Change, Context, Guard
from .referral import CLOSE_GUARD as REFERRER_ANSWERED
from .routing import escalation_change

_L = gettext_lazy

# The remedies a decision notice must state (CBIRC Order 2020 No. 3); appended when the text omits them.
REMEDIES_TEXT = gettext_lazy(
    "If you disagree with this decision you may apply for a review (核查) in writing within 30 days, "
    "or seek mediation, arbitration or a court judgment."
)
# The clocks the decision notice meets, in whichever form it is given.
REPLY_MEETS = (
    ClockName.FIRST_CONTACT,
    ClockName.REPLY,
    ClockName.DECISION,
    ClockName.ARRIVE,
    ClockName.ANSWER_CUSTOMER,
)


class Reply(p.Params):
    at: p.moment(_L("at"), "When the decision notice was given. " + _AT) = None
    method: p.choice(_L("method"), ContactMethod, "How the notice was given", example=ContactMethod.WRITTEN)
    content: p.text(
        _L("decision notice"),
        "The decision; the remedies open to the customer are appended",
        rows=5,
        example="经核查，您反映的柜台服务问题属实，我行已对相关人员进行教育，并增开高峰时段窗口，特此致歉。",
    )
    promises_compensation: p.flag(
        _L("the reply promises compensation"),
        "The reply promises a payout: refused unless the business line's approval is recorded",
    ) = False


def _decision_notice(ctx: Context, text: str) -> tuple[CustomerContact, dt.datetime, str]:
    """The decision given to the customer, with the remedies open to them: (the contact, when, remedies)."""
    at = ctx.params.at or ctx.now
    remedies = str(REMEDIES_TEXT)
    contact = CustomerContact.objects.create(
        case=ctx.case,
        by=ctx.actor,
        at=at,
        method=ctx.params.method,
        note=text,
        is_reply=True,
        remedies=remedies,
    )
    return contact, at, remedies


def _reply(ctx: Context) -> Change:
    contact, at, remedies = _decision_notice(ctx, ctx.params.content)
    return Change(
        {}, {"at": at.isoformat(), "method": ctx.params.method, "contact": contact.pk, "remedies": remedies}
    )


class Explain(p.Params):
    rule: p.text(
        _L("rule explained"),
        "The rule explained to the customer: not the bank's fault (R6.2)",
        example="根据反洗钱相关规定，单日跨行转账超过五万元需核实资金用途，柜员要求提供证明符合规定。",
    )
    at: p.moment(_L("at"), _AT) = None
    method: p.choice(
        _L("method"), ContactMethod, "How the explanation was given", example=ContactMethod.IN_PERSON
    )


def _explain(ctx: Context) -> Change:
    """R6.2: not the bank's fault — the rule is explained to the customer; this is the reply."""
    contact, _at, remedies = _decision_notice(ctx, ctx.params.rule)
    return Change(
        {"responsibility": Responsibility.NOT_AT_FAULT},
        {"rule": ctx.params.rule, "method": ctx.params.method, "contact": contact.pk, "remedies": remedies},
    )


class FollowUpParams(p.Params):
    satisfaction: p.choice(
        _L("satisfaction"), Satisfaction, "The customer's satisfaction on the call back (R7.2)", radio=True
    )
    note: p.text(
        _L("note"),
        "What the customer said",
        required=False,
        example="客户表示对处理结果满意，希望网点保持高峰时段的窗口安排。",
    ) = ""


def _follow_up(ctx: Context) -> Change:
    FollowUp.objects.create(
        case=ctx.case, by=ctx.actor, satisfaction=ctx.params.satisfaction, note=ctx.params.note
    )
    return Change({}, {"satisfaction": ctx.params.satisfaction, "note": ctx.params.note})


class Close(p.Params):
    responsibility: p.choice(
        _L("responsibility"),
        Responsibility,
        "The bank's responsibility; the statistics class is computed and stored at close (R7.4)",
        radio=True,
        example=Responsibility.AT_FAULT,
    )
    business_category: p.class_ref(
        _L("business category"),
        Dimension.BUSINESS_CATEGORY,
        "The regulatory business category (JR/T 0169-2018), by label path or official code; a complaint "
        "cannot close without one. Left out, the case keeps the one it has",
        example="银行卡/借记卡使用",
    ) = None
    reason: p.class_ref(
        _L("reason"),
        Dimension.REASON,
        "The regulatory reason of the complaint (JR/T 0169-2018), by label path or official code; a "
        "complaint cannot close without one. Left out, the case keeps the one it has",
        example="服务态度及服务质量",
    ) = None
    plan_fault: p.optional_choice(
        _L("fault under the emergency plan"),
        PlanFault,
        "Emergency plan cases only: where the fault lay, coordination (the leading department) or "
        "explanation and speed (the business unit); required when the plan gave accountability records",
        example=PlanFault.EXPLANATION_SPEED,
    ) = None


def _class_missing(name: str):
    """A complaint is counted in the regulator's return by business category and reason: it cannot close
    without both (REGULATION.md), whether they were set at registration or are given now."""

    def fails(ctx: Context) -> bool:
        # Judged beside the other fields' refusals, so each missing class is named at once; while the
        # parameters do not parse (ctx.params is still the empty stand-in) nothing is said of a class that
        # may well have been given, and a class given but not found is refused by its own message.
        if not isinstance(ctx.params, Close):
            return False
        given = getattr(ctx.params, name)
        return ctx.case.kind == Kind.COMPLAINT and getattr(ctx.case, f"{name}_id") is None and not given

    return fails


def _close(ctx: Context) -> Change:
    case, now = ctx.case, ctx.now
    facts = statistics.facts_for(case, breached=clocks.breached_binding_answer(case, now))
    # Under an emergency plan a not-landing case solved in time is not counted (lifecycle/emergency.py).
    stat_class, rule = statistics_class(case, facts, statistics.decide(facts), statistics.RULE_VERSION)
    responsibility = ctx.params.responsibility
    classes = {name: ctx.refs[name] for name in ("business_category", "reason") if ctx.refs.get(name)}
    return Change(
        {
            **classes,
            "responsibility": responsibility,
            "stat_class": stat_class,
            "stat_rule": rule,
            "stat_facts": facts.as_dict(),
            "closed_at": now,
        },
        {
            **record_plan_fault(case, ctx.params.plan_fault),
            "responsibility": responsibility,
            "stat_class": stat_class,
            "stat_facts": facts.as_dict(),
            **{name: item.label for name, item in classes.items()},
        },
    )


class Reopen(p.Params):
    reason: p.text(
        _L("reason"),
        "Why the closed case goes back to work (e.g. a dissatisfied follow-up)",
        example="回访时客户表示不满意，称承诺的手续费退还至今未到账。",
    )


def _reopen(ctx: Context) -> Change:
    return Change(
        {"closed_at": None, "stat_class": "", "stat_rule": "", "stat_facts": {}, "responsibility": ""},
        {"reason": ctx.params.reason},
    )


def _restart_answer_clocks(ctx: Context, case: Case, data: dict) -> None:
    for event in (StartEvent.RECEIPT, StartEvent.ACCEPTANCE):
        clocks.start_clocks(case, event, ctx.now, only=[ClockName.REPLY, ClockName.DECISION], restart=True)


class Withdraw(p.Params):
    voluntary: p.yes_no(
        _L("withdrawn voluntarily?"),
        "true: closed as withdrawn. false (under pressure): the case stays on record, goes to the "
        "supervision office, and an investigation is opened (R6.7)",
    )
    reason: p.text(
        _L("reason"),
        "The customer's reason, or what pressure was put on them",
        example="客户表示问题已由网点当面解决，自愿撤回投诉。",
    )


def _supervision_level(case: Case) -> str:
    """The level of the nearest supervision office above the case's unit (head office if there is none)."""
    on_path = [u.pk for u in case.unit.ancestors()] + [case.unit_id]
    levels = Unit.objects.filter(
        function=DepartmentFunction.SUPERVISION_OFFICE, parent_id__in=on_path, active=True
    ).values_list("level", flat=True)
    return min(levels, key=LEVEL_ORDER.__getitem__, default=Level.HEAD_OFFICE)


def _withdraw(ctx: Context) -> Change:
    case, reason = ctx.case, ctx.params.reason
    withdrawal = Withdrawal.objects.create(
        case=case, by=ctx.actor, voluntary=ctx.params.voluntary, reason=reason
    )
    if ctx.params.voluntary:
        return Change(
            {"closed_at": ctx.now},
            {"voluntary": True, "reason": reason, "withdrawal": withdrawal.pk},
            target=State.WITHDRAWN,
        )
    # Under pressure or threat: the case stays on record, goes to the supervision office, and those who
    # pressured the customer are investigated (R6.7).
    investigation = Investigation.objects.create(case=case, by=ctx.actor, withdrawal=withdrawal)
    fields: dict[str, Any] = {}
    data: dict[str, Any] = {"voluntary": False, "reason": reason, "investigation": investigation.pk}
    level = _supervision_level(case)
    if LEVEL_ORDER[level] > LEVEL_ORDER[case.level]:
        # The escalation's reason is the bank's record: in its language, whatever the clerk's screen shows.
        with translation.override(settings.LANGUAGE_CODE):
            why = _("Withdrawal under pressure: %(reason)s") % {"reason": reason}
        fields, escalation = escalation_change(ctx.actor, case, level, why, "withdrawal")
        data["escalation"] = escalation
    return Change(fields, data, target=STAYS, event=EventKind.WITHDRAWAL_UNDER_PRESSURE)


ACTIONS = (
    Action(
        "reply",
        frozenset({State.ACCEPTED, State.IN_PROGRESS}),
        State.REPLIED,
        who.any_party,
        EventKind.REPLIED,
        _reply,
        params=Reply,
        reindexes=True,
        guards=(
            Guard(
                "promises_compensation",
                _L("No payout may be promised before the business line's approval is recorded."),
                lambda ctx: ctx.params.promises_compensation and not ctx.case.compensation_approvals.exists(),
            ),
            *REPLY_GUARDS,
        ),
        meets=REPLY_MEETS,
        answers_notices="all",
        label=_L("Reply to the customer"),
        group="customer",
        style="primary",
        hint=_L(
            "The notice states the remedies open to the customer (review, mediation, arbitration, court)."
        ),
        summary="Reply to the customer",
        description="The decision notice; it states the remedies open (review, mediation, arbitration, "
        "court).",
    ),
    Action(
        "explain",
        frozenset({State.ACCEPTED, State.IN_PROGRESS}),
        State.REPLIED,
        who.any_party,
        EventKind.EXPLAINED,
        _explain,
        params=Explain,
        reindexes=True,
        meets=REPLY_MEETS,
        answers_notices="all",
        label=_L("Explain: not the bank's fault"),
        group="customer",
        summary="Explain: not the bank's fault",
        description="The rule is explained to the customer; this is the reply, and responsibility is "
        "not_at_fault (R6.2).",
    ),
    Action(
        "follow_up",
        frozenset({State.REPLIED}),
        STAYS,
        who.any_party,
        EventKind.FOLLOWED_UP,
        _follow_up,
        params=FollowUpParams,
        label=_L("Follow-up call"),
        group="customer",
        style="primary",
        summary="Follow up",
        description="The call back to the customer (R7.2).",
    ),
    Action(
        "close",
        frozenset({State.REPLIED}),
        State.CLOSED,
        who.reviewer,
        EventKind.CLOSED,
        _close,
        params=Close,
        guards=(
            Guard(
                "report",
                _L("A transferred case needs its result report before it can close."),
                lambda ctx: ctx.case.transfer_orders.exists() and not ctx.case.result_reports.exists(),
                uses_params=False,
            ),
            *CLOSE_GUARDS,
            Guard(
                "business_category",
                _L("A complaint cannot close without its business category (JR/T 0169-2018)."),
                _class_missing("business_category"),
                uses_params=False,
            ),
            Guard(
                "reason",
                _L("A complaint cannot close without its reason (JR/T 0169-2018)."),
                _class_missing("reason"),
                uses_params=False,
            ),
            # A referred case answers its referring body before it closes (P3 第十条).
            REFERRER_ANSWERED,
        ),
        label=_L("Close"),
        group="close",
        style="primary",
        hint=_L("Closing decides the statistics class from the case's facts."),
        summary="Close",
        description="Closes a replied case and stores its statistics class with the facts (R7.4).",
    ),
    Action(
        "reopen",
        frozenset({State.CLOSED}),
        State.IN_PROGRESS,
        who.reviewer,
        EventKind.REOPENED,
        _reopen,
        params=Reopen,
        then=_restart_answer_clocks,
        label=_L("Reopen"),
        group="close",
        summary="Reopen",
        description="A closed case goes back to work.",
    ),
    Action(
        "withdraw",
        OPEN_STATES,
        (State.WITHDRAWN, STAYS),
        who.any_party,
        EventKind.WITHDRAWN,
        _withdraw,
        params=Withdraw,
        label=_L("Withdrawal"),
        group="close",
        style="danger",
        hint=_L(
            "Not voluntary: the case stays open, goes to the supervision office and an investigation opens."
        ),
        summary="Withdraw",
        description="The customer withdraws the case (R6.7).",
    ),
)
