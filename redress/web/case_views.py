"""The case's life in the web UI: its actions, its lists (my cases, awaiting instruction, due soon) and the
forms a bank prints. Thin: the lifecycle decides, these pages ask it and show the answer.
"""

from __future__ import annotations

import copy
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from redress import lifecycle
from redress.access.confidential import may_see_content, withhold, withhold_rows
from redress.access.visibility import (
    get_visible_case,
    hidden_numbers,
    numbers_hidden_in,
    redact_numbers,
    visible_to,
)
from redress.audit.models import AuditAction
from redress.audit.services import record_read
from redress.cases.attachments import StoreFailed
from redress.cases.choices import OPEN_STATES, EventKind, ExternalBody, Flag, Kind, State
from redress.cases.models import Case, TransferOrder, Withdrawal, with_relations
from redress.common.errors import FieldErrors
from redress.deadlines.models import Clock, Extension
from redress.escalation.services import group_of
from redress.escalation.triggers import current_settings
from redress.lifecycle import (
    ActionForbidden,
    ConcurrentChange,
    IllegalTransition,
    documents,
    personal,
    worklists,
)
from redress.lifecycle import permissions as lifecycle_permissions
from redress.lifecycle.machine import can_act
from redress.matching import suggest
from redress.organisation.models import Staff, Unit
from redress.receipts import services as receipts
from redress.referrals.models import Referral
from redress.retention.services import anonymised_at

from . import clocks as clock_words
from .action_forms import form_class, grouped, has_fields
from .flags import flag_reason
from .forms import unit_choices, units_for_filter

LIST_PAGE_SIZE = 50
DUE_SOON = dt.timedelta(hours=24)


def _state_label(state: str) -> str:
    return str(State(state).label) if state in State.values else state


def _as_shown(user: Staff, case: Case) -> Case:
    """The case as `user` may read it: a withheld copy of a confidential case they do not handle (R10.1)."""
    return case if may_see_content(user, case) else withhold(copy.copy(case))


def _conflict(request: HttpRequest, case: Case, message: str) -> HttpResponse:
    """409: the case moved on under the user. Nothing was changed; the page says what the case is now."""
    fresh = _as_shown(request.user, visible_to(request.user).filter(pk=case.pk).first() or case)
    context = {"case": fresh, "message": message, "state_label": _state_label(fresh.state)}
    return render(request, "web/action_conflict.html", context, status=409)


@login_required
@require_http_methods(["GET", "POST"])
def act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """One view for every action: its form derived from its declaration, its rules in the lifecycle."""
    case = get_visible_case(request.user, number)
    spec = lifecycle.HUMAN_ACTIONS.get(action)
    if spec is None:
        raise Http404("No such action.")
    if action not in lifecycle.allowed_actions(request.user, case):
        if spec.possible_in(case):
            raise PermissionDenied(_("You may not take this action on this case."))
        return _conflict(
            request,
            case,
            _("The case is now %(state)s: this action is no longer possible. Reload the case.")
            % {"state": _state_label(case.state)},
        )

    if request.method == "POST":
        form = form_class(action)(request.POST, user=request.user, case=case)
        if not form.is_valid() and "version" in form.errors:
            return _conflict(request, case, _("The form was out of date. Reload the case and try again."))
        if form.is_valid():
            try:
                done = lifecycle.perform(
                    action,
                    request.user,
                    case,
                    form.params(),
                    expected_version=form.cleaned_data["version"],
                )
            except FieldErrors as exc:
                form.add_action_errors(exc.errors)
            except ConcurrentChange:
                fresh = visible_to(request.user).filter(pk=case.pk).first() or case
                return _conflict(
                    request,
                    case,
                    _("Someone else changed this case a moment ago; it is now %(state)s. Reload it.")
                    % {"state": _state_label(fresh.state)},
                )
            except IllegalTransition as exc:
                return _conflict(
                    request,
                    case,
                    _("The case is now %(state)s: this action is no longer possible. Reload the case.")
                    % {"state": _state_label(exc.state)},
                )
            except ActionForbidden as exc:
                raise PermissionDenied(str(exc)) from None
            else:
                messages.success(
                    request,
                    _("%(action)s: done. Case %(number)s is now %(state)s.")
                    % {"action": spec.label, "number": done.number, "state": _state_label(done.state)},
                )
                if not visible_to(request.user).filter(pk=done.pk).exists():
                    # e.g. a handler who sent the transfer back no longer sees the case.
                    return redirect("web:register")
                return redirect("web:case", number=done.number)
    else:
        form = form_class(action)(initial={"version": case.version}, user=request.user, case=case)
    context = {"case": _as_shown(request.user, case), "spec": spec, "form": form}
    return render(request, "web/action_form.html", context)


# A case page lists at most this many other members of its group complaint (the register finds the rest).
GROUP_SHOWN = 50
# The cases about a similar matter the case page lists (all of them: GET /api/v1/cases/{number}/similar).
SIMILAR_SHOWN = 5


def _is_public_report(case: Case) -> bool:
    return case.kind == Kind.WHISTLEBLOW and receipts.report_of(case) is not None


def _public_report(user: Staff, case: Case) -> dict | None:
    if case.kind != Kind.WHISTLEBLOW or not (
        can_act(user, case) and lifecycle_permissions.holder(user, case)
    ):
        return None
    report = receipts.report_of(case)
    return {"contact": report.contact, "messages": receipts.messages(report)} if report else None


def _similar(user: Staff, case: Case) -> list[tuple[Case, int]]:
    """The cases this person may see and read about a matter alike to the case's (by the likeness the repeat
    and group rules use), best first, each with how alike in percent."""
    threshold = float(current_settings().similarity_threshold)
    found = suggest.visible_alike(user, case, threshold=threshold, limit=SIMILAR_SHOWN)
    return [(other, round(likeness * 100)) for other, likeness in found]


def _case_context(request: HttpRequest, case: Case) -> dict:
    now = timezone.now()
    orders = case.transfer_orders.select_related("from_unit", "to_unit", "handler", "acknowledged_by", "by")
    actions = lifecycle.allowed_actions(request.user, case)
    events = list(case.events.select_related("actor"))
    previous = (
        visible_to(request.user).filter(pk=case.previous_case_id).first() if case.previous_case_id else None
    )
    flags = case.flags.order_by("flag")
    if case.previous_case_id and previous is None:
        # A repeat of a case the viewer may not see: not even that there is one (R10.2).
        flags = flags.exclude(flag=Flag.REPEAT)
    may_reveal = "reveal" in actions
    return {
        "case": case,
        "now": now,
        # Retention anonymised it (decision 0037): said so above the emptied texts.
        "anonymised_at": anonymised_at(case),
        # The numbers in full for a few minutes after this person's reveal (redress.lifecycle.personal).
        "may_reveal": may_reveal,
        "revealed_until": personal.revealed_until(request.user, case, now) if may_reveal else None,
        "flags": flags,
        "flag_reasons": [
            (f.get_flag_display(), reason) for f in flags if (reason := flag_reason(f.flag, f.evidence))
        ],
        "similar": _similar(request.user, case),
        "attachments": case.attachments.select_related("uploaded_by"),
        "may_add_documents": documents.may_add_documents(request.user, case),
        "events": events,
        "hidden_numbers": hidden_numbers(request.user, case, events),
        "clocks": clock_words.case_clocks(case, now),
        "extensions": Extension.objects.filter(clock__case=case).select_related(
            "clock", "requested_by", "decided_by"
        ),
        "orders": orders,
        "notices": case.supervision_notices.select_related("issued_by_unit", "to_unit", "clock"),
        "accountabilities": case.accountabilities.select_related("staff", "unit"),
        "reports": case.result_reports.select_related("by"),
        "contacts": case.contacts.select_related("by"),
        "follow_ups": case.follow_ups.select_related("by"),
        "escalations": case.escalations.select_related("by", "to_unit"),
        "instructions": case.instructions.select_related("by"),
        "chases": case.chases.select_related("by"),
        "withdrawals": case.withdrawals.select_related("by", "investigation"),
        "safety_records": case.safety_records.select_related("by"),
        "approvals": case.compensation_approvals.select_related("by", "business_line"),
        "referrals": case.legal_referrals.select_related("by"),
        "referring_bodies": Referral.objects.filter(case=case).select_related(
            "recorded_by", "replied_by", "clock"
        ),
        # A report from the public page: the reporter's contact and the messages, for those handling it.
        "public_report": _public_report(request.user, case),
        # What the complainant looks the case up with on the public status page (issue 15), told by those
        # working on it; a public report has its receipt instead.
        "status_code": receipts.status_code(case.number)
        if documents.may_add_documents(request.user, case) and not _is_public_report(case)
        else None,
        "repeats": visible_to(request.user).filter(previous_case=case).only("number", "received_at", "state"),
        "previous": previous,
        # The other cases of its group complaint that this person may see; those they may not are neither
        # named nor counted (R10.2).
        "group_members": visible_to(request.user)
        .filter(pk__in=group_of(case))
        .exclude(pk=case.pk)
        .only("number", "received_at", "state")
        .order_by("received_at", "id")[:GROUP_SHOWN],
        "action_groups": grouped(actions),
        "direct_actions": {
            n for n in actions if n in lifecycle.HUMAN_ACTIONS and not has_fields(lifecycle.HUMAN_ACTIONS[n])
        },
    }


@login_required
@require_POST
def add_documents(request: HttpRequest, number: str) -> HttpResponse:
    """The case page's "add documents" form: the files and a note; back to the case with what happened."""
    case = get_visible_case(request.user, number)
    try:
        added = documents.add_documents(
            request.user, case, request.FILES.getlist("attachments"), request.POST.get("note", "")
        )
    except ActionForbidden as exc:
        raise PermissionDenied(str(exc)) from None
    except (FieldErrors, StoreFailed) as exc:
        for problems in exc.errors.values():
            for problem in problems:
                messages.error(request, problem)
        files = request.FILES.getlist("attachments")
        if files and "attachments" not in exc.errors:
            # A browser cannot be given files back: say so, so that none is thought kept.
            messages.error(
                request,
                _("Nothing was added, so these files were not kept: choose them again (%(names)s).")
                % {"names": "、".join(f.name for f in files)},
            )
    else:
        messages.success(
            request,
            ngettext("%(n)d document added.", "%(n)d documents added.", len(added)) % {"n": len(added)},
        )
    return redirect(f"{reverse('web:case', args=[case.number])}#attachments")


def _shown_case(user, number: str, *prefetch: Prefetch) -> Case:
    """get_visible_case with the units, people and classes a page shows, and `prefetch`, loaded alongside."""
    case = with_relations(visible_to(user)).prefetch_related(*prefetch).filter(number=number).first()
    if case is None:
        raise Http404("No case with this number.")
    return case


@login_required
@require_GET
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    clocks = Prefetch("clocks", queryset=Clock.objects.select_related("policy"))
    case = _shown_case(request.user, number, clocks)
    record_read(request.user, case, AuditAction.CASE_PAGE)
    if not may_see_content(request.user, case):
        # Confidential, and this person does not handle it: that it exists and its state (R10.1).
        return render(request, "web/case_withheld.html", {"case": withhold(case)})
    return _without_hidden_numbers(
        request, case, render(request, "web/case_detail.html", _case_context(request, case))
    )


def _without_hidden_numbers(request: HttpRequest, case: Case, response: HttpResponse) -> HttpResponse:
    """The page with every number of a case the viewer may not see, typed into any text on it (a transfer's
    note, a contact, a reason), given way to a phrase: wherever the text is shown, not only in the history
    (R10.2)."""
    page = response.content.decode()
    hidden = numbers_hidden_in(request.user, page, case.number)
    if hidden:
        response.content = redact_numbers(page, hidden, escape(_("outside your view"))).encode()
    return response


# Lists


def _paged(request: HttpRequest, rows) -> tuple:
    paginator = Paginator(rows, LIST_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return page, paginator


def _with_clocks(cases: list[Case], now: dt.datetime) -> list[tuple[Case, dict | None]]:
    return [(c, clock_words.summary(next(iter(c.live_binding_clocks), None), now)) for c in cases]


@login_required
@require_GET
def my_cases(request: HttpRequest) -> HttpResponse:
    """R3.1, R3.5: every case the user took as first responder, whatever unit holds it now, until it ends."""
    cases = (
        visible_to(request.user)
        .filter(first_responder=request.user, state__in=OPEN_STATES)
        .select_related("holder_unit", "handler")
        .prefetch_related(clock_words.binding_clocks())
        .order_by("received_at", "id")
    )
    page, paginator = _paged(request, cases)
    rows = withhold_rows(list(page), request.user)
    context = {"page": page, "count": paginator.count, "rows": _with_clocks(rows, timezone.now())}
    return render(request, "web/my_cases.html", context)


@login_required
@require_GET
def awaiting_instruction(request: HttpRequest) -> HttpResponse:
    """R2.8: open cases the leader in charge has not yet instructed on."""
    if not worklists.may_instruct(request.user):
        raise PermissionDenied(_("This list is for the leader in charge."))
    return _worklist(request, "awaiting_instruction")


# The other work lists: what each says, and the step a row's button takes (the case's own page when the
# step has a form of its own there).
_WORKLISTS = {
    "awaiting_instruction": (
        worklists.awaiting_instruction,
        gettext_lazy("Awaiting instruction"),
        gettext_lazy("Open cases without the leader's instruction yet, oldest first."),
        gettext_lazy("Every open case has its instruction."),
        "instruct",
        gettext_lazy("Write instruction"),
    ),
    "to_sign_for": (
        worklists.to_sign_for,
        gettext_lazy("To sign for"),
        gettext_lazy(
            "Transfer orders addressed to your unit or naming you as handler: sign for them (or send "
            "them back) so that the clock of the unit that must act starts."
        ),
        gettext_lazy("No transfer order waits for you."),
        "acknowledge",
        gettext_lazy("Sign for it"),
    ),
    "to_answer": (
        worklists.to_answer,
        gettext_lazy("To answer"),
        gettext_lazy(
            "Your cases whose answer to the customer is yours to give now: handled in your unit, or "
            "with the result report back from the unit that acted."
        ),
        gettext_lazy("No customer waits for your answer."),
        "reply",
        gettext_lazy("Answer the customer"),
    ),
    "to_follow_up": (
        worklists.to_follow_up,
        gettext_lazy("To follow up"),
        gettext_lazy("Your cases answered and waiting for the follow-up with the customer."),
        gettext_lazy("No case waits for a follow-up."),
        "follow_up",
        gettext_lazy("Follow up"),
    ),
}


def _worklist(request: HttpRequest, name: str) -> HttpResponse:
    find, title, summary, empty, action, button = _WORKLISTS[name]
    cases = (
        find(request.user)
        .select_related("holder_unit", "handler", "first_responder")
        .prefetch_related(clock_words.binding_clocks())
    )
    page, paginator = _paged(request, cases)
    context = {
        "page": page,
        "count": paginator.count,
        "rows": _with_clocks(withhold_rows(list(page), request.user), timezone.now()),
        "title": title,
        "summary": summary,
        "empty": empty,
        "action": action,
        "button": button,
    }
    return render(request, "web/worklist.html", context)


@login_required
@require_GET
def to_sign_for(request: HttpRequest) -> HttpResponse:
    return _worklist(request, "to_sign_for")


@login_required
@require_GET
def to_answer(request: HttpRequest) -> HttpResponse:
    return _worklist(request, "to_answer")


@login_required
@require_GET
def to_follow_up(request: HttpRequest) -> HttpResponse:
    return _worklist(request, "to_follow_up")


@login_required
@require_GET
def due_soon(request: HttpRequest) -> HttpResponse:
    """R4.4: live clocks of the cases the user sees — due within 24 hours (the page opens on these), or past
    due (newest first: today's breach before last month's) — in a unit's subtree, or only the user's own."""
    now = timezone.now()
    units = units_for_filter(request.user)
    status = request.GET.get("status", worklists.DUE_SOON)
    if status not in (worklists.DUE_SOON, worklists.OVERDUE):
        status = worklists.DUE_SOON
    mine = request.GET.get("mine") == "1"
    code = request.GET.get("unit", "").strip()
    unit = None
    if code:
        # A code with a NUL names no unit (and PostgreSQL could not even look it up).
        unit = units.filter(code=code).first() if "\x00" not in code else None
        if unit is None:
            messages.error(request, _("Choose a unit from the list."))
    clocks = (
        worklists.due(
            request.user,
            now=now,
            within=DUE_SOON,
            status=status,
            unit_path=unit.path if unit else "",
            handler=request.user if mine else None,
        )
        # The handler by key: every relation joined costs PostgreSQL planning time (see with_relations).
        .select_related("case", "case__holder_unit", "policy")
        .prefetch_related(Prefetch("case__handler", queryset=Staff.objects.all()))
    )
    if status == worklists.OVERDUE:
        clocks = clocks.order_by("-due_at", "-id")
    page, paginator = _paged(request, clocks)
    rows = []
    for clock in page:
        rows.append((clock, clock_words.summary(clock, now)))
    context = {
        "page": page,
        "count": paginator.count,
        "rows": rows,
        "unit": unit,
        "unit_options": unit_choices(units),
        "status": status,
        "mine": mine,
    }
    return render(request, "web/due_soon.html", context)


# Print-ready forms


def bank_name() -> str:
    root = Unit.objects.filter(parent__isnull=True).order_by("path").values_list("name", flat=True).first()
    return root or "Redress"


def _print(request: HttpRequest, template: str, case: Case, what: str, **context) -> HttpResponse:
    if not may_see_content(request.user, case):
        raise PermissionDenied(
            _("This case is confidential: only those handling it may print its documents.")
        )
    record_read(request.user, case, AuditAction.PRINT, what)
    context.update(case=case, bank_name=bank_name(), printed_at=timezone.now())
    return _without_hidden_numbers(request, case, render(request, template, context))


@login_required
@require_GET
def print_transfer_order(request: HttpRequest, number: str, order_id: int) -> HttpResponse:
    case = get_visible_case(request.user, number)
    order = (
        TransferOrder.objects.filter(case=case, pk=order_id)
        .select_related("from_unit", "to_unit", "handler", "by", "acknowledged_by")
        .first()
    )
    if order is None:
        raise Http404("No such transfer order.")
    return _print(request, "web/print/transfer_order.html", case, f"transfer order {order.pk}", order=order)


@login_required
@require_GET
def print_supervision_notice(request: HttpRequest, number: str, notice_id: int) -> HttpResponse:
    case = get_visible_case(request.user, number)
    notice = case.supervision_notices.filter(pk=notice_id).select_related("issued_by_unit", "to_unit").first()
    if notice is None:
        raise Http404("No such supervision notice.")
    return _print(
        request, "web/print/supervision_notice.html", case, f"supervision notice {notice.pk}", notice=notice
    )


@login_required
@require_GET
def print_result_report(request: HttpRequest, number: str, report_id: int) -> HttpResponse:
    case = get_visible_case(request.user, number)
    report = case.result_reports.filter(pk=report_id).select_related("by").first()
    if report is None:
        raise Http404("No such result report.")
    return _print(request, "web/print/result_report.html", case, f"result report {report.pk}", report=report)


@login_required
@require_GET
def print_external_report(request: HttpRequest, number: str, event_id: int) -> HttpResponse:
    """The report of a major or media complaint sent outside the bank (P3 第十五条, 第二十条), as recorded:
    to whom, when, by whom, and its text, on one A4 sheet to sign and send."""
    case = get_visible_case(request.user, number)
    event = (
        case.events.filter(pk=event_id, kind=EventKind.REPORTED_EXTERNALLY)
        .select_related("actor__unit")
        .first()
    )
    if event is None:
        raise Http404("No such report.")
    data = event.data or {}
    reported_at = _moment_of(data.get("at")) or event.at
    return _print(
        request,
        "web/print/external_report.html",
        case,
        f"external report {event.pk}",
        event=event,
        to=ExternalBody(data["to"]).label if data.get("to") in ExternalBody.values else data.get("to", ""),
        reported_at=reported_at,
        text=data.get("note", ""),
    )


def _moment_of(value) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


@login_required
@require_GET
def print_register_row(request: HttpRequest, number: str) -> HttpResponse:
    case = _shown_case(request.user, number)
    context = {
        "instructions": case.instructions.select_related("by"),
        "orders": case.transfer_orders.select_related("to_unit"),
        "replies": case.contacts.filter(is_reply=True),
        "follow_ups": case.follow_ups.all(),
        "withdrawal": Withdrawal.objects.filter(case=case).order_by("-id").first(),
    }
    return _print(request, "web/print/register_row.html", case, "register row", **context)
