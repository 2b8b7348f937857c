"""The permission matrix (issue 14): every API operation (from the OpenAPI schema) and every page (from the
URL conf), for every role of the test bank and a visitor not signed in, on three cases — one of the person's
own part of the bank, one about them, one of another branch — answers the status this table expects.

Each operation and page has an entry in API or PAGES saying what kind of thing it is; the expected status
follows from the kind, the role and whether the role sees the case (SEES). A new endpoint or page with no
entry fails `test_every_operation_and_page_has_an_entry`. Every request runs in a transaction rolled back
after it, so a write that is allowed changes nothing the next request sees.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from redress.access.models import ApiToken
from redress.api.main import api
from redress.api.tests.conftest import bearer_client
from redress.api.tokens import KEY_LENGTH
from redress.cases.models import Case
from redress.lifecycle.registration import register_case
from redress.notifications.models import Notification

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ROLES = [
    "teller",
    "outlet_head",
    "subject",
    "handler",
    "branch_group",
    "province_group",
    "office",
    "auditor",
    "admin",
    "outsider",
]
RELATIONS = ("own", "about them", "other branch")
# Which of the three cases each role sees (R10.1, R10.2): nobody sees the case about them; the province's
# group, the supervision office, administrators and auditors see the other branch's.
SEES = {role: {"own": True, "about them": False, "other branch": False} for role in ROLES}
for role in ("province_group", "office", "auditor", "admin"):
    SEES[role]["other branch"] = True
READ_ONLY = {"auditor"}

# Kinds of operation and page.
CASE_READ = "a read of one case: 200 if the role sees it, else the 404 of a missing case"
CASE_NOTHING_THERE = "a document of the case that does not exist: 404 whoever asks (never 403 or 500)"
CASE_WRITE = "a change of one case: 404 if hidden; refused (403/409) for read-only roles; never 5xx"
MINE = "the caller's own lists, counts and reference data: 200 for everyone signed in"
WRITE_ANY = "a write not about one case, refused for read-only roles only (empty body: 422 otherwise)"
ADMIN_ONLY = "administrators only (empty body: 422 for them), 403 for everyone else"
INSPECTORS = "the supervision office and auditors only, 403 for everyone else"
INSTRUCTORS = "leaders in charge (and administrators) only, 403 for everyone else: none in the test bank"
NOT_YOURS = "the teller's record by id: the same 404 as a missing one for anyone else"
NOT_YOURS_BUT_ADMIN = "the teller's token: the same 404 as a missing one for anyone else but administrators"
PUBLIC = "no sign-in (a login form, the language switch, the health check): outside the role matrix"
REPORTS = (
    "figures across cases for a unit: 404 for a unit the caller may not see, hidden cases left out;"
    " role by role in redress/reports/tests and api/tests/test_reports.py: outside the role matrix"
)
PLANS = (
    "emergency plans: who declares, approves, activates, closes and sees one (its covered units and those"
    " above), role by role in redress/plans/tests, api/tests/test_plans.py and web/tests/test_plan_pages.py:"
    " outside the role matrix"
)
PROBLEMS = (
    "problems recorded from hotspots: read by those who see every case, recorded and changed by the"
    " supervision office only (403 otherwise); role by role in api/tests/test_performance_hotspots.py and"
    " web/tests/test_performance_pages.py: outside the role matrix"
)
MONITORS = (
    "media monitoring: the supervision office and administrators (201, or 422 field by field), 403 for others"
)
ADMIN_SITE = "Django's admin site: its own checks (staff flag, model permissions) and the admin's tests"

API = {
    "POST /api/v1/auth/token": PUBLIC,
    "GET /api/v1/auth/tokens": MINE,
    "DELETE /api/v1/auth/tokens/{key}": NOT_YOURS_BUT_ADMIN,
    "POST /api/v1/cases/suggestions": MINE,
    "POST /api/v1/cases": WRITE_ANY,
    "GET /api/v1/cases": MINE,
    "POST /api/v1/cases/with-attachments": WRITE_ANY,
    "GET /api/v1/cases/mine": MINE,
    "GET /api/v1/cases/awaiting-instruction": INSTRUCTORS,
    "GET /api/v1/cases/to-sign-for": MINE,
    "GET /api/v1/cases/to-answer": MINE,
    "GET /api/v1/cases/to-follow-up": MINE,
    "GET /api/v1/worklists": MINE,
    "GET /api/v1/cases/due": MINE,
    "GET /api/v1/cases/{number}": CASE_READ,
    "GET /api/v1/cases/{number}/similar": CASE_READ,
    "GET /api/v1/cases/{number}/events": CASE_READ,
    "POST /api/v1/cases/{number}/documents": CASE_WRITE,
    "GET /api/v1/cases/{number}/attachments/{attachment_id}": CASE_READ,
    "GET /api/v1/units": MINE,
    "POST /api/v1/units": ADMIN_ONLY,
    "GET /api/v1/staff": MINE,
    "POST /api/v1/staff": ADMIN_ONLY,
    "GET /api/v1/calendar/deadline": MINE,
    "GET /api/v1/calendar/days": MINE,
    "PUT /api/v1/calendar/years/{year}": ADMIN_ONLY,
    "GET /api/v1/notifications": MINE,
    "POST /api/v1/notifications/{notification_id}/read": NOT_YOURS,
    "GET /api/v1/audit": INSPECTORS,
    "GET /api/v1/reports/summary": REPORTS,
    "GET /api/v1/reports/daily": REPORTS,
    "GET /api/v1/reports/regulatory": REPORTS,
    "POST /api/v1/plans": PLANS,
    "GET /api/v1/plans/{plan_id}": PLANS,
    "POST /api/v1/plans/{plan_id}/approve": PLANS,
    "POST /api/v1/plans/{plan_id}/activate": PLANS,
    "POST /api/v1/plans/{plan_id}/close": PLANS,
    "POST /api/v1/plans/{plan_id}/extend": PLANS,
    "POST /api/v1/plans/{plan_id}/statements": PLANS,
    "GET /api/v1/plans/{plan_id}/dashboard": PLANS,
    "GET /api/v1/plans/{plan_id}/daily": PLANS,
    "POST /api/v1/plans/{plan_id}/duty_log": PLANS,
    "GET /api/v1/reports/dashboard": REPORTS,
    "GET /api/v1/reports/performance": REPORTS,
    "GET /api/v1/reports/hotspots": REPORTS,
    "GET /api/v1/reports/problems": PROBLEMS,
    "POST /api/v1/reports/problems": PROBLEMS,
    "PATCH /api/v1/reports/problems/{problem_id}": PROBLEMS,
    "POST /api/v1/public/reports": PUBLIC,
    "GET /api/v1/public/reports/{receipt}": PUBLIC,
    "POST /api/v1/public/reports/{receipt}/messages": PUBLIC,
    "GET /api/v1/public/status": PUBLIC,
    "GET /api/v1/daily-checks": MINE,
    "POST /api/v1/daily-checks": WRITE_ANY,
    "POST /api/v1/media-items": MONITORS,
    # Every declared action has its endpoint (redress.lifecycle.catalogue): one entry each.
    **{
        f"POST /api/v1/cases/{{number}}/{action}": CASE_WRITE
        for action in [
            "accept",
            "reject",
            "answer_on_spot",
            "instruct",
            "transfer",
            "acknowledge",
            "bounce",
            "chase",
            "report_to_head",
            "escalate",
            "contact",
            "report",
            "reply",
            "explain",
            "follow_up",
            "close",
            "reopen",
            "withdraw",
            "approve_compensation",
            "verbal_loss_report",
            "settle_loss_report",
            "emergency_payment",
            "confirm_with_business_line",
            "report_to_business_line",
            "direct_to_other_atm",
            "decide_atm_fee",
            "soothe_long_wait",
            "record_compensation_claim",
            "agree_plan_payout",
            "handle_aggressive_customer",
            "coordinate_mental_health",
            "report_cross_province",
            "report_anger",
            "report_to_group",
            "refer_legal",
            "assess_anonymous",
            "record_safety",
            "link_repeat",
            "reverify",
            "supervise",
            "hold_accountable",
            "conclude_investigation",
            "refer_judicial",
            "report_externally",
            "record_referral",
            "reply_to_referrer",
            "add_facts",
            "pause_clocks",
            "resume_clocks",
            "request_extension",
            "decide_extension",
            "reveal",
            "message_reporter",
            "set_legal_hold",
            "lift_legal_hold",
        ]
    },
}

PAGES = {
    "healthz": PUBLIC,
    "set_language": PUBLIC,
    "web:login": PUBLIC,
    "web:logout": PUBLIC,
    "web:register": MINE,
    "web:home": MINE,
    "web:export": MINE,
    "web:new_case": WRITE_ANY,
    "web:new_case_suggestions": MINE,
    "web:my_cases": MINE,
    "web:awaiting_instruction": INSTRUCTORS,
    "web:due_soon": MINE,
    "web:to_sign_for": MINE,
    "web:to_answer": MINE,
    "web:to_follow_up": MINE,
    "web:case": CASE_READ,
    "web:act": CASE_WRITE,
    "web:print_register": CASE_READ,
    "web:print_transfer": CASE_NOTHING_THERE,
    "web:print_report": CASE_NOTHING_THERE,
    "web:print_notice": CASE_NOTHING_THERE,
    "web:print_external": CASE_NOTHING_THERE,
    "web:attachment": CASE_READ,
    "web:add_documents": CASE_WRITE,
    "web:audit_trail": INSPECTORS,
    "web:retention": INSPECTORS,
    "web:daily_checks": MINE,
    "web:people_search": MINE,
    "web:new_media_item": MONITORS,
    "web:daily_report": REPORTS,
    "web:plans": PLANS,
    "web:new_plan": PLANS,
    "web:plan_centre": PLANS,
    "web:plan_state": PLANS,
    "web:plan_step": PLANS,
    "web:plan_extend": PLANS,
    "web:plan_statement": PLANS,
    "web:plan_duty_log": PLANS,
    "web:plan_daily": PLANS,
    "web:dashboard": REPORTS,
    "web:daily_report_xlsx": REPORTS,
    "web:performance": REPORTS,
    "web:performance_xlsx": REPORTS,
    "web:year_end_report": REPORTS,
    "web:hotspots": REPORTS,
    "web:problems": PROBLEMS,
    "web:problem": PROBLEMS,
    "web:analysis_report": PROBLEMS,
    "web:public_report": PUBLIC,
    "web:public_follow": PUBLIC,
    "web:public_status": PUBLIC,
    "web:audit_trail_export": INSPECTORS,
    "notifications:inbox": MINE,
    "notifications:read": NOT_YOURS,
    "notifications:read_all": MINE,
}
# Pages answered with a form or a file by GET, and changed by POST: asked with the method they act on.
POSTED_PAGES = {
    "web:add_documents",
    "web:new_case_suggestions",
    "notifications:read",
    "notifications:read_all",
}


def api_operations() -> set[str]:
    schema = api.get_openapi_schema()
    return {f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops}


def _walk(patterns, namespace: str = "", prefix: str = "") -> Iterator[tuple[str, str]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if str(entry.pattern).startswith(("admin/", "api/")):
                yield ("admin site" if str(entry.pattern).startswith("admin/") else "api", str(entry.pattern))
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern)


def pages() -> set[str]:
    return {name for name, _ in _walk(get_resolver().url_patterns) if name not in ("admin site", "api")}


def test_every_operation_and_page_has_an_entry():
    assert api_operations() == set(API), "an API operation with no entry in the matrix (or an entry too many)"
    assert pages() == set(PAGES), "a page with no entry in the matrix (or an entry too many)"
    assert {name for name, _ in _walk(get_resolver().url_patterns)} >= {"admin site", "api"}


@dataclass
class Cast:
    cases: dict[str, Case]  # "A", "B" and "about <role>"
    attachments: dict[str, int]  # case number → an attachment's id
    notification: int  # one addressed to the teller
    token_key: str  # a key of a token of the teller's


def make_cast(bank, role: str) -> Cast:
    def registered(actor, **overrides) -> Case:
        letter = SimpleUploadedFile("letter.pdf", PDF)
        return register_case(actor, bank.registration(**overrides), files=[letter]).case

    cases = {
        "A": registered(bank.teller),
        "B": registered(bank.outsider, subject_unit=bank.outlet_b1_1.code),
    }
    # The handler's own case is the one they handle.
    Case.objects.filter(pk=cases["A"].pk).update(handler=bank.handler)
    person = getattr(bank, role)
    unit = bank.outlet_b1_1 if role == "outsider" else bank.outlet_a1_1
    actor = bank.outsider if role == "outsider" else bank.teller
    if person == actor:
        actor = bank.outlet_head if role == "teller" else bank.office
    cases[f"about {role}"] = registered(actor, subject_unit=unit.code, subject_staff=person.username)
    attachments = {case.number: case.attachments.get().pk for case in cases.values()}
    notification = Notification.objects.create(
        recipient=bank.teller, event="matrix", subject="…", body="…", dedupe_key="matrix", batch=uuid.uuid4()
    )
    token, _secret = ApiToken.issue_row(bank.teller)
    return Cast(cases, attachments, notification.pk, token.digest[:KEY_LENGTH])


def case_for(cast: Cast, role: str, relation: str) -> Case:
    own, other = ("B", "A") if role == "outsider" else ("A", "B")
    return cast.cases[{"own": own, "about them": f"about {role}", "other branch": other}[relation]]


def expected(kind: str, role: str | None, sees: bool | None, multipart: bool = False) -> set[int]:
    """The statuses the matrix allows: `role` None is a visitor not signed in."""
    if role is None:
        return {401}
    if kind == CASE_READ:
        return {200} if sees else {404}
    if kind == CASE_NOTHING_THERE:
        return {404}
    if kind == CASE_WRITE:
        if not sees:
            return {404}
        return {403, 409} if role in READ_ONLY else {200, 302, 403, 409, 422}
    if kind == MINE:
        return {200}
    if kind == WRITE_ANY:
        # A multipart form sent empty is refused (422) before anyone is asked who sends it.
        return ({403, 422} if multipart else {403}) if role in READ_ONLY else {200, 201, 422}
    if kind == ADMIN_ONLY:
        # The examples name units of the demo bank: an administrator's request is refused field by field.
        return {200, 201, 422} if role == "admin" else {403}
    if kind == INSTRUCTORS:
        return {200} if role == "admin" else {403}
    if kind == INSPECTORS:
        return {200} if role in ("office", "auditor") else {403}
    if kind == MONITORS:
        # The example names a unit of the demo bank: refused field by field in the test bank.
        return {200, 201, 422} if role in ("office", "admin") else {403}
    if kind == NOT_YOURS:
        return {404} if role != "teller" else {200, 204, 302}
    if kind == NOT_YOURS_BUT_ADMIN:
        return {404} if role not in ("teller", "admin") else {200}
    raise AssertionError(kind)


def _rolled_back(send):
    with transaction.atomic():
        response = send()
        transaction.set_rollback(True)
    return response


# A query with no required parameter that still needs one of several (a length of time).
EXTRA_QUERY = {"GET /api/v1/calendar/deadline": {"working_days": 3}}


@functools.cache
def _schema() -> dict:
    return api.get_openapi_schema()


def example_input(operation: str) -> tuple[dict, dict]:
    """The operation's documented example body and required query parameters (what a caller would send):
    with them the answer is about who asks, not about a malformed request."""
    method, path = operation.split(" ", 1)
    spec = _schema()["paths"][path][method.lower()]
    query = {
        p["name"]: p.get("example", p.get("schema", {}).get("example"))
        for p in spec.get("parameters", [])
        if p["in"] == "query" and p.get("required")
    } | EXTRA_QUERY.get(operation, {})
    body = {}
    content = spec.get("requestBody", {}).get("content", {}).get("application/json")
    if content:
        schema = content["schema"]
        ref = schema.get("$ref") or (schema.get("allOf") or [{}])[0].get("$ref")
        component = _schema()["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else {}
        body = (component.get("examples") or [{}])[0]
    return body, query


def api_call(client: Client, operation: str, case: Case | None, cast: Cast) -> int:
    method, path = operation.split(" ", 1)
    body, query = example_input(operation)
    if case is not None:
        path = path.replace("{number}", case.number).replace(
            "{attachment_id}", str(cast.attachments[case.number])
        )
    path = path.replace("{key}", cast.token_key).replace("{notification_id}", str(cast.notification))
    path = path.replace("{year}", "2027")
    send = getattr(client, method.lower())
    if query:
        path = f"{path}?{urlencode(query)}"
    if method in ("POST", "PUT") and "with-attachments" not in path and "documents" not in path:
        return _rolled_back(lambda: send(path, body, content_type="application/json")).status_code
    return _rolled_back(lambda: send(path)).status_code


def page_url(name: str, case: Case | None, cast: Cast) -> str:
    from django.urls import reverse

    args = {
        "web:case": lambda: [case.number],
        "web:act": lambda: [case.number, "contact"],
        "web:print_register": lambda: [case.number],
        "web:print_transfer": lambda: [case.number, 999999],
        "web:print_report": lambda: [case.number, 999999],
        "web:print_notice": lambda: [case.number, 999999],
        "web:print_external": lambda: [case.number, 999999],
        "web:attachment": lambda: [case.number, cast.attachments[case.number]],
        "web:add_documents": lambda: [case.number],
        "notifications:read": lambda: [cast.notification],
    }.get(name, lambda: [])()
    return reverse(name, args=args)


CASE_KINDS = {CASE_READ, CASE_WRITE, CASE_NOTHING_THERE}


@pytest.mark.parametrize("role", [*ROLES, None], ids=[*ROLES, "not signed in"])
def test_every_operation_answers_each_role_as_the_matrix_says(bank, role):
    cast = make_cast(bank, role or "teller")
    person = getattr(bank, role) if role else None
    client = bearer_client(person) if person else Client()
    wrong = []
    for operation, kind in sorted(API.items()):
        if kind in (PUBLIC, REPORTS, PLANS, PROBLEMS):
            continue
        for relation in RELATIONS if kind in CASE_KINDS else (None,):
            case = case_for(cast, role or "teller", relation) if relation else None
            sees = SEES[role][relation] if role and relation else None
            status = api_call(client, operation, case, cast)
            allowed = expected(kind, role, sees, multipart="with-attachments" in operation)
            if status not in allowed:
                wrong.append(f"{operation} on the {relation or '-'} case: {status}, not {allowed}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", [*ROLES, None], ids=[*ROLES, "not signed in"])
def test_every_page_answers_each_role_as_the_matrix_says(bank, role):
    cast = make_cast(bank, role or "teller")
    client = Client()
    if role:
        client.force_login(getattr(bank, role))
    wrong = []
    for name, kind in sorted(PAGES.items()):
        if kind in (PUBLIC, REPORTS, PLANS, PROBLEMS):
            continue
        for relation in RELATIONS if kind in CASE_KINDS else (None,):
            case = case_for(cast, role or "teller", relation) if relation else None
            sees = SEES[role][relation] if role and relation else None
            url = page_url(name, case, cast)
            send = client.post if name in POSTED_PAGES else client.get
            status = _rolled_back(lambda send=send, url=url: send(url)).status_code
            allowed = expected(kind, role, sees)
            if role is None:
                allowed = {302}  # to the login page
            elif kind == MINE or (kind == WRITE_ANY and role not in READ_ONLY):
                allowed = allowed | {302}  # a form posted empty, or a list that sends the visitor on
            if status not in allowed:
                wrong.append(f"{name} on the {relation or '-'} case: {status}, not {allowed}")
    assert not wrong, "\n".join(wrong)
