"""Under an emergency plan (R9.2, P1 四(三)): the handling each of the plan's complaint types asks for,
declared once like every other action. Offered only on a case of the plan with that type (`applies`):

- `verbal_loss_report`: only an emergency verbal loss report is taken; it lapses five days after it was
  made unless the formal report follows (`settle_loss_report`); the case does not close before one of them;
- `emergency_payment`: the dissuasion, level by level, then the payment with its approval and risk check,
  capped at 5,000.00 yuan (10,000.00 for a VIP customer);
- `confirm_with_business_line`: for a type caused by the event (and data or transaction anomalies), the
  business line's confirmation, the approved statement read, the promised completion time (a clock);
- `report_to_group`: the result reported to the plan's work group (meets the plan's 8-hour clock).

`repeat_or_group` and `media_contact` cases go up at registration (`plan_escalation`, run by
`registration.after_registration`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _L
from pydantic import BaseModel, BeforeValidator, Field

from redress.cases.choices import (
    EXTERNAL_CHANNELS,
    OPEN_STATES,
    WORKING_STATES,
    EventKind,
    RevealPurpose,
    StatClass,
    State,
)
from redress.cases.models import Case, CaseEvent
from redress.common.validators import InvalidValue
from redress.deadlines import services as clocks
from redress.deadlines.choices import ClockName
from redress.escalation.models import Accountability
from redress.organisation.choices import Level, Role
from redress.organisation.models import Staff
from redress.plans import services as plans
from redress.plans.choices import PAYMENT_CAP, PAYMENT_CAP_VIP, VERBAL_LOSS_LAPSE_DAYS, PlanType
from redress.plans.models import EmergencyPayment, PlanCase, Statement, VerbalLossReport

from . import params as p
from . import permissions as who
from .machine import STAYS, Action, Change, Context, Guard

# The types whose handling needs the business line, the approved statement and a promised time (P1 四(三)).
CONFIRMED_TYPES = frozenset(
    {PlanType.EVENT_CAUSED, PlanType.CUSTOMER_DATA_ANOMALY, PlanType.TRANSACTION_ANOMALY}
)
# Types that go up at once at registration, and to which level (P1 四(三)9, 13).
STRAIGHT_UP = {PlanType.REPEAT_OR_GROUP: Level.PROVINCE, PlanType.MEDIA_CONTACT: Level.BRANCH}


def plan_type_of(case: Case) -> str | None:
    member = plans.membership(case)
    return member.plan_type if member else None


def of_type(*types: str):
    return lambda case: plan_type_of(case) in types


def in_plan(case: Case) -> bool:
    return plans.membership(case) is not None


def payment_cap(case: Case) -> Decimal:
    return PAYMENT_CAP_VIP if case.complainant_vip else PAYMENT_CAP


def loss_report_open(case: Case) -> bool:
    """A verbal loss report with neither its formal report nor its lapse acknowledged."""
    return VerbalLossReport.objects.filter(
        case=case, formal_reported_at__isnull=True, lapse_acknowledged_at__isnull=True
    ).exists()


def awaiting_confirmation(case: Case) -> bool:
    """A case of a type that needs the business line's confirmation, without it."""
    return (
        plan_type_of(case) in CONFIRMED_TYPES
        and not case.events.filter(kind=EventKind.PLAN_CONFIRMED).exists()
    )


# The statistics rule of a not-landing plan case solved within the plan's limits (P1 四(一)2, R9.3).
NOT_LANDING_RULE = "R7.4-2026.1+P1-not-landing"
PLAN_CLOCKS = (ClockName.ARRIVE, ClockName.ANSWER_CUSTOMER, ClockName.REPORT_TO_GROUP)


def statistics_class(case: Case, facts: Any, ordinary: str, rule: str) -> tuple[str, str]:
    """The class at close: a not-landing plan case (a hotline complaint put straight through to the outlet)
    solved without breaching a binding clock or any of the plan's is `not_counted`, under a rule version that
    says so; any other case keeps the ordinary class and rule."""
    member = plans.membership(case)
    if member is None or not member.not_landing:
        return ordinary, rule
    late = (
        facts.breached_clocks or case.clocks.filter(name__in=PLAN_CLOCKS, breached_at__isnull=False).exists()
    )
    if late:
        return ordinary, rule
    return StatClass.NOT_COUNTED, NOT_LANDING_RULE


# ---- "not landing": put straight through (不落地, P1 四(一)2, R9.3) ------------------------------------

# The named contact of the unit complained about, by its kind: an outlet's head; a department's handler.
CONTACT_ROLES = (Role.OUTLET_HEAD, Role.HANDLER)


def named_contact(unit) -> Staff | None:
    """The person a not-landing complaint is put through to at the unit complained about: its head (an
    outlet's `outlet_head`), else its handler; the longest-serving first, so the same person each time."""
    for role in CONTACT_ROLES:
        person = (
            Staff.objects.filter(unit=unit, is_active=True, role_grants__role=role).order_by("pk").first()
        )
        if person is not None:
            return person
    return None


def put_through(case: Case, actor: Staff, perform) -> Case:
    """At registration: a hotline complaint under a plan (`not_landing`) is put straight through to the named
    contact of the outlet or department complained about. Accepted and transferred to that unit with the
    contact as handler (the ordinary actions, so the order and its clocks are the usual ones), and the
    customer's number revealed to the contact for the call back: a `revealed` event in the contact's name
    (decision 0031), so the number shows to them, and only them, for the reveal's time; as the handler they
    may reveal it again. Without a unit complained about, or a contact there, the case stays where it is."""
    member = plans.membership(case)
    if member is None or not member.not_landing or case.subject_unit_id is None:
        return case
    unit = case.subject_unit
    contact = named_contact(unit)
    if contact is None or unit.pk == case.holder_unit_id:
        return case
    if case.state == State.REGISTERED:
        case = perform("accept", actor, case, {}, fresh=True)
    note = _("Emergency plan, not landing: put straight through to %(name)s for the call back.") % {
        "name": contact.get_full_name() or contact.username
    }
    case = perform(
        "transfer", actor, case, {"to_unit": unit.code, "handler": contact.username, "note": note}, fresh=True
    )
    CaseEvent.objects.create(
        case=case,
        kind=EventKind.REVEALED,
        actor=contact,
        data={"purpose": RevealPurpose.CALL_BACK, "fields": ["phone"], "via": "not_landing"},
    )
    return case


# ---- accountability under the plan (P1 三、3, 六、6) ---------------------------------------------------

# The rule of each accountability record the plan gives, in the order they are checked.
PLAN_ACCOUNTABILITY = {
    "plan_head_office": _L("Emergency plan: the complaint reached head office."),
    "plan_external_channel": _L("Emergency plan: the complaint came from outside the bank."),
    "plan_repeat": _L("Emergency plan: the customer complained again."),
    "plan_clock_overrun": _L("Emergency plan: one of the plan's time limits was overrun."),
}


def _plan_triggers(case: Case) -> list[str]:
    fired = []
    if case.level == Level.HEAD_OFFICE:
        fired.append("plan_head_office")
    if case.channel in EXTERNAL_CHANNELS:
        fired.append("plan_external_channel")
    if case.previous_case_id is not None:
        fired.append("plan_repeat")
    if case.clocks.filter(name__in=PLAN_CLOCKS, breached_at__isnull=False).exists():
        fired.append("plan_clock_overrun")
    return fired


def plan_accountability(case: Case) -> list[Accountability]:
    """The accountability records a plan case earns (P1 三、3, 六、6): it reached head office, came from an
    external channel, is a repeat, or overran one of the plan's clocks. The same records escalation writes
    (`escalation.Accountability`), one per case and rule, held against the unit holding the case and its
    handler; run after registration, every transition and every breach, so a record is written once, when
    its fact first holds. Returns the records written now."""
    if plans.membership(case) is None:
        return []
    fired = _plan_triggers(case)
    if not fired:
        return []
    held = set(case.accountabilities.filter(rule__in=fired).values_list("rule", flat=True))
    return [
        Accountability.objects.create(
            case=case,
            unit_id=case.holder_unit_id,
            staff_id=case.handler_id,
            rule=rule,
            note=str(PLAN_ACCOUNTABILITY[rule]),
        )
        for rule in fired
        if rule not in held
    ]


def has_plan_accountability(case: Case) -> bool:
    return case.accountabilities.filter(rule__in=PLAN_ACCOUNTABILITY).exists()


def record_plan_fault(case: Case, fault: str | None) -> dict:
    """At close, the office's finding on a plan case's fault (P1 六、6): coordination (the leading
    department) or explanation and speed (the business unit); kept on the plan record, for the close event."""
    if not fault:
        return {}
    PlanCase.objects.filter(case=case).update(fault=fault)
    return {"plan_fault": fault}


def _fault_missing(ctx: Context) -> bool:
    fault = getattr(ctx.params, "plan_fault", None)
    return not fault and in_plan(ctx.case) and has_plan_accountability(ctx.case)


def _fault_not_in_plan(ctx: Context) -> bool:
    return bool(getattr(ctx.params, "plan_fault", None)) and not in_plan(ctx.case)


# ---- verbal loss report ------------------------------------------------------------------------------


class VerbalLoss(p.Params):
    reported_at: p.moment(
        _L("verbal loss reported at"), "When the customer made the verbal loss report; now if omitted"
    ) = None
    account_masked: p.line(
        _L("card or account (masked)"),
        "The card or account, masked: only its last four digits",
        example="****6789",
    )


def _masked(value: str) -> bool:
    digits = [c for c in value if c.isdigit()]
    return len(digits) <= 4


def _verbal_loss_report(ctx: Context) -> Change:
    reported = ctx.params.reported_at or ctx.now
    lapses = reported + dt.timedelta(days=VERBAL_LOSS_LAPSE_DAYS)
    report = VerbalLossReport.objects.create(
        case=ctx.case, account_masked=ctx.params.account_masked, reported_at=reported, lapses_at=lapses
    )
    return Change(
        {},
        {
            "account_masked": report.account_masked,
            "reported_at": reported.isoformat(),
            "lapses_at": lapses.isoformat(),
        },
    )


class SettleLoss(p.Params):
    formal_report_made: p.yes_no(
        _L("formal report made?"),
        "true: the customer made the formal loss report; false: the verbal report lapsed and this is "
        "acknowledged",
    )
    note: p.text(
        _L("note"), "What was done", required=False, example="客户已于12月14日到网点办理正式挂失。"
    ) = ""


def _settle_loss_report(ctx: Context) -> Change:
    report = VerbalLossReport.objects.get(case=ctx.case)
    if ctx.params.formal_report_made:
        report.formal_reported_at = ctx.now
    else:
        report.lapse_acknowledged_at = ctx.now
    report.save(update_fields=["formal_reported_at", "lapse_acknowledged_at"])
    return Change({}, {"formal_report_made": ctx.params.formal_report_made, "note": ctx.params.note})


# ---- emergency payment -------------------------------------------------------------------------------


class Dissuasion(BaseModel):
    by: str = Field(description="Username of who tried to dissuade the customer", examples=["teller"])
    at: dt.datetime = Field(description="When", examples=["2026-12-12T10:05:00+08:00"])
    outcome: str = Field(min_length=1, description="What the customer said", examples=["客户坚持要求支取"])


def _dissuasion(value: Any) -> Any:
    """From the form, one line per attempt: `username | time | outcome`; from the API, the list itself."""
    if isinstance(value, str):
        rows = []
        for line in value.splitlines():
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            if len(parts) != 3:
                raise InvalidValue(_("One line per attempt: username | time | what the customer said."))
            rows.append({"by": parts[0], "at": parts[1], "outcome": parts[2]})
        value = rows
    if not value:
        raise InvalidValue(_("Record at least one attempt to dissuade the customer."))
    return value


DISSUASION_EXAMPLE = [{"by": "teller", "at": "2026-12-12T10:05:00+08:00", "outcome": "客户坚持要求支取"}]


class Payment(p.Params):
    amount: p.amount(
        _L("amount (yuan)"), "Yuan paid out, at most 5,000.00 (10,000.00 for a VIP)", example="3000.00"
    )
    dissuasion: Annotated[
        list[Dissuasion],
        p.Widget(_L("dissuasion, one line per attempt: username | time | outcome"), "text", required=True),
        BeforeValidator(_dissuasion),
        Field(description="The attempts to dissuade the customer, from the first responder up",
              examples=[DISSUASION_EXAMPLE]),
    ]  # fmt: skip
    approved_by: p.staff_ref(
        _L("approved by"), "Username of the leader who approved the payment", example="outlet_head"
    )
    risk_checked: p.flag(
        _L("risk check done"), "The customer's identity and account were checked", example=True
    ) = False


def _emergency_payment(ctx: Context) -> Change:
    amount = p.amount_of(ctx.params.amount)
    rows = [{"by": d.by, "at": d.at.isoformat(), "outcome": d.outcome} for d in ctx.params.dissuasion]
    payment = EmergencyPayment.objects.create(
        case=ctx.case,
        amount=amount,
        dissuasion=rows,
        approved_by=ctx.refs["approved_by"],
        recorded_by=ctx.actor,
        at=ctx.now,
    )
    return Change(
        {},
        {"amount": f"{amount:.2f}", "dissuasion": rows, "approved_by": ctx.refs["approved_by"].username,
         "risk_checked": ctx.params.risk_checked, "payment": payment.pk},
    )  # fmt: skip


def _over_cap(ctx: Context) -> bool:
    return p.amount_of(ctx.params.amount) > payment_cap(ctx.case)


def _cap_message(ctx: Context) -> str:
    return _("An emergency payment is at most %(cap)s yuan for this customer.") % {
        "cap": f"{payment_cap(ctx.case):,.2f}"
    }


def _unknown_dissuaders(ctx: Context) -> bool:
    names = {d.by for d in ctx.params.dissuasion}
    return Staff.objects.filter(username__in=names, is_active=True).count() != len(names)


# ---- business line, statement, promised time ----------------------------------------------------------


class Confirm(p.Params):
    business_line: p.unit_ref(
        _L("business line"),
        "Code of the business line's department that confirmed the cause",
        example="WH-PB",
    )
    statement_version: Annotated[
        int | None,
        p.Widget(_L("statement version read"), "line"),
        BeforeValidator(lambda v: None if isinstance(v, str) and not v.strip() else v),
        Field(
            description="The version of the approved statement for this type read to the customer",
            examples=[1],
        ),
    ] = None
    promised_at: p.deadline(_L("promised completion"), "When the customer was promised it would be done")


def _statement(ctx: Context) -> Statement | None:
    member = plans.membership(ctx.case)
    version = ctx.params.statement_version
    if member is None or version is None:
        return None
    return Statement.objects.filter(plan=member.plan_id, plan_type=member.plan_type, version=version).first()


def _confirm(ctx: Context) -> Change:
    statement = _statement(ctx)
    PlanCase.objects.filter(case=ctx.case).update(statement=statement)
    clocks.start_promised(ctx.case, ClockName.PROMISED, ctx.now, ctx.params.promised_at)
    return Change(
        {},
        {"business_line": ctx.refs["business_line"].code,
         "statement_version": statement.version if statement else None,
         "promised_at": ctx.params.promised_at.isoformat()},
    )  # fmt: skip


# ---- report to the plan's work group ------------------------------------------------------------------


class ReportToGroup(p.Params):
    result: p.text(
        _L("result"),
        "What was done and where the case stands",
        example="已为客户办理应急支付三千元，客户情绪平稳。",
    )


def _report_to_group(ctx: Context) -> Change:
    return Change({}, {"result": ctx.params.result})


def plan_escalation(case: Case, escalate) -> Case:
    """At registration: a repeat, skip-level or group complaint goes straight to the provincial work group;
    a media contact to the branch's work group at once (P1 四(三)). `escalate`: the triggers' escalation."""
    to_level = STRAIGHT_UP.get(plan_type_of(case))
    if to_level is None:
        return case
    reason = _("Emergency plan: a %(type)s complaint goes to the plan's work group at once.") % {
        "type": PlanType(plan_type_of(case)).label
    }
    return escalate(case, to_level, reason, f"plan_{plan_type_of(case)}", fresh=True)


ACTIONS = (
    Action(
        "verbal_loss_report",
        OPEN_STATES,
        STAYS,
        who.any_party,
        EventKind.VERBAL_LOSS_REPORTED,
        _verbal_loss_report,
        params=VerbalLoss,
        applies=of_type(PlanType.VERBAL_LOSS_REPORT),
        guards=(
            Guard(
                "account_masked",
                _L("Give only the last four digits (e.g. ****6789): the full number is not kept here."),
                lambda ctx: not _masked(ctx.params.account_masked),
            ),
            Guard(
                "reported_at",
                _L("This case already has its verbal loss report."),
                lambda ctx: VerbalLossReport.objects.filter(case=ctx.case).exists(),
                uses_params=False,
            ),
        ),
        label=_L("Record verbal loss report"),
        group="handling",
        hint=_L("Tell the customer to make the formal report within 5 days."),
        summary="Record an emergency verbal loss report",
        description="Under an emergency plan: the card or account (masked) and the moment; the answer shows "
        "when it lapses (5 days later). The customer and the outlet are reminded before it lapses.",
    ),
    Action(
        "settle_loss_report",
        OPEN_STATES,
        STAYS,
        who.any_party,
        EventKind.LOSS_REPORT_SETTLED,
        _settle_loss_report,
        params=SettleLoss,
        applies=of_type(PlanType.VERBAL_LOSS_REPORT),
        guards=(
            Guard(
                "formal_report_made",
                _L("There is no open verbal loss report on this case."),
                lambda ctx: not loss_report_open(ctx.case),
                uses_params=False,
            ),
        ),
        label=_L("Formal report made / lapse acknowledged"),
        group="handling",
        summary="Settle a verbal loss report",
        description="The formal loss report was made, or the verbal one lapsed and this is acknowledged; "
        "the case may close after it.",
    ),
    Action(
        "emergency_payment",
        WORKING_STATES,
        STAYS,
        who.any_party,
        EventKind.EMERGENCY_PAID,
        _emergency_payment,
        params=Payment,
        applies=of_type(PlanType.EMERGENCY_PAYMENT),
        guards=(
            Guard("amount", _cap_message, _over_cap),
            Guard("dissuasion", _L("Name staff members by their usernames."), _unknown_dissuaders),
            Guard(
                "risk_checked",
                _L("The risk check comes before any emergency payment."),
                lambda ctx: not ctx.params.risk_checked,
            ),
        ),
        label=_L("Record emergency payment"),
        group="handling",
        summary="Record an emergency payment",
        description="Under an emergency plan, after the dissuasion failed: the amount (at most 5,000.00 "
        "yuan, 10,000.00 for a VIP customer), its approval and risk check; a larger amount is refused (422 "
        "naming `amount`).",
    ),
    Action(
        "confirm_with_business_line",
        WORKING_STATES,
        STAYS,
        who.any_party,
        EventKind.PLAN_CONFIRMED,
        _confirm,
        params=Confirm,
        applies=of_type(*CONFIRMED_TYPES),
        guards=(
            Guard(
                "statement_version",
                _L("No approved statement of this plan for this type has that version."),
                lambda ctx: ctx.params.statement_version is not None and _statement(ctx) is None,
            ),
        ),
        label=_L("Business line's confirmation"),
        group="handling",
        summary="Record the business line's confirmation",
        description="Under an emergency plan, for a complaint caused by the event: the business line "
        "confirmed, the approved statement read (its version), the promised completion time (a clock).",
    ),
    Action(
        "report_to_group",
        WORKING_STATES,
        STAYS,
        who.any_party,
        EventKind.REPORTED_TO_GROUP,
        _report_to_group,
        params=ReportToGroup,
        applies=in_plan,
        meets=(ClockName.REPORT_TO_GROUP,),
        label=_L("Report to the plan's work group"),
        group="handling",
        summary="Report the result to the plan's work group",
        description="Under an emergency plan: meets the plan's report-to-group clock (8 hours).",
    ),
)

# Guards the close action adds for plan cases (redress.lifecycle.reply_close).
CLOSE_GUARDS = (
    Guard(
        "plan_fault",
        _L(
            "This plan case has accountability records: say whether the fault was coordination (the leading "
            "department) or explanation and speed (the business unit)."
        ),
        _fault_missing,
    ),
    Guard(
        "plan_fault", _L("Only a case of an emergency plan has a fault under the plan."), _fault_not_in_plan
    ),
    Guard(
        "responsibility",
        _L("The verbal loss report is open: record the formal report or acknowledge its lapse first."),
        lambda ctx: loss_report_open(ctx.case),
        uses_params=False,
    ),
    Guard(
        "responsibility",
        _L("The business line's confirmation is needed before a complaint caused by the event closes."),
        lambda ctx: awaiting_confirmation(ctx.case),
        uses_params=False,
    ),
)
