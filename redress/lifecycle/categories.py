"""Category paths (R6): anonymous reports, compensation approved by the business line, economic disputes
referred to legal counsel, repeats linked and re-verified, and safety incidents."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from redress.cases.choices import (
    OPEN_STATES,
    WORKING_STATES,
    EventKind,
    Flag,
    SafetyIncident,
    State,
)
from redress.cases.models import CaseFlag, CompensationApproval, LegalReferral, SafetyRecord

from . import params as p
from . import permissions as who
from .machine import STAYS, Action, Change, Context, Guard


class ApproveCompensation(p.Params):
    amount: p.amount(_("amount (yuan)"), "Yuan, ≥ 0, at most 2 decimals", example="380.00")
    business_line: p.unit_ref(
        _("business line"), "Code of the business line's department that approved (R6.3)", example="WH-PB"
    )
    approver_name: p.line(_("approved by"), "Who approved", example="张建国")
    note: p.text(
        _("note"),
        "Conditions of the approval",
        required=False,
        example="退还多收的年费三百八十元，客户签收后办结。",
    ) = ""


def _approve_compensation(ctx: Context) -> Change:
    amount = p.amount_of(ctx.params.amount)
    business_line = ctx.refs["business_line"]
    approval = CompensationApproval.objects.create(
        case=ctx.case,
        by=ctx.actor,
        amount=amount,
        business_line=business_line,
        approver_name=ctx.params.approver_name,
        note=ctx.params.note,
    )
    return Change(
        {},
        {
            "amount": str(amount),
            "business_line": business_line.code,
            "approver": ctx.params.approver_name,
            "approval": approval.pk,
        },
    )


class ReferLegal(p.Params):
    note: p.text(
        _("note"),
        "The economic dispute referred to legal counsel (R6.4)",
        example="客户要求赔偿理财亏损十二万元并已委托律师，涉及合同条款解释，转法律事务部研究。",
    )


def _refer_legal(ctx: Context) -> Change:
    referral = LegalReferral.objects.create(
        case=ctx.case, by=ctx.actor, note=ctx.params.note, leadership_informed=True
    )
    CaseFlag.objects.get_or_create(
        case=ctx.case,
        flag=Flag.LEGAL_DISPUTE,
        defaults={"set_by": ctx.actor, "evidence": {"referral": referral.pk}},
    )
    return Change({}, {"note": ctx.params.note, "referral": referral.pk})


class RecordSafety(p.Params):
    incident: p.choice(_("incident"), SafetyIncident, "What kind of incident (R6.8)")
    note: p.text(
        _("what happened and what was done"),
        "What happened and what was done",
        example="客户在营业大厅大声辱骂柜员并拍打柜台，大堂经理将其引导至贵宾室安抚，保卫人员到场。",
    )
    security_called: p.flag(
        _("security department called"), "The security department was called", example=True
    ) = False
    police_called: p.flag(_("police called"), "The police were called") = False
    video_covered: p.flag(_("covered by video"), "The scene is covered by video", example=True) = False


def _record_safety(ctx: Context) -> Change:
    values = ctx.params.model_dump()
    steps = {name: values[name] for name in ("security_called", "police_called", "video_covered")}
    record = SafetyRecord.objects.create(
        case=ctx.case, by=ctx.actor, incident=values["incident"], note=values["note"], **steps
    )
    return Change({}, {"incident": values["incident"], "note": values["note"], **steps, "record": record.pk})


class AssessAnonymous(p.Params):
    good_faith: p.yes_no(
        _("made in good faith?"),
        "true: made in good faith, verified and filed. false: malicious, analysed (R6.1)",
    )
    note: p.text(
        _("what was verified, or the analysis"),
        "What was verified, or the analysis",
        example="经核实，举报的客户经理违规代客理财线索属实，已移交监察室立案。",
    )


def _assess_anonymous(ctx: Context) -> Change:
    """R6.1: an anonymous report made in good faith is verified and filed; a malicious one is analysed."""
    good_faith = ctx.params.good_faith
    outcome = "verified_and_filed" if good_faith else "analysed_as_malicious"
    return Change({}, {"good_faith": good_faith, "outcome": outcome, "note": ctx.params.note})


class LinkRepeat(p.Params):
    previous_case: p.case_ref(
        _("earlier case number"), "Number of the earlier case this one repeats (R6.6)", example="TS2026000128"
    )


def _link_repeat(ctx: Context) -> Change:
    previous = ctx.refs["previous_case"]
    CaseFlag.objects.get_or_create(
        case=ctx.case,
        flag=Flag.REPEAT,
        defaults={"set_by": ctx.actor, "evidence": {"previous_case": previous.number}},
    )
    return Change({"previous_case": previous}, {"previous_case": previous.number})


class Reverify(p.Params):
    note: p.text(
        _("note"),
        "What the re-verification of a repeat complaint found",
        example="复核确认前次处理结论无误，手续费已于11月20日退还，客户再次反映系未查看到账短信。",
    )


def _reverify(ctx: Context) -> Change:
    return Change({}, {"note": ctx.params.note, "previous_case": ctx.case.previous_case.number})


ACTIONS = (
    Action(
        "approve_compensation",
        WORKING_STATES,
        STAYS,
        who.business_line,
        EventKind.COMPENSATION_APPROVED,
        _approve_compensation,
        params=ApproveCompensation,
        guards=(
            Guard(
                "business_line",
                _("Name the business line's department (a unit of kind department)."),
                lambda ctx: (
                    ctx.refs.get("business_line") is not None and not ctx.refs["business_line"].is_department
                ),
            ),
        ),
        label=_("Record compensation approval"),
        group="handling",
        summary="Record the business line's compensation approval",
        description="Needed before a reply may promise a payout (R6.3).",
    ),
    Action(
        "refer_legal",
        WORKING_STATES,
        STAYS,
        who.legal_or_leader,
        EventKind.REFERRED_LEGAL,
        _refer_legal,
        params=ReferLegal,
        label=_("Refer to legal counsel"),
        group="handling",
        summary="Refer to legal counsel",
        description="An economic dispute (R6.4).",
    ),
    Action(
        "assess_anonymous",
        WORKING_STATES,
        STAYS,
        who.holder,
        EventKind.ANONYMOUS_ASSESSED,
        _assess_anonymous,
        params=AssessAnonymous,
        applies=lambda case: case.complainant_anonymous or case.category == "anonymous",
        label=_("Assess anonymous report"),
        group="handling",
        summary="Assess an anonymous report",
        description="Good faith: verify and file; malicious: analyse (R6.1).",
    ),
    Action(
        "record_safety",
        OPEN_STATES | {State.CLOSED},
        STAYS,
        who.any_party,
        EventKind.SAFETY_RECORDED,
        _record_safety,
        params=RecordSafety,
        label=_("Record safety incident"),
        group="handling",
        summary="Record a safety incident",
        description="An aggressive customer and the steps taken (R6.8).",
    ),
    Action(
        "link_repeat",
        OPEN_STATES,
        STAYS,
        who.any_party,
        EventKind.REPEAT_LINKED,
        _link_repeat,
        params=LinkRepeat,
        label=_("Link to earlier case"),
        group="handling",
        summary="Link to an earlier case",
        description="Marks a repeat complaint and links the earlier case (R6.6).",
    ),
    Action(
        "reverify",
        WORKING_STATES,
        STAYS,
        who.holder,
        EventKind.REVERIFIED,
        _reverify,
        params=Reverify,
        guards=(
            Guard(
                "note",
                _("Only a repeat complaint linked to an earlier case is re-verified."),
                lambda ctx: ctx.case.previous_case_id is None,
                uses_params=False,
            ),
        ),
        label=_("Re-verify"),
        group="handling",
        summary="Re-verify a repeat",
        description="The re-verification of a repeat complaint (R6.6).",
    ),
)
