"""Pages of the web UI. Thin: they parse input, call the cases services and render.

Every case read starts from `visible_to(user)` / `get_visible_case`, so a case the user may not see is a 404,
exactly like a missing one.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from redress.access.confidential import content_withheld_q, may_see_content, with_content_flag, withhold_rows
from redress.access.visibility import get_visible_case, visible_to
from redress.audit.models import AuditAction
from redress.audit.services import attachment_read, record_export, record_read
from redress.cases.attachments import StoreFailed, open_stored
from redress.cases.choices import RevealPurpose
from redress.cases.register_query import (
    COUNT_CAP,
    MAX_OFFSET,
    RegisterFilter,
    capped_count,
    estimated_count,
)
from redress.cases.services import MATTER_MAX, validate_registration
from redress.common.errors import FieldErrors
from redress.escalation.triggers import current_settings
from redress.lifecycle import personal
from redress.lifecycle.registration import register_case
from redress.matching import search, suggest
from redress.receipts.services import status_code
from redress.text import fulltext

from . import clocks as clock_words
from .export import write_register
from .forms import MORE_FILTERS, RegisterFilterForm, RegistrationForm

PAGE_SIZE = 50
# What a register row shows: the long texts (matter, demand) stay on disk at a million rows.
ROW_FIELDS = (
    "number",
    "received_at",
    "kind",
    "channel",
    "category",
    "complainant_name",
    "complainant_phone",
    "complainant_anonymous",
    "state",
    "subject_unit__name",
    "first_responder__name",
    "first_responder__username",
)
# Characters of the matter or demand shown around the first match when searching.
MATCH_WIDTH = 60
# Page links shown either side of the current page.
PAGE_WINDOW = 3
# The deepest page one may ask for; a larger number shows the last page.
MAX_PAGE = MAX_OFFSET // PAGE_SIZE


def _page_number(raw: str | None) -> int:
    try:
        return min(MAX_PAGE, max(1, int(raw or 1)))
    except ValueError:
        return 1


def _page_links(page: int, last_known: int) -> list[int]:
    first = max(1, page - PAGE_WINDOW)
    last = max(page, min(last_known, page + PAGE_WINDOW))
    return list(range(first, last + 1))


def _show_matches(rows: list, query: fulltext.Query) -> None:
    """Where the search matched each row: its matter, else its demand, else its result reports and replies
    (read for those rows only), the words marked and the place named where it is not the matter."""
    places = {"": "", "demand": _("Demand"), "result_report": _("Result report"), "reply": _("Reply")}
    found = {row.pk: fulltext.first_found([("", row.matter), ("demand", row.demand)], query) for row in rows}
    missing = [pk for pk, where in found.items() if where is None]
    handling = search.handling_texts(missing) if missing else {}
    for pk in missing:
        found[pk] = fulltext.first_found(handling.get(pk, []), query)
    for row in rows:
        where, text = found[row.pk] or ("", row.matter)
        row.match_where = places[where]
        row.match = fulltext.highlight(text, query.words, width=MATCH_WIDTH)


@login_required
@require_GET
def register(request: HttpRequest) -> HttpResponse:
    """The register (R2.5): one capped count, one page query and one query for the page's binding clocks,
    whatever the number of cases."""
    form = RegisterFilterForm(request.user, request.GET or None)
    context: dict = {
        "form": form,
        "page_size": PAGE_SIZE,
        # The export with the numbers in full, for those who may reveal them (with a purpose: R10.3).
        "export_in_full": personal.may_export_in_full(request.user),
        "reveal_purposes": RevealPurpose.choices,
        "filters": [(k, v) for k, v in request.GET.items() if k not in {"page", "reveal"}],
        "more_filters": [form[name] for name in MORE_FILTERS],
        "more_filters_set": any(request.GET.get(name) for name in MORE_FILTERS),
    }
    try:
        flt = RegisterFilter.from_params(request.GET)
    except FieldErrors as exc:
        form.add_filter_errors(exc.errors)
        return render(request, "web/register.html", context)

    cases = flt.apply(visible_to(request.user), unsearchable=content_withheld_q(request.user))
    page = _page_number(request.GET.get("page"))
    # Count only as far as the page links need; past that the planner's estimate says "about N".
    cap = min(COUNT_CAP, (page + PAGE_WINDOW) * PAGE_SIZE)
    count, capped = capped_count(cases, cap=cap)
    estimate = estimated_count(cases) if capped else None
    last_known = max(1, -(-count // PAGE_SIZE))
    if not capped and page > last_known:
        # A page past the end (a stale link, a typed number) shows the last one.
        page = last_known
    offset = (page - 1) * PAGE_SIZE
    query = flt.query() if flt.q else None
    searching = query is not None and not query.empty
    # A search shows where each case matched: the matter and demand are read for the page's rows only.
    shown = (*ROW_FIELDS, "matter", "demand") if searching else ROW_FIELDS
    rows = list(
        with_content_flag(cases, request.user)
        .select_related("subject_unit", "first_responder")
        .only(*shown)
        .prefetch_related(clock_words.binding_clocks())[offset : offset + PAGE_SIZE + 1]
    )
    now = timezone.now()
    # A confidential case's row says that it exists and its state, nothing of what it says (R10.1).
    withhold_rows(rows, request.user)
    for row in rows:
        row.binding_clock = clock_words.summary(next(iter(row.live_binding_clocks), None), now)
    if searching:
        _show_matches([row for row in rows if not row.content_withheld], query)
    has_next = len(rows) > PAGE_SIZE
    context.update(
        cases=rows[:PAGE_SIZE],
        searching=searching,
        count=count,
        capped=capped,
        count_cap=f"{cap:,}",
        estimate=f"{estimate:,}" if estimate and estimate > cap else None,
        page=page,
        has_next=has_next,
        has_previous=page > 1,
        page_links=_page_links(page, last_known),
        last_page=None if capped else last_known,
        first_row=offset + 1,
    )
    return render(request, "web/register.html", context)


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """The filtered register as .xlsx, refused above EXPORT_MAX_ROWS rather than exhausting the server."""
    back = f"{reverse('web:register')}?{request.GET.urlencode()}"
    try:
        flt = RegisterFilter.from_params(request.GET)
    except FieldErrors:
        messages.error(request, _("Correct the filters before exporting."))
        return redirect(back)
    cases = flt.apply(visible_to(request.user), unsearchable=content_withheld_q(request.user))
    limit = settings.EXPORT_MAX_ROWS
    _count, over = capped_count(cases, cap=limit)
    if over:
        messages.error(
            request,
            _("More than %(limit)s cases match: narrow the filters to export them.")
            % {"limit": f"{limit:,}"},
        )
        return redirect(back)
    in_full = None
    purpose = request.GET.get("reveal", "")
    if purpose:
        # The numbers in full, asked for with a purpose: for the rows of cases this person may reveal.
        if not personal.may_export_in_full(request.user):
            raise PermissionDenied(_("You may not export personal data in full."))
        if purpose not in RevealPurpose.values:
            messages.error(request, _("Choose why the numbers are needed in full."))
            return redirect(back)
        user = request.user
        in_full = lambda case: personal.may_reveal(user, case)  # noqa: E731
    reader = request.user
    workbook, revealed = write_register(
        cases, in_full=in_full, withheld=lambda case: not may_see_content(reader, case)
    )
    if revealed:
        personal.record_export_reveals(request.user, revealed, purpose, timezone.now())
    filename = f"register-{timezone.localdate():%Y%m%d}.xlsx"
    # One row of the trail per exported case (R10.4), in batched INSERTs: the list the file is written from.
    record_export(request.user, cases.values_list("pk", flat=True), filename)
    return FileResponse(
        workbook,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@login_required
@require_POST
def new_case_suggestions(request: HttpRequest) -> JsonResponse:
    """What the registration form shows beside the classification while the clerk types the matter: the
    likely classes, each a button that fills its field (nothing is chosen for the clerk)."""
    matter = request.POST.get("matter", "")[:MATTER_MAX]
    demand = request.POST.get("demand", "")[:MATTER_MAX]
    found = suggest.suggest(matter, demand) if matter.strip() else {}
    threshold = float(current_settings().similarity_threshold)
    alike = suggest.alike_cases(request.user, matter, threshold=threshold) if matter.strip() else []
    return JsonResponse(
        {
            **{
                target: [{"value": s.value, "label": s.label} for s in items]
                for target, items in found.items()
            },
            "alike": [
                {
                    "number": c.number,
                    "state": str(c.get_state_display()),
                    # As the language writes it: TS…（已办结）, TS… (closed).
                    "label": _("%(number)s (%(state)s)")
                    % {"number": c.number, "state": c.get_state_display()},
                    "url": reverse("web:case", args=[c.number]),
                }
                for c, _score in alike
            ],
        }
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_case(request: HttpRequest) -> HttpResponse:
    """The registration form (R2.3). A hidden one-time key makes a double submit return the first case."""
    if request.user.is_read_only:
        raise PermissionDenied(_("Auditors may read cases but not register them."))
    if request.method == "POST":
        form = RegistrationForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = register_case(
                    request.user,
                    form.registration_data(),
                    files=form.cleaned_data["attachments"],
                    idempotency_key=form.cleaned_data["idempotency_key"] or None,
                )
            except (FieldErrors, StoreFailed) as exc:
                # A store that failed is no fault of the form's: still said beside the attachments, with the
                # rest kept, and answered 200 like any refusal (a proxy may swap a 503's page for its own).
                form.add_service_errors(exc.errors)
            else:
                number = result.case.number
                if result.created:
                    messages.success(
                        request,
                        _("Registered as case %(number)s. Tell the complainant this number.")
                        % {"number": number},
                    )
                    # With it, the complainant looks the case up on the public status page (issue 15).
                    # The page's whole address, as the clerk reads it out: the public site's where it is set.
                    path = reverse("web:public_status")
                    page = (
                        f"{settings.SITE_URL}{path}"
                        if settings.SITE_URL
                        else request.build_absolute_uri(path)
                    )
                    messages.info(
                        request,
                        _("Status code for the complainant: %(code)s (with the case number, at %(page)s).")
                        % {"code": status_code(number), "page": page},
                    )
                else:
                    messages.info(
                        request,
                        _("This registration was already submitted: case %(number)s.") % {"number": number},
                    )
                return redirect("web:case", number=number)
        else:
            # Show the rules' verdict on the other fields too, so every error appears at once.
            try:
                validate_registration(request.user, form.registration_data())
            except FieldErrors as exc:
                form.add_service_errors(exc.errors)
        if form.errors and request.FILES and "attachments" not in form.errors:
            # A browser cannot be given files back: say so where the clerk chooses them, so none is lost.
            names = "、".join(f.name for f in request.FILES.getlist("attachments"))
            form.add_error(
                "attachments",
                _("Nothing was registered, so these files were not kept: choose them again (%(names)s).")
                % {"names": names},
            )
    else:
        form = RegistrationForm()
    return render(request, "web/case_form.html", {"form": form})


@login_required
@require_GET
def attachment(request: HttpRequest, number: str, attachment_id: int) -> HttpResponse:
    """An attachment's bytes, only after the case's visibility check; otherwise the same 404 as missing.
    Streamed from the attachment store (a local directory or an object store), never from a path."""
    case = get_visible_case(request.user, number)
    # A confidential case's files only for those handling it (R10.1): to anyone else, none exists.
    item = case.attachments.filter(id=attachment_id).first() if may_see_content(request.user, case) else None
    if item is None:
        raise Http404("No such attachment.")
    try:
        handle = open_stored(item)
    except FileNotFoundError:
        raise Http404("No such attachment.") from None
    except StoreFailed as exc:
        return HttpResponse(exc.detail, status=503, content_type="text/plain; charset=utf-8")
    record_read(request.user, case, AuditAction.ATTACHMENT, attachment_read(item))
    return FileResponse(
        handle, as_attachment=True, filename=item.original_name, content_type=item.content_type
    )
