"""The life of a case over HTTP: `POST /api/v1/cases/{number}/{action}`, one operation per human action
declared in `redress.lifecycle` (its catalogue), each with the action's own parameters as its documented
request body.

The endpoints are thin and written once: find the case through `visible_to`, hand the body (already
validated against the action's parameter schema) to `lifecycle.perform`. The rules (states, who may, what
each field must be) live in the declarations. Refusals: 404 (no such case, or one the caller may not see),
403 (not theirs to do), 409 (not in this state, or changed since the caller's `If-Match` version; the body
names the state and the allowed actions), 422 (field by field).
"""

from __future__ import annotations

import inspect

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Body, Field, Header, Router
from pydantic import create_model

from redress import lifecycle
from redress.access.visibility import get_visible_case, visible_to
from redress.lifecycle.machine import Action
from redress.lifecycle.params import Params
from redress.organisation.models import Staff

from .cases import CaseDetailOut, _with_detail, case_detail_out, case_number
from .errors import ApiError, Conflict
from .schemas import BODY_REFUSALS, ConflictOut, ErrorOut

router = Router(tags=["case actions"])


class ActionIn(Params):
    """What every action's request body may carry besides the action's own parameters."""

    expected_version: int | None = Field(
        None, description="The case version you acted on (as the `If-Match` header); 409 if it changed"
    )


def request_body(action: Action) -> type[ActionIn]:
    """The action's parameters plus `expected_version`, named `<Action>In` in the OpenAPI schema."""
    name = "".join(part.title() for part in action.name.split("_")) + "In"
    return create_model(name, __base__=(action.params, ActionIn), __doc__=action.params.__doc__)


RESPONSES = {
    200: CaseDetailOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ConflictOut,
    422: ErrorOut,
    **BODY_REFUSALS,
}
_COMMON = (
    " Send `If-Match: <version>` (or `expected_version` in the body) to act only on the version you read. "
    "Returns 200 with the case. 400: the body is not JSON; 401: no valid token; 403: not yours to do; "
    "404: no such case or one you may not see; 409: not possible in the case's state, or it changed since "
    "that version (the body names the state and the actions allowed now); 413: the body is too large; "
    "422: field by field."
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


def run_action(
    action: Action,
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
        # The body is an instance of the action's parameter schema, validated by the same rules already.
        case = lifecycle.perform(action.name, staff, case, body, expected_version=expected)
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
    return case_detail_out(shown or case, staff, revealed=action.reveals)


def _endpoint(action: Action, body: type[ActionIn]):
    def endpoint(request, *, response, number, payload, if_match):
        return run_action(action, request, response, number, payload or body(), if_match)

    # Real classes in the signature: ninja reads each operation's request body schema from it. Ninja passes
    # everything but the request by name, so the parameters after it are keyword-only (a default may come
    # before a required body).
    has_required = any(f.is_required() for f in body.model_fields.values())
    payload_default = inspect.Parameter.empty if has_required else Body(None)
    by_name = inspect.Parameter.KEYWORD_ONLY
    endpoint.__signature__ = inspect.Signature(
        [
            inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=HttpRequest),
            inspect.Parameter("response", by_name, annotation=HttpResponse),
            inspect.Parameter("number", by_name, annotation=str, default=case_number()),
            inspect.Parameter("payload", by_name, annotation=body, default=payload_default),
            inspect.Parameter(
                "if_match",
                by_name,
                annotation=str | None,
                default=Header(None, alias="If-Match", description="The case version you read"),
            ),
        ]
    )
    endpoint.__name__ = f"case_{action.name}"
    return endpoint


def _mount() -> None:
    for action in lifecycle.HUMAN_ACTIONS.values():
        router.post(
            f"/cases/{{number}}/{action.name}",
            response=RESPONSES,
            summary=action.summary,
            description=action.description + _COMMON,
            operation_id=f"case_{action.name}",
            url_name=f"case_{action.name}",
        )(_endpoint(action, request_body(action)))


_mount()
