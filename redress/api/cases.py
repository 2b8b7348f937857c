"""Cases: registration (JSON or multipart with attachments), the register as a list, detail, events,
attachment downloads, and the working lists (my cases, awaiting instruction, due soon / overdue). Every
read starts from `visible_to`; every write goes through `register_case` (actions: `action_endpoints.py`).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import ConfigDict
from pydantic import ValidationError as PydanticError

from redress.access.confidential import (
    content_withheld_q,
    may_see_content,
    withhold,
    withhold_rows,
)
from redress.access.visibility import (
    get_visible_case,
    hidden_numbers,
    numbers_hidden_in,
    redact_numbers,
    visible_to,
    withhold_numbers,
)
from redress.audit.models import AuditAction
from redress.audit.services import attachment_read, record_read
from redress.cases import attachments as attachment_store
from redress.cases import register_query
from redress.cases.choices import OPEN_STATES, Flag
from redress.cases.models import (
    Attachment,
    Case,
    CaseFlag,
    ResultReport,
    TransferOrder,
    with_relations,
)
from redress.cases.register_query import MAX_OFFSET, RegisterFilter
from redress.cases.services import MATTER_MAX, RegistrationData
from redress.common.errors import FieldErrors
from redress.common.schemas import param_example
from redress.common.text import Text, clean_text
from redress.common.validators import InvalidValue, mask_accounts, mask_address, mask_id_number, mask_phone
from redress.deadlines.choices import ClockState
from redress.deadlines.models import Clock
from redress.deadlines.services import case_deadlines, describe
from redress.escalation.models import SupervisionNotice
from redress.escalation.triggers import current_settings
from redress.lifecycle import allowed_actions, documents, personal, worklists
from redress.lifecycle.registration import register_case
from redress.matching import suggest
from redress.organisation.models import Staff, Unit
from redress.plans import services as plans
from redress.plans.choices import PlanType
from redress.plans.models import VerbalLossReport

from .errors import ApiError, forbidden, validation_errors
from .schemas import BODY_REFUSALS, ErrorOut

router = Router(tags=["cases"])

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 128
REPLAYED_HEADER = "Idempotent-Replayed"


# ---- input --------------------------------------------------------------------------------------------

# A registration as a counter of the demo bank would send it (`redress load-demo`: outlet WH0101 is
# 武汉江汉支行营业部, `subject` one of its tellers): the schema's example for both registration endpoints.
REGISTRATION_EXAMPLE: dict[str, Any] = {
    "kind": "complaint",
    "channel": "counter",
    "received_at": "2026-11-30T09:30:00+08:00",
    "complainant": {
        "name": "王丽华",
        "phone": "13871234567",
        "id_number": "420102198503142012",
        "vip": False,
        "anonymous": False,
        "confidential": True,
    },
    "subject_unit": "WH0101",
    "subject_staff": "subject",
    "matter": "11月30日上午在江汉支行营业部办理跨行转账，排队等候一个多小时，"
    "柜员态度冷淡，多次询问均不予解释。",
    "demand": "要求网点书面道歉，并说明转账手续费的收取依据。",
    "category": "service_attitude",
    "business_category": "支付结算/资金汇划",
    "reason": "服务态度及服务质量",
    "regulatory_channel": "营业现场",
    "amount": "25.00",
    "product": "跨行转账",
    "joint_complainants": 1,
    "flags": [],
}
# A case of the demo bank (it numbers its 600 cases from TS<year>000001), for the case's path parameter.
CASE_NUMBER_EXAMPLE = "TS2026000128"


def case_number() -> Any:
    """The path parameter `number`, documented with its example."""
    return Path(..., description="The case number, e.g. TS2026000128", example=CASE_NUMBER_EXAMPLE)


# The plan's complaint types (GLOSSARY.md), refused by the schema like any other unknown value.
PlanTypeIn = Literal[tuple(PlanType.values)]


class ComplainantIn(Schema):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [REGISTRATION_EXAMPLE["complainant"]]}
    )

    name: Text = ""
    phone: Text = ""
    id_number: Text = ""
    accounts: Text = Field(
        "", description="Account or card numbers the complaint is about, separated by commas"
    )
    address: Text = Field("", description="The complainant's postal address")
    vip: bool = False
    anonymous: bool = False
    confidential: bool = False


class CaseIn(Schema):
    """A registration. Identifiers (kind, channel, category, flags) are those of GLOSSARY.md."""

    # A misspelt field name would otherwise be dropped without a word and the fact lost.
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [REGISTRATION_EXAMPLE]})

    kind: Text
    channel: Text
    received_at: dt.datetime = Field(
        description="ISO 8601 with its UTC offset, e.g. 2026-03-02T09:30:00+08:00"
    )
    complainant: ComplainantIn = Field(default_factory=ComplainantIn)
    subject_unit: Text | None = Field(None, description="Code of the unit complained about")
    subject_staff: Text | None = Field(None, description="Username of the staff member complained about")
    matter: Text = Field(max_length=MATTER_MAX, description="The complaint in the complainant's words")
    demand: Text = Field("", max_length=MATTER_MAX, description="What the complainant asks for")
    category: Text = ""
    business_category: Text | None = Field(None, description="Label path (or official code) of the class")
    reason: Text | None = Field(None, description="Label path (or official code) of the class")
    regulatory_channel: Text | None = Field(None, description="Label path (or official code) of the class")
    amount: Decimal | str | None = Field(None, description="Yuan, ≥ 0, at most 2 decimals")
    product: Text = ""
    joint_complainants: int = Field(
        1,
        description="How many people the complaint is made by (1 to 99,999): they count towards a group",
    )
    first_responder: Text | None = Field(None, description="Username; the caller when omitted")
    flags: list[Text] = Field(default_factory=list)
    plan_type: PlanTypeIn | None = Field(
        None,
        description="The emergency plan's complaint type (P1); kept when an active plan covers the case, "
        "`general` when omitted for such a case",
    )

    def to_registration(self) -> RegistrationData:
        c = self.complainant
        return RegistrationData(
            kind=self.kind,
            channel=self.channel,
            received_at=self.received_at,
            complainant_name=c.name,
            complainant_phone=c.phone,
            complainant_id_number=c.id_number,
            complainant_accounts=c.accounts,
            complainant_address=c.address,
            complainant_vip=c.vip,
            complainant_anonymous=c.anonymous,
            complainant_confidential=c.confidential,
            subject_unit=self.subject_unit or "",
            subject_staff=self.subject_staff or "",
            matter=self.matter,
            demand=self.demand,
            category=self.category,
            business_category=self.business_category or "",
            reason=self.reason or "",
            regulatory_channel=self.regulatory_channel or "",
            product=self.product,
            joint_complainants=self.joint_complainants,
            amount=self.amount,
            first_responder=self.first_responder or "",
            extra_flags=tuple(self.flags),
            plan_type=self.plan_type or "",
        )


class CaseFilters(Schema):
    """The register's filters (the same as the web page and the export) and a page of results."""

    unit: str | None = Field(
        None,
        description="Unit code: cases accepted by, held by or about its subtree",
        json_schema_extra=param_example("WH"),
    )
    channel: str | None = Field(None, json_schema_extra=param_example("counter"))
    kind: str | None = Field(None, json_schema_extra=param_example("complaint"))
    category: str | None = Field(None, json_schema_extra=param_example("service_attitude"))
    state: str | None = Field(None, json_schema_extra=param_example("accepted"))
    received_from: dt.date | None = Field(None, json_schema_extra=param_example("2026-11-01"))
    received_to: dt.date | None = Field(None, json_schema_extra=param_example("2026-11-30"))
    registered_in: str | None = Field(
        None,
        description="Unit code: cases registered by a unit in its subtree (the reports' counting rule)",
        json_schema_extra=param_example("WH"),
    )
    registering_unit: str | None = Field(
        None,
        description="Unit code: cases registered by that unit itself, not its subtree",
        json_schema_extra=param_example("WH"),
    )
    subject_unit: str | None = Field(
        None,
        description="Unit code: cases about a unit in its subtree",
        json_schema_extra=param_example("WH"),
    )
    subject_staff: str | None = Field(
        None,
        description="Username of the staff member complained about",
        json_schema_extra=param_example("li"),
    )
    business_category: str | None = Field(
        None,
        description="JR/T 0169-2018 business category: official code or label path; `none`: not classified",
        json_schema_extra=param_example("银行卡/信用卡"),
    )
    reason: str | None = Field(
        None,
        description="JR/T 0169-2018 reason: official code or label path; `none`: not classified",
        json_schema_extra=param_example("服务态度及服务质量"),
    )
    regulatory_channel: str | None = Field(
        None,
        description="JR/T 0169-2018 channel: official code or label path; `none`: not classified",
        json_schema_extra=param_example("营业现场"),
    )
    product: str | None = Field(
        None, description="Business line / product, exactly", json_schema_extra=param_example("信用卡")
    )
    customer_group: str | None = Field(
        None, description="vip, card_holder or cash", json_schema_extra=param_example("vip")
    )
    stat_class: str | None = Field(None, json_schema_extra=param_example("counted"))
    responsibility: str | None = Field(None, json_schema_extra=param_example("at_fault"))
    level: str | None = Field(None, json_schema_extra=param_example("branch"))
    figure: str | None = Field(
        None,
        description="A measure of the reports (e.g. replied_late, escalated_branch, closed_counted): the "
        "cases counted in it",
        json_schema_extra=param_example("replied_late"),
    )
    q: str | None = Field(
        None,
        description="Words in the matter, demand, result reports or replies (Chinese is segmented into "
        "words; every word must be found), or a case number. Unless `sort` is given, the best match comes "
        "first. At most 200 characters",
        json_schema_extra=param_example("转账"),
    )
    phone: str | None = Field(
        None,
        description="Complainant phone, the whole number (stored encrypted: a fragment is refused)",
        json_schema_extra=param_example("13871234567"),
    )
    id_number: str | None = Field(
        None,
        description="Complainant's resident ID number, whole (stored encrypted)",
        json_schema_extra=param_example("420102198503142012"),
    )
    sort: str | None = Field(
        None,
        description="-received_at (the default without `q`), received_at, -number, number",
        json_schema_extra=param_example("-received_at"),
    )
    limit: int = Field(50, ge=1, le=200, json_schema_extra=param_example(20))
    offset: int = Field(0, ge=0, le=MAX_OFFSET, json_schema_extra=param_example(0))

    def register_filter(self) -> RegisterFilter:
        params = self.model_dump(exclude={"limit", "offset"}, exclude_none=True)
        return RegisterFilter.from_params({k: str(v) for k, v in params.items()})


# ---- output -------------------------------------------------------------------------------------------


class ComplainantOut(Schema):
    name: str
    phone: str = Field(description="Masked, e.g. 138****5678; in full after the caller's `reveal`")
    id_number: str = Field(description="Masked, e.g. 110105********002X; in full after the caller's `reveal`")
    accounts: str = Field(description="Masked, e.g. ****0123, ****7890; in full after the caller's `reveal`")
    address: str = Field(description="Masked, e.g. 湖北省武汉市****; in full after the caller's `reveal`")
    revealed_until: dt.datetime | None = Field(
        None, description="Shown in full to the caller until then (after their `reveal`); absent when masked"
    )
    vip: bool
    anonymous: bool
    confidential: bool


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    url: str


class DeadlineOut(Schema):
    """One clock of the case (R4.4). Stopped clocks (the procedure ended before they mattered) are left
    out."""

    clock: str = Field(
        description="acknowledge, transfer_out, first_contact, reply, result_report, decision; under an "
        "emergency plan also arrive, answer_customer, report_to_group (continuous hours)"
    )
    due_at: dt.datetime
    warn_at: dt.datetime = Field(description="When the clock turns to `warning`")
    state: str = Field(description="running, warning, breached, met or paused, as of the response")
    policy: str = Field(
        description="Policy code and the version the case is judged under, e.g. `bank-3wd v1`"
    )
    policy_name: str
    limit: str = Field(description="The limit with its unit, e.g. `3 working_days`, `15 calendar_days`")
    binding: bool = Field(description="The earliest limit of its group: the one that binds (R4.1)")
    unconfirmed: bool = Field(description="Touches a year whose official calendar is not loaded yet")
    met_at: dt.datetime | None
    started_at: dt.datetime


class VerbalLossOut(Schema):
    account_masked: str
    reported_at: dt.datetime
    lapses_at: dt.datetime = Field(
        description="Five days after the verbal report, unless the formal one follows"
    )
    formal_reported_at: dt.datetime | None
    lapse_acknowledged_at: dt.datetime | None


class CaseOut(Schema):
    number: str
    version: int = Field(description="Increases with every change; send it as `If-Match` with an action")
    kind: str
    channel: str
    received_at: dt.datetime
    complainant: ComplainantOut
    subject_unit: str | None
    subject_staff: str | None
    matter: str
    demand: str
    category: str
    business_category: str | None
    reason: str | None
    regulatory_channel: str | None
    amount: str | None = Field(description="Yuan with 2 decimals")
    product: str
    first_responder: str
    unit: str = Field(description="Accepting unit's code")
    holder_unit: str = Field(description="Code of the unit holding the case now")
    handler: str | None
    state: str
    level: str
    responsibility: str = Field(description="at_fault, not_at_fault or shared; empty until decided")
    stat_class: str = Field(description="not_counted, enquiry_class or counted; set at close (R7.4)")
    closed_at: dt.datetime | None
    rejection_reason: str = Field(description="The reason told to the complainant when not accepted")
    previous_case: str | None = Field(description="Number of the earlier case this one repeats")
    content_withheld: bool = Field(
        description="A confidential case (asked for by the complainant, or a report of wrongdoing) read by "
        "someone who does not handle it: its matter, demand, complainant, texts and files are left out "
        "(R10.1)"
    )
    flags: list[str]
    attachments: list[AttachmentOut]
    deadlines: list[DeadlineOut]
    created_at: dt.datetime
    plan: int | None = Field(description="The emergency plan the case belongs to (its id), or null")
    plan_type: str | None = Field(description="Its complaint type under the plan, or null")
    verbal_loss_report: VerbalLossOut | None = Field(
        None, description="A `verbal_loss_report` case's emergency loss report, once recorded"
    )


class TransferOrderOut(Schema):
    from_unit: str
    to_unit: str
    by: str
    created_at: dt.datetime
    note: str
    handler: str | None
    due_at: dt.datetime | None = Field(description="The receiving unit answers by then")
    state: str = Field(description="open, acknowledged, bounced or reported")
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None
    bounced_at: dt.datetime | None
    bounce_reason: str


class ResultReportOut(Schema):
    """The result report (R7.1)."""

    by: str
    created_at: dt.datetime
    findings: str
    staff_handling: str
    lessons: str
    rectification: str
    customer_satisfaction: str
    handled_at: dt.datetime
    handler_name: str
    handler_phone: str


class SupervisionNoticeOut(Schema):
    """A supervision notice (R5.3) from the level above, on a late or stuck case."""

    sequence: int = Field(description="1 for the first notice; a breached notice is followed by the next")
    issued_level: str
    issued_by_unit: str | None
    to_unit: str
    reason: str
    issued_at: dt.datetime
    due_at: dt.datetime = Field(description="The new deadline")
    state: str = Field(description="open, answered or breached")
    answered_at: dt.datetime | None
    breached_at: dt.datetime | None


class CaseDetailOut(CaseOut):
    allowed_actions: list[str] = Field(description="What the caller may do to the case now")
    stat_rule: str = Field(description="Version of the statistics rule that decided `stat_class`")
    stat_facts: dict[str, Any] = Field(description="The facts that decided `stat_class`")
    transfer_orders: list[TransferOrderOut]
    result_reports: list[ResultReportOut]
    supervision_notices: list[SupervisionNoticeOut]


class CasePage(Schema):
    count: int = Field(
        description="How many cases match: exact when `count_exact`; otherwise a lower bound (counting stops "
        "three pages past this one: `offset + 4 × limit`)"
    )
    count_exact: bool = Field(description="Whether `count` is every match or only where counting stopped")
    count_estimate: int | None = Field(
        None, description="When the count stopped: the database's estimate of all matches (PostgreSQL only)"
    )
    items: list[CaseOut]


class PageQuery(Schema):
    limit: int = Field(50, ge=1, le=200, json_schema_extra=param_example(20))
    offset: int = Field(0, ge=0, le=MAX_OFFSET, json_schema_extra=param_example(0))


class DueQuery(Schema):
    unit: str | None = Field(
        None,
        description="Unit code: clocks of cases held in its subtree",
        json_schema_extra=param_example("WH01"),
    )
    within_hours: int = Field(
        24,
        ge=0,
        le=24 * 366,
        description="Due within this many hours, or overdue",
        json_schema_extra=param_example(48),
    )
    status: Literal["due_soon", "overdue"] | None = Field(
        None,
        description="`due_soon`: not yet due; `overdue`: past due; both when omitted",
        json_schema_extra=param_example("due_soon"),
    )
    handler: str | None = Field(
        None,
        description="Username: only cases this handler holds",
        json_schema_extra=param_example("handler"),
    )
    limit: int = Field(100, ge=1, le=500, json_schema_extra=param_example(50))
    offset: int = Field(0, ge=0, le=MAX_OFFSET, json_schema_extra=param_example(0))


class DueClockOut(DeadlineOut):
    case: str = Field(description="Case number")
    case_state: str
    holder_unit: str
    handler: str | None
    first_responder: str


class DuePage(Schema):
    count: int
    items: list[DueClockOut]


class EventOut(Schema):
    kind: str
    actor: str | None
    at: dt.datetime
    data: dict[str, Any]


# ---- building responses -------------------------------------------------------------------------------


def _with_related(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Everything a case response shows, in one query plus one per related kind (never one per case)."""
    return (
        with_relations(cases)
        .prefetch_related(
            Prefetch("flags", queryset=CaseFlag.objects.only("id", "case_id", "flag")),
            Prefetch(
                "attachments",
                queryset=Attachment.objects.only("id", "case_id", "original_name", "size", "content_type"),
            ),
            Prefetch("clocks", queryset=_shown_clocks()),
        )
        .select_related("plan_membership")
    )


def _shown_clocks() -> QuerySet[Clock]:
    return Clock.objects.exclude(state=ClockState.STOPPED).select_related("policy")


def _with_detail(cases: QuerySet[Case]) -> QuerySet[Case]:
    return _with_related(cases).prefetch_related(
        Prefetch(
            "transfer_orders",
            queryset=TransferOrder.objects.select_related(
                "from_unit", "to_unit", "by", "handler", "acknowledged_by"
            ).order_by("id"),
        ),
        Prefetch("result_reports", queryset=ResultReport.objects.select_related("by").order_by("id")),
        Prefetch(
            "supervision_notices",
            queryset=SupervisionNotice.objects.select_related("issued_by_unit", "to_unit").order_by("id"),
        ),
    )


def _attachment_url(number: str, attachment_id: int) -> str:
    return reverse("api-v1:case_attachment", kwargs={"number": number, "attachment_id": attachment_id})


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else timezone.localtime(moment)


def _username(staff: Staff | None) -> str | None:
    return staff.username if staff is not None else None


def deadlines_out(deadlines: list[dict]) -> list[dict]:
    return [
        {
            **d,
            "due_at": _local(d["due_at"]),
            "warn_at": _local(d["warn_at"]),
            "met_at": _local(d["met_at"]),
            "started_at": _local(d["started_at"]),
        }
        for d in deadlines
    ]


def case_out(
    case: Case,
    *,
    flags: list[str] | None = None,
    files: list[Attachment] | None = None,
    deadlines: list[dict] | None = None,
    now: dt.datetime | None = None,
    visible_previous: dict[int, str],
    revealed_until: dt.datetime | None = None,
) -> dict:
    """The response body of one case. Phone and ID number are masked (R2.5). `visible_previous`: the numbers
    of the earlier cases the caller may see (`previous_cases_seen`); another is not named (R10.2)."""
    if flags is None:
        flags = sorted(f.flag for f in case.flags.all())
    if case.previous_case_id and case.previous_case_id not in visible_previous:
        # A repeat of a case the caller may not see: not even that there is one (R10.2).
        flags = [f for f in flags if f != Flag.REPEAT]
    secret = getattr(case, "withheld_in_memory", False)
    if files is None or secret:
        files = [] if secret else list(case.attachments.all())
    if deadlines is None:
        deadlines = case_deadlines(case, now)
    return {
        "number": case.number,
        "version": case.version,
        "kind": case.kind,
        "channel": case.channel,
        "received_at": timezone.localtime(case.received_at),
        "complainant": {
            "name": case.complainant_name,
            # In full only for the caller who revealed them a moment ago (redress.lifecycle.personal).
            **(
                {
                    "phone": case.complainant_phone,
                    "id_number": case.complainant_id_number,
                    "accounts": case.complainant_accounts,
                    "address": case.complainant_address,
                    "revealed_until": timezone.localtime(revealed_until),
                }
                if revealed_until is not None
                else {
                    "phone": mask_phone(case.complainant_phone),
                    "id_number": mask_id_number(case.complainant_id_number),
                    "accounts": mask_accounts(case.complainant_accounts),
                    "address": mask_address(case.complainant_address),
                }
            ),
            "vip": case.complainant_vip,
            "anonymous": case.complainant_anonymous,
            "confidential": case.complainant_confidential,
        },
        "subject_unit": case.subject_unit.code if case.subject_unit_id else None,
        "subject_staff": case.subject_staff.username if case.subject_staff_id else None,
        "matter": case.matter,
        "demand": case.demand,
        "category": case.category,
        "business_category": case.business_category.label if case.business_category_id else None,
        "reason": case.reason.label if case.reason_id else None,
        "regulatory_channel": case.regulatory_channel.label if case.regulatory_channel_id else None,
        "amount": None if case.amount is None else f"{case.amount:.2f}",
        "product": case.product,
        "first_responder": case.first_responder.username,
        "unit": case.unit.code,
        "holder_unit": case.holder_unit.code,
        "handler": case.handler.username if case.handler_id else None,
        "state": case.state,
        "level": case.level,
        "responsibility": case.responsibility,
        "stat_class": case.stat_class,
        "closed_at": _local(case.closed_at),
        "rejection_reason": case.rejection_reason,
        "previous_case": visible_previous.get(case.previous_case_id),
        "content_withheld": secret,
        "flags": flags,
        "attachments": [
            {
                "id": a.id,
                "name": a.original_name,
                "size": a.size,
                "content_type": a.content_type,
                "url": _attachment_url(case.number, a.id),
            }
            for a in files
        ],
        "deadlines": deadlines_out(deadlines),
        "created_at": timezone.localtime(case.created_at),
        **_plan_out(case),
    }


def _plan_out(case: Case) -> dict:
    member = plans.membership(case)
    out = {"plan": member.plan_id if member else None, "plan_type": member.plan_type if member else None}
    if member is not None and member.plan_type == PlanType.VERBAL_LOSS_REPORT:
        report = VerbalLossReport.objects.filter(case=case).first()
        out["verbal_loss_report"] = report and {
            "account_masked": report.account_masked,
            "reported_at": timezone.localtime(report.reported_at),
            "lapses_at": timezone.localtime(report.lapses_at),
            "formal_reported_at": _local(report.formal_reported_at),
            "lapse_acknowledged_at": _local(report.lapse_acknowledged_at),
        }
    return out


def previous_cases_seen(user: Staff, cases: list[Case]) -> dict[int, str]:
    """Of the earlier cases these cases repeat, the ones `user` may see: id → number, in one query through
    `visible_to` (the earlier case is never loaded any other way for a response)."""
    earlier = {c.previous_case_id for c in cases if c.previous_case_id}
    if not earlier:
        return {}
    return dict(visible_to(user).filter(pk__in=earlier).values_list("pk", "number"))


def case_detail_out(case: Case, user: Staff, *, revealed: bool = False) -> dict:
    """One case as its page shows it to `user`: with what they may do, the transfer orders and reports.
    The numbers in full while the user's reveal lasts (`revealed`: they have just revealed them). A number
    of a case `user` may not see, typed into any text (a transfer's note, a reason, the matter), gives way to
    a phrase (R10.2)."""
    if not may_see_content(user, case):
        # Confidential, and `user` does not handle it: that it exists and its state (R10.1).
        return _withheld_detail(_case_detail(withhold(case), user, revealed=False))
    out = _case_detail(case, user, revealed=revealed)
    hidden = numbers_hidden_in(user, json.dumps(out, ensure_ascii=False, default=str), case.number)
    return redact_numbers(out, hidden, _("outside your view")) if hidden else out


def _withheld_detail(out: dict) -> dict:
    """A detail with the texts of the case's records left out: the transfers' notes, the reports, the
    notices' reasons, the statistics' facts."""
    for order in out["transfer_orders"]:
        order.update(note="", bounce_reason="")
    for notice in out["supervision_notices"]:
        notice.update(reason="")
    return {**out, "result_reports": [], "stat_facts": {}}


def _case_detail(case: Case, user: Staff, *, revealed: bool) -> dict:
    now = timezone.now()
    if revealed:
        until = now + personal.SHOWN_FOR
    else:
        until = personal.revealed_until(user, case, now) if personal.may_reveal(user, case) else None
    return {
        **case_out(case, visible_previous=previous_cases_seen(user, [case]), revealed_until=until),
        "allowed_actions": allowed_actions(user, case),
        "stat_rule": case.stat_rule,
        "stat_facts": case.stat_facts,
        "transfer_orders": [
            {
                "from_unit": o.from_unit.code,
                "to_unit": o.to_unit.code,
                "by": o.by.username,
                "created_at": _local(o.created_at),
                "note": o.note,
                "handler": _username(o.handler),
                "due_at": _local(o.due_at),
                "state": o.state,
                "acknowledged_at": _local(o.acknowledged_at),
                "acknowledged_by": _username(o.acknowledged_by),
                "bounced_at": _local(o.bounced_at),
                "bounce_reason": o.bounce_reason,
            }
            for o in case.transfer_orders.all()
        ],
        "result_reports": [
            {
                "by": r.by.username,
                "created_at": _local(r.created_at),
                "findings": r.findings,
                "staff_handling": r.staff_handling,
                "lessons": r.lessons,
                "rectification": r.rectification,
                "customer_satisfaction": r.customer_satisfaction,
                "handled_at": _local(r.handled_at),
                "handler_name": r.handler_name,
                "handler_phone": r.handler_phone,
            }
            for r in case.result_reports.all()
        ],
        "supervision_notices": [
            {
                "sequence": n.sequence,
                "issued_level": n.issued_level,
                "issued_by_unit": n.issued_by_unit.code if n.issued_by_unit else None,
                "to_unit": n.to_unit.code,
                "reason": n.reason,
                "issued_at": _local(n.issued_at),
                "due_at": _local(n.due_at),
                "state": n.state,
                "answered_at": _local(n.answered_at),
                "breached_at": _local(n.breached_at),
            }
            for n in case.supervision_notices.all()
        ],
    }


def visible_detail(user: Staff, number: str) -> Case:
    """The case with everything its detail shows, if `user` may see it; else the same 404 as for none."""
    case = _with_detail(visible_to(user)).filter(number=number).first()
    if case is None:
        raise Http404
    return case


# ---- registration -------------------------------------------------------------------------------------


def _idempotency_key(request: HttpRequest) -> str | None:
    try:
        key = clean_text(request.headers.get(IDEMPOTENCY_HEADER, ""), max_length=MAX_KEY_LENGTH)
    except InvalidValue as exc:
        # A control character (a NUL cannot be stored on PostgreSQL) or too long: the header's own error.
        raise ApiError(422, _("Some fields are not valid."), {IDEMPOTENCY_HEADER: [str(exc)]}) from None
    return key or None


def _register(
    request: HttpRequest, response: HttpResponse, payload: CaseIn, files: list[UploadedFile]
) -> Status:
    staff: Staff = request.auth
    if staff.is_read_only:
        raise forbidden()
    result = register_case(
        staff, payload.to_registration(), files=files, idempotency_key=_idempotency_key(request)
    )
    if not result.created:
        # A retry: answer with the first case as it is now, as the caller may see it.
        replay = _with_related(visible_to(staff)).filter(pk=result.case.pk).first()
        if replay is None:
            raise Http404
        response[REPLAYED_HEADER] = "true"
        return Status(200, case_out(replay, visible_previous=previous_cases_seen(staff, [replay])))
    # The new case is built from what registration already holds: no second read of the row, its clocks
    # and flags as registration and its triggers wrote them (the triggers leave clocks alone). Measured:
    # 28.66 vs 34.66 statements, 48.25 vs 32.94/s read back (runs 20261204-175338, -175936).
    clocks, flags = result.clocks, result.flags
    result.case._prefetched_objects_cache = {"clocks": clocks}
    files_out = list(result.case.attachments.all()) if files else []
    seen = previous_cases_seen(staff, [result.case])
    return Status(201, case_out(result.case, flags=flags, files=files_out, visible_previous=seen))


_REGISTER_RESPONSES = {
    200: CaseOut,
    201: CaseOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
    **BODY_REFUSALS,
}
_REGISTER_DOC = (
    "Register a case. Returns 201 with the case. Send an `Idempotency-Key` header (at most 128 characters) "
    "to make retries safe: a repeat of a key you already used returns 200 with the case the first request "
    "created (header `Idempotent-Replayed: true`) and creates nothing."
)


@router.post("/cases", response=_REGISTER_RESPONSES, summary="Register a case", description=_REGISTER_DOC)
def create_case(request: HttpRequest, response: HttpResponse, payload: CaseIn):
    return _register(request, response, payload, [])


@router.post(
    "/cases/with-attachments",
    response={**_REGISTER_RESPONSES, 503: ErrorOut},
    summary="Register a case with attachments (multipart/form-data)",
    description="Form field `data`: the same JSON object as POST /cases; file fields `attachments` "
    "(repeat the field for several files). " + _REGISTER_DOC + " If the attachment store cannot take the "
    "files (disk full, object store down) the answer is 503, naming `attachments`, and nothing is stored: "
    "retry later with the same `Idempotency-Key`.",
)
def create_case_with_attachments(
    request: HttpRequest,
    response: HttpResponse,
    data: str = Form(
        ...,
        description="The registration as JSON, the same object as POST /cases",
        example=json.dumps(REGISTRATION_EXAMPLE, ensure_ascii=False),
    ),
    attachments: File[list[UploadedFile]] = None,
):
    try:
        payload = CaseIn.model_validate_json(data)
    except PydanticError as exc:
        errors = validation_errors(exc.errors())
        # A `data` field that is not JSON at all has no location inside the object: name the form field.
        if "body" in errors:
            errors["data"] = errors.pop("body")
        raise FieldErrors(errors) from None
    return _register(request, response, payload, list(attachments or []))


# ---- reading ------------------------------------------------------------------------------------------


@router.get("/cases", response={200: CasePage, 401: ErrorOut, 422: ErrorOut}, summary="The register")
def list_cases(request: HttpRequest, filters: Query[CaseFilters]):
    """The cases the caller may see, filtered as on the register page: newest first, or with `q` the best
    match first, unless `sort` is given."""
    matching = filters.register_filter().apply(
        visible_to(request.auth), unsearchable=content_withheld_q(request.auth)
    )
    return _page(request.auth, matching, PageQuery(limit=filters.limit, offset=filters.offset))


def _page(user: Staff, cases: QuerySet[Case], page: PageQuery) -> dict:
    # Exact as far as a few pages ahead, as on the register page: counting every match would cost a client
    # paging through a million of them a scan of all of them on every page.
    cap = page.offset + page.limit * (1 + register_query.COUNT_PAGES_AHEAD)
    count, capped = register_query.capped_count(cases, cap=cap)
    estimate = register_query.estimated_count(cases) if capped else None
    rows = withhold_rows(list(_with_related(cases)[page.offset : page.offset + page.limit]), user)
    now = timezone.now()
    seen = previous_cases_seen(user, rows)
    return {
        "count": count,
        "count_exact": not capped,
        "count_estimate": max(estimate, count + 1) if estimate is not None else None,
        "items": [case_out(c, now=now, visible_previous=seen) for c in rows],
    }


@router.get(
    "/cases/mine",
    response={200: CasePage, 401: ErrorOut, 422: ErrorOut},
    summary="My cases (first responder)",
)
def my_cases(request: HttpRequest, page: Query[PageQuery]):
    """Every case the caller took as first responder (R3.1, R3.5), whatever unit holds it now, until it is
    closed, not accepted or withdrawn: with its holder, state and clocks. Newest first."""
    mine = visible_to(request.auth).filter(first_responder=request.auth, state__in=OPEN_STATES)
    return _page(request.auth, mine.order_by("-received_at", "-id"), page)


@router.get(
    "/cases/awaiting-instruction",
    response={200: CasePage, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Open cases without the leader's instruction",
)
def awaiting_instruction(request: HttpRequest, page: Query[PageQuery]):
    """For the leader in charge (R2.8): open cases they can see that have no instruction yet, oldest first.
    Other roles get 403."""
    if not worklists.may_instruct(request.auth):
        raise forbidden()
    return _page(request.auth, worklists.awaiting_instruction(request.auth), page)


@router.get(
    "/cases/to-sign-for",
    response={200: CasePage, 401: ErrorOut, 422: ErrorOut},
    summary="Transfer orders to sign for",
)
def to_sign_for(request: HttpRequest, page: Query[PageQuery]):
    """Cases transferred to the caller's own unit or naming the caller as handler, waiting to be signed for
    (acknowledged) or sent back; oldest first."""
    return _page(request.auth, worklists.to_sign_for(request.auth), page)


@router.get(
    "/cases/to-answer",
    response={200: CasePage, 401: ErrorOut, 422: ErrorOut},
    summary="Customers waiting for my answer",
)
def to_answer(request: HttpRequest, page: Query[PageQuery]):
    """The caller's own cases (first responder) whose answer to the customer is theirs to give now: handled in
    their unit, or with the result report back from the unit that acted. Oldest first."""
    return _page(request.auth, worklists.to_answer(request.auth), page)


@router.get(
    "/cases/to-follow-up",
    response={200: CasePage, 401: ErrorOut, 422: ErrorOut},
    summary="Answered cases to follow up",
)
def to_follow_up(request: HttpRequest, page: Query[PageQuery]):
    """The caller's own cases answered and waiting for the follow-up with the customer."""
    return _page(request.auth, worklists.to_follow_up(request.auth), page)


@router.get(
    "/worklists",
    response={200: dict[str, int], 401: ErrorOut},
    summary="How many cases wait in each of my work lists",
)
def worklist_counts(request: HttpRequest):
    """What the navigation shows beside each work list: `to_sign_for`, `to_answer`, `to_follow_up`, and
    `awaiting_instruction` for a leader in charge."""
    return worklists.counts(request.auth)


@router.get("/cases/due", response={200: DuePage, 401: ErrorOut, 422: ErrorOut}, summary="Due soon / overdue")
def due_clocks(request: HttpRequest, query: Query[DueQuery]):
    """Live clocks of the caller's visible cases that are overdue or due within `within_hours`, earliest
    first; optionally only cases held in the subtree of `unit`. Paused clocks are not ticking and are left
    out."""
    errors: dict[str, list[str]] = {}
    unit = handler = None
    if query.unit:
        unit = Unit.objects.filter(code=query.unit).only("path").first()
        if unit is None:
            errors["unit"] = [_("No unit has the code “%(code)s”.") % {"code": query.unit}]
    if query.handler:
        handler = Staff.objects.filter(username=query.handler).first()
        if handler is None:
            errors["handler"] = [_("No staff member has the username “%(u)s”.") % {"u": query.handler}]
    if errors:
        raise ApiError(422, _("Some fields are not valid."), errors)
    now = timezone.now()
    clocks = worklists.due(
        request.auth,
        now=now,
        within=dt.timedelta(hours=query.within_hours),
        status=query.status or "",
        unit_path=unit.path if unit else "",
        handler=handler,
    )
    count = clocks.count()
    # The people by key: each relation joined costs PostgreSQL planning time (cases.models.with_relations).
    people = ("case__handler", "case__first_responder")
    rows = (
        clocks.select_related("policy", "case", "case__holder_unit")
        .prefetch_related(*(Prefetch(name, queryset=Staff.objects.all()) for name in people))
        .order_by("due_at", "id")[query.offset : query.offset + query.limit]
    )
    items = []
    for clock in rows:
        case = clock.case
        items.append(
            {
                **deadlines_out([describe(clock, now)])[0],
                "case": case.number,
                "case_state": case.state,
                "holder_unit": case.holder_unit.code,
                "handler": _username(case.handler),
                "first_responder": case.first_responder.username,
            }
        )
    return {"count": count, "items": items}


@router.get(
    "/cases/{number}",
    # 422: a NUL in the path (redress.api.guard), as for every operation.
    response={200: CaseDetailOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="One case",
)
def get_case(request: HttpRequest, response: HttpResponse, number: str = case_number()):
    # As get_visible_case (the same 404 for a missing and a hidden case), with the related rows joined.
    case = visible_detail(request.auth, number)
    record_read(request.auth, case, AuditAction.CASE_API)
    response["ETag"] = f'"{case.version}"'
    return case_detail_out(case, request.auth)


class SimilarQuery(Schema):
    limit: int = Field(
        10, ge=1, le=50, description="At most this many cases", json_schema_extra=param_example(10)
    )


class SimilarOut(Schema):
    """A case whose matter is like the one asked about."""

    number: str
    score: float = Field(description="How alike the two matters are, from 0 to 1 (1: the same)")
    received_at: dt.datetime
    kind: str
    state: str
    category: str
    unit: str = Field(description="Accepting unit's code")
    matter: str


@router.get(
    "/cases/{number}/similar",
    response={200: list[SimilarOut], 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Cases about a similar matter",
    description="The cases the caller may see whose matters are at least as alike to this case's as the "
    "escalation rules' threshold (the one repeats and group complaints use), best first.",
)
def similar_cases(request: HttpRequest, number: str = case_number(), query: Query[SimilarQuery] = None):
    case = get_visible_case(request.auth, number)
    if not may_see_content(request.auth, case):
        return []  # what a confidential case is like would tell what it says (R10.1)
    limit = query.limit if query is not None else 10
    threshold = float(current_settings().similarity_threshold)
    found = suggest.visible_alike(request.auth, case, threshold=threshold, limit=limit)
    return [
        {
            "number": other.number,
            "score": round(score, 3),
            "received_at": timezone.localtime(other.received_at),
            "kind": other.kind,
            "state": other.state,
            "category": other.category,
            "unit": other.unit.code,
            "matter": other.matter,
        }
        for other, score in found
    ]


@router.get(
    "/cases/{number}/events",
    response={200: list[EventOut], 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Case history",
)
def case_events(request: HttpRequest, number: str = case_number()):
    case = get_visible_case(request.auth, number)
    record_read(request.auth, case, AuditAction.HISTORY)
    events = list(case.events.select_related("actor").order_by("at", "id"))
    # Other cases the caller may not see are not named, nor shown to exist (R10.2).
    hidden = hidden_numbers(request.auth, case, events)
    # A confidential case's history for someone who does not handle it: what happened when, not what was
    # written (R10.1).
    secret = not may_see_content(request.auth, case)
    return [
        {
            "kind": e.kind,
            "actor": e.actor.username if e.actor_id else None,
            "at": timezone.localtime(e.at),
            "data": {} if secret else withhold_numbers(e.data, hidden),
        }
        for e in events
    ]


@router.post(
    "/cases/{number}/documents",
    response={
        200: CaseDetailOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        422: ErrorOut,
        503: ErrorOut,
        **BODY_REFUSALS,
    },
    summary="Add documents to a case (multipart/form-data)",
    description="At any stage: letters, a proof of notice, the signed report, a recording. File fields "
    "`attachments` (repeat for several files; types and sizes as at registration) and an optional `note`. "
    "Recorded in the case's history; the state, version and clocks do not change. 403 for someone who does "
    "not work on the case; 503 naming `attachments` if the store cannot take the files (nothing is kept).",
)
def add_documents(
    request: HttpRequest,
    number: str = case_number(),
    note: str = Form("", description="Why the documents are added", example="客户补交的银行流水及录音。"),
    attachments: File[list[UploadedFile]] = None,
):
    case = get_visible_case(request.auth, number)
    documents.add_documents(request.auth, case, list(attachments or []), note)
    case = _with_detail(visible_to(request.auth)).get(pk=case.pk)
    return case_detail_out(case, request.auth)


@router.get(
    "/cases/{number}/attachments/{attachment_id}",
    # 422: an attachment id that is not a whole number, or a NUL in the path.
    response={200: None, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut, 503: ErrorOut},
    url_name="case_attachment",
    summary="Download an attachment",
)
def download_attachment(
    request: HttpRequest, number: str = case_number(), attachment_id: int = Path(..., example=1)
) -> HttpResponse:
    case = get_visible_case(request.auth, number)
    # A confidential case's files only for those handling it (R10.1): to anyone else, none exists.
    attachment = (
        case.attachments.filter(pk=attachment_id).first() if may_see_content(request.auth, case) else None
    )
    if attachment is None:
        raise Http404
    try:
        handle = attachment_store.open_stored(attachment)  # FileResponse closes it; StoreFailed is a 503
    except FileNotFoundError:
        raise Http404 from None
    record_read(request.auth, case, AuditAction.ATTACHMENT, attachment_read(attachment))
    return FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
