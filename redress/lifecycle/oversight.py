"""Oversight from above and outside (P1 三、3; P2 第九条(三); P3 第十五、十八、二十、二十三、二十四条):
a supervision notice issued by hand, accountability recorded with its sanction, the investigation of a
withdrawal under pressure concluded, a suspected crime referred to the judicial authorities, and a major or
media complaint reported outside the bank."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from redress.cases.choices import OPEN_STATES, EventKind, ExternalBody, InvestigationState, Sanction, State
from redress.cases.models import Case, Investigation
from redress.escalation.models import Accountability, SupervisionNotice
from redress.notifications.services import recipients_for
from redress.organisation.choices import Level, Role, level_above

from . import params as p
from . import permissions as who
from .machine import STAYS, Action, Change, Context, Guard, Tell

EVERY_STATE = frozenset(State.values)


# ---- a supervision notice by hand (督办) ------------------------------------------------------------------


class Supervise(p.Params):
    text: p.text(
        _("what is asked"),
        "What the higher level asks of the unit holding the case",
        example="请于12月9日17时前向客户答复并报送处理结果，逾期将按规定问责。",
    )
    due_at: p.deadline(_("reply due"), "When the unit must have acted (a moment still to come)")


def _issuing_level(ctx: Context) -> str:
    return level_above(ctx.case.level) or Level.HEAD_OFFICE


def _supervise(ctx: Context) -> Change:
    case = ctx.case
    level = _issuing_level(ctx)
    last = SupervisionNotice.objects.filter(case=case).order_by("-sequence").first()
    notice = SupervisionNotice.objects.create(
        case=case,
        sequence=(last.sequence + 1) if last else 1,
        issued_level=level,
        issued_by_unit=ctx.actor.unit.at_level(level) if ctx.actor.unit_id else None,
        to_unit=case.holder_unit,
        reason=ctx.params.text,
        issued_at=ctx.now,
        due_at=ctx.params.due_at,
    )
    return Change({}, {"note": ctx.params.text, "due_at": notice.due_at.isoformat(), "notice": notice.pk})


def _addressees(ctx: Context, case: Case, data: dict) -> list:
    holders = recipients_for(case, roles=(Role.OUTLET_HEAD, Role.HANDLER), unit=case.holder_unit)
    return [case.handler, *holders]


def may_supervise(user, case: Case) -> bool:
    """The supervision office, or a leader (in charge, or of a work group) of a unit above the one holding
    the case: a unit does not supervise itself."""
    if who.sees_all(user):
        return True
    if not user.has_role(Role.WORK_GROUP_LEADER, Role.LEADER_IN_CHARGE) or user.unit_id is None:
        return False
    own, held = user.unit.path, case.holder_unit_path
    return held.startswith(own) and held != own


def office_or_leader(user, case: Case) -> bool:
    """Reports outside the bank and referrals to the authorities: the office, leaders and legal counsel."""
    return user.has_role(
        Role.SUPERVISION_OFFICE, Role.LEADER_IN_CHARGE, Role.WORK_GROUP_LEADER, Role.LEGAL, Role.ADMIN
    )


# ---- accountability by hand (问责) -----------------------------------------------------------------------


class HoldAccountable(p.Params):
    unit: p.unit_ref(_("unit held responsible"), "Code of the unit held responsible", example="WH0101")
    staff: p.staff_ref(
        _("staff member held responsible"),
        "Username of the staff member held responsible, if one is",
        example="subject",
    ) = None
    sanction: p.choice(_("sanction"), Sanction, "What was decided", example=Sanction.CRITICISM)
    note: p.text(
        _("grounds"),
        "Why: the fault found and the rule applied",
        example="未按规定时限答复客户，造成客户越级投诉，依据投诉处理办法第二十三条予以通报批评。",
    )


def _hold_accountable(ctx: Context) -> Change:
    unit, staff = ctx.refs["unit"], ctx.refs.get("staff")
    record = Accountability.objects.create(
        case=ctx.case,
        unit=unit,
        staff=staff,
        rule="manual",
        sanction=ctx.params.sanction,
        note=ctx.params.note,
        by=ctx.actor,
    )
    data = {"unit": unit.code, "sanction": ctx.params.sanction, "note": ctx.params.note}
    if staff is not None:
        data["staff"] = staff.username
    return Change({}, {**data, "accountability": record.pk})


# ---- the investigation of a withdrawal under pressure (P3 第十八条) ----------------------------------------


class ConcludeInvestigation(p.Params):
    findings: p.text(
        _("findings"),
        "What the investigation found",
        example="经调查，网点负责人曾多次电话要求客户撤诉，属实；已责令其书面检查。",
    )
    pressure_found: p.yes_no(
        _("pressure found"), "Whether the pressure on the customer was found to be real", example=True
    )


def _open_investigation(case: Case) -> Investigation | None:
    return case.investigations.filter(state=InvestigationState.OPEN).order_by("-id").first()


def _conclude_investigation(ctx: Context) -> Change:
    investigation = _open_investigation(ctx.case)
    Investigation.objects.filter(pk=investigation.pk).update(
        state=InvestigationState.CONCLUDED, findings=ctx.params.findings, concluded_at=ctx.now
    )
    return Change(
        {},
        {
            "note": ctx.params.findings,
            "pressure_found": ctx.params.pressure_found,
            "investigation": investigation.pk,
        },
    )


# ---- referral to the judicial authorities (P3 第二十四条) ----------------------------------------------


class ReferJudicial(p.Params):
    authority: p.line(
        _("authority"), "The judicial authority the case was referred to", example="武汉市公安局江汉区分局"
    )
    reference: p.line(
        _("their reference"),
        "The authority's reference number, if given",
        required=False,
        example="江公受〔2026〕118号",
    ) = ""
    at: p.moment(_("at"), "When it was referred; now when omitted") = None
    note: p.text(
        _("suspected crime"),
        "What crime is suspected, and what was handed over",
        example="涉嫌冒用他人身份开立账户用于电信诈骗，已移交开户资料及监控录像。",
    )


def _refer_judicial(ctx: Context) -> Change:
    at = ctx.params.at or ctx.now
    params = ctx.params
    return Change(
        {},
        {
            "authority": params.authority,
            "reference": params.reference,
            "at": at.isoformat(),
            "note": params.note,
        },
    )


# ---- reporting outside the bank (P3 第十五条, 第二十条) ---------------------------------------------------


class ReportExternally(p.Params):
    to: p.choice(_("reported to"), ExternalBody, "The body outside the bank", example=ExternalBody.REGULATOR)
    at: p.moment(_("at"), "When it was reported; now when omitted") = None
    note: p.text(
        _("report"),
        "What was reported: the matter, its handling so far and what follows",
        rows=6,
        example="客户因理财产品亏损聚集网点并联系媒体，已启动应急预案，由分行工作小组牵头处置，现将有关情况报告如下。",
    )


def _report_externally(ctx: Context) -> Change:
    at = ctx.params.at or ctx.now
    return Change({}, {"to": ctx.params.to, "at": at.isoformat(), "note": ctx.params.note})


ACTIONS = (
    Action(
        "supervise",
        OPEN_STATES,
        STAYS,
        may_supervise,
        EventKind.NOTICE_ISSUED,
        _supervise,
        params=Supervise,
        tells=(
            Tell(
                "supervision_notice",
                _addressees,
                _("A supervision notice on case %(number)s: act by the date it names"),
                body_from="note",
            ),
        ),
        label=_("Issue a supervision notice"),
        group="oversight",
        summary="Issue a supervision notice",
        description="A higher level asks the unit holding the case to act by a date (督办); the sweeper "
        "escalates and holds the unit accountable if it does not.",
    ),
    Action(
        "hold_accountable",
        EVERY_STATE,
        STAYS,
        who.supervision,
        EventKind.ACCOUNTABILITY_RECORDED,
        _hold_accountable,
        params=HoldAccountable,
        guards=(
            Guard(
                "staff",
                _("The staff member held responsible must belong to the unit held responsible."),
                lambda ctx: (
                    ctx.refs.get("staff") is not None
                    and ctx.refs.get("unit") is not None
                    and not (
                        ctx.refs["staff"].unit
                        and ctx.refs["staff"].unit.path.startswith(ctx.refs["unit"].path)
                    )
                ),
            ),
        ),
        label=_("Record accountability"),
        group="oversight",
        summary="Record accountability",
        description="Who is held responsible for the case and the sanction decided (问责).",
    ),
    Action(
        "conclude_investigation",
        EVERY_STATE,
        STAYS,
        who.supervision,
        EventKind.INVESTIGATION_CONCLUDED,
        _conclude_investigation,
        params=ConcludeInvestigation,
        guards=(
            Guard(
                "findings",
                _("No investigation of this case is open."),
                lambda ctx: _open_investigation(ctx.case) is None,
                uses_params=False,
            ),
        ),
        applies=lambda case: case.state == State.WITHDRAWN or case.investigations.exists(),
        label=_("Conclude the investigation"),
        group="oversight",
        summary="Conclude the investigation of a withdrawal under pressure",
        description="The findings of the investigation a withdrawal under pressure opened.",
    ),
    Action(
        "refer_judicial",
        EVERY_STATE,
        STAYS,
        office_or_leader,
        EventKind.REFERRED_JUDICIAL,
        _refer_judicial,
        params=ReferJudicial,
        label=_("Refer to the judicial authorities"),
        group="oversight",
        summary="Refer to the judicial authorities",
        description="A crime is suspected: the case is referred to the police or the procuratorate.",
    ),
    Action(
        "report_externally",
        EVERY_STATE,
        STAYS,
        office_or_leader,
        EventKind.REPORTED_EXTERNALLY,
        _report_externally,
        params=ReportExternally,
        label=_("Report outside the bank"),
        group="oversight",
        summary="Report a major or media complaint outside the bank",
        description="To the local office of the banking regulator or the provincial union's office, "
        "with its time.",
    ),
)
