"""Under an emergency plan (R9.2, P1 四(三)): the handling each of the plan's complaint types asks for,
declared once like every other action. Offered only on a case of the plan with that type (`applies`):

- `verbal_loss_report`: only an emergency verbal loss report is taken; it lapses five days after it was
  made unless the formal report follows (`settle_loss_report`); the case does not close before one of them;
- `emergency_payment`: the dissuasion, level by level, then the payment with its approval and risk check,
  capped at 5,000.00 yuan (10,000.00 for a VIP customer);
- `confirm_with_business_line`: for a type caused by the event (and data or transaction anomalies), the
  business line's confirmation, the approved statement read, the promised completion time (a clock);
- `report_to_business_line`: a customer data or transaction anomaly reported through the business line;
- `direct_to_other_atm`, `decide_atm_fee`: ATM unavailable, the customer sent to another bank's ATM nearby
  and a question about its fee settled case by case (waived, refunded with the amount, or explained);
- `soothe_long_wait`: a long wait, the lobby manager's soothing; an agitated customer taken by the outlet head
  to the VIP room and helped to finish the business; a small gift if one was given;
- `record_compensation_claim`, `agree_plan_payout`: a compensation demand, the customer's reasons; any payout
  agreed jointly with the business line's department (never promised by an outlet alone);
- `handle_aggressive_customer`: under video surveillance, led away from where customers gather; if the bank is
  stormed or a crowd gathers, the security department or the police called and the case goes up at once;
- `coordinate_mental_health`: through local authorities, the employer, family or a home visit;
- `report_cross_province`: not solved at this level, reported one level up to coordinate with the sister bank;
- `report_anger`: on any plan case, at any step, a customer who leaves angry, uses violent words or threatens
  the media is reported up level by level to the work group at once (P1 四(三)14);
- `report_to_group`: the result reported to the plan's work group (meets the plan's 8-hour clock).

`repeat_or_group` and `media_contact` cases go up at registration (`plan_escalation`, run by
`registration.after_registration`). `general` and `other_incident` cases follow the ordinary path (P1
四(三)1, 15). The close action refuses a case of a type without the record its handling asks for
(`CLOSE_GUARDS`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _L
from pydantic import BaseModel, BeforeValidator, Field

from redress.cases.choices import (
    EXTERNAL_CHANNELS,
    OPEN_STATES,
    WORKING_STATES,
    EventKind,
    Flag,
    RevealPurpose,
    StatClass,
    State,
)
from redress.cases.models import Case, CaseEvent, CaseFlag, CompensationApproval
from redress.common.text import CLEAN
from redress.common.validators import InvalidValue, parse_amount
from redress.deadlines import services as clocks
from redress.deadlines.choices import ClockName
from redress.escalation import services as notices
from redress.escalation import triggers as rules
from redress.escalation.models import Accountability
from redress.organisation.choices import LEVEL_ORDER, Level, Role, level_above
from redress.organisation.models import Staff
from redress.plans import services as plans
from redress.plans.choices import (
    PAYMENT_CAP,
    PAYMENT_CAP_VIP,
    VERBAL_LOSS_LAPSE_DAYS,
    AngerShown,
    AtmFeeDecision,
    CoordinationVia,
    OutsideHelp,
    PlanType,
)
from redress.plans.models import (
    AggressiveCustomerRecord,
    AtmDirection,
    BusinessLineReport,
    CompensationClaim,
    Coordination,
    CrossProvinceReport,
    EmergencyPayment,
    PlanCase,
    PlanPayout,
    Statement,
    VerbalLossReport,
    WaitSoothing,
)

from . import params as p
from . import permissions as who
from .machine import STAYS, Action, Change, Context, Guard
from .routing import escalation_change

# The types whose handling needs the business line, the approved statement and a promised time (P1 四(三)).
CONFIRMED_TYPES = frozenset(
    {PlanType.EVENT_CAUSED, PlanType.CUSTOMER_DATA_ANOMALY, PlanType.TRANSACTION_ANOMALY}
)
# The types whose anomaly is also reported through the business line before the case closes (P1 四(三)6, 7).
REPORTED_TYPES = frozenset({PlanType.CUSTOMER_DATA_ANOMALY, PlanType.TRANSACTION_ANOMALY})
# Types that go up at once at registration, and to which level (P1 四(三)9, 14).
STRAIGHT_UP = {PlanType.REPEAT_OR_GROUP: Level.PROVINCE, PlanType.MEDIA_CONTACT: Level.BRANCH}
# The plan's work group a case goes up to at once when the bank is stormed or the customer's anger is
# reported (P1 四(三)11, 14): the branch's, as for a media contact.
WORK_GROUP_LEVEL = Level.BRANCH


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


def _go_up(ctx: Context, to_level: str | None, reason: str, trigger: str, *, step_by_step: bool = False):
    """Later in a plan case's life, an action that sends it up at once does so in its own event, as the
    registration's triggers do (one `Escalation` per level on the way when step by step, 逐级上报): (the
    case's field updates, the event's data). The reason is the bank's record, in its language."""
    case = ctx.case
    if to_level is None or LEVEL_ORDER[to_level] <= LEVEL_ORDER[case.level]:
        return {}, {}
    levels = [to_level]
    if step_by_step:
        levels = [lvl.value for lvl in list(Level)[LEVEL_ORDER[case.level] + 1 : LEVEL_ORDER[to_level] + 1]]
    original, fields, steps = case.level, {}, []
    for level in levels:
        fields, step = escalation_change(ctx.actor, case, level, str(reason), trigger)
        case.level = level  # the next step starts where this one ended
        steps.append(step)
    case.level = original  # the machine records the old value from the case
    return fields, {"trigger": trigger, "steps": steps}


# ---- report through the business line (P1 四(三)6, 7) --------------------------------------------------


class BusinessLineReportParams(p.Params):
    business_line: p.unit_ref(
        _L("business line"),
        "Code of the business line's department the anomaly was reported to",
        example="WH-PB",
    )
    reported_at: p.moment(_L("reported at"), "When it was reported; now if omitted") = None
    note: p.text(
        _L("note"), "What was reported", required=False, example="已按条线上报个人金融部，请求核查客户信息。"
    ) = ""


def _report_to_business_line(ctx: Context) -> Change:
    reported = ctx.params.reported_at or ctx.now
    line = ctx.refs["business_line"]
    BusinessLineReport.objects.create(
        case=ctx.case, business_line=line, reported_at=reported, note=ctx.params.note, by=ctx.actor
    )
    return Change(
        {}, {"business_line": line.code, "reported_at": reported.isoformat(), "note": ctx.params.note}
    )


def _not_a_department(ctx: Context) -> bool:
    line = ctx.refs.get("business_line")
    return line is not None and not line.is_department


def awaiting_business_line_report(case: Case) -> bool:
    return plan_type_of(case) in REPORTED_TYPES and not case.business_line_reports.exists()


# ---- ATM unavailable (P1 四(三)5) ----------------------------------------------------------------------


def _person(label, description: str, *, example: str) -> Any:
    """A staff member by username, required."""
    return Annotated[
        str,
        p.Widget(label, "line", required=True),
        p.Reference("staff"),
        Field(min_length=1, description=description, examples=[example]),
        CLEAN,
    ]


def _optional_amount(label, description: str, *, example: str) -> Any:
    return Annotated[
        Decimal | str | None,
        p.Widget(label, "line"),
        BeforeValidator(parse_amount),
        Field(description=description, examples=[example]),
    ]


class OtherAtm(p.Params):
    where: p.line(
        _L("other bank's ATM"),
        "Which other bank's ATM nearby the customer was directed to, and where it is",
        example="解放大道工商银行ATM（距网点约200米）",
        max_length=200,
    )


def _direct_to_other_atm(ctx: Context) -> Change:
    AtmDirection.objects.create(case=ctx.case, where=ctx.params.where, by=ctx.actor, at=ctx.now)
    return Change({}, {"where": ctx.params.where})


class AtmFee(p.Params):
    fee_decision: p.choice(
        _L("fee decision"),
        AtmFeeDecision,
        "How the customer's question about the other bank's fee was settled, case by case",
        radio=True,
        example=AtmFeeDecision.REFUNDED,
    )
    amount: _optional_amount(
        _L("refunded (yuan)"),
        "Yuan refunded; only with fee_decision refunded, and then required",
        example="4.00",
    ) = None
    decided_by: _person(_L("decided by"), "Username of who decided it", example="outlet_head")


def _decide_atm_fee(ctx: Context) -> Change:
    amount = ctx.params.amount
    AtmDirection.objects.filter(case=ctx.case).update(
        fee_decision=ctx.params.fee_decision,
        fee_refunded=amount,
        fee_decided_by=ctx.refs["decided_by"],
        fee_decided_at=ctx.now,
    )
    data = {"fee_decision": ctx.params.fee_decision, "decided_by": ctx.refs["decided_by"].username}
    if amount is not None:
        data["amount"] = f"{amount:.2f}"
    return Change({}, data)


def _atm_direction(case: Case) -> AtmDirection | None:
    return AtmDirection.objects.filter(case=case).first()


def awaiting_atm_direction(case: Case) -> bool:
    return plan_type_of(case) == PlanType.ATM_UNAVAILABLE and _atm_direction(case) is None


# ---- long wait (P1 四(三)8) -----------------------------------------------------------------------------


class Soothing(p.Params):
    soothed_by: _person(
        _L("soothed by (lobby manager)"),
        "Username of the lobby manager who soothed the customer",
        example="teller",
    )
    note: p.text(
        _L("how"),
        "How the customer was soothed",
        required=False,
        example="大堂经理为客户倒水并解释叫号恢复时间。",
    ) = ""
    agitated: p.yes_no(
        _L("customer agitated?"),
        "true: the customer was agitated, and the outlet head took them to the VIP room",
        example=False,
    )
    guided_by: p.staff_ref(
        _L("taken to the VIP room by (outlet head)"),
        "Username of the outlet head who took the agitated customer to the VIP room; required when agitated",
        example="outlet_head",
    ) = None
    business_done: p.flag(
        _L("helped to finish the business"),
        "The outlet head helped the agitated customer finish their business; required when agitated",
        example=True,
    ) = False
    gift: p.line(
        _L("small gift"),
        "The small gift given, if any",
        required=False,
        example="纪念水杯一个",
        max_length=100,
    ) = ""


def _soothe_long_wait(ctx: Context) -> Change:
    params, guide = ctx.params, ctx.refs.get("guided_by")
    WaitSoothing.objects.create(
        case=ctx.case,
        soothed_by=ctx.refs["soothed_by"],
        agitated=params.agitated,
        guided_by=guide,
        business_done=params.business_done,
        gift=params.gift,
        note=params.note,
        by=ctx.actor,
        at=ctx.now,
    )
    return Change(
        {},
        {"soothed_by": ctx.refs["soothed_by"].username, "note": params.note, "agitated": params.agitated,
         "guided_by": guide and guide.username, "business_done": params.business_done, "gift": params.gift},
    )  # fmt: skip


def _guide_missing(ctx: Context) -> bool:
    return ctx.params.agitated and ctx.params.guided_by is None


def _guide_not_head(ctx: Context) -> bool:
    guide = ctx.refs.get("guided_by")
    return ctx.params.agitated and guide is not None and not guide.has_role(Role.OUTLET_HEAD)


def awaiting_soothing(case: Case) -> bool:
    return plan_type_of(case) == PlanType.LONG_WAIT and not WaitSoothing.objects.filter(case=case).exists()


# ---- compensation demanded (P1 四(三)10) ----------------------------------------------------------------


class Claim(p.Params):
    reasons: p.text(
        _L("customer's reasons"),
        "The reasons the customer gave for the compensation demanded, as they stated them",
        example="客户称因系统切换未能按时还款，被收取罚息二百元，要求赔偿。",
    )
    soothing: p.text(
        _L("soothing"),
        "How the customer was soothed; nothing may be promised",
        required=False,
        example="已认真听取并记录，告知将会同业务部门研究后答复。",
    ) = ""


def _record_compensation_claim(ctx: Context) -> Change:
    CompensationClaim.objects.create(
        case=ctx.case, reasons=ctx.params.reasons, soothing=ctx.params.soothing, by=ctx.actor, at=ctx.now
    )
    return Change({}, {"reasons": ctx.params.reasons, "soothing": ctx.params.soothing})


class PlanPayoutParams(p.Params):
    amount: p.amount(_L("amount (yuan)"), "Yuan paid out, as agreed", example="200.00")
    business_line: p.unit_ref(
        _L("business line"),
        "Code of the business line's department the payout was agreed with",
        example="WH-PB",
    )
    agreed_with: p.line(
        _L("agreed with"), "Who agreed it for the business line's department", example="张建国"
    )
    agreement: p.text(
        _L("agreement"),
        "What was agreed jointly with the department",
        example="经与个人金融部共同协商，退还切换期间多收罚息二百元。",
    )


def _agree_plan_payout(ctx: Context) -> Change:
    amount = p.amount_of(ctx.params.amount)
    line = ctx.refs["business_line"]
    # The joint agreement is the business line's approval (R6.3): a reply may then promise the payout.
    approval = CompensationApproval.objects.create(
        case=ctx.case,
        by=ctx.actor,
        amount=amount,
        business_line=line,
        approver_name=ctx.params.agreed_with,
        note=ctx.params.agreement,
    )
    PlanPayout.objects.create(
        case=ctx.case, approval=approval, agreement=ctx.params.agreement, by=ctx.actor, at=ctx.now
    )
    return Change(
        {},
        {"amount": f"{amount:.2f}", "business_line": line.code, "agreed_with": ctx.params.agreed_with,
         "agreement": ctx.params.agreement, "approval": approval.pk},
    )  # fmt: skip


def is_compensation(case: Case) -> bool:
    return plan_type_of(case) == PlanType.COMPENSATION


def payout_not_agreed(case: Case) -> bool:
    """A compensation plan case with a payout approved outside a joint agreement with the business line."""
    return is_compensation(case) and case.compensation_approvals.filter(plan_payout__isnull=True).exists()


def awaiting_claim(case: Case) -> bool:
    return is_compensation(case) and not CompensationClaim.objects.filter(case=case).exists()


# ---- aggressive customer (P1 四(三)11) ------------------------------------------------------------------


class Aggressive(p.Params):
    video_covered: p.flag(
        _L("under video surveillance"), "It was handled where the video surveillance covers it", example=True
    ) = False
    led_to: p.line(
        _L("led to"),
        "Where the customer was led, away from where customers gather",
        example="二楼贵宾室",
        max_length=200,
    )
    stormed: p.flag(
        _L("bank stormed or a crowd gathered"),
        "The bank was stormed or a crowd gathered: the security department or the police are called and the "
        "case goes up to the plan's work group at once",
    ) = False
    called: p.optional_choice(
        _L("called"),
        OutsideHelp,
        "Who was called; required when the bank was stormed or a crowd gathered",
        example=OutsideHelp.SECURITY_DEPARTMENT,
    ) = None
    called_at: p.moment(_L("called at"), "When they were called; now if omitted") = None
    note: p.text(
        _L("what happened"),
        "What happened and what was done",
        required=False,
        example="客户醉酒后大声喧哗，经劝导平静离开。",
    ) = ""


def _handle_aggressive_customer(ctx: Context) -> Change:
    params = ctx.params
    called_at = (params.called_at or ctx.now) if params.called else None
    record = AggressiveCustomerRecord.objects.create(
        case=ctx.case,
        led_to=params.led_to,
        video_covered=params.video_covered,
        stormed=params.stormed,
        called=params.called or "",
        called_at=called_at,
        note=params.note,
        by=ctx.actor,
        at=ctx.now,
    )
    fields: dict[str, Any] = {}
    up: dict[str, Any] = {}
    if params.stormed:
        # Up to the plan's work group at once, as a media contact goes at registration.
        with translation.override(settings.LANGUAGE_CODE):
            reason = _("Emergency plan: the bank was stormed or a crowd gathered; %(called)s called.") % {
                "called": OutsideHelp(params.called).label
            }
        fields, up = _go_up(ctx, WORK_GROUP_LEVEL, reason, "plan_aggressive_customer")
    return Change(
        fields,
        {"video_covered": params.video_covered, "led_to": params.led_to, "stormed": params.stormed,
         "called": params.called or "", "called_at": called_at and called_at.isoformat(), "note": params.note,
         "record": record.pk, **up},
    )  # fmt: skip


def awaiting_aggressive_record(case: Case) -> bool:
    return plan_type_of(case) == PlanType.AGGRESSIVE_CUSTOMER and not case.aggressive_records.exists()


# ---- customer in mental distress (P1 四(三)12) ---------------------------------------------------------


class CoordinationParams(p.Params):
    via: p.choice(
        _L("through"), CoordinationVia, "Through whom it was coordinated", example=CoordinationVia.FAMILY
    )
    with_whom: p.line(
        _L("with whom"),
        "Who was contacted (the authority, employer, relative…)",
        example="客户之子李明",
        max_length=200,
    )
    at: p.moment(_L("when"), "When; now if omitted") = None
    outcome: p.text(_L("outcome"), "What came of it", example="家属已到网点将客户接回，并表示会妥善照顾。")


def _coordinate_mental_health(ctx: Context) -> Change:
    at = ctx.params.at or ctx.now
    Coordination.objects.create(
        case=ctx.case,
        via=ctx.params.via,
        contact=ctx.params.with_whom,
        at=at,
        outcome=ctx.params.outcome,
        by=ctx.actor,
    )
    return Change(
        {},
        {"via": ctx.params.via, "with_whom": ctx.params.with_whom, "at": at.isoformat(),
         "outcome": ctx.params.outcome},
    )  # fmt: skip


def awaiting_coordination(case: Case) -> bool:
    return plan_type_of(case) == PlanType.MENTAL_HEALTH and not case.coordinations.exists()


# ---- cross-province business (P1 四(三)13) -------------------------------------------------------------


class CrossProvince(p.Params):
    sister_bank: p.line(
        _L("sister bank in the other province"),
        "The bank in the other province the business was done with",
        example="某省分行长沙分行营业部",
        max_length=200,
    )
    reason: p.text(
        _L("why it cannot be solved here"),
        "Why it cannot be solved at this level",
        example="客户在外省网点办理的汇款未到账，需异地行核查。",
    )


def _report_cross_province(ctx: Context) -> Change:
    to_level = level_above(ctx.case.level)
    CrossProvinceReport.objects.create(
        case=ctx.case,
        sister_bank=ctx.params.sister_bank,
        reason=ctx.params.reason,
        from_level=ctx.case.level,
        to_level=to_level,
        by=ctx.actor,
        at=ctx.now,
    )
    with translation.override(settings.LANGUAGE_CODE):
        reason = _(
            "Emergency plan: a cross-province complaint not solved at this level, for the next level's "
            "command centre to coordinate with %(bank)s."
        ) % {"bank": ctx.params.sister_bank}
    fields, up = _go_up(ctx, to_level, reason, "plan_cross_province")
    return Change(fields, {"sister_bank": ctx.params.sister_bank, "why": ctx.params.reason, **up})


# ---- the customer's anger, at any step (P1 四(三)14) ----------------------------------------------------


class Anger(p.Params):
    shown: p.choice(
        _L("what happened"),
        AngerShown,
        "What the customer did",
        radio=True,
        example=AngerShown.THREATENED_MEDIA,
    )
    note: p.text(
        _L("note"), "What the customer said or did", example="客户离开时情绪激动，称要向电视台反映。"
    )


def _report_anger(ctx: Context) -> Change:
    """Level by level to the work group at once. A media threat is what the media threat trigger finds at
    registration (R5.2): the same flag, reason and escalation, and it is told as that trigger tells it."""
    data: dict[str, Any] = {"shown": ctx.params.shown, "note": ctx.params.note}
    with translation.override(settings.LANGUAGE_CODE):
        if ctx.params.shown == AngerShown.THREATENED_MEDIA:
            fired = rules.media_threat(ctx.case, rules.current_settings(), frozenset({Flag.MEDIA_THREAT}))
            reason, trigger = str(fired.reason), str(Flag.MEDIA_THREAT)
            _flag, made = CaseFlag.objects.get_or_create(
                case=ctx.case,
                flag=Flag.MEDIA_THREAT,
                defaults={"set_by": ctx.actor, "evidence": {"set_by_staff": True, "note": ctx.params.note}},
            )
            data["flags"] = [str(Flag.MEDIA_THREAT)] if made else []
        else:
            reason = _("Emergency plan: %(what)s; reported up level by level to the work group at once.") % {
                "what": AngerShown(ctx.params.shown).label
            }
            trigger = "plan_anger"
    fields, up = _go_up(ctx, WORK_GROUP_LEVEL, reason, trigger, step_by_step=True)
    return Change(fields, {**data, **up})


def _tell_media_threat(ctx: Context, case: Case, data: dict) -> None:
    if data["shown"] != AngerShown.THREATENED_MEDIA:
        return
    with translation.override(settings.LANGUAGE_CODE):
        fired = rules.media_threat(case, rules.current_settings(), frozenset({Flag.MEDIA_THREAT}))
        notices.tell_about_triggers(case, {str(Flag.MEDIA_THREAT): fired})


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
        "report_to_business_line",
        WORKING_STATES,
        STAYS,
        who.any_party,
        EventKind.BUSINESS_LINE_REPORTED,
        _report_to_business_line,
        params=BusinessLineReportParams,
        applies=of_type(*REPORTED_TYPES),
        guards=(
            Guard(
                "business_line",
                _L("Name the business line's department (a unit of kind department)."),
                _not_a_department,
            ),
        ),
        label=_L("Report through the business line"),
        group="handling",
        summary="Record the report through the business line",
        description="Under an emergency plan, a customer data or transaction anomaly is reported through the "
        "business line (which department, when); the case does not close before it.",
    ),
    Action(
        "direct_to_other_atm",
        WORKING_STATES,
        STAYS,
        who.any_party,
        EventKind.ATM_DIRECTED,
        _direct_to_other_atm,
        params=OtherAtm,
        applies=of_type(PlanType.ATM_UNAVAILABLE),
        guards=(
            Guard(
                "where",
                _L("Where the customer was directed is already recorded."),
                lambda ctx: _atm_direction(ctx.case) is not None,
                uses_params=False,
            ),
        ),
        label=_L("Directed to another bank's ATM"),
        group="handling",
        summary="Record where the customer was directed",
        description="Under an emergency plan, our ATMs unavailable: the other bank's ATM nearby the customer "
        "was directed to; the case does not close before it.",
    ),
    Action(
        "decide_atm_fee",
        WORKING_STATES,
        STAYS,
        who.any_party,
        EventKind.ATM_FEE_DECIDED,
        _decide_atm_fee,
        params=AtmFee,
        applies=of_type(PlanType.ATM_UNAVAILABLE),
        guards=(
            Guard(
                "fee_decision",
                _L("Record first where the customer was directed."),
                lambda ctx: _atm_direction(ctx.case) is None,
                uses_params=False,
            ),
            Guard(
                "fee_decision",
                _L("The fee question of this case is already settled."),
                lambda ctx: bool(getattr(_atm_direction(ctx.case), "fee_decision", "")),
                uses_params=False,
            ),
            Guard(
                "amount",
                _L("Give the amount refunded, in yuan."),
                lambda ctx: ctx.params.fee_decision == AtmFeeDecision.REFUNDED and ctx.params.amount is None,
            ),
            Guard(
                "amount",
                _L("An amount goes only with a refund."),
                lambda ctx: (
                    ctx.params.fee_decision != AtmFeeDecision.REFUNDED and ctx.params.amount is not None
                ),
            ),
        ),
        label=_L("Settle the ATM fee question"),
        group="handling",
        summary="Settle the customer's question about the other bank's ATM fee",
        description="Case by case: the fee waived, refunded (the amount in yuan) or explained, and who "
        "decided.",
    ),
    Action(
        "soothe_long_wait",
        WORKING_STATES,
        STAYS,
        who.any_party,
        EventKind.WAIT_SOOTHED,
        _soothe_long_wait,
        params=Soothing,
        applies=of_type(PlanType.LONG_WAIT),
        guards=(
            Guard(
                "guided_by",
                _L("An agitated customer is taken to the VIP room by the outlet head: name them."),
                _guide_missing,
            ),
            Guard(
                "guided_by",
                _L("The person who takes an agitated customer to the VIP room is the outlet head."),
                _guide_not_head,
            ),
            Guard(
                "business_done",
                _L("The outlet head helps the agitated customer finish their business."),
                lambda ctx: ctx.params.agitated and not ctx.params.business_done,
            ),
            Guard(
                "soothed_by",
                _L("The soothing of this case is already recorded."),
                lambda ctx: WaitSoothing.objects.filter(case=ctx.case).exists(),
                uses_params=False,
            ),
        ),
        label=_L("Record the soothing"),
        group="handling",
        summary="Record the soothing of a waiting customer",
        description="Under an emergency plan, a long wait: the lobby manager's soothing; an agitated "
        "customer taken by the outlet head to the VIP room and helped to finish the business; a small gift "
        "if given. The case does not close before it.",
    ),
    Action(
        "record_compensation_claim",
        WORKING_STATES,
        STAYS,
        who.any_party,
        EventKind.COMPENSATION_CLAIMED,
        _record_compensation_claim,
        params=Claim,
        applies=of_type(PlanType.COMPENSATION),
        guards=(
            Guard(
                "reasons",
                _L("The customer's reasons are already recorded."),
                lambda ctx: CompensationClaim.objects.filter(case=ctx.case).exists(),
                uses_params=False,
            ),
        ),
        label=_L("Record the compensation claim"),
        group="handling",
        hint=_L("Listen and record; promise nothing."),
        summary="Record the customer's reasons for compensation",
        description="Under an emergency plan, a compensation demand: the customer's reasons as stated. No "
        "outlet promises anything; the case does not close before it.",
    ),
    Action(
        "agree_plan_payout",
        WORKING_STATES,
        STAYS,
        who.business_line,
        EventKind.PLAN_PAYOUT_AGREED,
        _agree_plan_payout,
        params=PlanPayoutParams,
        applies=of_type(PlanType.COMPENSATION),
        guards=(
            Guard(
                "business_line",
                _L(
                    "A payout is agreed jointly with the business line's department (a unit of kind "
                    "department)."
                ),
                _not_a_department,
            ),
            Guard(
                "amount",
                _L("Record the customer's reasons first."),
                lambda ctx: awaiting_claim(ctx.case),
                uses_params=False,
            ),
        ),
        label=_L("Payout agreed with the business line"),
        group="handling",
        summary="Record a payout agreed jointly with the business line",
        description="Under an emergency plan, a compensation demand: a payout only as agreed jointly with "
        "the business line's department (which, who, what was agreed). It is the business line's approval a "
        "reply promising the payout needs; without it the payout is refused field by field.",
    ),
    Action(
        "handle_aggressive_customer",
        WORKING_STATES,
        STAYS,
        who.any_party,
        EventKind.AGGRESSIVE_HANDLED,
        _handle_aggressive_customer,
        params=Aggressive,
        applies=of_type(PlanType.AGGRESSIVE_CUSTOMER),
        guards=(
            Guard(
                "video_covered",
                _L("An aggressive customer is dealt with where the video surveillance covers it."),
                lambda ctx: not ctx.params.video_covered,
            ),
            Guard(
                "called",
                _L("The bank was stormed or a crowd gathered: say whom you called."),
                lambda ctx: ctx.params.stormed and not ctx.params.called,
            ),
        ),
        label=_L("Record the handling of an aggressive customer"),
        group="handling",
        summary="Record the handling of an aggressive customer",
        description="Under an emergency plan: under video surveillance, led away from where customers "
        "gather; if the bank was stormed or a crowd gathered, the security department or the police called, "
        "and the case goes up to the plan's work group (branch) at once. The case does not close before it.",
    ),
    Action(
        "coordinate_mental_health",
        WORKING_STATES,
        STAYS,
        who.any_party,
        EventKind.COORDINATED,
        _coordinate_mental_health,
        params=CoordinationParams,
        applies=of_type(PlanType.MENTAL_HEALTH),
        label=_L("Record coordination"),
        group="handling",
        summary="Record coordination through others",
        description="Under an emergency plan, a customer in mental distress: coordination through local "
        "authorities, the employer, family or relatives, or a home visit (which, with whom, when, the "
        "outcome). The case does not close before one.",
    ),
    Action(
        "report_cross_province",
        WORKING_STATES,
        STAYS,
        who.any_party,
        EventKind.CROSS_PROVINCE_REPORTED,
        _report_cross_province,
        params=CrossProvince,
        applies=of_type(PlanType.CROSS_PROVINCE),
        guards=(
            Guard(
                "reason",
                _L("The case is already at the top level."),
                lambda ctx: level_above(ctx.case.level) is None,
                uses_params=False,
            ),
        ),
        label=_L("Report up for the sister bank"),
        group="handling",
        summary="Report a cross-province complaint one level up",
        description="Under an emergency plan, cross-province business not solved at this level: reported to "
        "the next level's command centre group to coordinate with the sister bank in the other province; the "
        "case goes up one level.",
    ),
    Action(
        "report_anger",
        OPEN_STATES,
        STAYS,
        who.any_party,
        EventKind.ANGER_REPORTED,
        _report_anger,
        params=Anger,
        applies=in_plan,
        then=_tell_media_threat,
        label=_L("Customer left angry or threatened the media"),
        group="handling",
        summary="Report the customer's anger up at once",
        description="Under an emergency plan, at any step: a customer who left angry, used violent words or "
        "threatened to go to the media is reported up level by level to the work group (branch) at once; a "
        "media threat is flagged and told as at registration.",
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
    Guard(
        "responsibility",
        _L("The anomaly must be reported through the business line before the case closes."),
        lambda ctx: awaiting_business_line_report(ctx.case),
        uses_params=False,
    ),
    Guard(
        "responsibility",
        _L("Record first which other bank's ATM the customer was directed to."),
        lambda ctx: awaiting_atm_direction(ctx.case),
        uses_params=False,
    ),
    Guard(
        "responsibility",
        _L("Record first how the waiting customer was soothed."),
        lambda ctx: awaiting_soothing(ctx.case),
        uses_params=False,
    ),
    Guard(
        "responsibility",
        _L("Record first the reasons the customer gave for the compensation."),
        lambda ctx: awaiting_claim(ctx.case),
        uses_params=False,
    ),
    Guard(
        "responsibility",
        _L(
            "Under the plan a payout is agreed jointly with the business line's department: record the "
            "agreement first."
        ),
        lambda ctx: payout_not_agreed(ctx.case),
        uses_params=False,
    ),
    Guard(
        "responsibility",
        _L("Record first how the aggressive customer was handled."),
        lambda ctx: awaiting_aggressive_record(ctx.case),
        uses_params=False,
    ),
    Guard(
        "responsibility",
        _L("Record first the coordination through the authorities, employer, family or a home visit."),
        lambda ctx: awaiting_coordination(ctx.case),
        uses_params=False,
    ),
)

# Guards the reply adds for plan cases (redress.lifecycle.reply_close): under the plan no outlet promises a
# payout; only one agreed jointly with the business line's department may be (P1 四(三)10).
REPLY_GUARDS = (
    Guard(
        "promises_compensation",
        _L(
            "Under the plan a payout is promised only once agreed jointly with the business line's "
            "department."
        ),
        lambda ctx: (
            ctx.params.promises_compensation
            and is_compensation(ctx.case)
            and not ctx.case.plan_payouts.exists()
        ),
    ),
)
