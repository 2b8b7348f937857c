"""The public's endpoints, no login: reports of wrongdoing with a receipt (P3 第十六条; issue 14 item 7).

`POST /public/reports` registers the report (redress.lifecycle.public_reports) and answers its receipt, once;
`GET /public/reports/{receipt}` is the report's state and the messages between the bank and the reporter;
`POST /public/reports/{receipt}/messages` adds the reporter's material. A wrong receipt answers 404, like an
unknown one. Every request is counted by the shared rate limiter per client address (429 with
`Retry-After`); the address is not stored (decision 0030), and nothing else of the request is kept.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import ConfigDict

from redress.access.lockout import client_address
from redress.cases.choices import State
from redress.common import ratelimit
from redress.common.errors import FieldErrors
from redress.common.schemas import param_example
from redress.lifecycle.public_reports import DeskMissing, add_material, public_status, report_wrongdoing
from redress.receipts import services as receipts
from redress.receipts.models import PublicReport

from .errors import ApiError
from .schemas import BODY_REFUSALS, ErrorOut

router = Router(tags=["public"], auth=None)

RECEIPT_EXAMPLE = "40718265390214837765"
_LIMITED_DOC = (
    " 429: too many requests from your address within the limit's window (`Retry-After`: seconds until "
    "you may try again)."
)


class ReceiptOut(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"receipt": RECEIPT_EXAMPLE}]})

    receipt: str = Field(
        description=f"{receipts.RECEIPT_DIGITS} digits: the only way back to the report. Shown once; the "
        "bank keeps only a keyed hash of it and cannot tell it again."
    )


class MessageOut(Schema):
    by: Literal["bank", "reporter"] = Field(description="Who wrote it")
    text: str
    at: dt.datetime
    attachments: list[str] = Field(description="Names of the files attached to it")


class PublicReportOut(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "state": "accepted",
                    "state_label": "已受理",
                    "received_on": "2026-12-01",
                    "messages": [
                        {
                            "by": "bank",
                            "text": "已立案核查。请问您是否知道涉及的具体账户或交易日期？",
                            "at": "2026-12-02T10:15:00+08:00",
                            "attachments": [],
                        }
                    ],
                }
            ]
        }
    )

    state: str = Field(description="The case's state (GLOSSARY.md), e.g. registered, accepted, closed")
    state_label: str = Field(description="The state in the request's language")
    received_on: dt.date
    messages: list[MessageOut] = Field(
        description="The bank's questions and answers and your additions, oldest first"
    )


def _limit(request: HttpRequest, scope: str, *everyone: str) -> None:
    address = client_address(request) or "unknown"
    ratelimit.check(scope, address, *everyone)


def _report_out(report: PublicReport) -> dict:
    case = report.case
    return {
        "state": case.state,
        "state_label": str(State(case.state).label),
        "received_on": timezone.localdate(case.received_at),
        "messages": [
            {
                "by": "bank" if m.from_bank else "reporter",
                "text": m.text,
                "at": timezone.localtime(m.at),
                "attachments": [a.original_name for a in m.attachments.all()],
            }
            for m in receipts.messages(report)
        ],
    }


def _report(receipt: str) -> PublicReport:
    report = receipts.find_report(receipt)
    if report is None:
        raise Http404
    return report


def receipt_path() -> str:
    return Path(..., description=f"The receipt: {receipts.RECEIPT_DIGITS} digits", example=RECEIPT_EXAMPLE)


@router.post(
    "/public/reports",
    response={201: ReceiptOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut, 503: ErrorOut, **BODY_REFUSALS},
    summary="Report wrongdoing (no login; multipart/form-data)",
    description="Anyone may report wrongdoing at the bank, anonymously. Form fields `matter` (what happened: "
    "who, where, when) and optionally `contact` (how the bank may reach you, if you wish); file fields "
    "`attachments` (repeat for several; types and sizes as at registration). Answers 201 with the receipt: "
    "keep it, it is shown only once. Nothing identifying the sender (address, browser) is stored. 422 field "
    "by field; 503 if the files cannot be stored or nobody is set to take reports (nothing is kept)."
    + _LIMITED_DOC,
)
def submit_report(
    request: HttpRequest,
    matter: str = Form(
        ...,
        description="What happened: who, where, when",
        example="江汉支行客户经理李某私下向客户推销非本行理财产品，并代客户操作网银转账。",
    ),
    contact: str = Form("", description="Optional: how the bank may reach you", example="每周三晚上可来电"),
    attachments: File[list[UploadedFile]] = None,
):
    _limit(request, "public-submit", ratelimit.EVERYONE)
    try:
        _case, receipt = report_wrongdoing(matter, contact, list(attachments or []))
    except DeskMissing:
        raise ApiError(503, _("Reports cannot be taken at the moment. Please try again later.")) from None
    return Status(201, {"receipt": receipt})


@router.get(
    "/public/reports/{receipt}",
    response={200: PublicReportOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut, 503: ErrorOut},
    summary="Read a report's state and the bank's messages with its receipt (no login)",
    description="404 for a receipt that opens no report, whatever the reason." + _LIMITED_DOC,
)
def read_report(request: HttpRequest, receipt: str = receipt_path()):
    _limit(request, "public-lookup")
    return _report_out(_report(receipt))


@router.post(
    "/public/reports/{receipt}/messages",
    response={
        201: PublicReportOut,
        404: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
        503: ErrorOut,
        **BODY_REFUSALS,
    },
    summary="Add material to a report with its receipt (no login; multipart/form-data)",
    description="Form field `text` and/or file fields `attachments`. Answers 201 with the report as it now "
    "is. 404 for a receipt that opens no report; 422 field by field; 503 if the files cannot be stored."
    + _LIMITED_DOC,
)
def add_report_material(
    request: HttpRequest,
    receipt: str = receipt_path(),
    text: str = Form("", description="What you add", example="补充：转账发生在11月28日下午，金额五万元。"),
    attachments: File[list[UploadedFile]] = None,
):
    _limit(request, "public-lookup")
    report = _report(receipt)
    add_material(report, text, list(attachments or []))
    return Status(201, _report_out(report))


# ---- the complainant's look-up of their case (issue 15 item 4) ------------------------------------------


class StatusQuery(Schema):
    number: str = Field(
        max_length=32,
        description="The case number the complainant was given",
        json_schema_extra=param_example("TS2026000128"),
    )
    phone: str | None = Field(
        default=None,
        max_length=32,
        description="The phone number the complainant gave at registration (this or `code`)",
        json_schema_extra=param_example("13907100000"),
    )
    code: str | None = Field(
        default=None,
        max_length=32,
        description=f"The status code given with the number ({receipts.STATUS_CODE_DIGITS} digits; this or "
        "`phone`)",
        json_schema_extra=param_example("493027518846"),
    )


class StatusOut(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "number": "TS2026000128",
                    "state": "transferred",
                    "state_label": "已转办",
                    "expected_reply_date": "2026-12-09",
                }
            ]
        }
    )

    number: str
    state: str = Field(description="The case's state (GLOSSARY.md)")
    state_label: str = Field(description="The state in the request's language")
    expected_reply_date: dt.date | None = Field(
        description="When a reply is due; none once it is not running"
    )


@router.get(
    "/public/status",
    response={200: StatusOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut, 503: ErrorOut},
    summary="A complainant looks up their case's state (no login)",
    description="With the case number and the complainant's phone number, or the status code given at "
    "registration: the state and the date a reply is due, nothing else. 404 for any other pair (a wrong "
    "phone or code and an unknown number alike); 422 when neither is given." + _LIMITED_DOC,
)
def case_status(request: HttpRequest, query: Query[StatusQuery]):
    _limit(request, "public-status")
    if not (query.phone or query.code):
        message = _("Give the phone number given at registration, or the status code.")
        raise FieldErrors({"phone": [message]})
    found = public_status(query.number, code=query.code, phone=query.phone)
    if found is None:
        raise Http404
    return found
