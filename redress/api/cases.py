"""Cases: registration (JSON or multipart with attachments), the register as a list, detail, events and
attachment downloads. Every read starts from `visible_to`; every write goes through `register_case`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from pydantic import ConfigDict
from pydantic import ValidationError as PydanticError

from redress.access.visibility import get_visible_case, visible_to
from redress.cases import attachments as attachment_store
from redress.cases.models import Attachment, Case, CaseFlag
from redress.cases.register import RegisterFilter
from redress.cases.services import RegistrationData, RegistrationInvalid, register_case
from redress.cases.validators import mask_id_number, mask_phone
from redress.organisation.models import Staff

from .errors import ApiError, forbidden, validation_errors
from .schemas import ErrorOut

router = Router(tags=["cases"])

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 128
REPLAYED_HEADER = "Idempotent-Replayed"


# ---- input --------------------------------------------------------------------------------------------


class ComplainantIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = ""
    phone: str = ""
    id_number: str = ""
    vip: bool = False
    anonymous: bool = False
    confidential: bool = False


class CaseIn(Schema):
    """A registration. Identifiers (kind, channel, category, flags) are those of GLOSSARY.md."""

    # A misspelt field name would otherwise be dropped without a word and the fact lost.
    model_config = ConfigDict(extra="forbid")

    kind: str
    channel: str
    received_at: dt.datetime = Field(
        description="ISO 8601 with its UTC offset, e.g. 2026-03-02T09:30:00+08:00"
    )
    complainant: ComplainantIn = Field(default_factory=ComplainantIn)
    subject_unit: str | None = Field(None, description="Code of the unit complained about")
    subject_staff: str | None = Field(None, description="Username of the staff member complained about")
    matter: str
    demand: str = ""
    category: str = ""
    business_category: str | None = Field(None, description="Label path (or official code) of the class")
    reason: str | None = Field(None, description="Label path (or official code) of the class")
    regulatory_channel: str | None = Field(None, description="Label path (or official code) of the class")
    amount: Decimal | str | None = Field(None, description="Yuan, ≥ 0, at most 2 decimals")
    product: str = ""
    first_responder: str | None = Field(None, description="Username; the caller when omitted")
    flags: list[str] = Field(default_factory=list)

    def to_registration(self) -> RegistrationData:
        c = self.complainant
        return RegistrationData(
            kind=self.kind,
            channel=self.channel,
            received_at=self.received_at,
            complainant_name=c.name,
            complainant_phone=c.phone,
            complainant_id_number=c.id_number,
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
            amount=self.amount,
            first_responder=self.first_responder or "",
            extra_flags=tuple(self.flags),
        )


class CaseFilters(Schema):
    """The register's filters (the same as the web page and the export) and a page of results."""

    unit: str | None = Field(None, description="Unit code: cases accepted by, held by or about its subtree")
    channel: str | None = None
    kind: str | None = None
    category: str | None = None
    state: str | None = None
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    q: str | None = Field(None, description="Words in the matter or demand, or a case number")
    phone: str | None = Field(None, description="Complainant phone, whole or a fragment")
    sort: str | None = Field(None, description="-received_at (default), received_at, -number, number")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)

    def register_filter(self) -> RegisterFilter:
        params = self.model_dump(exclude={"limit", "offset"}, exclude_none=True)
        return RegisterFilter.from_params({k: str(v) for k, v in params.items()})


# ---- output -------------------------------------------------------------------------------------------


class ComplainantOut(Schema):
    name: str
    phone: str = Field(description="Masked, e.g. 138****5678")
    id_number: str = Field(description="Masked, e.g. 110105********002X")
    vip: bool
    anonymous: bool
    confidential: bool


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    url: str


class CaseOut(Schema):
    number: str
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
    flags: list[str]
    attachments: list[AttachmentOut]
    created_at: dt.datetime


class CasePage(Schema):
    count: int
    items: list[CaseOut]


class EventOut(Schema):
    kind: str
    actor: str | None
    at: dt.datetime
    data: dict[str, Any]


# ---- building responses -------------------------------------------------------------------------------


def _with_related(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Everything a case response shows, in one query plus one per related list (never one per case)."""
    return cases.select_related(
        "unit",
        "holder_unit",
        "subject_unit",
        "subject_staff",
        "first_responder",
        "handler",
        "business_category",
        "reason",
        "regulatory_channel",
    ).prefetch_related(
        Prefetch("flags", queryset=CaseFlag.objects.only("id", "case_id", "flag")),
        Prefetch(
            "attachments",
            queryset=Attachment.objects.only("id", "case_id", "original_name", "size", "content_type"),
        ),
    )


def _attachment_url(number: str, attachment_id: int) -> str:
    return reverse("api-v1:case_attachment", kwargs={"number": number, "attachment_id": attachment_id})


def case_out(case: Case, *, flags: list[str] | None = None, files: list[Attachment] | None = None) -> dict:
    """The response body of one case. Phone and ID number are masked (R2.5)."""
    if flags is None:
        flags = sorted(f.flag for f in case.flags.all())
    if files is None:
        files = list(case.attachments.all())
    return {
        "number": case.number,
        "kind": case.kind,
        "channel": case.channel,
        "received_at": timezone.localtime(case.received_at),
        "complainant": {
            "name": case.complainant_name,
            "phone": mask_phone(case.complainant_phone),
            "id_number": mask_id_number(case.complainant_id_number),
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
        "created_at": timezone.localtime(case.created_at),
    }


# ---- registration -------------------------------------------------------------------------------------


def _idempotency_key(request: HttpRequest) -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if len(key) > MAX_KEY_LENGTH:
        raise ApiError(
            422,
            _("Some fields are not valid."),
            {IDEMPOTENCY_HEADER: [_("At most %(max)s characters.") % {"max": MAX_KEY_LENGTH}]},
        )
    return key or None


def _register(
    request: HttpRequest, response: HttpResponse, payload: CaseIn, files: list[UploadedFile]
) -> tuple[int, dict]:
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
        return 200, case_out(replay)
    # The new case is built from what registration already holds: no second read of the row.
    flags = sorted(CaseFlag.objects.filter(case=result.case).values_list("flag", flat=True))
    return 201, case_out(result.case, flags=flags, files=list(result.case.attachments.all()) if files else [])


_REGISTER_RESPONSES = {200: CaseOut, 201: CaseOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
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
    response=_REGISTER_RESPONSES,
    summary="Register a case with attachments (multipart/form-data)",
    description="Form field `data`: the same JSON object as POST /cases; file fields `attachments` "
    "(repeat the field for several files). " + _REGISTER_DOC,
)
def create_case_with_attachments(
    request: HttpRequest,
    response: HttpResponse,
    data: Form[str],
    attachments: File[list[UploadedFile]] = None,
):
    try:
        payload = CaseIn.model_validate_json(data)
    except PydanticError as exc:
        errors = validation_errors(exc.errors())
        # A `data` field that is not JSON at all has no location inside the object: name the form field.
        if "body" in errors:
            errors["data"] = errors.pop("body")
        raise RegistrationInvalid(errors) from None
    return _register(request, response, payload, list(attachments or []))


# ---- reading ------------------------------------------------------------------------------------------


@router.get("/cases", response={200: CasePage, 422: ErrorOut}, summary="The register")
def list_cases(request: HttpRequest, filters: Query[CaseFilters]):
    """The cases the caller may see, filtered as on the register page, newest first."""
    matching = filters.register_filter().apply(visible_to(request.auth))
    count = matching.order_by().count()
    page = _with_related(matching)[filters.offset : filters.offset + filters.limit]
    return {"count": count, "items": [case_out(c) for c in page]}


@router.get("/cases/{number}", response={200: CaseOut, 404: ErrorOut}, summary="One case")
def get_case(request: HttpRequest, number: str):
    # As get_visible_case (the same 404 for a missing and a hidden case), with the related rows joined.
    case = _with_related(visible_to(request.auth)).filter(number=number).first()
    if case is None:
        raise Http404
    return case_out(case)


@router.get("/cases/{number}/events", response={200: list[EventOut], 404: ErrorOut}, summary="Case history")
def case_events(request: HttpRequest, number: str):
    case = get_visible_case(request.auth, number)
    return [
        {
            "kind": e.kind,
            "actor": e.actor.username if e.actor_id else None,
            "at": timezone.localtime(e.at),
            "data": e.data,
        }
        for e in case.events.select_related("actor").order_by("at", "id")
    ]


@router.get(
    "/cases/{number}/attachments/{attachment_id}",
    response={200: None, 404: ErrorOut},
    url_name="case_attachment",
    summary="Download an attachment",
)
def download_attachment(request: HttpRequest, number: str, attachment_id: int) -> HttpResponse:
    case = get_visible_case(request.auth, number)
    attachment = case.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    try:
        handle = open(attachment_store.path_of(attachment), "rb")  # noqa: SIM115 - FileResponse closes it
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
