"""The audit trail for inspectors (R10.4): who saw a case, what a person saw, in a window of days; as a page
and as an Excel workbook. The supervision office and auditors only (`redress.audit.services.may_inspect`)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from redress.audit.services import AuditQuery, described, may_inspect, search

from .export import write_audit_trail

PAGE_SIZE = 50


class AuditSearchForm(forms.Form):
    case_number = forms.CharField(label=_("case number"), required=False, max_length=32)
    username = forms.CharField(label=_("staff member (username)"), required=False, max_length=150)
    since = forms.DateField(label=_("from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end of the period comes before its start."))
        return data

    def query(self) -> AuditQuery:
        return AuditQuery(**{name: value for name, value in self.cleaned_data.items() if value})


def _inspect(request: HttpRequest) -> tuple[AuditSearchForm, object]:
    if not may_inspect(request.user):
        raise PermissionDenied
    form = AuditSearchForm(request.GET or None)
    asked = form.is_bound and form.is_valid()
    return form, search(request.user, form.query()) if asked else None


@login_required
@require_GET
def audit_trail(request: HttpRequest) -> HttpResponse:
    form, rows = _inspect(request)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")) if rows is not None else None
    if page is not None:
        page.object_list = described(page.object_list)
    context = {
        "form": form,
        "page": page,
        "count": page.paginator.count if page else 0,
        "asked": rows is not None,
    }
    return render(request, "web/audit_trail.html", context)


@login_required
@require_GET
def audit_trail_export(request: HttpRequest) -> HttpResponse:
    _form, rows = _inspect(request)
    if rows is None:
        return audit_trail(request)
    filename = f"audit-trail-{timezone.localdate():%Y%m%d}.xlsx"
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return FileResponse(
        write_audit_trail(rows), as_attachment=True, filename=filename, content_type=content_type
    )
