"""The life of a case over HTTP: `POST /api/v1/cases/{number}/{action}`, one operation per action of
`redress.cases.lifecycle.TRANSITIONS`, each with its own documented request body.

The endpoints are thin: find the case through `visible_to`, turn the body into the params the action's rule
reads, and call `lifecycle.perform`. The rules (states, who may, what each field must be) live there.
Refusals: 404 (no such case, or one the caller may not see), 403 (not theirs to do), 409 (not in this state,
or changed since the caller's `If-Match` version; the body names the state and the allowed actions), 422
(field by field).
"""

from __future__ import annotations

import datetime as dt
import inspect
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Body, Field, Header, Router, Schema
from pydantic import ConfigDict

from redress.access.visibility import get_visible_case, visible_to
from redress.cases import lifecycle
from redress.cases.choices import ContactMethod, Responsibility, SafetyIncident, Satisfaction
from redress.deadlines.choices import ClockName, PauseReason
from redress.organisation.choices import Level
from redress.organisation.models import Staff

from .cases import CaseDetailOut, _with_detail, case_detail_out
from .errors import ApiError, Conflict
from .schemas import ConflictOut, ErrorOut

router = Router(tags=["case actions"])


def _choices(choices) -> Any:
    """A Literal of the identifiers of a TextChoices: the schema lists them and refuses others."""
    return Literal[tuple(choices.values)]


ContactMethodValue = _choices(ContactMethod)
SatisfactionValue = _choices(Satisfaction)
ResponsibilityValue = _choices(Responsibility)
SafetyIncidentValue = _choices(SafetyIncident)
LevelValue = _choices(Level)
PauseReasonValue = _choices(PauseReason)
ClockNameValue = _choices(ClockName)

_AT = (
    "When it happened, ISO 8601 with its UTC offset (e.g. 2026-03-02T09:30:00+08:00); "
    "now when omitted. Not in the future."
)


# ---- request bodies: exactly the fields each action's rule reads ---------------------------------------


class ActionIn(Schema):
    # A misspelt field would otherwise be dropped without a word and the fact lost.
    model_config = ConfigDict(extra="forbid")

    expected_version: int | None = Field(
        None, description="The case version you acted on (as the `If-Match` header); 409 if it changed"
    )


class AcceptIn(ActionIn):
    pass


class RejectIn(ActionIn):
    reason: str = Field(description="Why the case is not accepted, as told to the complainant")


class AnswerOnSpotIn(ActionIn):
    answer: str = Field(description="The answer given at once to a walk-in petitioner")


class InstructIn(ActionIn):
    text: str = Field(description="The leader in charge's instruction")


class TransferIn(ActionIn):
    to_unit: str | None = Field(
        None, description="Code of the receiving unit; the case's default route (by category) when omitted"
    )
    note: str = Field("", description="What the receiving unit is asked to do")
    handler: str | None = Field(
        None,
        description="Username of the handler in the receiving unit; never the staff member complained about",
    )


class AcknowledgeIn(ActionIn):
    handler: str | None = Field(
        None,
        description="Username of the handler in the receiving unit (the case's handler, else the caller, "
        "when omitted); never the staff member complained about",
    )


class BounceIn(ActionIn):
    reason: str = Field(description="Why the receiving unit sends the case back")


class ChaseIn(ActionIn):
    note: str = Field("", description="What the first responder asked the handler")


class ReportToHeadIn(ActionIn):
    note: str = Field("", description="What is reported to the head of the handler's unit (after a chase)")


class ContactIn(ActionIn):
    at: dt.datetime | None = Field(None, description=_AT)
    method: ContactMethodValue = Field(description="How the customer was reached")
    note: str = Field("", description="What was said")


class ReportIn(ActionIn):
    """The result report (R7.1); a transferred case needs one before it can close."""

    findings: str = Field(description="The matter and what was found")
    staff_handling: str = Field(description="How the responsible staff were dealt with")
    lessons: str = Field(description="Lessons learned")
    rectification: str = Field(description="What changes, and by when")
    customer_satisfaction: SatisfactionValue = Field(description="The customer's satisfaction")
    handled_at: dt.datetime | None = Field(None, description="When it was handled. " + _AT)
    handler_name: str = Field(max_length=64, description="Name of the handler who signs the report")
    handler_phone: str = Field(description="The handler's phone number")


class ReplyIn(ActionIn):
    at: dt.datetime | None = Field(None, description="When the decision notice was given. " + _AT)
    method: ContactMethodValue = Field(description="How the notice was given")
    content: str = Field(description="The decision; the remedies open to the customer are appended")
    promises_compensation: bool = Field(
        False,
        description="The reply promises a payout: refused unless the business line's approval is recorded",
    )


class FollowUpIn(ActionIn):
    satisfaction: SatisfactionValue = Field(description="The customer's satisfaction on the call back (R7.2)")
    note: str = Field("", description="What the customer said")


class EscalateIn(ActionIn):
    reason: str = Field(description="Why the case goes up")
    to_level: LevelValue | None = Field(
        None, description="The level it goes to; the next one up when omitted"
    )


class WithdrawIn(ActionIn):
    voluntary: bool = Field(
        description="true: closed as withdrawn. false (under pressure): the case stays on record, goes to "
        "the supervision office, and an investigation is opened (R6.7)"
    )
    reason: str = Field(description="The customer's reason, or what pressure was put on them")


class CloseIn(ActionIn):
    responsibility: ResponsibilityValue = Field(
        description="The bank's responsibility; the statistics class is computed and stored at close (R7.4)"
    )


class ReopenIn(ActionIn):
    reason: str = Field(description="Why the closed case goes back to work (e.g. a dissatisfied follow-up)")


class ApproveCompensationIn(ActionIn):
    amount: Decimal | str = Field(description="Yuan, ≥ 0, at most 2 decimals")
    business_line: str = Field(description="Code of the business line's department that approved (R6.3)")
    approver_name: str = Field(max_length=64, description="Who approved")
    note: str = Field("", description="Conditions of the approval")


class ReferLegalIn(ActionIn):
    note: str = Field(description="The economic dispute referred to legal counsel (R6.4)")


class AssessAnonymousIn(ActionIn):
    good_faith: bool = Field(
        description="true: made in good faith, verified and filed. false: malicious, analysed (R6.1)"
    )
    note: str = Field(description="What was verified, or the analysis")


class RecordSafetyIn(ActionIn):
    incident: SafetyIncidentValue = Field(description="What kind of incident (R6.8)")
    note: str = Field(description="What happened and what was done")
    security_called: bool = Field(False, description="The security department was called")
    police_called: bool = Field(False, description="The police were called")
    video_covered: bool = Field(False, description="The scene is covered by video")


class ExplainIn(ActionIn):
    rule: str = Field(description="The rule explained to the customer: not the bank's fault (R6.2)")
    at: dt.datetime | None = Field(None, description=_AT)
    method: ContactMethodValue = Field(description="How the explanation was given")


class LinkRepeatIn(ActionIn):
    previous_case: str = Field(
        max_length=16, description="Number of the earlier case this one repeats (R6.6)"
    )


class ReverifyIn(ActionIn):
    note: str = Field(description="What the re-verification of a repeat complaint found")


class PauseClocksIn(ActionIn):
    reason: PauseReasonValue = Field(description="The only pauses the law allows")
    note: str = Field("", description="Details, e.g. the appraiser")


class ResumeClocksIn(ActionIn):
    pass


class RequestExtensionIn(ActionIn):
    clock: ClockNameValue | None = Field(
        None, description="The clock to extend; the binding clock for answering the customer when omitted"
    )
    reason: str = Field(description="Why more time is needed (told to the customer when approved)")


class DecideExtensionIn(ActionIn):
    approve: bool = Field(description="Approve or refuse the extension awaiting a decision")
    note: str = Field("", description="The decision's note")
    customer_told_method: ContactMethodValue | None = Field(
        None, description="How the customer is told of the extension; required when approving"
    )


class AddFactsIn(ActionIn):
    note: str = Field(description="The new facts; they restart the statutory decision clock")


# ---- the table ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionDoc:
    body: type[ActionIn]
    summary: str
    description: str


ACTIONS: dict[str, ActionDoc] = {
    "accept": ActionDoc(AcceptIn, "Accept the case", "Review (R2.6): the case is accepted for handling."),
    "reject": ActionDoc(RejectIn, "Do not accept the case", "Review (R2.6): not accepted, with the reason."),
    "answer_on_spot": ActionDoc(
        AnswerOnSpotIn, "Answer on the spot", "A walk-in petition answered at once is closed (R2.7)."
    ),
    "instruct": ActionDoc(InstructIn, "Instruct", "The leader in charge's instruction (R2.8)."),
    "transfer": ActionDoc(
        TransferIn,
        "Transfer to the unit that must act",
        "Creates a transfer order (R3.2) with its deadline; the case waits for acknowledgement.",
    ),
    "acknowledge": ActionDoc(
        AcknowledgeIn, "Acknowledge a transfer", "The receiving unit takes the case and names its handler."
    ),
    "bounce": ActionDoc(BounceIn, "Send a transfer back", "The receiving unit sends the case back (R3.3)."),
    "chase": ActionDoc(ChaseIn, "Chase the handler", "The first responder chases a late handler (R3.4)."),
    "report_to_head": ActionDoc(
        ReportToHeadIn,
        "Report to the handler's head",
        "After a chase that did not help, the first responder reports to the head of the holding unit "
        "(R3.4).",
    ),
    "contact": ActionDoc(
        ContactIn, "Contact the customer", "A contact with the customer; meets the first-contact clock."
    ),
    "report": ActionDoc(ReportIn, "File the result report", "The result report (R7.1)."),
    "reply": ActionDoc(
        ReplyIn,
        "Reply to the customer",
        "The decision notice; it states the remedies open (review, mediation, arbitration, court).",
    ),
    "follow_up": ActionDoc(FollowUpIn, "Follow up", "The call back to the customer (R7.2)."),
    "escalate": ActionDoc(EscalateIn, "Escalate", "Manual escalation to a higher level (R5.1)."),
    "withdraw": ActionDoc(WithdrawIn, "Withdraw", "The customer withdraws the case (R6.7)."),
    "close": ActionDoc(
        CloseIn, "Close", "Closes a replied case and stores its statistics class with the facts (R7.4)."
    ),
    "reopen": ActionDoc(ReopenIn, "Reopen", "A closed case goes back to work."),
    "approve_compensation": ActionDoc(
        ApproveCompensationIn,
        "Record the business line's compensation approval",
        "Needed before a reply may promise a payout (R6.3).",
    ),
    "refer_legal": ActionDoc(ReferLegalIn, "Refer to legal counsel", "An economic dispute (R6.4)."),
    "assess_anonymous": ActionDoc(
        AssessAnonymousIn,
        "Assess an anonymous report",
        "Good faith: verify and file; malicious: analyse (R6.1).",
    ),
    "record_safety": ActionDoc(
        RecordSafetyIn, "Record a safety incident", "An aggressive customer and the steps taken (R6.8)."
    ),
    "explain": ActionDoc(
        ExplainIn,
        "Explain: not the bank's fault",
        "The rule is explained to the customer; this is the reply, and responsibility is not_at_fault "
        "(R6.2).",
    ),
    "link_repeat": ActionDoc(
        LinkRepeatIn, "Link to an earlier case", "Marks a repeat complaint and links the earlier case (R6.6)."
    ),
    "reverify": ActionDoc(
        ReverifyIn, "Re-verify a repeat", "The re-verification of a repeat complaint (R6.6)."
    ),
    "pause_clocks": ActionDoc(
        PauseClocksIn, "Pause the clocks", "For an external appraisal or a mediation only (R4.4)."
    ),
    "resume_clocks": ActionDoc(
        ResumeClocksIn, "Resume the clocks", "The paused time is added to each clock's limit."
    ),
    "request_extension": ActionDoc(
        RequestExtensionIn,
        "Request an extension",
        "Asks for the next extension its policy allows; someone else approves it.",
    ),
    "decide_extension": ActionDoc(
        DecideExtensionIn,
        "Decide an extension",
        "Approves or refuses the extension awaiting a decision; on approval the customer is told.",
    ),
    "add_facts": ActionDoc(
        AddFactsIn, "Add new facts", "New facts on a repeat complaint restart the statutory decision clock."
    ),
}

# Fired by automatic rules as the system actor (redress.escalation); no person may take them, so they have
# no endpoint. Every other transition has one (a test holds the two lists to TRANSITIONS).
SYSTEM_ACTIONS = frozenset({"set_flags", "auto_escalate"})

RESPONSES = {200: CaseDetailOut, 403: ErrorOut, 404: ErrorOut, 409: ConflictOut, 422: ErrorOut}
_COMMON = (
    " Send `If-Match: <version>` (or `expected_version` in the body) to act only on the version you read. "
    "Returns 200 with the case. 403: not yours to do; 404: no such case or one you may not see; "
    "409: not possible in the case's state, or it changed since that version (the body names the state "
    "and the actions allowed now); 422: field by field."
)


# ---- running an action --------------------------------------------------------------------------------


def _if_match(header: str | None) -> int | None:
    """`If-Match: 3`, `"3"` or `W/"3"` → 3."""
    if header is None or not header.strip():
        return None
    value = header.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise ApiError(
            422, _("Some fields are not valid."), {"If-Match": [_("Send the case version, a whole number.")]}
        )
    return int(value)


def _expected_version(header: str | None, body: ActionIn) -> int | None:
    from_header = _if_match(header)
    if from_header is not None and body.expected_version is not None and from_header != body.expected_version:
        raise ApiError(
            422,
            _("Some fields are not valid."),
            {"expected_version": [_("It differs from the If-Match header.")]},
        )
    return from_header if from_header is not None else body.expected_version


def _params(body: ActionIn) -> dict[str, Any]:
    params = body.model_dump(exclude={"expected_version"}, exclude_none=True)
    if isinstance(params.get("amount"), Decimal):
        params["amount"] = str(params["amount"])
    return params


def run_action(
    action: str,
    request: HttpRequest,
    response: HttpResponse,
    number: str,
    body: ActionIn,
    if_match: str | None,
) -> dict:
    staff: Staff = request.auth
    case = get_visible_case(staff, number)
    expected = _expected_version(if_match, body)
    try:
        case = lifecycle.perform(action, staff, case, _params(body), expected_version=expected)
    except lifecycle.ConcurrentChange as exc:
        current = visible_to(staff).filter(pk=case.pk).select_related("unit", "holder_unit").first()
        if current is None:
            raise Http404 from None
        raise Conflict(
            str(exc), current.state, lifecycle.allowed_actions(staff, current), current.version
        ) from None
    shown = _with_detail(visible_to(staff)).filter(pk=case.pk).first()
    # Acting can take a case out of the caller's sight (a handler sending it back): they still see the
    # outcome of what they just did.
    response["ETag"] = f'"{case.version}"'
    return case_detail_out(shown or case, staff)


def _endpoint(action: str, body: type[ActionIn]):
    def endpoint(request, response, number, payload, if_match):
        return run_action(action, request, response, number, payload or body(), if_match)

    # Real classes in the signature: ninja reads each operation's request body schema from it.
    has_required = any(f.is_required() for f in body.model_fields.values())
    payload_default = inspect.Parameter.empty if has_required else Body(None)
    endpoint.__signature__ = inspect.Signature(
        [
            inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=HttpRequest),
            inspect.Parameter("response", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=HttpResponse),
            inspect.Parameter("number", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=str),
            inspect.Parameter(
                "payload", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=body, default=payload_default
            ),
            inspect.Parameter(
                "if_match",
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                annotation=str | None,
                default=Header(None, alias="If-Match", description="The case version you read"),
            ),
        ]
    )
    endpoint.__name__ = f"case_{action}"
    return endpoint


def _mount() -> None:
    for action, doc in ACTIONS.items():
        router.post(
            f"/cases/{{number}}/{action}",
            response=RESPONSES,
            summary=doc.summary,
            description=doc.description + _COMMON,
            operation_id=f"case_{action}",
            url_name=f"case_{action}",
        )(_endpoint(action, doc.body))


_mount()
